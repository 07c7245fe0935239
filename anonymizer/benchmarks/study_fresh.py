"""A third study for the study benchmark, written after the engine's fixes of 2026-12-04.

Its names and sentences were not looked at while the fixes were made (dev and held-out both
were, with ``--explain``), so it is the one of the three that measures the method and not the
cases: other people, other places and hospitals, other sentence shapes, some names that are
also ordinary words (Rose, Jack, Ruby, Daisy), a title ("Mrs") besides "Dr", and lower-case
speech in other transcripts than the first two studies.
"""

from __future__ import annotations

import random

from anonymizer.benchmarks.study import WAVES, Builder, Pool, Who

FRESH = Pool(
    participants=["Christopher Nettleton", "Dorothy Fawcett", "Joseph Ackworth",
                  "Alexander Brearley", "Maureen Calvert", "Daniel Hepworth",
                  "Anthony Sugden", "Sheila Mortimer", "Gordon Lister", "Elaine Rhodes",
                  "Margaret Priestley", "Kenneth Shackleton", "Janice Midgley"],
    kin=[("wife", "Rose Nettleton"), ("son", "Jack Nettleton"),
         ("husband", "Clive Fawcett"), ("niece", "Ruby Hainsworth"),
         ("daughter", "Daisy Ackworth"), ("friend", "Neville Thackray"),
         ("partner", "Lynn Brearley"), ("brother", "Howard Brearley"),
         ("husband", "Stuart Calvert"), ("granddaughter", "Amber Calvert"),
         ("wife", "Sandra Hepworth"), ("neighbour", "Eric Booth"),
         ("wife", "Carole Sugden"), ("daughter", "Kelly Sugden"),
         ("husband", "Brian Mortimer"), ("son", "Martin Mortimer"),
         ("wife", "Wendy Lister"), ("friend", "Raymond Dobson"),
         ("husband", "Peter Rhodes"), ("sister", "Marian Walsh"),
         ("husband", "Frank Priestley"), ("grandson", "Liam Priestley"),
         ("wife", "Barbara Shackleton"), ("son", "Dean Shackleton"),
         ("husband", "Roger Midgley"), ("daughter", "Sophie Midgley")],
    clinicians=["Imran Qureshi", "Joanne Whiteley", "Tobias Renshaw", "Priya Nair"],
    places=["Knaresborough", "Ilkley", "Skipton", "Otley", "Keighley"],
    organisations=["Harrogate District Hospital", "Bradford Royal Infirmary",
                   "Airedale Community Clinic"],
    diminutives={"Christopher": "Chris", "Joseph": "Joe", "Alexander": "Alex",
                 "Daniel": "Danny", "Anthony": "Tony", "Margaret": "Peggy"},
)

FILLER_FRESH = [
    "Stairs are still a problem, I take them one at a time.",
    "The tablets take the edge off but they make me sleepy.",
    "I have gone back to the allotment, only for an hour or so.",
    "Some nights I hardly sleep because I cannot get comfortable.",
    "I keep a diary of the bad days now, like the physio said.",
]


def build_fresh(pool: Pool, seed: int) -> tuple[list[Who], list[Builder]]:
    rng = random.Random(seed)
    participants = [Who(f"p{i}", "participant", full,
                        short=pool.diminutives.get(full.split()[0], ""))
                    for i, full in enumerate(pool.participants, 1)]
    kin = [Who(f"k{i}", "person", full) for i, (_, full) in enumerate(pool.kin)]
    relation = {who.key: rel for who, (rel, _) in zip(kin, pool.kin, strict=True)}
    titles = ("Dr", "Mrs", "Mr", "Dr")
    clinicians = [Who(f"c{i}", "person", full, title=titles[i])
                  for i, full in enumerate(pool.clinicians)]
    places = [Who(f"l{i}", "place", name) for i, name in enumerate(pool.places)]
    orgs = [Who(f"o{i}", "organisation", name) for i, name in enumerate(pool.organisations)]
    transcripts = []
    for index, p in enumerate(participants):
        k0, k1 = kin[2 * index: 2 * index + 2]
        for wave_index, _wave in enumerate(WAVES):
            b = Builder()
            doc = rng.choice(clinicians)
            org = orgs[(index + 2 * wave_index) % len(orgs)]
            town = places[(index + wave_index) % len(places)]
            label = p.full if wave_index == 0 else p.given
            greet = p.short if (p.short and wave_index == 1) else p.given
            b.line("Interviewer: Good to see you again, ", (greet, p), ". Shall we start?")
            b.line((label, p), ": Yes. " + rng.choice(FILLER_FRESH))
            b.line("Interviewer: Tell me about the people around you.")
            b.line((label, p), ": There is ", (k0.full if wave_index == 0 else k0.given, k0),
                   ", my " + relation[k0.key] + ", who calls every evening. ",
                   (k1.given if wave_index else k1.full, k1), " lives next door to us.")
            b.line("Interviewer: What about the clinic?")
            name = (doc.full, doc) if wave_index == 0 else (doc.surname, doc)
            b.line((label, p), ": The physio, ", ("" if wave_index == 0 else doc.title + " "),
                   name, ", works out of ", (org.full, org), ". ",
                   (doc.given if wave_index == 1 else doc.surname, doc),
                   " told me to keep walking.")
            b.line((label, p), ": Last month we had a week near ", (town.full, town), " with ",
                   (k1.given, k1), ". ", (k0.given, k0), "'s dog came too.")
            if wave_index == 2:
                stutter = f"{k0.given[:2]}-{k0.given}"
                b.line((label, p), ": ", (stutter, k0), " rang me from ", (org.full, org),
                       " yesterday.")
            b.line((label, p), ": " + rng.choice(FILLER_FRESH))
            b.line("Interviewer: Many thanks, ", (greet, p), ".")
            if wave_index == 1 and index % 4 == 1:  # speech style: all of it in lower case
                b = Builder(b.text.lower(), b.mentions)
            transcripts.append(b)
    return participants + kin + clinicians + places + orgs, transcripts
