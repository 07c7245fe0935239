"""Consent withdrawal: remove every file of a participant the vault has just forgotten.

``purge_participant(settings, receipt, audit)`` takes the vault's ``WithdrawalReceipt`` and, under
the store lock (so no release of that participant can interleave), removes:

* each released transcript filed under the participant, or in which they speak (a focus group:
  the sidecar's ``participants``): first its sidecar -- from then on it is not released -- then
  its clean files; then their catalog rows (``catalog.csv`` rewritten atomically);
* the sealed originals of those transcripts, and any other sealed original filed under the
  participant (theirs are unreadable already: the vault deleted the key that sealed them);
* quarantined inputs whose report names the participant.

The purged inputs' checksums go to ``.withdrawn-inputs`` in the project's store folder, so that
dropping the same bytes again is quarantined (``withdrawn_input``) rather than released under a
new number. Then ``purged`` is recorded in the audit log (numbers and counts only).

A purge cut short (kill -9) is finished by running it again (``anonymizer store purge N``): every
step is idempotent; clean files whose sidecar is already gone are also removed by the daemon at
its next start.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from anonymizer.audit.log import AuditEvent, AuditLog
from anonymizer.errors import AnonymizerError, ExitCode
from anonymizer.fsutil import append_durably, remove_durably
from anonymizer.settings import Settings
from anonymizer.store.layout import WITHDRAWN_INPUTS, Store
from anonymizer.store.naming import is_wave_label
from anonymizer.store.originals import Originals
from anonymizer.store.quarantine import Quarantine
from vault import WithdrawalReceipt

log = logging.getLogger("anonymizer.daemon")


class PurgeIncomplete(AnonymizerError):
    """A file could not be removed (exit 1); running the purge again finishes it."""

    exit_code = ExitCode.FAILED


@dataclass(frozen=True)
class PurgeReport:
    participant: int
    transcripts: int  # released transcripts removed (sidecars)
    clean_files: int
    catalog_rows: int
    originals: int
    quarantined: int
    waves: tuple[str, ...]

    def summary(self) -> str:
        return (f"participant {self.participant}: {self.transcripts} released transcript(s) "
                f"({self.clean_files} clean file(s), {self.catalog_rows} catalog row(s)), "
                f"{self.originals} sealed original(s) and {self.quarantined} quarantined "
                "input(s) removed")


def purge_participant(settings: Settings, receipt: WithdrawalReceipt,
                      audit: AuditLog) -> PurgeReport:
    try:
        return _purge(settings, receipt, audit)
    except OSError as exc:
        raise PurgeIncomplete(
            f"the store purge of participant {receipt.number} stopped "
            f"({exc.strerror or type(exc).__name__}); run it again: anonymizer store purge "
            f"{receipt.number}") from None


def _purge(settings: Settings, receipt: WithdrawalReceipt, audit: AuditLog) -> PurgeReport:
    number = receipt.number
    project = settings.project.id
    store = Store(settings.paths.folder("store"), project)
    originals = Originals(settings.paths.folder("originals"), project)
    quarantine = Quarantine(settings.paths.folder("quarantine"))
    transcripts = clean = sealed = 0
    inputs: list[str] = []
    waves: set[str] = set()
    # Without a store folder no daemon ever ran for this study: nothing was released.
    with store.locked() if store.folder.is_dir() else contextlib.nullcontext():
        for sidecar, meta in list(store.all_meta()):
            if meta.get("participant") != number and number not in meta.get("participants", ()):
                continue
            inputs.append(meta["input"]["sha256"])
            waves.add(str(meta.get("wave")))
            remove_durably(sidecar)  # un-released from here on
            transcripts += 1
            for item in meta["files"]:
                removed = remove_durably(sidecar.parent / item["name"])
                # review data is not a transcript
                clean += removed if item["format"] != "review" else 0
            # the source of what was purged goes too (a focus group's is filed elsewhere)
            sealed_file = meta.get("original", {}).get("file")
            if sealed_file:
                sealed += remove_durably(originals.folder / sealed_file)
        rows = store.catalog.read()
        # rows whose sidecar is gone: this participant's, and focus groups they spoke in
        kept = [r for r in rows if (store.folder / r.get("meta_file", "")).is_file()]
        has_store = store.folder.is_dir()
        if has_store and (len(kept) != len(rows) or not store.catalog.path.exists()):
            store.catalog.rewrite(kept)
        store.remove_empty_folders(number)
        sealed += originals.remove_participant(number)
        held = 0
        for name, filed in quarantine.reports():
            if filed.get("participant") == number:
                if isinstance(filed.get("input_sha256"), str):
                    inputs.append(filed["input_sha256"])
                held += quarantine.remove(name) > 0
        if inputs and has_store:
            append_durably(store.folder / WITHDRAWN_INPUTS,
                           "".join(f"{sha}\n" for sha in sorted(set(inputs))).encode("ascii"),
                           mode=0o600)
    report = PurgeReport(number, transcripts, clean, len(rows) - len(kept), sealed, held,
                         tuple(sorted(waves | set(receipt.waves))))
    audit.append(AuditEvent.PURGED, participant=number, transcript_count=transcripts,
                 file_count=clean, catalog_row_count=report.catalog_rows,
                 original_count=sealed, quarantined_count=held,
                 waves=[w for w in report.waves if is_wave_label(w)],
                 withdrawn_on=receipt.withdrawn_on.isoformat())
    log.info("purged %s", report.summary())
    return report
