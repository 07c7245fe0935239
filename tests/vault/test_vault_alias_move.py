"""A steward's corrections of identities: more names for one (alias), another kind (move).

Real vault files; the crash case cuts the record-file write after the key-ring is durable.
"""

from __future__ import annotations

import pytest

from vault import Kind, Reason, RetiredReason, VaultError, store


def test_alias_adds_names_that_survive_reopen(vault, reopen):
    vault.add("person", ["Tom Whitaker"])
    entry = vault.alias("person", 1, ["Tom", "Tommy"])
    assert entry.names == ("Tom Whitaker", "Tom", "Tommy")
    assert vault.alias("person", 1, ["tom"]).names == entry.names  # already held: no change
    vault.close()
    again = reopen()
    assert again.lookup("person", "TOMMY").number == 1


def test_alias_refuses_a_name_another_identity_holds(vault):
    vault.add("person", ["Tom Whitaker"])
    vault.add("person", ["Tom Baker", "Tom"])
    with pytest.raises(VaultError) as err:
        vault.alias("person", 1, ["Tom"])
    assert err.value.reason is Reason.NAME_TAKEN
    assert "2" in str(err.value) and "Tom" not in str(err.value)  # a number, never the name
    assert vault.get("person", 1).names == ("Tom Whitaker",)


@pytest.mark.parametrize("kind", ["participant", "person"])
def test_alias_of_an_unknown_number_is_refused(vault, kind):
    with pytest.raises(VaultError) as err:
        vault.alias(kind, 4, ["Someone"])
    assert err.value.reason is Reason.NOT_FOUND


def test_move_gives_the_next_number_of_the_new_kind_and_retires_the_old(vault, reopen):
    vault.add("organisation", ["NAV"])
    vault.add("place", ["Oslo"])
    vault.add("place", ["Leeds General Infirmary", "the LGI"])
    moved = vault.move("place", 2, "organisation")
    assert (moved.kind, moved.number) == (Kind.ORGANISATION, 2)
    assert moved.names == ("Leeds General Infirmary", "the LGI")
    vault.close()
    again = reopen()
    assert again.lookup("organisation", "the lgi").number == 2
    assert again.lookup("place", "the lgi") is None
    with pytest.raises(VaultError):
        again.get("place", 2)
    (retired,) = again.retired("place")
    assert (retired.reason, retired.into, retired.into_kind) == (
        RetiredReason.MOVED, 2, Kind.ORGANISATION)
    assert again.add("place", ["Leeds"]).number == 3  # the moved number is never reused
    assert again.verify().ok


def test_move_joins_the_identity_of_that_kind_holding_a_name(vault):
    vault.add("organisation", ["Leeds General Infirmary"])
    vault.add("place", ["Leeds General Infirmary", "LGI"])
    moved = vault.move("place", 1, "organisation")
    assert (moved.number, moved.names) == (1, ("Leeds General Infirmary", "LGI"))


def test_a_person_found_to_be_a_participant_joins_that_participant(vault, reopen):
    vault.add("participant", ["Margaret Hill"])
    vault.assign("person", ["Maggie"])
    joined = vault.move("person", 1, "participant", into=1)
    assert (joined.kind, joined.number, joined.names) == (Kind.PARTICIPANT, 1,
                                                          ("Margaret Hill", "Maggie"))
    vault.close()
    assert reopen().lookup("participant", "maggie").number == 1


@pytest.mark.parametrize(("kind", "into"), [("participant", "person"), ("person", "participant"),
                                            ("place", "place")])
def test_participants_never_move_and_a_kind_is_not_itself(vault, kind, into):
    vault.add(kind, ["Margaret Hill"])
    with pytest.raises(VaultError) as err:
        vault.move(kind, 1, into)
    assert err.value.reason is Reason.INVALID


def test_crash_during_a_move_finishes_the_move(vault, reopen, monkeypatch):
    vault.add("place", ["Leeds General Infirmary", "LGI"])
    real = store.atomic_write

    def crash_on_records(target, data, token):
        if target.name == "vault.db":
            raise OSError("simulated power loss")
        real(target, data, token)

    monkeypatch.setattr(store, "atomic_write", crash_on_records)
    with pytest.raises(OSError):
        vault.move("place", 1, "organisation")
    monkeypatch.setattr(store, "atomic_write", real)
    other = reopen()  # key-ring: "place 1 moved to organisation 1"; records: still place 1
    assert other.get("organisation", 1).names == ("Leeds General Infirmary", "LGI")
    assert other.lookup("place", "LGI") is None
    other.add("person", ["Per Olsen"])  # the next write makes the record file agree
    other.close()
    final = reopen()
    assert final.lookup("organisation", "lgi").number == 1
    assert final.verify().ok
