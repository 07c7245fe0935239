"""From findings to replacements: clean up spans, settle overlaps, tie mentions to people.

All mentions of one person in a transcript ("Kari Nordmann", "Kari", "Nordmann", "Kari's")
become one identity with one number from the key store; the interviewee (a registered
participant, or a named speaker when policy says so) gets a participant label, everyone else a
person label. Places and organisations are numbered the same way when their label has ``{n}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from anonymizer.engine.people import PeopleResolver, names_not_places, without_stutter
from anonymizer.findings import EntityKind, Finding, Flag, Replacement, Role
from anonymizer.keys.keystore import IdentityKind, KeyStore
from anonymizer.language.diminutives import Diminutives
from anonymizer.language.phrases import words
from anonymizer.rulebook import PARTICIPANT, Action, Rulebook
from anonymizer.settings import UnknownSpeaker
from anonymizer.validators import date_year, parse_age

_PRIORITY = {
    EntityKind.ID_NUMBER: 92, EntityKind.EMAIL: 90, EntityKind.URL: 90, EntityKind.PHONE: 90,
    EntityKind.FILE_NAME: 89,
    EntityKind.ADDRESS: 85, EntityKind.PERSON: 80, EntityKind.ORGANISATION: 70,
    EntityKind.LOCATION: 70, EntityKind.DATE: 60, EntityKind.AGE: 60,
    EntityKind.GENDERED_TERM: 20, EntityKind.PRONOUN: 10,
}
_TOKEN_LEVEL = frozenset({EntityKind.PRONOUN, EntityKind.GENDERED_TERM})
_TRAILING = re.compile(r"(?:['’]s|['’])?[\s.,;:!?\"'’)\]-]*$")
_BREAK = re.compile(r":\s|[\n\t]")
_URL_TRAILING = re.compile(r"[.,;:!?)\]'\"’]+$")
_LEADING = re.compile(r"^[\s\"'‘(\[-]*(?:the\s+|The\s+)?")
_PEOPLE = frozenset({IdentityKind.PARTICIPANT, IdentityKind.PERSON})
_IDENTITY_KIND = {
    EntityKind.PERSON: IdentityKind.PERSON,
    EntityKind.LOCATION: IdentityKind.PLACE,
    EntityKind.ORGANISATION: IdentityKind.ORGANISATION,
}


# How much a detector's kind is trusted when two findings overlap: a person guessed from
# context loses to a place the model or the place list is sure of ("på Lade").
# Context beats a list: after "moved to" a place, after "works at" a workplace ("Rema" is a
# first name and a place too).
# A registered name beats a guess from context (not a speaker label): "Thank you for coming in,
# Margaret" is the participant Margaret, not a place after "in".
_DETECTOR_BONUS = {"roster": 10, "study_names": 20, "name_context": -5, "unknown_word": -15,
                   "place_gazetteer": 1,
                   "place_after_preposition": 15, "workplace_context": 16,
                   "institution_name": 16}  # "... Royal Infirmary" is no person's name


def priority(finding: Finding) -> int:
    bonus = 15 if finding.role is Role.SPEAKER else 0
    return _PRIORITY[finding.entity] + bonus + _DETECTOR_BONUS.get(finding.detector, 0)


def _spanning(finding: Finding, start: int, end: int) -> Finding:
    """``finding`` over start:end; the same object when nothing moves (most do not)."""
    if (start, end) == (finding.start, finding.end):
        return finding
    return replace(finding, start=start, end=end)


def whole_words(text: str, finding: Finding) -> Finding:
    """Widen a span that starts or ends inside a word to the whole word: a recognizer that
    takes "kari.no" out of "kari.nordmann" must not leave "rdmann" behind (fail closed)."""
    start, end = finding.start, finding.end
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return _spanning(finding, start, end)


def tidy(text: str, finding: Finding) -> Finding | None:
    """Trim a span to the thing itself: a name without possessive 's, quotes or a leading
    "the"; an address without the full stop after it. None when nothing is left."""
    if finding.entity in _TOKEN_LEVEL or finding.role is Role.SPEAKER:
        return finding
    finding = whole_words(text, finding)
    if not finding.entity.is_name_like:
        surface = text[finding.start:finding.end]
        trimmed = surface.rstrip()
        if finding.entity in (EntityKind.URL, EntityKind.EMAIL, EntityKind.FILE_NAME):
            trimmed = _URL_TRAILING.sub("", trimmed)
        if not trimmed:
            return None
        return _spanning(finding, finding.start, finding.start + len(trimmed))
    # A name never runs across a line end or a speaker label's colon; statistical models
    # sometimes glue "Green: Right" together. Keep the part before the break.
    stop = _BREAK.search(text, finding.start, finding.end)
    end = stop.start() if stop and stop.start() > finding.start else finding.end
    surface = text[finding.start:end]
    head = _LEADING.match(surface)
    start = finding.start + (head.end() if head else 0)
    tail = _TRAILING.search(text, start, end)
    end = tail.start() if tail else end
    if end <= start:
        return None
    return _spanning(finding, start, end)


def plausible_name(surface: str, *, cased: bool) -> bool:
    """A statistical model's name must look like one: two letters or more and, in a cased
    transcript, a capital letter ("y'know" tagged as a person is not a name)."""
    letters = sum(c.isalpha() for c in surface)
    return letters >= 2 and (not cased or any(c.isupper() for c in surface))


_LAST_WORD = re.compile(r"\s+([^\W\d_][\w'’-]*)$")


def _without_function_word_tail(text: str, finding: Finding, stop_words: frozenset[str]
                                ) -> Finding:
    """In a cased transcript a name does not end in a lower-case function word: a model that
    took "Steinkjer av" for one name is cut back to "Steinkjer" ("Oslo kommune" stays)."""
    if not finding.entity.is_name_like:
        return finding
    end = finding.end
    while (last := _LAST_WORD.search(text, finding.start, end)) and \
            last.group(1).islower() and last.group(1) in stop_words:
        end = last.start()
    return finding if end == finding.end else replace(finding, end=end)


def _function_words_only(surface: str, rulebook: Rulebook, terms: frozenset[str]) -> bool:
    """"HIM" or "Husband" tagged as a place: pronouns, titles and gendered words are never
    names (they are rewritten by their own tables)."""
    return all(w in rulebook.pronoun_words or w in terms for w in words(surface))


def accept(text: str, findings: Iterable[Finding], rulebook: Rulebook, *, cased: bool = True,
           terms: frozenset[str] = frozenset(), stop_words: frozenset[str] = frozenset(),
           trusted: frozenset[str] = frozenset({"roster", "speaker_label",
                                                "place_in_code"}),
           ) -> tuple[list[Finding], list[Finding]]:
    """(findings to act on, findings detected but kept by policy or the allow list).

    ``terms``: the gendered words being rewritten; a model's "name" made only of them (or of
    pronouns) is dropped, since their own table rewrites them."""
    acted, kept = [], []
    for raw in findings:
        finding = tidy(text, raw)
        if finding is not None and cased and finding.detector not in trusted:
            finding = _without_function_word_tail(text, finding, stop_words)
        if finding is None:
            continue
        if finding.entity.is_name_like and finding.detector not in trusted and \
                (not plausible_name(text[finding.start:finding.end], cased=cased) or
                 _function_words_only(text[finding.start:finding.end], rulebook, terms)):
            continue
        if finding.score < rulebook.min_score(finding.entity) and \
                finding.entity not in _TOKEN_LEVEL:
            continue
        surface = " ".join(words(text[finding.start:finding.end]))
        allowed = finding.entity.is_name_like and surface in rulebook.allow
        if allowed or (finding.entity not in _TOKEN_LEVEL
                       and rulebook.action(finding.entity) is Action.KEEP):
            kept.append(finding)
        else:
            acted.append(finding)
    return acted, kept


def settle_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per overlapping group: the union span, with the strongest kind.

    The union is what keeps us fail-closed: when NER and a roster disagree on the extent of a
    name, every character either of them claimed is replaced.
    """
    ordered = sorted(findings, key=lambda f: (f.start, -f.end))
    groups: list[list[Finding]] = []
    end = -1
    for finding in ordered:
        if groups and finding.start < end:
            groups[-1].append(finding)
            end = max(end, finding.end)
        else:
            groups.append([finding])
            end = finding.end
    settled = []
    for group in groups:
        spans = [f for f in group if f.entity not in _TOKEN_LEVEL] or group
        start, end = min(f.start for f in spans), max(f.end for f in spans)
        # The kind comes from a finding that covers the whole union if there is one ("Oslo
        # University Hospital" is an organisation although "Oslo" is a place), else from the
        # strongest; on the same span the surer one (a valid check digit beats a typo's shape).
        best = max(spans, key=lambda f: ((f.start, f.end) == (start, end), priority(f),
                                         f.length, f.score, -f.start))
        settled.append(_spanning(best, start, end))
    return settled


_STUTTER = re.compile(r"([^\W\d_]{1,4})-$")


def with_stutters(text: str, finding: Finding) -> Finding:
    """"Em-Emily", "K-K-Kari": a disfluent start of a name is part of the name (the fragment
    would say who it was)."""
    if not finding.entity.is_name_like:  # "l-leeds" too: the fragment is part of the place
        return finding
    start = finding.start
    name = text[finding.start:finding.end].casefold()
    while (cut := _STUTTER.search(text, max(0, start - 5), start)) and \
            name.startswith(cut.group(1).casefold()) and \
            (cut.start() == 0 or not text[cut.start() - 1].isalnum()):
        start = cut.start()
    return _spanning(finding, start, finding.end)


def split_at_line_breaks(text: str, findings: Iterable[Finding]) -> list[Finding]:
    """No replacement spans a line or turn break: a finding that does (a model's or a predefined
    recognizer's match running on into the next line) becomes one finding per line it covers,
    so every character it claimed is still replaced and the clean text keeps its lines."""
    out: list[Finding] = []
    for finding in findings:
        surface = text[finding.start:finding.end]
        if "\n" not in surface:
            out.append(finding)
            continue
        offset = finding.start
        for piece in surface.split("\n"):
            stripped = piece.strip()
            if stripped:
                start = offset + piece.index(stripped)
                out.append(_spanning(finding, start, start + len(stripped)))
            offset += len(piece) + 1
    return out


def attach_titles(text: str, findings: list[Finding], titles: frozenset[str]) -> list[Finding]:
    """"Mr. Hansen": the title goes with the name it stands before (dropped, not neutralised)."""
    out: list[Finding] = []
    for finding in sorted(findings):
        if (out and finding.entity is EntityKind.PERSON and
                out[-1].entity is EntityKind.GENDERED_TERM and
                text[out[-1].start:out[-1].end].casefold() in titles and
                not text[out[-1].end:finding.start].strip()):
            title = out.pop()
            finding = replace(finding, start=title.start)
        out.append(finding)
    return out


def match_case(original: str, replacement: str) -> str:
    if len(original) > 1 and original.isupper():
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


@dataclass(frozen=True)
class Resolution:
    replacements: list[Replacement]
    flags: list[Flag]


@dataclass(frozen=True)
class Resolver:
    rulebook: Rulebook
    keystore: KeyStore
    unknown_speaker: UnknownSpeaker
    terms: dict[str, tuple[str, str]]
    titles: frozenset[str]
    diminutives: Diminutives = Diminutives()
    first_name: Callable[[str], bool] = lambda word: False  # a listed given name

    def people(self) -> PeopleResolver:
        return PeopleResolver(self.keystore, self.titles, self.unknown_speaker, self.diminutives)

    def resolve(self, text: str, findings: Sequence[Finding]) -> Resolution:
        before = {f.start: f.end for f in findings}
        findings = names_not_places(text, self._split_genitives(text, findings), self.keystore,
                                    self.titles, self.diminutives, self.first_name)
        split = {f.start for f in findings if before.get(f.start) == f.end + 1}
        found = self.people().resolve(text, [f for f in findings
                                             if f.entity is EntityKind.PERSON])
        people = found.identities
        out = []
        for finding in findings:
            surface = text[finding.start:finding.end]
            if finding.entity is EntityKind.PERSON:
                identity = people[(finding.start, finding.end)]
                participant = identity.kind is IdentityKind.PARTICIPANT
                key = PARTICIPANT if participant else EntityKind.PERSON.value
                out.append(self._numbered(finding, key, identity.number, participant))
            elif finding.entity in (EntityKind.LOCATION, EntityKind.ORGANISATION):
                out.append(self._place_or_org(finding, without_stutter(surface)))
            elif finding.entity is EntityKind.PRONOUN:
                form = self.rulebook.pronoun_forms[finding.form or ""]
                out.append(self._fixed(finding, match_case(surface, form)))
            elif finding.entity is EntityKind.GENDERED_TERM:
                target = self.terms.get(" ".join(surface.split()).casefold(), (surface, ""))[0]
                out.append(self._fixed(finding, match_case(surface, target)))
            else:
                out.append(self._fixed(finding, self._label_or_general(finding, surface)))
        # A split genitive is replaced whole again, the label keeping the -s ("[Deltaker 1]s").
        out = [replace(r, end=r.end + 1, text=r.text + text[r.end]) if r.start in split else r
               for r in out]
        return Resolution(sorted((_with_possessive(text, r) for r in out),
                                 key=lambda r: r.start), found.flags)

    def _split_genitives(self, text: str, findings: Sequence[Finding]) -> list[Finding]:
        """"Solveigs" (bokmål genitive) next to "Solveig Brattli": the mention is Solveig, and
        the label keeps the -s ("[Deltaker 1]s"). Only when the base is a name already known
        in this transcript or the roster, so "Hans" stays Hans."""
        known = {w for f in findings if f.entity is EntityKind.PERSON and
                 (f.role is Role.SPEAKER or len(words(text[f.start:f.end])) > 1)
                 for w in words(text[f.start:f.end])}
        known |= {w for i in self.keystore.identities() if i.registered and i.kind in _PEOPLE
                  for name in i.names for w in words(name)}
        out = []
        for f in findings:
            surface = text[f.start:f.end]
            if f.entity is EntityKind.PERSON and f.role is Role.MENTION and \
                    len(surface) > 3 and surface.endswith("s") and surface.isalpha() and \
                    surface.casefold() not in known and surface[:-1].casefold() in known:
                f = replace(f, end=f.end - 1)
            out.append(f)
        return out

    def _labels(self, key: str):  # noqa: ANN202 - LabelSet
        return self.rulebook.labels[key]

    def _numbered(self, finding: Finding, key: str, number: int, participant: bool) -> Replacement:
        labels = self._labels(key)
        template = labels.speaker if finding.role is Role.SPEAKER and labels.speaker else \
            labels.mention
        return Replacement(finding.start, finding.end, finding.entity, template.format(n=number),
                           finding.detector, finding.score, number, participant)

    def _study_kind(self, entity: EntityKind, surface: str) -> EntityKind:
        """One surface string is one kind in the whole study: a hospital the study already
        numbered as an organisation stays one where a detector here calls it a place (a
        steward changes it with ``people kind``)."""
        if self.keystore.lookup(_IDENTITY_KIND[entity], surface) is not None:
            return entity
        other = EntityKind.ORGANISATION if entity is EntityKind.LOCATION else \
            EntityKind.LOCATION
        return other if self.keystore.lookup(_IDENTITY_KIND[other], surface) else entity

    def _place_or_org(self, finding: Finding, surface: str) -> Replacement:
        finding = replace(finding, entity=self._study_kind(finding.entity, surface))
        template = self._labels(finding.entity.value).mention
        if "{n}" not in template:
            return self._fixed(finding, template)
        identity = self.keystore.assign(_IDENTITY_KIND[finding.entity], [surface])
        return Replacement(finding.start, finding.end, finding.entity,
                           template.format(n=identity.number), finding.detector, finding.score,
                           identity.number)

    def _label_or_general(self, finding: Finding, surface: str) -> str:
        labels = self._labels(finding.entity.value)
        if self.rulebook.action(finding.entity) is Action.GENERALISE and labels.generalised:
            if finding.entity is EntityKind.DATE:
                year = date_year(surface)
                if year:
                    return labels.generalised.format(year=year)
            elif finding.entity is EntityKind.AGE:
                age = parse_age(surface)
                if age is not None:
                    low = age // 10 * 10
                    return labels.generalised.format(low=low, high=low + 9)
        return labels.mention

    @staticmethod
    def _fixed(finding: Finding, text: str) -> Replacement:
        return Replacement(finding.start, finding.end, finding.entity, text, finding.detector,
                           finding.score)


_POSSESSIVE_AFTER = re.compile(r"['’]s?(?!\w)")


def _with_possessive(text: str, r: Replacement) -> Replacement:
    """"Kari's" is replaced as a whole and the label keeps the suffix ("[Person 1]'s"): the
    replacement then covers every character of the mention, and the clean text reads the same."""
    if not r.entity.is_name_like:
        return r
    suffix = _POSSESSIVE_AFTER.match(text, r.end)
    if not suffix or (suffix.group() in ("'", "’") and text[r.end - 1:r.end] not in "sSzZ"):
        return r
    return replace(r, end=suffix.end(), text=r.text + suffix.group())
