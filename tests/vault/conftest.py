"""Fixtures for the vault tests: real files in tmp_path, real crypto, cheap scrypt on purpose."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from vault_testkit import CHEAP_KDF, PASSPHRASE, PROJECT, Clock

from vault import Secret, Vault


@pytest.fixture
def secret() -> Secret:
    return Secret.from_passphrase(PASSPHRASE)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def make_vault(vault_dir: Path, secret: Secret, clock: Clock) -> Iterator[Callable[..., Vault]]:
    opened: list[Vault] = []

    def make(**kwargs: object) -> Vault:
        kwargs.setdefault("kdf", CHEAP_KDF)
        kwargs.setdefault("clock", clock)
        v = Vault.create(vault_dir, PROJECT, secret, **kwargs)  # type: ignore[arg-type]
        opened.append(v)
        return v

    yield make
    for v in opened:
        v.close()


@pytest.fixture
def vault(make_vault: Callable[..., Vault]) -> Vault:
    return make_vault()


@pytest.fixture
def reopen(vault_dir: Path, secret: Secret, clock: Clock) -> Iterator[Callable[..., Vault]]:
    opened: list[Vault] = []

    def again(**kwargs: object) -> Vault:
        kwargs.setdefault("clock", clock)
        v = Vault.open(vault_dir, PROJECT, kwargs.pop("secret", secret), **kwargs)  # type: ignore[arg-type]
        opened.append(v)
        return v

    yield again
    for v in opened:
        v.close()
