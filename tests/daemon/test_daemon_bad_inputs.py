"""Every kind of bad input goes to quarantine with a reason; the daemon keeps running."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from daemon_kit import Study, check_store, sha256, transcript, wait_until

pytestmark = pytest.mark.integration
MB = 1024 * 1024


def _zip_bomb(path: Path) -> bytes:
    # A real docx skeleton plus 5 MB of zeros that deflate to ~5 KB: refused from the zip's
    # directory before anything is inflated.
    from docx import Document

    Document().save(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/media/fill.bin", b"\0" * (5 * MB))
    return path.read_bytes()


def _drop_sparse(study: Study, name: str, size: int) -> None:
    partial = study.inbox / (name + ".part")
    with open(partial, "wb") as handle:
        handle.truncate(size)
    os.replace(partial, study.inbox / name)


BAD = {
    # name in the inbox -> expected reason
    "Sigrun empty.txt": "empty",
    "Sigrun binary.txt": "binary",
    "Sigrun corrupt.docx": "corrupt",
    "Sigrun bomb.docx": "zip_bomb",
    "Sigrun huge.txt": "too_large",
    "Sigrun link.txt": "symlink",
    "Sigrun..t1.txt": "bad_name",
    "Sigrun pipe.txt": "not_regular_file",
    "Sigrun notes.pdf": "unsupported_format",
    "Sigrun old.doc": "unsupported_format",  # the reader: "save it as .docx"
}


def test_each_bad_input_is_quarantined_with_its_reason(study: Study, daemon, tmp_path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(transcript("Sigrun Haldorsen", 1))  # must never be read via the link
    with daemon():
        study.drop("Sigrun empty.txt", b"")
        study.drop("Sigrun binary.txt", bytes(range(256)) * 64)
        study.drop("Sigrun corrupt.docx", b"PK\x03\x04 this is not really a zip")
        study.drop("Sigrun bomb.docx", _zip_bomb(tmp_path / "bomb.docx"))
        _drop_sparse(study, "Sigrun huge.txt", 200 * MB)
        os.symlink(outside, study.inbox / "Sigrun link.txt")
        study.drop("Sigrun..t1.txt", transcript("Sigrun Haldorsen", 2))
        os.mkfifo(study.inbox / "Sigrun pipe.txt")  # unreadable for every user, root included
        study.drop("Sigrun notes.pdf", b"%PDF-1.4 not a transcript")
        study.drop("Sigrun old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
        wait_until(lambda: study.settled(len(BAD)), what="every bad input in quarantine")
        # ...and the daemon still works afterwards
        good = study.drop("Sigrun t2.txt", transcript("Sigrun Haldorsen", 3))
        wait_until(lambda: study.settled(len(BAD) + 1))
    assert sorted(study.reasons()) == sorted(BAD.values())
    (_, meta), = study.sidecars()
    assert meta["input"]["sha256"] == sha256(good)
    check_store(study, {sha256(good): good})
    assert list(study.inbox.iterdir()) == []
    # Quarantined under a name with no part of the inbox name; the link was moved, not followed
    for name, report in study.reports():
        assert "sigrun" not in name.casefold()
        assert report["detail"] and report["what_to_do"] and report["stage"]
    links = [p for p in study.quarantine.iterdir() if p.is_symlink()]
    assert len(links) == 1 and os.readlink(links[0]) == str(outside)
    assert outside.read_text().startswith("Interviewer:")
    huge = next(r for _, r in study.reports() if r["reason"] == "too_large")
    assert huge["stage"] == "inspect" and "200.0 MB" in huge["detail"]
    events = [e for e, _ in study.audit_events()]
    assert events.count("quarantined") == len(BAD) and events.count("released") == 1


def test_unreadable_permissions_are_quarantined_for_non_root(study: Study, daemon) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads a mode-000 file; the FIFO case above covers unreadable input")
    with daemon():
        study.drop("Sigrun locked.txt", transcript("Sigrun Haldorsen", 4))
        os.chmod(study.inbox / "Sigrun locked.txt", 0)
        wait_until(lambda: study.settled(1))
    assert study.reasons() == ["unreadable"]


@pytest.mark.parametrize("policy", ["quarantine", "delete"])
def test_duplicates_are_recorded_and_never_released_twice(study: Study, daemon, policy) -> None:
    study.write_config(store={"duplicates": policy})
    raw = transcript("Halvard Brekke", 5)
    bad = b"\0\1\2" * 100
    with daemon():
        study.drop("Halvard t1.txt", raw)
        study.drop("broken.txt", bad)
        wait_until(lambda: study.settled(2))
        study.drop("Halvard t1 (copy).txt", raw)  # same bytes, another name
        study.drop("Halvard t1 again.txt", raw)
        study.drop("broken (2).txt", bad)  # same bytes as a file still in quarantine
        wait_until(lambda: not list(study.inbox.iterdir()) and
                   not list(study.work.glob("*.job.json")), what="the duplicates")
    assert len(study.sidecars()) == 1
    duplicates = [f for e, f in study.audit_events() if e == "duplicate"]
    action = "quarantined" if policy == "quarantine" else "deleted"
    assert sorted((f["first_status"], f["action"]) for f in duplicates) == sorted(
        [("released", action), ("released", action), ("quarantined", action)])
    expected = ["binary"] + (["duplicate"] * 3 if policy == "quarantine" else [])
    assert sorted(study.reasons()) == expected
    check_store(study, {sha256(raw.encode()): raw.encode()})


def test_a_quarantined_file_moved_back_after_a_fix_is_processed(study: Study, daemon) -> None:
    raw = transcript("Liv Aamodt", 6)
    with daemon():
        study.drop("Liv 6mnd t2.txt", raw)  # two waves: refused
        wait_until(lambda: study.settled(1))
        (name, report), = study.reports()
        assert report["reason"] == "wave_ambiguous"
        os.replace(study.quarantine / name, study.inbox / "Liv 6mnd.txt")  # the steward's fix
        wait_until(lambda: len(study.sidecars()) == 1)
    (_, meta), = study.sidecars()
    assert (meta["participant"], meta["wave"]) == (5, "month6")


def test_a_withdrawn_participant_named_in_the_file_name(study: Study, daemon) -> None:
    with study.open_vault() as vault:
        vault.withdraw(4)
    with daemon():
        study.drop("P04 t2.txt", transcript("Somebody Else", 7))
        study.drop("Eirik Moldestad t2.txt", transcript("Eirik Moldestad", 8))
        wait_until(lambda: study.settled(2))
    # P04 names the withdrawn number; the name itself is forgotten by the vault: unknown
    assert sorted(study.reasons()) == ["participant_unknown", "participant_withdrawn"]
    with study.open_vault() as vault:
        assert vault.lookup("participant", "Eirik Moldestad") is None
