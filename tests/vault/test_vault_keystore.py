"""The engine's KeyStore interface on top of the vault: same behaviour as the in-memory one."""

from __future__ import annotations

import pytest
from vault_testkit import PASSPHRASE, PROJECT, SCAN_NAMES

from anonymizer.errors import ExitCode, KeyStoreError
from anonymizer.keys.keystore import IdentityKind, InMemoryKeyStore
from anonymizer.keys.keystore import normalise_name as engine_normalise
from anonymizer.keys.vault_adapter import VaultKeyStore
from vault import normalise_name as vault_normalise

P, PERSON, PLACE, ORG = (
    IdentityKind.PARTICIPANT,
    IdentityKind.PERSON,
    IdentityKind.PLACE,
    IdentityKind.ORGANISATION,
)


@pytest.fixture
def store(vault):
    return VaultKeyStore(vault)


SCRIPT = [
    ("add", P, ["Kari Nordmann", "Kari"], 7),
    ("assign", P, ["kari", "K. Nordmann"], None),
    ("assign", P, ["Åse Ødegård"], None),
    ("assign", PERSON, ["Ola Hansen"], None),
    ("assign", PERSON, ["ola hansen", "Ola"], None),
    ("assign", PLACE, ["Tromsø"], None),
    ("assign", ORG, ["NAV"], None),
    ("add", PERSON, ["Per Olsen"], None),
    ("assign", PERSON, ["Olsen", "Per Olsen"], None),
    ("add", ORG, ["Statens vegvesen"], 4),
]


def run(store, script):
    results = []
    for op, kind, names, number in script:
        if op == "add":
            results.append(store.add(kind, names, number))
        else:
            results.append(store.assign(kind, names))
    return results


def test_behaves_like_the_in_memory_store(store):
    assert run(store, SCRIPT) == run(InMemoryKeyStore(), SCRIPT)
    reference = InMemoryKeyStore()
    run(reference, SCRIPT)
    for kind in (None, P, PERSON, PLACE, ORG):
        assert list(store.identities(kind)) == list(reference.identities(kind))
    for kind, name in ((P, "KARI"), (P, "nobody"), (PERSON, "olsen"), (PLACE, "tromsø")):
        assert store.lookup(kind, name) == reference.lookup(kind, name)


def test_identities_keep_kind_number_and_name_order(store):
    store.add(P, ["Kari Nordmann", "Kari"], number=3)
    identity = store.lookup(P, "kari")
    assert (identity.kind, identity.number, identity.names) == (P, 3, ("Kari Nordmann", "Kari"))


def test_registered_means_added_by_a_steward(store, reopen):
    store.add(PERSON, ["Ola Hansen"])
    store.assign(PERSON, ["Per Olsen"])
    store.assign(P, ["Kari Nordmann"])
    store.close()
    again = VaultKeyStore(reopen())
    flags = {i.names[0]: i.registered for i in again.identities()}
    assert flags == {"Ola Hansen": True, "Per Olsen": False, "Kari Nordmann": True}
    assert again.vault.lookup("participant", "Kari Nordmann").registered is False


def test_add_refuses_a_name_a_registered_identity_holds(store):
    store.add(PERSON, ["Ola Hansen"])
    with pytest.raises(KeyStoreError) as err:
        store.add(PERSON, ["ola hansen"])
    assert "name_taken" in str(err.value) and "Ola" not in str(err.value)


def test_add_promotes_a_name_the_engine_numbered(store):
    found = store.assign(PERSON, ["Ola Hansen"])
    assert not found.registered
    registered = store.add(PERSON, ["ola hansen", "Ola"])
    assert registered.number == found.number and registered.registered
    assert registered.names == ("Ola Hansen", "Ola")
    with pytest.raises(KeyStoreError):  # a different number for a numbered name: refused
        store.add(PERSON, ["Ola"], number=found.number + 5)


def test_waves_and_changes_persist(store, reopen):
    store.assign(P, ["Kari Nordmann"])
    store.note_wave(1, "wave-1")
    store.close()
    again = VaultKeyStore(reopen())
    assert again.vault.get("participant", 1).waves == ("wave-1",)
    assert again.lookup(P, "kari nordmann").number == 1


def test_refusals_become_keystore_errors_without_names(store):
    store.add(P, ["Kari Nordmann"], number=1)
    with pytest.raises(KeyStoreError) as err:
        store.add(P, ["Åse Ødegård"], number=1)
    assert "number_taken" in str(err.value)
    assert err.value.exit_code is ExitCode.KEYSTORE
    with pytest.raises(KeyStoreError) as err:
        store.note_wave(99, "wave-1")
    assert "not_found" in str(err.value)
    with pytest.raises(KeyStoreError):
        store.assign(P, [])
    for name in SCAN_NAMES:
        assert name not in str(err.value)


def test_open_with_wrong_secret_is_a_keystore_error(store, vault_dir):
    from vault import Secret

    store.close()
    with pytest.raises(KeyStoreError) as err:
        VaultKeyStore.open(vault_dir, PROJECT, Secret.from_passphrase("not the passphrase"))
    assert "wrong_secret" in str(err.value)


def test_withdrawn_participant_comes_back_only_as_a_new_number(store):
    """Documented: the vault has forgotten the name, so it is new to it. The daemon, not the
    key store, must recognise and quarantine a late transcript of a withdrawn participant."""
    store.assign(P, ["Kari Nordmann"])
    store.vault.withdraw(1)
    assert store.lookup(P, "Kari Nordmann") is None
    assert store.assign(P, ["Kari Nordmann"]).number == 2


def test_batch_commits_a_transcript_at_once(store, vault_dir):
    before = (vault_dir / "vault.db").read_bytes()
    with store.batch():
        store.assign(PERSON, ["Ola Hansen"])
        store.assign(PLACE, ["Tromsø"])
        assert (vault_dir / "vault.db").read_bytes() == before
    assert (vault_dir / "vault.db").read_bytes() != before
    assert store.lookup(PLACE, "tromsø").number == 1


def test_refresh_sees_other_handles(store, reopen):
    other = VaultKeyStore(reopen())
    other.assign(PERSON, ["Ola Hansen"])
    assert store.lookup(PERSON, "Ola Hansen") is None
    store.refresh()
    assert store.lookup(PERSON, "Ola Hansen").number == 1


@pytest.mark.parametrize(
    "name",
    [
        "Kari Nordmann",
        "  KARI\tnordmann ",
        "A\u030ase",
        "Straße",
        "ǅemal",
        "İstanbul",
        "ﬁona",
        "Ø\u00a0Ødegård",
        "ΣΊΣΥΦΟΣ",
    ],
)
def test_vault_and_engine_normalise_names_alike(name):
    assert vault_normalise(name) == engine_normalise(name)


def vault_settings(vault_dir, **vault):
    from anonymizer.settings import KeyStoreBackend, ProjectSettings, Settings, VaultSettings

    return Settings(
        project=ProjectSettings(id=PROJECT),
        vault=VaultSettings(backend=KeyStoreBackend.VAULT, dir=vault_dir, **vault),
    )


def test_open_vault_keystore_from_settings_and_environment(vault, vault_dir):
    from anonymizer.keys.vault_adapter import open_vault_keystore

    vault.add("participant", ["Kari Nordmann"])
    settings = vault_settings(vault_dir, passphrase_env="STUDY_VAULT_PASS")
    with open_vault_keystore(
        settings, environ={"STUDY_VAULT_PASS": PASSPHRASE}, interactive=False
    ) as keystore:
        assert keystore.lookup(P, "kari nordmann").number == 1


def test_secret_sources_in_order(tmp_path, vault_dir):
    from anonymizer.keys.vault_adapter import secret_from_settings
    from anonymizer.settings import VaultSettings

    key = tmp_path / "daemon.key"
    key.write_bytes(bytes(32))
    key.chmod(0o600)
    pass_file = tmp_path / "pass"
    pass_file.write_text("from a file, long enough\n")
    pass_file.chmod(0o600)
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "vault-passphrase").write_text("from systemd, long enough")
    env = {"CREDENTIALS_DIRECTORY": str(creds), "ANONYMIZER_VAULT_PASSPHRASE": "from env var"}

    def source(environ=env, **vault):
        return secret_from_settings(VaultSettings(**vault), environ=environ, interactive=False)

    assert source(key_file=key, passphrase_file=pass_file).source.startswith("keyfile:")
    assert source(passphrase_file=pass_file).material == b"from a file, long enough"
    assert source().material == b"from systemd, long enough"
    assert source(environ={"ANONYMIZER_VAULT_PASSPHRASE": "from env var"}).material == (
        b"from env var"
    )
    with pytest.raises(KeyStoreError) as err:
        source(environ={})
    assert "ANONYMIZER_VAULT_PASSPHRASE" in str(err.value)
    pass_file.chmod(0o644)
    with pytest.raises(KeyStoreError) as err:
        source(passphrase_file=pass_file)
    assert "bad_permissions" in str(err.value)


def test_open_vault_keystore_needs_a_folder():
    from anonymizer.errors import SettingsError
    from anonymizer.keys.vault_adapter import open_vault_keystore

    with pytest.raises(SettingsError):
        open_vault_keystore(vault_settings(None), environ={}, interactive=False)
