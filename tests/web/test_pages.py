"""The workbench over HTTP with a real study (real engine, vault, audit log): what each role
sees, what each action records, and that no name reaches a page it must not reach."""

from __future__ import annotations

import re

import pytest
from steward_study import PARTICIPANTS, TRANSCRIPTS, all_names
from workbench import build, client

from anonymizer.web.marks import aligned_rows
from anonymizer.web.steward_original import reason_code


@pytest.fixture
def app(study):
    return build(study)


def _events(study, event):
    return [f for e, f in study.audit_events() if e == event]


def _actors(study, event):
    from anonymizer.audit.verify import iter_records

    with study.open_vault() as vault:
        key = vault.audit_key()
    return [r.actor for r in iter_records(study.audit_path, key)
            if getattr(r.event, "value", r.event) == event]


def _names_in(html: str) -> list[str]:
    return [n for n in all_names() if re.search(rf"\b{re.escape(n)}\b", html)]


def test_the_queue_lists_what_awaits_review_and_the_quarantine(app) -> None:
    web, _ = client(app, "stella")
    page = web.get("/steward").text
    assert page.count('href="/steward/t/P0') == 5
    assert "zip_bomb" in page and "Assign and retry" in page
    assert _names_in(page) == []


def test_the_transcript_marks_every_replacement_and_flag(app, study) -> None:
    web, _ = client(app, "stella")
    page = web.get("/steward/t/P01_wave1").text
    outcome = study.releases[(1, "wave1")].outcome
    assert len(re.findall(r'<mark class="rep" id="r\d+"', page)) == len(outcome.scan.replacements)
    assert len(re.findall(r' id="f\d+"', page)) == len(outcome.scan.flags)  # marks, anchors
    clean = re.search(r'<pre class="transcript" id="clean-text">(.*?)</pre>', page, re.S)
    text = re.sub(r"<[^>]+>", "", clean.group(1)).replace("&#39;", "'").replace("&amp;", "&")
    assert text == study.releases[(1, "wave1")].clean_path.read_text(encoding="utf-8")
    assert _names_in(page) == []


def test_a_missed_name_is_registered_with_the_account_as_actor(app, study) -> None:
    web, token = client(app, "stella")
    answer = web.post("/steward/t/P03_wave1/deny",
                      data={"csrf": token, "text": "shipyard", "kind": "organisation"})
    assert answer.status_code == 200 and "Registered as" in answer.text
    # the transcripts whose originals hold the word, found in the sealed originals
    assert re.findall(r"<li>(P\d+_wave\d) \(participant", answer.text) == ["P03_wave1"]
    assert 'name="correction"' in answer.text and 'id="apply"' in answer.text
    [decision] = _events(study, "review_decision")
    assert decision["decision"] == "add_deny" and decision["kind"] == "organisation"
    assert _actors(study, "review_decision") == ["stella"]
    with study.open_vault() as vault:
        assert vault.lookup("organisation", "shipyard") is not None
    # Apply queues the rerun for the daemon (the daemon is not running here: it stays queued)
    correction = re.search(r'name="correction" value="(\d+)"', answer.text).group(1)
    applied = web.post("/steward/apply", data={"csrf": token, "correction": correction})
    assert applied.status_code == 303
    listing = web.get(applied.headers["location"]).text
    assert re.findall(r'<td class="state">(\w+)</td>', listing) == ["queued"]
    assert 'hx-trigger="every 1s"' in listing  # it refreshes itself until done
    [listed] = _events(study, "affected_listed")
    assert listed["queued_count"] == 1 and listed["correction_numbers"] == [int(correction)]
    refused = web.post("/steward/t/P03_wave1/deny",
                       data={"csrf": token, "text": "not in this text", "kind": "person"})
    assert refused.status_code == 400 and "not in this transcript" in refused.text


def test_the_original_needs_a_reason_and_is_aligned_and_audited(app, study) -> None:
    web, token = client(app, "stella")
    url = "/steward/t/P01_wave1/original"
    assert "Why do you need it?" in web.get(url).text
    assert web.post(url, data={"csrf": token, "reason": ""}).status_code == 400
    named = web.post(url, data={"csrf": token, "reason": "check torvald again"})
    assert named.status_code == 400 and "replaced in this transcript" in named.text
    assert _events(study, "reidentified") == []
    page = web.post(url, data={"csrf": token, "reason": "Check a missed name"})
    assert page.status_code == 200 and "Torvald Myrhaug" in page.text
    [record] = _events(study, "reidentified")
    assert record["reidentify_reason"] == "check_a_missed_name"
    assert record["command"] == "web_original" and record["numbers"] == [1]
    assert _actors(study, "reidentified") == ["stella"]
    rows = re.findall(r'<tr><td class="num">(\d+)</td>', page.text)
    assert len(rows) == TRANSCRIPTS[(1, "wave1")].count("\n")  # lines, not the final break
    # the committee sees who, why, and no name
    committee, _ = client(app, "conrad")
    report = committee.get("/committee").text
    assert "check a missed name" in report and "stella" in report
    assert _names_in(report) == [] and "Audit log verified: OK" in report


def test_aligned_rows_pair_each_clean_line_with_its_original(study) -> None:
    release = study.releases[(2, "wave1")]
    review = release.outcome
    from anonymizer.store.review_marks import ReviewData

    data = ReviewData.from_outcome(review)
    original = TRANSCRIPTS[(2, "wave1")]
    rows = aligned_rows(review.clean_text, original, data.replacements, data.flags, {})
    assert ["".join(s.text for s in r.original) for r in rows] == \
        original.rstrip("\n").split("\n")
    assert ["".join(s.text for s in r.clean.segments) for r in rows] == \
        review.clean_text.rstrip("\n").split("\n")
    marked = [s.text for r in rows for s in r.original if s.mark is not None
              and s.mark.cls == "orig"]
    assert PARTICIPANTS[2][0] in marked


@pytest.mark.parametrize("typed, words, expected", [
    ("Check a missed name", set(), "check_a_missed_name"),
    ("flag 3 on line 12?", set(), "flag_3_on_line_12"),
    ("ask about Kari", {"kari"}, None),
    ("why", set(), None),
    ("sjekk navnet på Ås", set(), None),  # not a-z: refused, not mangled
])
def test_reason_codes(typed, words, expected) -> None:
    if expected is None:
        with pytest.raises(Exception):  # noqa: B017 - InputError, with its message
            reason_code(typed, words)
    else:
        assert reason_code(typed, words) == expected


def test_search_finds_originals_and_records_no_term(app, study) -> None:
    web, token = client(app, "stella")
    page = web.post("/steward/search", data={"csrf": token, "term": "Kolbein"}).text
    assert re.findall(r'href="/steward/t/(P\d+_wave\d)"', page) == ["P01_wave1", "P03_wave2"]
    [record] = _events(study, "searched")
    assert record["match_count"] == 2 and record["numbers"] == [1, 3]
    assert "Kolbein" not in study.audit_path.read_text()
    committee, ctoken = client(app, "conrad")
    assert committee.post("/steward/search", data={"csrf": ctoken, "term": "Kolbein"}
                          ).status_code == 403


def test_mark_reviewed_shows_in_the_queue_and_the_report(app, study) -> None:
    web, token = client(app, "stella")
    assert web.post("/steward/t/P02_wave1/reviewed", data={"csrf": token}).status_code == 200
    assert 'href="/steward/t/P02_wave1">P02_wave1</a> reviewed by stella' in \
        web.get("/steward").text
    committee, _ = client(app, "conrad")
    row = re.search(r"<tr><td>P02_wave1</td>.*?</tr>", committee.get("/committee").text)
    assert row and "<td>stella</td>" in row.group(0)
    # the catalog is the daemon's to write: a review request waits for it in the spool
    from anonymizer.daemon.requests import RequestKind, Spool

    [request] = Spool.of(study.settings()).waiting()
    assert request.kind is RequestKind.REVIEW and request.stem == "P02_wave1"
    assert request.job == study.releases[(2, "wave1")].job and request.actor == "stella"


def test_an_assistant_uploads_and_sees_a_receipt(app, study) -> None:
    web, token = client(app, "astrid")
    text = TRANSCRIPTS[(2, "wave1")].replace("started", "began").encode()
    answer = web.post("/assistant/upload", data={"csrf": token},
                      files={"files": ("Ragnhild Østerbø wave2.txt", text, "text/plain")})
    assert answer.status_code == 200 and "1 file(s) received" in answer.text
    assert (study.data / "inbox" / "Ragnhild Østerbø wave2.txt").read_bytes() == text
    assert "waiting in the inbox" in answer.text
    assert _names_in(answer.text) == []
    receipts = (study.data / "web" / "uploads.jsonl").read_text()
    assert "Ragnhild" not in receipts and "astrid" in receipts
    [record] = _events(study, "uploaded")
    assert record["input_format"] == "txt" and record["input_bytes"] == len(text)
    again = web.post("/assistant/upload", data={"csrf": token},
                     files={"files": ("Ragnhild Østerbø wave2.txt", text, "text/plain")})
    assert again.status_code == 400 and "waiting in the inbox already" in again.text
    bad = web.post("/assistant/upload", data={"csrf": token},
                   files={"files": ("notes.exe", b"MZ", "application/octet-stream")})
    assert bad.status_code == 400
    # another assistant's page does not show it
    assert list((study.data / "inbox").glob(".upload-*")) == []


def test_quarantine_assign_moves_the_input_back_under_a_code(app, study) -> None:
    web, token = client(app, "stella")
    [name] = [p.name for p in (study.data / "quarantine").glob("*.docx")]
    answer = web.post(f"/steward/q/{name}/assign",
                      data={"csrf": token, "participant": "2", "wave": "wave3"})
    assert answer.status_code == 303
    assert (study.data / "inbox" / "P02_wave3.docx").is_file()
    [record] = _events(study, "quarantine_action")
    assert record["action"] == "assigned"
    assert "zip_bomb" not in web.get("/steward").text


def _index_of(study, key, word):
    from anonymizer.store.review_marks import ReviewData

    data = ReviewData.from_outcome(study.releases[key].outcome)
    original = TRANSCRIPTS[key]
    return next(i for i, m in enumerate(data.replacements, 1)
                if original[m.original_start:m.original_end] == word)


def test_wrong_kind_and_same_person_change_the_vault_identity(app, study) -> None:
    web, token = client(app, "stella")
    with study.open_vault() as vault:
        gudrun = vault.lookup("person", "Gudrun Lysvik").number
        assert vault.lookup("place", "Tromsø") is not None
    place = _index_of(study, (1, "wave1"), "Tromsø")
    answer = web.post(f"/steward/t/P01_wave1/r/{place}/kind",
                      data={"csrf": token, "kind": "organisation"})
    assert answer.status_code == 200 and "is now Organisation" in answer.text
    foreman = _index_of(study, (1, "wave1"), "Kolbein")
    answer = web.post(f"/steward/t/P01_wave1/r/{foreman}/merge",
                      data={"csrf": token, "target_kind": "person",
                            "target_number": str(gudrun)})
    assert answer.status_code == 200 and f"merged into Person {gudrun}" in answer.text
    # both are corrections: the transcripts holding either name are listed, with Apply
    assert re.findall(r"<li>(P\d+_wave\d) \(participant", answer.text) == [
        "P01_wave1", "P01_wave2", "P03_wave2"]
    with study.open_vault() as vault:
        assert vault.lookup("place", "Tromsø") is None
        assert vault.lookup("organisation", "Tromsø") is not None
        assert vault.lookup("person", "Kolbein").number == gudrun
    assert [f["into_kind"] for f in _events(study, "identity_moved")] == ["organisation"]
    [merged] = _events(study, "identities_merged")
    assert merged["keep"] == gudrun and merged["kind"] == "person"
    assert _actors(study, "identities_merged") == ["stella"]
    nobody = web.post(f"/steward/t/P01_wave1/r/{foreman}/merge",
                      data={"csrf": token, "target_kind": "person", "target_number": "999"})
    assert nobody.status_code == 400


SUBTITLES = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Interviewer>How did the first months go?

00:00:05.000 --> 00:00:09.000
<v Torvald Myrhaug>Slowly. Gudrun Lysvik drove me to the clinic.
"""


def test_a_subtitle_original_is_aligned_with_its_cues(empty_study, session_engine) -> None:
    from workbench import daemon

    with empty_study.config.open("a", encoding="utf-8") as config:
        config.write("\n[watch]\nsettle_seconds = 0.0\npoll_seconds = 0.05\n")
    inbox = empty_study.data / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "P01_wave1.vtt").write_text(SUBTITLES, encoding="utf-8")
    worker = daemon(empty_study, session_engine)
    try:
        assert worker.run(oneshot=True).released == 1
    finally:
        worker.ctx.keystore.close()
    web, token = client(build(empty_study), "stella")
    shown = web.get("/steward/t/P01_wave1").text
    assert "[00:00:05]" in shown
    page = web.post("/steward/t/P01_wave1/original",
                    data={"csrf": token, "reason": "check the cue alignment"}).text
    rows = re.findall(r'<td class="text original">(.*?)</td><td class="text clean">(.*?)</td>',
                      page)
    plain = [(re.sub(r"<[^>]+>", "", o), re.sub(r"<[^>]+>", "", c)) for o, c in rows]
    assert len(plain) == 2
    assert plain[1][0] == "Torvald Myrhaug: Slowly. Gudrun Lysvik drove me to the clinic."
    assert plain[1][1].startswith("Participant 1: Slowly. [Person")
    assert plain[1][1].endswith("drove me to the clinic.")


def test_an_upload_is_never_spooled_to_a_temp_file(app, study, monkeypatch) -> None:
    import tempfile

    import starlette.formparsers

    made = []
    real = tempfile.SpooledTemporaryFile

    class Watched(real):
        def rollover(self):  # the moment a spooled file would go to disk
            made.append(self._max_size)
            return super().rollover()

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", Watched)
    web, token = client(app, "astrid")
    big = ("Interviewer: tell me more.\n" * 80_000).encode()  # ~2 MB, over Starlette's 1 MB
    answer = web.post("/assistant/upload", data={"csrf": token},
                      files={"files": ("P02_wave3.txt", big, "text/plain")})
    assert answer.status_code == 200 and "1 file(s) received" in answer.text
    assert made == []
    assert (study.data / "inbox" / "P02_wave3.txt").read_bytes() == big
