"""The issue's "done when", end to end: transcripts dropped into a real inbox and released by the
real daemon (oneshot, the session's model, a real vault), both pages written by the CLI and
opened in Chromium, then one byte of the audit log changed -- and `audit verify` and the ethics
report name the record. Then every other tamper kind, each named at its line.

Until the daemon writes ``P07_wave2.review.json`` itself, this test writes it the way the daemon
will (``Engine.anonymize`` with the same vault, ``ReviewData.from_outcome``), after checking that
the engine gives back exactly the released text.
"""

from __future__ import annotations

import json
from pathlib import Path

from browser import Page, only_itself
from steward_study import TRANSCRIPTS, StewardStudy, all_names

DROPS = {
    "Torvald Myrhaug wave1.txt": TRANSCRIPTS[(1, "wave1")],
    "P01 wave2.txt": TRANSCRIPTS[(1, "wave2")],
    "Ragnhild Østerbø wave1.txt": TRANSCRIPTS[(2, "wave1")],
    "P03_wave1.txt": TRANSCRIPTS[(3, "wave1")],
    "notes wave1.txt": "",  # empty: quarantined
}


def run_daemon(study: StewardStudy, session_engine) -> None:
    from anonymizer.audit.log import open_audit_log
    from anonymizer.daemon import Daemon
    from anonymizer.engine.engine import Engine
    from anonymizer.keys.vault_adapter import open_vault_keystore

    settings = study.settings()
    with open_vault_keystore(settings, interactive=False) as keystore:
        engine = Engine(settings, session_engine.rulebook, session_engine.pipeline, keystore)
        audit = open_audit_log(settings, keystore.vault.audit_key())
        summary = Daemon(settings, engine, keystore, audit, polling=True).run(oneshot=True)
    assert (summary.released, summary.quarantined) == (4, 1)


def write_review_data(study: StewardStudy, session_engine) -> list[str]:
    """``*.review.json`` beside every released file that has none yet; returns the stems."""
    from anonymizer.engine.engine import Engine
    from anonymizer.keys.vault_adapter import open_vault_keystore
    from anonymizer.store.originals import Originals
    from anonymizer.store.review_marks import ReviewData

    settings = study.settings()
    stems = []
    with open_vault_keystore(settings, interactive=False) as keystore:
        engine = Engine(settings, session_engine.rulebook, session_engine.pipeline, keystore)
        originals = Originals(settings.paths.folder("originals"), settings.project.id)
        for meta_path in sorted(study.store.glob("P*/*/*.meta.json")):
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            stem = meta_path.name[: -len(".meta.json")]
            stems.append(stem)
            target = meta_path.with_name(stem + ".review.json")
            if target.exists():
                continue
            original = originals.read(keystore.vault, meta["original"]["file"],
                                      meta["participant"], meta["job_id"]).decode("utf-8")
            outcome = engine.anonymize(original)
            released = meta_path.with_name(meta["files"][0]["name"]).read_text(encoding="utf-8")
            assert released == outcome.clean_text.rstrip("\n") + "\n"
            target.write_text(ReviewData.from_outcome(outcome).to_json(), encoding="utf-8")
    return stems


def released_study(empty_study: StewardStudy, session_engine) -> StewardStudy:
    with empty_study.config.open("a", encoding="utf-8") as config:
        config.write("\n[watch]\nsettle_seconds = 0.0\npoll_seconds = 0.05\n")
    inbox = empty_study.data / "inbox"
    inbox.mkdir(parents=True)
    for name, text in DROPS.items():
        (inbox / name).write_text(text, encoding="utf-8")
    run_daemon(empty_study, session_engine)
    assert write_review_data(empty_study, session_engine) == [
        "P01_wave1", "P01_wave2", "P02_wave1", "P03_wave1"]
    return empty_study


def line_of(log: Path, *needles: bytes) -> int:
    for number, line in enumerate(log.read_bytes().split(b"\n"), 1):
        if all(n in line for n in needles):
            return number
    raise AssertionError("no such record")


def test_demo_flow_pages_then_one_changed_byte_is_named(empty_study: StewardStudy,
                                                         session_engine, capsys,
                                                         tmp_path: Path, page: Page) -> None:
    study = released_study(empty_study, session_engine)
    review, report = tmp_path / "review.html", tmp_path / "report.html"
    code, stdout, stderr = study.cli(capsys, "review", "P02_wave1", "-o", review)
    assert (code, stderr) == (0, ""), stderr
    code, stdout, _ = study.cli(capsys, "report", "-o", report)
    assert code == 0 and "audit log OK" in stdout
    for path in (review, report):
        data = path.read_bytes().lower()
        assert [n for n in all_names() if n.encode().lower() in data] == []
    page.open(review)
    assert only_itself(page) == [] and page.messages() == []
    assert page.evaluate("document.querySelectorAll('#clean-text mark.rep').length") > 0
    page.open(report)
    assert only_itself(page) == [] and page.messages() == []
    assert page.evaluate("[...document.querySelectorAll('#flow tbody th')]"
                         ".map(th => th.textContent)") == ["P01", "P02", "P03"]
    assert page.evaluate("document.querySelectorAll('#quarantine tbody tr').length") == 1

    log = study.audit_path
    line = line_of(log, b'"event":"released"', b'"participant":2,')
    data = bytearray(log.read_bytes())
    start = sum(len(x) + 1 for x in bytes(data).split(b"\n")[: line - 1])
    at = data.index(b'"input_sha256":"', start) + len(b'"input_sha256":"')
    data[at] = ord("0") if data[at] != ord("0") else ord("1")  # one byte, one record
    log.write_bytes(bytes(data))

    code, stdout, _ = study.cli(capsys, "audit", "verify")
    assert code == 1
    assert f"audit log BROKEN at {log} line {line}: EDITED" in stdout
    code, stdout, _ = study.cli(capsys, "report", "-o", tmp_path / "after.json",
                                "--format", "json")
    assert code == 1 and f"BROKEN at audit.jsonl line {line} (EDITED)" in stdout
    first_bad = json.loads((tmp_path / "after.json").read_text())["audit"]["first_bad"]
    assert (first_bad["line"], first_bad["reason"]) == (line, "EDITED")
    study.cli(capsys, "report", "-o", report)
    page.open(report)
    assert page.evaluate("document.getElementById('audit-status').textContent").startswith(
        f"Audit log BROKEN at audit.jsonl line {line}: EDITED")


def _edit(lines: list[bytes]) -> tuple[list[bytes], int, str]:
    at = lines[2].index(b'"mac":"') + 8
    lines[2] = lines[2][:at] + (b"0" if lines[2][at:at + 1] != b"0" else b"1") + \
        lines[2][at + 1:]
    return lines, 3, "EDITED"


TAMPERS = {
    "edit a byte": _edit,
    "delete a record": lambda ls: (ls[:2] + ls[3:], 3, "DELETED"),
    "swap two records": lambda ls: (ls[:2] + [ls[3], ls[2]] + ls[4:], 3, "REORDERED"),
    "replay a record": lambda ls: (ls[:3] + [ls[1]] + ls[3:], 4, "INSERTED"),
    "cut the last record short": lambda ls: (ls[:-2] + [ls[-2][: len(ls[-2]) // 2]],
                                             len(ls) - 1, "TRUNCATED"),
}


def test_every_tamper_kind_is_named_by_verify_and_by_the_report(
        empty_study: StewardStudy, session_engine, capsys, tmp_path: Path) -> None:
    study = released_study(empty_study, session_engine)
    log = study.audit_path
    pristine = log.read_bytes()
    assert pristine.endswith(b"\n") and pristine.count(b"\n") >= 8
    for kind, tamper in TAMPERS.items():
        lines, line, reason = tamper(pristine.split(b"\n")[:-1] + [b""])
        log.write_bytes(b"\n".join(lines))
        assert log.read_bytes() != pristine, kind
        code, stdout, _ = study.cli(capsys, "audit", "verify")
        assert code == 1 and f"line {line}: {reason}" in stdout, (kind, stdout)
        code, _, _ = study.cli(capsys, "report", "-o", tmp_path / "r.json", "--format", "json")
        bad = json.loads((tmp_path / "r.json").read_text())["audit"]["first_bad"]
        assert code == 1 and (bad["line"], bad["reason"]) == (line, reason), kind
        log.write_bytes(pristine)
    code, stdout, _ = study.cli(capsys, "audit", "verify")
    assert code == 0 and "audit log OK" in stdout
