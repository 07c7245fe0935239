"""Whose transcript is this? The file name's clue, or the participants who speak in it.

Rules, in order (``choose_participant``):

1. The file name named two participants -> ``participant_ambiguous``.
2. The file name named one -> that one; but if participants already known before this transcript
   speak in it and they are others -> ``participant_mismatch`` (a misfiled transcript would be
   purged with the wrong person).
3. Else the speakers who were participants before this transcript: exactly one -> that one;
   several -> ``participant_ambiguous`` (a focus group: name the file after the one to file it
   under, e.g. ``P07_...``).
4. Else, with ``store.unknown_participant = "assign"``, a single new speaking participant (the
   engine's automatic numbering) -> that one; otherwise ``participant_unknown``.

Speakers are found where the engine found them: replacements of participants that cover a
speaker label (``parse_turns``), not mere mentions in the text.
"""

from __future__ import annotations

from collections.abc import Iterable

from anonymizer.daemon.job import Refused
from anonymizer.detectors.speakers import parse_turns
from anonymizer.engine.engine import Engine, Scan, is_lower_case
from anonymizer.refusals import Reason, Stage
from anonymizer.settings import UnknownParticipant
from anonymizer.store.naming import NameClues, NamingProblem


def speaking_participants(engine: Engine, text: str, scan: Scan,
                          table_lines: frozenset[int] = frozenset()) -> set[int]:
    rulebook = engine.rulebook
    turns = parse_turns(text, rulebook.speaker_roles, rulebook.max_label_words,
                        lower_case=is_lower_case(text),
                        particles=frozenset(rulebook.names.particles), skip_lines=table_lines)
    labels = [(t.label_start, t.label_end) for t in turns if not t.is_role]
    return {
        r.identity for r in scan.replacements
        if r.participant and r.identity is not None
        and any(r.start < end and start < r.end for start, end in labels)
    }


def choose_participant(clues: NameClues, speaking: Iterable[int], known_before: set[int],
                       policy: UnknownParticipant) -> int:
    speakers = set(speaking)
    known = speakers & known_before
    if clues.problem is NamingProblem.PARTICIPANT_AMBIGUOUS:
        raise Refused(Reason.PARTICIPANT_AMBIGUOUS, Stage.NAME,
                      "the file name names more than one participant")
    if clues.participant is not None:
        if known and clues.participant not in known:
            raise Refused(Reason.PARTICIPANT_MISMATCH, Stage.NAME,
                          f"the file name names participant {clues.participant}; participant(s) "
                          f"{', '.join(map(str, sorted(known)))} speak in it",
                          participant=clues.participant)
        return clues.participant
    if len(known) == 1:
        return next(iter(known))
    if len(known) > 1:
        raise Refused(Reason.PARTICIPANT_AMBIGUOUS, Stage.NAME,
                      f"{len(known)} registered participants speak in it")
    if policy is UnknownParticipant.ASSIGN and len(speakers) == 1:
        return next(iter(speakers))
    if len(speakers) > 1:
        raise Refused(Reason.PARTICIPANT_AMBIGUOUS, Stage.NAME,
                      f"{len(speakers)} new participants speak in it")
    raise Refused(Reason.PARTICIPANT_UNKNOWN, Stage.NAME,
                  "neither the file name nor a speaker label names a registered participant")
