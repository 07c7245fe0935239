"""Accounts: Argon2id hashes in a 0600 file, roles, disable and passwd, the ``users`` commands
(password from standard input), and an audit record of every change with no account name in it."""

from __future__ import annotations

import io
import json
import stat

import pytest
from workbench import cheap_hasher

from anonymizer.web.accounts import AccountError, Accounts, Role


def test_an_account_is_an_argon2id_hash_in_a_private_file(bare_study) -> None:
    accounts = Accounts.of(bare_study.settings(), hasher=cheap_hasher())
    accounts.add("stella", Role.STEWARD, "a long enough password")
    path = bare_study.data / "web" / "accounts.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    raw = path.read_text()
    assert "a long enough password" not in raw
    entry = json.loads(raw)["accounts"][0]
    assert entry["hash"].startswith("$argon2id$") and entry["role"] == "steward"
    assert accounts.verify("stella", "a long enough password").role is Role.STEWARD
    assert accounts.verify("stella", "a long enough passwore") is None
    assert accounts.verify("nobody", "a long enough password") is None


def test_disable_and_passwd(bare_study) -> None:
    accounts = Accounts.of(bare_study.settings(), hasher=cheap_hasher())
    accounts.add("conrad", Role.COMMITTEE, "first password here")
    accounts.set_password("conrad", "second password here")
    assert accounts.verify("conrad", "first password here") is None
    assert accounts.verify("conrad", "second password here") is not None
    accounts.disable("conrad")
    # another reader of the same file (the server) sees it at once
    assert Accounts.of(bare_study.settings()).verify("conrad", "second password here") is None


@pytest.mark.parametrize("name, password, message", [
    ("stella", "short", "at least 12"),
    ("Stella Smith", "a long enough password", "account name"),
    ("../x", "a long enough password", "account name"),
])
def test_bad_names_and_passwords_are_refused(bare_study, name, password, message) -> None:
    accounts = Accounts.of(bare_study.settings(), hasher=cheap_hasher())
    with pytest.raises(AccountError, match=message):
        accounts.add(name, Role.ASSISTANT, password)


def test_a_file_readable_by_others_is_refused(bare_study) -> None:
    accounts = Accounts.of(bare_study.settings(), hasher=cheap_hasher())
    accounts.add("stella", Role.STEWARD, "a long enough password")
    accounts.path.chmod(0o644)
    with pytest.raises(AccountError, match="chmod 600"):
        Accounts.of(bare_study.settings()).all()


def test_the_users_commands(bare_study, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a password from stdin\n"))
    code, out, err = bare_study.cli(capsys, "users", "add", "astrid", "--role", "assistant",
                                    "--password-stdin")
    assert (code, err) == (0, "") and "added astrid (assistant)" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("another password now\n"))
    assert bare_study.cli(capsys, "users", "passwd", "astrid", "--password-stdin")[0] == 0
    code, out, _ = bare_study.cli(capsys, "users", "add", "astrid", "--role", "steward",
                                  "--password-stdin")
    assert code == 2  # exists already: one line, no traceback
    assert bare_study.cli(capsys, "users", "disable", "astrid")[0] == 0
    code, out, _ = bare_study.cli(capsys, "users", "list")
    assert out.split("\t")[:3] == ["astrid", "assistant", "disabled"]
    code, _, err = bare_study.cli(capsys, "users", "disable", "nobody")
    assert code == 2 and err.count("\n") == 1
    assert Accounts.of(bare_study.settings()).verify("astrid", "another password now") is None

    changes = [f for e, f in bare_study.audit_events() if e == "account_changed"]
    assert [c["action"] for c in changes] == ["added", "password_changed", "disabled"]
    assert all(c["role"] == "assistant" and len(c["account_digest"]) == 64 for c in changes)
    assert "astrid" not in bare_study.audit_path.read_text()
