"""participants consent: the steward records consent; releases carry it, the log keeps codes."""

from __future__ import annotations

from vault_cli_kit import SIGRUN


def test_consent_is_recorded_and_audited_without_the_scope_text(study):
    study.cli("participants", "add", SIGRUN[0], "--number", "7")
    scope = "interviews at three time points"
    result = study.cli("participants", "consent", "7", "--status", "given", "--scope", scope)
    assert result.code == 0 and "consent given" in result.out
    with study.open_vault() as vault:
        consent = vault.get("participant", 7).consent
        assert (consent.status.value, consent.scope) == ("given", scope)
    event, fields = study.audit_events()[-1]
    assert event == "consent_changed"
    assert fields == {"kind": "participant", "number": 7, "consent_status": "given",
                      "scope_given": True}
    assert scope not in study.audit_path.read_text(encoding="utf-8")
    listing = study.cli("participants", "list").out
    assert "consent given" in listing and SIGRUN[0] not in listing


def test_consent_needs_a_known_status_and_a_live_number(study):
    assert study.cli("participants", "consent", "7", "--status", "maybe").code == 2
    refused = study.cli("participants", "consent", "9", "--status", "given")
    assert refused.code == 4 and refused.err.count("\n") == 1 and "Traceback" not in refused.err
