"""Study-wide consistency: one person, one label, in every transcript of a three-wave study.

    python -m anonymizer.benchmarks study        (or: python -m anonymizer.benchmarks.study)
    python -m anonymizer.benchmarks.study --explain   (every mention of each failing identity)

Builds two interview studies of its own (seeded, invented names): 13 registered participants x
3 waves, each with two people of their own (kin, named in several ways), clinicians, places and
organisations shared across the study. Names appear as full names, given names alone, surnames,
title + surname, possessives, diminutives, stuttered starts and, in some third waves, lower-case
speech. The "held-out" study uses other names and other sentences, so it measures the method
and not the first study's wording. Each transcript runs through the engine as the daemon runs
it (the participants registered, one key store for the study), and every gold mention is looked
up in the replacements that cover it. Reported, for each study:

* identities with more than one label (goal 0),
* participant mentions not labelled as that participant (goal 0),
* entities whose kind differs across transcripts (goal 0),
* names left: mentions with a word character no replacement covers (goal 0).
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

SEED = 14
WAVES = ("wave1", "wave2", "wave3")
_LABEL = re.compile(r"\[?(Participant|Person|Place|Organisation)\s(\d+)\]?")


@dataclass(frozen=True)
class Who:
    key: str
    kind: str  # participant | person | place | organisation
    full: str
    title: str = ""  # "Dr" for clinicians
    short: str = ""  # a diminutive the rules know ("Maggie" for Margaret)

    @property
    def given(self) -> str:
        return self.full.split()[0]

    @property
    def surname(self) -> str:
        return self.full.split()[-1]


@dataclass
class Builder:
    """A transcript and the spans of its gold mentions, written piece by piece."""

    text: str = ""
    mentions: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, piece: str, who: Who | None = None) -> None:
        if who is not None:
            self.mentions.append((len(self.text), len(self.text) + len(piece), who.key))
        self.text += piece

    def line(self, *pieces: str | tuple[str, Who]) -> None:
        for piece in pieces:
            if isinstance(piece, tuple):
                self.add(*piece)
            else:
                self.add(piece)
        self.add("\n")


@dataclass(frozen=True)
class Pool:
    participants: Sequence[str]
    kin: Sequence[tuple[str, str]]  # (relation, full name)
    clinicians: Sequence[str]
    places: Sequence[str]
    organisations: Sequence[str]
    diminutives: dict[str, str]


DEV = Pool(
    participants=["Margaret Hollis", "Thomas Ackroyd", "Joan Ellison", "Robert Fairbairn",
                  "Elizabeth Crowther", "Dennis Oldroyd", "Patricia Gillespie",
                  "William Sutcliffe", "Brenda Holroyd", "Keith Armitage", "Susan Pickles",
                  "Graham Wolstenholme", "Jennifer Haworth"],
    kin=[("granddaughter", "Poppy Hollis"), ("husband", "Tom Whitaker"),
         ("daughter", "Karen Ackroyd"), ("neighbour", "Stan Briggs"),
         ("son", "Darren Ellison"), ("sister", "Maureen Tate"),
         ("wife", "Sheila Fairbairn"), ("friend", "Barry Nuttall"),
         ("granddaughter", "Chloe Crowther"), ("brother", "Alan Royle"),
         ("wife", "Irene Oldroyd"), ("grandson", "Callum Oldroyd"),
         ("husband", "Norman Gillespie"), ("niece", "Leanne Shaw"),
         ("son", "Gary Sutcliffe"), ("neighbour", "Edna Clegg"),
         ("daughter", "Tracey Holroyd"), ("friend", "Pauline Firth"),
         ("wife", "Janet Armitage"), ("son", "Wayne Armitage"),
         ("husband", "Derek Pickles"), ("granddaughter", "Megan Pickles"),
         ("wife", "Valerie Wolstenholme"), ("daughter", "Lisa Wolstenholme"),
         ("husband", "Colin Haworth"), ("sister", "Carol Dyson")],
    clinicians=["Mark Bentley", "Fiona Lockwood", "Rajesh Kapoor", "Helen Stansfield"],
    places=["Heckmondwike", "Cleckheaton", "Todmorden", "Mirfield", "Batley"],
    organisations=["Leeds General Infirmary", "Pinderfields Hospital", "Calderdale Royal Hospital"],
    diminutives={"Margaret": "Maggie", "Thomas": "Tom", "Robert": "Bob", "Elizabeth": "Liz",
                 "William": "Bill", "Jennifer": "Jenny", "Patricia": "Pat", "Susan": "Sue"},
)

HELD_OUT = Pool(
    participants=["Catherine Moorhouse", "Michael Greenhalgh", "Doreen Bamforth",
                  "Richard Entwistle", "Katherine Lumb", "Frank Ormerod", "Deborah Hirst",
                  "James Pilling", "Sylvia Rushworth", "Edward Crabtree", "Rebecca Hinchliffe",
                  "Samuel Thwaite", "Victoria Birtwistle"],
    kin=[("grandson", "Kieran Moorhouse"), ("husband", "Geoff Moorhouse"),
         ("wife", "Lorraine Greenhalgh"), ("brother", "Trevor Greenhalgh"),
         ("daughter", "Amanda Bamforth"), ("neighbour", "Cyril Haigh"),
         ("son", "Jason Entwistle"), ("wife", "Hazel Entwistle"),
         ("husband", "Roy Lumb"), ("granddaughter", "Ellie Lumb"),
         ("wife", "Marjorie Ormerod"), ("friend", "Walter Ingham"),
         ("son", "Craig Hirst"), ("sister", "Gillian Pratt"),
         ("wife", "Yvonne Pilling"), ("daughter", "Nicola Pilling"),
         ("husband", "Harold Rushworth"), ("niece", "Joanne Kaye"),
         ("wife", "Beryl Crabtree"), ("grandson", "Tyler Crabtree"),
         ("husband", "Adrian Hinchliffe"), ("friend", "Denise Holt"),
         ("wife", "Angela Thwaite"), ("son", "Ryan Thwaite"),
         ("husband", "Malcolm Birtwistle"), ("daughter", "Kirsty Birtwistle")],
    clinicians=["Andrew Pemberton", "Claire Ashworth", "Sunil Mehta", "Gwen Aspinall"],
    places=["Ossett", "Brighouse", "Hebden Bridge", "Elland", "Holmfirth"],
    organisations=["Huddersfield Royal Infirmary", "Dewsbury District Hospital",
                   "Airedale General Hospital"],
    diminutives={"Catherine": "Cathy", "Michael": "Mike", "Richard": "Rich",
                 "Katherine": "Kate", "James": "Jim", "Edward": "Ted", "Rebecca": "Becky",
                 "Samuel": "Sam", "Victoria": "Vicky"},
)

FILLER = [
    "The pain was worse in the mornings, and I could not bend to put my socks on.",
    "I did the exercises most days, but some days I just could not face them.",
    "Sitting in the car for long was the hardest part, even for short trips.",
    "It has got better since the spring, I would say, slowly.",
    "I still have the sheet with the stretches on the fridge.",
]
FILLER_HELD_OUT = [
    "Getting out of bed took ages, I had to roll onto my side first.",
    "Walking helped more than anything else, even just round the block.",
    "I worried it would never go, to be honest, that was the worst of it.",
    "Work let me sit on a different chair, which made a difference.",
    "Some weeks were good and then it would flare up again for no reason.",
]


Cast = tuple[list[Who], list[Who], dict[str, str], list[Who], list[Who], list[Who]]


def cast(pool: Pool, titles: tuple[str, ...]) -> Cast:
    """A study's people and places as ``Who``s: participants, kin (two per participant) with
    their relation words, clinicians (titles taken in turn), places, organisations."""
    participants = [Who(f"p{i}", "participant", full,
                        short=pool.diminutives.get(full.split()[0], ""))
                    for i, full in enumerate(pool.participants, 1)]
    kin = [Who(f"k{i}", "person", full) for i, (_, full) in enumerate(pool.kin)]
    relation = {who.key: rel for who, (rel, _) in zip(kin, pool.kin, strict=True)}
    clinicians = [Who(f"c{i}", "person", full, title=titles[i % len(titles)])
                  for i, full in enumerate(pool.clinicians)]
    places = [Who(f"l{i}", "place", name) for i, name in enumerate(pool.places)]
    orgs = [Who(f"o{i}", "organisation", name) for i, name in enumerate(pool.organisations)]
    return participants, kin, relation, clinicians, places, orgs


def build_study(pool: Pool, seed: int, held_out: bool) -> tuple[list[Who], list[Builder]]:
    rng = random.Random(seed)
    participants, kin, relation, clinicians, places, orgs = cast(pool, ("Dr",))
    filler = FILLER_HELD_OUT if held_out else FILLER
    transcripts = []
    for index, p in enumerate(participants):
        own = kin[2 * index: 2 * index + 2]
        for wave_index, _wave in enumerate(WAVES):
            b = Builder()
            doc = rng.choice(clinicians)
            org = orgs[(index + wave_index) % len(orgs)]
            town = places[(index * 2 + wave_index) % len(places)]
            label = p.given if wave_index != 1 else p.full
            greet = p.short if (p.short and wave_index == 2) else p.given
            b.line("Interviewer: Thank you for coming in, ", (greet, p), ". How have things been?")
            b.line((label, p), ": " + rng.choice(filler))
            k0, k1 = own
            first = (k0.full if wave_index == 0 else k0.given)
            b.line("Interviewer: Who has been helping you at home?")
            if held_out:
                b.line((label, p), ": Mostly ", (k1.full if wave_index == 0 else k1.given, k1),
                       ", and my " + relation[k0.key] + " ", (first, k0), " pops round on Sundays.")
            else:
                b.line((label, p), ": My " + relation[k0.key] + " ", (first, k0),
                       " comes most days, and ", (k1.full if wave_index == 0 else k1.given, k1),
                       " does the shopping.")
            b.line("Interviewer: And the treatment itself?")
            # a title stays in published transcripts ("Dr [Person 4]"): not part of the mention
            title = f"{doc.title} " if wave_index else ""
            surname_form = (doc.surname, doc) if wave_index else (doc.full, doc)
            b.line((label, p), ": I saw " + title, surname_form, " at ", (org.full, org), ". ",
                   (doc.given if wave_index == 2 else doc.surname, doc),
                   " was very good with me.")
            b.line((label, p), ": " + rng.choice(filler))
            b.line("Interviewer: Did you get out much?")
            b.line((label, p), ": We drove over to ", (town.full, town), " once in ",
                   (k1.given, k1) if held_out else (k0.given, k0),
                   "'s car, it is more comfortable than ours.")
            if wave_index == 2:
                stutter = f"{k1.given[0]}-{k1.given}"
                b.line((label, p), ": ", (stutter, k1), " said I should go back to ",
                       (org.full, org), " if it gets worse.")
            b.line("Interviewer: Thank you, ", (greet, p), ". That is all for today.")
            if wave_index == 2 and index % 3 == 0:  # speech style: all of it in lower case
                b = Builder(b.text.lower(), b.mentions)
            transcripts.append(b)
    return participants + kin + clinicians + places + orgs, transcripts


@dataclass
class Figures:
    transcripts: int = 0
    words: int = 0
    mentions: int = 0
    identities: int = 0
    refused: int = 0
    multi_label: int = 0
    participant_mislabelled: int = 0
    kind_differs: int = 0
    names_left: int = 0
    # of multi_label: the engine flagged the labels for a steward's merge (join_suggested), or
    # no transcript ever says the full name ("Dr Lockwood" here, "Fiona" there): only a
    # steward who knows can join them (`people merge`)
    join_flagged: int = 0
    no_full_name: int = 0
    seconds: float = 0.0
    examples: list[str] = field(default_factory=list)
    # --explain: every mention of an identity that failed, with its labels and its words around
    seen: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    failed: set[str] = field(default_factory=set)


def _context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - 30):start].replace("\n", " ")
    after = text[end:end + 30].replace("\n", " ")
    return f"...{before}[[{text[start:end]}]]{after}..."


def measure(people: list[Who], transcripts: list[Builder]) -> Figures:
    from anonymizer.engine.engine import Engine
    from anonymizer.errors import AnonymizerError
    from anonymizer.keys.keystore import IdentityKind, InMemoryKeyStore
    from anonymizer.settings import Settings

    keystore = InMemoryKeyStore()
    numbers = {}
    for who in people:
        if who.kind == "participant":
            identity = keystore.add(IdentityKind.PARTICIPANT, [who.full])
            numbers[who.key] = identity.number
    engine = Engine.from_settings(Settings(), keystore=keystore)
    labels: dict[str, set[str]] = defaultdict(set)
    kinds = {who.key: who.kind for who in people}
    fig = Figures(transcripts=len(transcripts), identities=len(people))
    joins: list[set[str]] = []  # labels a join_suggested flag ties together
    full_said: set[str] = set()
    fulls = {who.key: who.full.casefold() for who in people}
    started = time.perf_counter()
    for b in transcripts:
        fig.words += len(b.text.split())
        try:
            outcome = engine.anonymize(b.text)
        except AnonymizerError:
            fig.refused += 1
            continue
        reps = outcome.scan.replacements
        joins += [{f"{a.capitalize()} {n}", f"{c.capitalize()} {m}"} for flag in outcome.scan.flags
                  if flag.reason == "join_suggested"
                  for a, n, _, c, m in [flag.detail.split()]]
        full_said |= {key for start, end, key in b.mentions
                      if b.text[start:end].casefold() == fulls[key]}
        for start, end, key in b.mentions:
            fig.mentions += 1
            covering = [r for r in reps if r.start < end and start < r.end]
            covered = {i for r in covering for i in range(max(r.start, start), min(r.end, end))}
            if any(b.text[i].isalnum() and i not in covered for i in range(start, end)):
                fig.failed.add(key)
                fig.names_left += 1
                if len(fig.examples) < 12:
                    fig.examples.append(f"left: {key} ({kinds[key]})")
            got = {f"{m.group(1)} {m.group(2)}" for r in covering
                   if (m := _LABEL.search(r.text))}  # "[Person 3]'s" is Person 3
            labels[key] |= got
            detail = ", ".join(f"{b.text[r.start:r.end]!r}->{r.text} ({r.detector})"
                               for r in covering) or "nothing"
            fig.seen[key].append(f"t{transcripts.index(b)} {_context(b.text, start, end)}: "
                                 f"{detail}")
            if kinds[key] == "participant":
                want = f"Participant {numbers[key]}"
                if got != {want}:
                    fig.failed.add(key)
                    fig.participant_mislabelled += 1
                    if len(fig.examples) < 12:
                        fig.examples.append(f"participant {key}: {sorted(got)}")
    fig.seconds = time.perf_counter() - started
    for key, found in labels.items():
        if len(found) > 1:
            fig.failed.add(key)
            fig.multi_label += 1
            if _joined(found, joins):
                fig.join_flagged += 1
            elif key not in full_said:
                fig.no_full_name += 1
            if len(fig.examples) < 12:
                fig.examples.append(f"labels of {key} ({kinds[key]}): {sorted(found)}")
        if len({label.split()[0] for label in found}) > 1:
            fig.failed.add(key)
            fig.kind_differs += 1
    return fig


def _joined(labels: set[str], joins: list[set[str]]) -> bool:
    """Whether the join_suggested flags tie all these labels into one."""
    group = {min(labels)}
    grown = True
    while grown:
        grown = False
        for pair in joins:
            if pair & group and not pair <= group:
                group |= pair
                grown = True
    return labels <= group


def study_section(explain: bool = False) -> dict[str, dict[str, int]]:
    print("== Study-wide consistency: four invented three-wave studies (issue 14) ==")
    print(f"{'study':<10} {'files':>5} {'words':>6} {'entities':>8} {'mentions':>8} "
          f"{'>1 label':>8} {'P mislab.':>9} {'kind diff':>9} {'names left':>10} "
          f"{'refused':>7} {'words/s':>8}")
    out = {}
    from anonymizer.benchmarks.study_fresh import FRESH, UNSEEN, build_fresh, build_unseen

    for name, study in (("dev", build_study(DEV, SEED, False)),
                        ("held-out", build_study(HELD_OUT, SEED + 1, True)),
                        ("fresh", build_fresh(FRESH, SEED + 2)),
                        ("unseen", build_unseen(UNSEEN, SEED + 3))):
        fig = measure(*study)
        rate = fig.words / fig.seconds if fig.seconds else 0.0
        print(f"{name:<10} {fig.transcripts:>5} {fig.words:>6} {fig.identities:>8} "
              f"{fig.mentions:>8} {fig.multi_label:>8} {fig.participant_mislabelled:>9} "
              f"{fig.kind_differs:>9} {fig.names_left:>10} {fig.refused:>7} {rate:>8.0f}")
        print(f"    of the {fig.multi_label} with >1 label: {fig.join_flagged} flagged for a "
              f"steward's merge (join_suggested), {fig.no_full_name} never named in full "
              "(only a steward can join them: people merge)")
        for example in fig.examples:
            print(f"    {example}")
        if explain:  # the names are invented: printing them here names no one
            for key in sorted(fig.failed):
                print(f"  -- {key}")
                for line in fig.seen[key]:
                    print(f"       {line}")
        out[name] = {"multi_label": fig.multi_label, "names_left": fig.names_left,
                     "join_flagged": fig.join_flagged, "no_full_name": fig.no_full_name,
                     "participant_mislabelled": fig.participant_mislabelled,
                     "kind_differs": fig.kind_differs, "refused": fig.refused}
    print()
    return out


if __name__ == "__main__":
    study_section(explain="--explain" in sys.argv[1:])
    sys.exit(0)
