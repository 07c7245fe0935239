"""A vault that cannot be trusted stops every command with one line and exit 4: nothing is
decrypted, nothing is overwritten (every file compared byte for byte), no number is invented."""

from __future__ import annotations

import pytest
from vault_cli_kit import FOCUS_GROUP, PASSPHRASE_ENV, SIGRUN

READING = ("participants", "list")
WRITING = ("participants", "add", "Tora Vik")
REKEYING = ("vault", "rotate")


def flip_byte(study, name: str = "vault.db", offset: int = -40) -> None:
    path = study.vault_dir / name
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def truncate(study, name: str = "vault.db") -> None:
    path = study.vault_dir / name
    path.write_bytes(path.read_bytes()[:-100])


def wrong_passphrase(study, monkeypatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "not the invented passphrase")


def other_project(study, monkeypatch) -> None:
    study.configure(project="another-study")


FAULTS = {
    "wrong passphrase": (wrong_passphrase, "wrong_secret"),
    "flipped byte in the records": (lambda s, m: flip_byte(s), "tampered"),
    "flipped byte in the key-ring": (lambda s, m: flip_byte(s, "vault.keys", 200), "tampered"),
    "truncated records": (lambda s, m: truncate(s), "truncated"),
    "truncated key-ring": (lambda s, m: truncate(s, "vault.keys"), "truncated"),
    "another project's vault": (other_project, "wrong_project"),
}


@pytest.mark.parametrize("command", [READING, WRITING, REKEYING], ids=" ".join)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_bad_vault_is_one_line_exit_4_and_untouched(study, monkeypatch, fault, command):
    assert study.cli("participants", "add", SIGRUN[0], "--number", "7").code == 0
    spoil, reason = FAULTS[fault]
    spoil(study, monkeypatch)
    before = study.vault_bytes()
    audit_before = study.audit_path.read_bytes()

    result = study.cli(*command)

    assert result.code == 4
    assert result.out == ""
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert result.err.startswith(f"anonymizer: vault error: {reason}: ")
    assert study.vault_bytes() == before
    assert study.audit_path.read_bytes() == audit_before
    assert "Sigrun" not in result.err


def test_a_missing_vault_is_refused_not_created(bare_study):
    result = bare_study.cli(*WRITING)
    assert (result.code, result.err.count("\n")) == (4, 1)
    assert result.err.startswith("anonymizer: vault error: not_a_vault")
    assert not bare_study.vault_dir.exists()


@pytest.mark.integration
@pytest.mark.parametrize("fault", ["wrong passphrase", "flipped byte in the records",
                                   "another project's vault"])
def test_run_refuses_rather_than_invents_numbers(study, monkeypatch, cached_model, fault):
    """The engine never numbers people on its own when the vault cannot be opened."""
    study.cli("participants", "add", SIGRUN[0], "--number", "7")
    transcript = study.root / "focus-group.txt"
    transcript.write_text(FOCUS_GROUP, encoding="utf-8")
    spoil, reason = FAULTS[fault]
    spoil(study, monkeypatch)
    before = study.vault_bytes()
    out = study.root / "out"

    result = study.cli("run", transcript, "-o", out)

    assert result.code == 4
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert reason in result.err and "Participant" not in result.out
    assert not out.exists() or not any(out.iterdir())
    assert study.vault_bytes() == before
