"""A 50,000-word transcript goes through in one piece (chunked under spaCy's max_length)."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PARTICIPANT = "Sigrid Halvorsen"
PEOPLE = ["Kari Nordmann", "Jonas Berg", "Hanne Lie", "Ola Hansen", "Nils Eriksen"]
PLACES = ["Trondheim", "Tromsø", "Oslo", "London"]

TURNS = [
    "Interviewer: Can you tell me more about {first}?",
    PARTICIPANT + ": {person} has been a great help. {first} drove me to {place} last week, "
    "and she waited for me the whole afternoon.",
    "Interviewer: How did that feel for you?",
    PARTICIPANT + ": Strange, honestly. I told her things I had never told anyone, not even "
    "my husband.",
    "Interviewer: Did you go back to {place} afterwards?",
    PARTICIPANT + ": Twice. The second time {person} came too, and we talked about work, "
    "about the pain, and about what happens next year.",
    "Interviewer: And how is work now?",
    PARTICIPANT + ": Better. My manager lets me take breaks, and his patience is better "
    "than mine. The decision is his, not mine.",
]
WORDS = 50_000


def transcript() -> str:
    lines: list[str] = []
    count = i = 0
    while count < WORDS:
        block = i // len(TURNS)  # one exchange about one person and one place
        person = PEOPLE[block % len(PEOPLE)]
        line = TURNS[i % len(TURNS)].format(person=person, first=person.split()[0],
                                            place=PLACES[block % len(PLACES)])
        lines.append(f"[{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}] {line}")
        count += len(line.split())
        i += 1
    return "\n".join(lines) + "\n"


def test_fifty_thousand_words(make_engine) -> None:
    text = transcript()
    assert len(text.split()) >= WORDS
    engine = make_engine()
    assert len(text) > engine.pipeline.max_chunk_chars * 5  # really several chunks
    clean = engine.anonymize(text).clean_text
    assert clean.count("\n") == text.count("\n")
    assert len(clean.splitlines()) == len(text.splitlines())
    names = {w for n in [PARTICIPANT, *PEOPLE] for w in n.split()} | set(PLACES)
    left = {n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", clean, re.I)}
    assert left == set()
    assert re.search(r"(?<![\w/])(?:she|her|his|he)(?![\w/])", clean, re.I) is None
    assert clean.splitlines()[1].startswith("[00:00:01] Participant 1: [Person ")
