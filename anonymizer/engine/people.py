"""Person mentions -> people of the study: one person, one identity, in every transcript.

A mention is tied to a person by its words: a full name ("Tom Whitaker") is its own key; a single
word ("Tom", "Whitaker", "Mr Whitaker's" after the title is dropped, "Maggie" as a diminutive of
"Margaret") joins the one full name that has that word, looked for in this order:

1. the full names of this transcript (and the registered roster);
2. a registered participant whose name has the word (or a diminutive of it): a participant's
   first name is always that participant;
3. the identity the study already gave that exact word (a steward's alias, an earlier mention);
4. the one full name of the whole study (registered or only numbered before) with that word.

When the word belongs to two or more full names at step 1 or 4 ("Tom" in a study with Tom
Whitaker and Tom Baker) nothing is guessed: the word gets an identity of its own, one number
for every such mention in the study, and an ``ambiguous_name`` flag for the steward, who can
merge it into the right person (``people merge``).

Only full names are stored as a person's names: a short form is derived again each time, so
it never becomes an alias that later captures a second person with the same first name.

A word numbered alone before any transcript said the full name ("Rajesh" in wave 1, "Rajesh
Kapoor" in wave 2) keeps its number in the transcript released with it; later ones use the
full name's, and the full name's mention gets a ``join_suggested`` flag (numbers only) so the
steward can ``people merge`` the two and re-run what the merge affects.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from anonymizer.findings import EntityKind, Finding, Flag, Role
from anonymizer.keys.keystore import Identity, IdentityKind, KeyStore
from anonymizer.language.diminutives import Diminutives
from anonymizer.language.phrases import words
from anonymizer.settings import UnknownSpeaker

AMBIGUOUS_NAME = "ambiguous_name"
JOIN_SUGGESTED = "join_suggested"  # a full name whose given name was numbered alone before
_PEOPLE = (IdentityKind.PARTICIPANT, IdentityKind.PERSON)
Span = tuple[int, int]


_STUTTER = re.compile(r"^([^\W\d_]{1,4})-(?=\w)")


def _without_stutter(part: str) -> str:
    """"K-K-Kari" -> "Kari": the disfluent start is not part of the name's key."""
    while (cut := _STUTTER.match(part)) and \
            part[cut.end():].casefold().startswith(cut.group(1).casefold()):
        part = part[cut.end():]
    return part


def without_stutter(surface: str) -> str:
    """"l-leeds general" -> "leeds general": a place's key without the disfluent start."""
    first, space, rest = surface.partition(" ")
    return _without_stutter(first) + space + rest


def _one_word(identity: Identity) -> bool:
    """Numbered by the engine for one word alone (no steward's alias, no full name)."""
    return not identity.registered and all(len(words(n)) == 1 for n in identity.names)


def display_words(surface: str, titles: frozenset[str]) -> list[str]:
    """The name as written, without a title in front ("Mr. Hansen" -> "Hansen") or a
    stuttered start ("Em-Emily" -> "Emily")."""
    parts = [_without_stutter(p) for p in surface.split()]
    while len(parts) > 1 and parts[0].casefold() in titles:
        parts = parts[1:]
    return parts


def name_words(surface: str, titles: frozenset[str]) -> tuple[str, ...]:
    return tuple(words(" ".join(display_words(surface, titles))))


@dataclass
class _WordIndex:
    """word -> the full names (as word tuples) that contain it, with diminutives."""

    diminutives: Diminutives
    by_word: dict[str, set[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(set))

    def add(self, full: tuple[str, ...]) -> None:
        if len(full) > 1:
            for w in full:
                self.by_word[w].add(full)

    def holders(self, word: str, *, exact: bool = False) -> set[tuple[str, ...]]:
        """Full names with this word; with a diminutive of it too unless ``exact``."""
        if exact:
            return set(self.by_word.get(word, set()))
        found: set[tuple[str, ...]] = set()
        for variant in self.diminutives.variants(word):
            found |= self.by_word.get(variant, set())
        return found


def _speaking(mentions: Sequence[Finding], surfaces: Mapping[Span, tuple[str, ...]],
              registered: Sequence[Identity]) -> list[Identity]:
    """The registered participants whose speaker labels are in this transcript: a label's
    words are one participant's full name, or one word only that participant's name has."""
    found: dict[int, Identity] = {}
    participants = [(i, [tuple(words(n)) for n in i.names]) for i in registered
                    if i.kind is IdentityKind.PARTICIPANT]
    for finding in mentions:
        if finding.role is not Role.SPEAKER:
            continue
        ws = surfaces[(finding.start, finding.end)]
        exact = [i for i, names in participants if ws in names]
        if not exact and len(ws) == 1:
            exact = [i for i, names in participants if any(ws[0] in n for n in names)]
        if len(exact) == 1:
            found[exact[0].number] = exact[0]
    return list(found.values())


@dataclass(frozen=True)
class People:
    """What ``resolve_people`` decided: each mention's identity, and the flags it raised."""

    identities: dict[Span, Identity]
    flags: list[Flag]


@dataclass(frozen=True)
class PeopleResolver:
    keystore: KeyStore
    titles: frozenset[str]
    unknown_speaker: UnknownSpeaker
    diminutives: Diminutives = Diminutives()

    def resolve(self, text: str, mentions: Sequence[Finding]) -> People:
        surfaces = {(f.start, f.end): name_words(text[f.start:f.end], self.titles)
                    for f in mentions}
        study = self.keystore.identities()
        here = _WordIndex(self.diminutives)
        for ws in surfaces.values():
            here.add(ws)
        registered = [i for i in study if i.registered and i.kind in _PEOPLE]
        for identity in registered:
            for name in identity.names:
                here.add(tuple(words(name)))
        everyone = _WordIndex(self.diminutives)
        for identity in study:
            if identity.kind in _PEOPLE:
                for name in identity.names:
                    everyone.add(tuple(words(name)))
        clusters: dict[tuple[str, ...], list[Finding]] = defaultdict(list)
        ambiguous: set[tuple[str, ...]] = set()
        fixed: dict[tuple[str, ...], Identity] = {}
        speakers = _speaking(mentions, surfaces, registered)
        for finding in mentions:
            ws = surfaces[(finding.start, finding.end)] or ("?",)
            if len(ws) == 1:
                ws, known, unsure = self._short_form(ws, here, everyone, registered, speakers)
                if known is not None:
                    fixed[ws] = known
                if unsure:
                    ambiguous.add(ws)
            clusters[ws].append(finding)
        identities: dict[Span, Identity] = {}
        flags: list[Flag] = []
        for key, members in sorted(clusters.items(), key=lambda kv: min(f.start for f in kv[1])):
            identity = fixed.get(key) or self._identity(text, key, members)
            first = min(members, key=lambda f: f.start)
            flags += [Flag(first.start, first.end, JOIN_SUGGESTED, f"{other.kind.value} "
                           f"{other.number} into {identity.kind.value} {identity.number}")
                      for other in self.joinable(key, identity)]
            for finding in members:
                identities[(finding.start, finding.end)] = identity
                if key in ambiguous:
                    flags.append(Flag(finding.start, finding.end, AMBIGUOUS_NAME,
                                      f"{identity.kind.value} {identity.number}"))
        return People(identities, flags)

    def _short_form(self, ws: tuple[str, ...], here: _WordIndex, everyone: _WordIndex,
                    registered: Sequence[Identity], speakers: Sequence[Identity] = ()
                    ) -> tuple[tuple[str, ...], Identity | None, bool]:
        """(cluster key, identity if already known, ambiguous?) for a one-word mention.

        The word as written is stronger evidence than a diminutive of it: "Tom" is Tom
        Whitaker, named so before, rather than the participant Thomas, unless Thomas is the one
        speaking in this transcript ("Thank you for coming in, Tom")."""
        word = ws[0]
        talking = [i for i in speakers
                   if any(v in words(n) for n in i.names for v in self.diminutives.variants(word))]
        if len({(i.kind, i.number) for i in talking}) == 1:
            return ws, talking[0], False
        for exact in (True, False):
            local = here.holders(word, exact=exact)
            if len(local) == 1:
                return next(iter(local)), None, False
            if len(local) > 1:
                return ws, None, True
            participants = {i.number: i for i in registered
                            if i.kind is IdentityKind.PARTICIPANT and any(
                                v in words(n) for n in i.names
                                for v in ({word} if exact else self.diminutives.variants(word)))}
            study = everyone.holders(word, exact=exact)
            if len(participants) == 1:
                return ws, next(iter(participants.values())), False
            if len(participants) > 1 or len(study) > 1:
                return ws, None, True
            alone = self._lookup(word)
            whole = self._lookup(" ".join(next(iter(study)))) if study else None
            # "Gwen" numbered alone before "Gwen Aspinall" was ever said: from then on the
            # full name's number (the steward was asked to merge the first one, JOIN_SUGGESTED)
            if alone is not None and (whole is None or not _one_word(alone)):
                return ws, alone, False
            if whole is not None:
                return ws, whole, False
        return ws, None, False

    def _lookup(self, name: str) -> Identity | None:
        return next((found for kind in _PEOPLE if (found := self.keystore.lookup(kind, name))),
                    None)

    def joinable(self, key: tuple[str, ...], identity: Identity) -> list[Identity]:
        """The one-word identities the engine gave a word of this full name before the full
        name was said ("Rajesh" before "Rajesh Kapoor"): for the steward to merge."""
        found = {i.number: i for w in key if (i := self._lookup(w)) is not None
                 and i.number != identity.number and _one_word(i)}
        return list(found.values()) if len(key) > 1 else []

    def _identity(self, text: str, key: tuple[str, ...], members: list[Finding]) -> Identity:
        names = [" ".join(display_words(text[f.start:f.end], self.titles)) for f in members]
        names = list(dict.fromkeys([max(names, key=len), *names]))
        if len(key) > 1:
            # only full names are stored: a short form joins through its full name each time
            names = [n for n in names if len(words(n)) > 1]
            if " ".join(key) not in {" ".join(words(n)) for n in names}:
                names.append(" ".join(key))  # the registered full name, to look it up by
        is_speaker = any(f.role is Role.SPEAKER for f in members)
        for kind in _PEOPLE:
            for name in names:
                found = self.keystore.lookup(kind, name)
                if found:
                    return self.keystore.assign(kind, [found.names[0], *names])
        if len(key) > 1:
            # "Kapoor" was numbered on its own before the full name was ever said: "Rajesh
            # Kapoor" is that person (the surname first, it is the more telling word). Only an
            # engine-numbered one-word identity, never a registered one or a full name.
            for word in (key[-1], key[0]):
                found = self.keystore.lookup(IdentityKind.PERSON, word)
                if found and not found.registered and all(len(words(n)) == 1
                                                           for n in found.names):
                    return self.keystore.assign(IdentityKind.PERSON, [*names, *found.names])
        as_participant = is_speaker and self.unknown_speaker is UnknownSpeaker.PARTICIPANT
        kind = IdentityKind.PARTICIPANT if as_participant else IdentityKind.PERSON
        return self.keystore.assign(kind, names)


_PLACE_SOURCES = frozenset({"place_gazetteer", "study_names", "roster", "workplace_context"})
_GAZETTEER_PLACES = frozenset({"place_gazetteer", "place_after_preposition"})


def names_not_places(text: str, findings: Sequence[Finding], keystore: KeyStore,
                     titles: frozenset[str], diminutives: Diminutives,
                     first_name: Callable[[str], bool] = lambda word: False) -> list[Finding]:
    """One word is one kind in a transcript: "Sheila's car" tagged a place while "my wife
    Sheila" is a person, or "coming in, Sue" (a place after "in") where Sue is a registered
    participant's short name, or a word of a full name the study numbered as a person, is
    that person. Not a place the study, the place lists or the roster know as one, except a
    listed place that is also a ``first_name`` of a person the study numbered ("Tyler" of
    Tyler Crabtree is a town somewhere)."""
    people = {w for f in findings if f.entity is EntityKind.PERSON
              for w in name_words(text[f.start:f.end], titles)}
    study = [i for i in keystore.identities() if i.kind in _PEOPLE]
    people |= {v for i in study if i.registered
               for n in i.names for w in words(n) for v in diminutives.variants(w)}
    # "and Edna does the shopping" (a town somewhere, after "and"): Edna Clegg was named in
    # full in an earlier transcript, so the word alone is her, as a person's word
    numbered = {w for i in study for n in i.names if len(ns := words(n)) > 1 for w in ns}
    people |= numbered
    out = []
    for f in findings:
        if f.entity in (EntityKind.LOCATION, EntityKind.ORGANISATION):
            surface = without_stutter(text[f.start:f.end])
            ws = words(surface)
            listed = f.detector in _PLACE_SOURCES and not (
                f.detector == "place_gazetteer" and ws and ws[0] in numbered and
                first_name(ws[0]))
            if len(ws) == 1 and ws[0] in people and not listed and \
                    keystore.lookup(IdentityKind.PLACE, surface) is None and \
                    keystore.lookup(IdentityKind.ORGANISATION, surface) is None:
                f = replace(f, entity=EntityKind.PERSON)
        out.append(f)
    return out


def first_name_before_name(text: str, findings: Sequence[Finding],
                           first_name: Callable[[str], bool],
                           surname: Callable[[str], bool]) -> list[Finding]:
    """"Mostly Tyler Crabtree": a word the place lists have ("Tyler", a town) and that is a
    listed ``first_name``, right before a person's name of listed surnames, is that person's
    given name ("london olympics", "israel caa" are not)."""
    ordered = sorted(findings, key=lambda f: (f.start, f.end))
    out: list[Finding] = []
    for f in ordered:
        before = out[-1] if out else None
        if before is not None and f.entity is EntityKind.PERSON and \
                before.entity is EntityKind.LOCATION and before.detector in _GAZETTEER_PLACES \
                and text[before.end:f.start] == " " and len(words(
                    surface := text[before.start:before.end])) == 1 and first_name(surface) \
                and all(map(surname, words(text[f.start:f.end]))):
            out[-1] = replace(f, start=before.start, score=max(f.score, before.score))
            continue
        out.append(f)
    return out


_WORD_BEFORE = re.compile(r"([^\W\d_]+) $")


def given_name_before_surname(text: str, findings: Sequence[Finding],
                              first_name: Callable[[str], bool], surname: Callable[[str], bool],
                              stop_words: frozenset[str]) -> list[Finding]:
    """In lower-case text: "or lily sykes does", where only "sykes" was found (the roster's
    participant Deborah Sykes): a listed first name right before a person's name of listed
    surnames is that person's given name, so the mention is Lily Sykes, not the participant."""
    taken = {f.end for f in findings}
    out = []
    for f in findings:
        m = _WORD_BEFORE.search(text, max(0, f.start - 30), f.start) \
            if f.entity is EntityKind.PERSON else None
        if m is not None and m.start() not in taken and (m.start() == 0 or
                                                         not text[m.start() - 1].isalnum()) \
                and m.group(1) not in stop_words and first_name(m.group(1)) and \
                all(map(surname, words(text[f.start:f.end]))):
            f = replace(f, start=m.start())
        out.append(f)
    return out
