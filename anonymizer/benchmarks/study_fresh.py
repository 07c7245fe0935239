"""Two more studies for the study benchmark, written after the engine's fixes of 2026-12-04.

"fresh" was written after the first fixes and measured once before two more causes it showed
were fixed ("Ilkley with Ruby" as one model span, "eric lives" in lower case); "unseen" was
written after all of them and not looked at before its figures were taken, so it is the one of
the four that measures the method and not the cases. Other people, places and hospitals, other
sentence shapes, names that are also ordinary words (Rose, Jack, Ruby, Daisy; Grace, Joy,
Holly, Hope), other titles, stutters and lower-case speech in other transcripts.
"""

from __future__ import annotations

import random

from anonymizer.benchmarks.study import WAVES, Builder, Pool, Who, cast

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
    participants, kin, relation, clinicians, places, orgs = cast(pool, ("Dr", "Mrs", "Mr", "Dr"))
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


# -- unseen: written after every fix of 2026-12-04 (the fresh study's too) and run once ------

UNSEEN = Pool(
    participants=["Samuel Oddy", "Rebecca Tordoff", "Michael Greaves", "Emily Ramsden",
                  "Richard Jowett", "Deborah Sykes", "James Exley", "Victoria Hanson",
                  "Edward Pickard", "Susan Naylor", "William Ibbotson", "Katherine Dews",
                  "Robert Firth"],
    kin=[("wife", "Grace Oddy"), ("brother", "Terry Oddy"),
         ("husband", "Nigel Tordoff"), ("daughter", "Holly Tordoff"),
         ("partner", "Joy Bellamy"), ("son", "Ryan Greaves"),
         ("husband", "Keith Ramsden"), ("friend", "Iris Whitworth"),
         ("wife", "Pearl Jowett"), ("son", "Lee Jowett"),
         ("husband", "Mervyn Sykes"), ("granddaughter", "Lily Sykes"),
         ("wife", "Dawn Exley"), ("neighbour", "Bernard Crowe"),
         ("husband", "Glen Hanson"), ("sister", "June Wadsworth"),
         ("wife", "Faith Pickard"), ("grandson", "Jake Pickard"),
         ("husband", "Dennis Naylor"), ("niece", "Summer Naylor"),
         ("wife", "Olive Ibbotson"), ("son", "Craig Ibbotson"),
         ("husband", "Barry Dews"), ("daughter", "Hope Dews"),
         ("wife", "Ivy Firth"), ("friend", "Derek Lumley")],
    clinicians=["Ngozi Adeyemi", "Felix Armitstead", "Ruth Calverley", "Mohammed Iqbal"],
    places=["Pudsey", "Morley", "Shipley", "Guiseley", "Rothwell"],
    organisations=["Wakefield Community Hospital", "Barnsley General Hospital",
                   "Pontefract Royal Infirmary"],
    diminutives={"Samuel": "Sam", "Rebecca": "Becky", "Michael": "Mick", "Emily": "Millie",
                 "Richard": "Richie", "Deborah": "Debbie", "James": "Jim",
                 "Victoria": "Vicky", "Edward": "Ted", "William": "Bill"},
)

FILLER_UNSEEN = [
    "Mornings are the worst, it eases off by dinner time.",
    "I bought one of those long shoe horns, it helps.",
    "Driving is fine now, but I stop every half hour.",
    "The hot water bottle is my best friend these days.",
    "I have cut down on the gardening, which I miss.",
]


def build_unseen(pool: Pool, seed: int) -> tuple[list[Who], list[Builder]]:
    rng = random.Random(seed)
    participants, kin, relation, clinicians, places, orgs = cast(pool, ("Dr",))
    transcripts = []
    for index, p in enumerate(participants):
        k0, k1 = kin[2 * index: 2 * index + 2]
        for wave_index, _wave in enumerate(WAVES):
            b = Builder()
            doc = rng.choice(clinicians)
            org = orgs[(2 * index + wave_index) % len(orgs)]
            town = places[(index + 2 * wave_index) % len(places)]
            label = p.given if wave_index == 2 else p.full
            greet = p.short if (p.short and wave_index == 0) else p.given
            b.line("Interviewer: Right, ", (greet, p), ", the recorder is on.")
            b.line((label, p), ": Go on then.")
            b.line("Interviewer: How do you get to your appointments?")
            b.line((label, p), ": My " + relation[k0.key] + " takes me, ",
                   (k0.full if wave_index == 1 else k0.given, k0), " I mean. Or ",
                   (k1.full if wave_index == 0 else k1.given, k1), " does if ",
                   (k0.given, k0), " is at work.")
            b.line("Interviewer: And where do you go?")
            who = (doc.full, doc) if wave_index == 1 else (doc.surname, doc)
            b.line((label, p), ": ", (org.full, org), ", to see ",
                   ("Dr " if wave_index != 1 else ""), who, ". ",
                   (doc.given if wave_index == 0 else doc.surname, doc), "'s lovely.")
            b.line((label, p), ": " + rng.choice(FILLER_UNSEEN))
            b.line((label, p), ": We used to live in ", (town.full, town), ", before ",
                   (k1.given, k1), " was born.")
            if wave_index == 1:
                b.line((label, p), ": ", (f"{k1.given[0]}-{k1.given[0]}-{k1.given}", k1),
                       " says I moan too much.")
            b.line("Interviewer: Lovely, thanks ", (greet, p), ".")
            if wave_index == 0 and index % 3 == 2:  # speech style: all of it in lower case
                b = Builder(b.text.lower(), b.mentions)
            transcripts.append(b)
    return participants + kin + clinicians + places + orgs, transcripts
