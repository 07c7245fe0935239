"""Taking a settled file from the inbox: read its name once, journal, rename into work/.

The claim is what makes "exactly once" possible: an atomic rename moves the file out of the inbox
(so no rescan sees it again) into ``work/<job><ext>``, a name made from a random job id. The inbox
name is read here and nowhere else: reduced to ``NameClues`` (a participant number, a wave
label) and a bad-name flag, which go into the journal entry written BEFORE the rename. After a
crash, an entry in state ``claiming`` whose input is in work/ is a claim; one whose input is not
is dropped (the file is still in the inbox and will be taken again).
"""

from __future__ import annotations

import errno
import logging
import os
import re
import uuid
from dataclasses import replace

from anonymizer.daemon.context import Context
from anonymizer.daemon.job import Job
from anonymizer.daemon.journal import JobState, JournalEntry
from anonymizer.errors import KeyStoreError
from anonymizer.fsutil import durable_rename
from anonymizer.store.naming import NameClues

log = logging.getLogger("anonymizer.daemon")
_EXT = re.compile(r"\.[a-z0-9]{1,8}")


def extension_of(name: str) -> str:
    """The lower-cased extension if it is a plain one (".docx"), else "" (then the reader
    refuses the file as having no supported extension)."""
    _, dot, ext = name.rpartition(".")
    candidate = f".{ext.lower()}" if dot and _ else ""
    return candidate if _EXT.fullmatch(candidate) else ""


def is_bad_name(name: str) -> bool:
    """Names the daemon will not interpret: '..' anywhere, control characters, bytes that are
    not text in the file system's encoding (decoded as surrogates)."""
    return (".." in name or any(ord(c) < 32 or ord(c) == 127 for c in name)
            or any("\udc80" <= c <= "\udcff" for c in name))


def claim(ctx: Context, name: str) -> Job | None:
    """Move inbox/``name`` into work/ under a new job; None if it vanished or cannot be moved
    (it stays in the inbox and is tried again at the next rescan)."""
    bad = is_bad_name(name)
    clues = NameClues()
    if not bad:
        try:
            clues = ctx.naming.clues(name, ctx.live_participants())
            if ctx.engines is not None:
                clues = replace(clues, standard=ctx.engines.named(name))
        except KeyStoreError:
            # The vault refuses right now; the engine stage will meet the same refusal and
            # quarantine the file with that reason.
            clues = NameClues()
    entry = JournalEntry(uuid.uuid4().hex, JobState.CLAIMING, extension_of(name),
                         ctx.clock().isoformat().replace("+00:00", "Z"), clues, bad)
    ctx.journal.save(entry)
    target = ctx.journal.input_path(entry)
    try:
        durable_rename(ctx.folders.inbox / name, target)
    except OSError as exc:
        ctx.journal.close(entry)
        if exc.errno != errno.ENOENT:
            log.error("could not take a file from the inbox (%s); it stays there",
                      os.strerror(exc.errno) if exc.errno else type(exc).__name__)
        return None
    entry = ctx.journal.save(entry.moved(JobState.CLAIMED))
    return Job(entry, target)
