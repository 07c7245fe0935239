"""Texts to measure on: the shared development corpus when present, generated text otherwise."""

from __future__ import annotations

import json
import random
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

_FIRST = ["Kari", "Ola", "Ingrid", "Lars", "Marte", "Erik", "Sofie", "Jonas", "Anna", "Per"]
_LAST = ["Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Berg", "Solberg", "Lie"]
_PLACES = ["Trondheim", "Oslo", "Bergen", "Byåsen", "Tromsø", "Stavanger", "Molde"]
_TURNS = [
    "I went to see {first} at the clinic in {place} and she told me to rest.",
    "My husband drove me there because his car was free that day.",
    "The pain started in March, after I lifted boxes at work with {first} {last}.",
    "{first} said he would call me on 915 55 123 when the results came back.",
    "We talked about her exercises, and I told her things I had never told anyone.",
    "It was hard, honestly, but the physiotherapist in {place} was very patient with me.",
    "I think the worst part was the nights, when I could not sleep at all.",
]


def corpus(name: str) -> list[str] | None:
    path = SHARED / f"{name}.jsonl"
    if not path.is_file():
        return None
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]


def generated_transcript(words: int, seed: int = 7) -> str:
    """A synthetic interview of about ``words`` words, deterministic for a seed."""
    rng = random.Random(seed)
    lines: list[str] = []
    count = 0
    speaker = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    while count < words:
        turn = rng.choice(_TURNS).format(
            first=rng.choice(_FIRST), last=rng.choice(_LAST), place=rng.choice(_PLACES)
        )
        label = "Interviewer" if len(lines) % 2 == 0 else speaker
        lines.append(f"{label}: {turn}")
        count += len(turn.split()) + 1
    return "\n".join(lines) + "\n"


def dialogue_texts() -> tuple[str, list[str]]:
    texts = corpus("friends_charid_dev")
    if texts:
        return "friends_charid_dev", texts
    return "generated", [generated_transcript(200, seed) for seed in range(120)]


_NB_TURNS = [
    "Jeg var hos {first} på klinikken i {place}, og hun sa at jeg måtte hvile.",
    "Mannen min kjørte meg dit fordi bilen hans var ledig den dagen.",
    "Smertene startet i mars, etter at jeg løftet esker på jobben sammen med {first} {last}.",
    "Det var tungt, ærlig talt, men fysioterapeuten i {place} var veldig tålmodig.",
]


def norwegian_texts() -> tuple[str, list[str]]:
    texts = corpus("norne_nob_dev")
    if texts:
        return "norne_nob_dev", texts
    rng = random.Random(11)
    generated = []
    for _ in range(100):
        turn = rng.choice(_NB_TURNS).format(
            first=rng.choice(_FIRST), last=rng.choice(_LAST), place=rng.choice(_PLACES))
        generated.append(f"Intervjuer: Fortell.\nInformant: {turn}\n")
    return "generated", generated


_NN_TURNS = [
    "eg var hos {first} på klinikken i {place} # og ho sa at eg måtte kvile .",
    "mannen min køyrde meg dit fordi bilen hans var ledig den dagen .",
    "det byrja i mars # etter at eg lyfte kassar på jobben saman med {first} {last} .",
    "det var tungt # ærleg talt # men fysioterapeuten i {place} var veldig tolmodig .",
]


def nynorsk_texts() -> tuple[str, list[str]]:
    """Nynorsk: the dialect interviews (LIA) and written nynorsk (NorNE) when present."""
    texts = (corpus("lia_dev") or []) + (corpus("norne_nno_dev") or [])
    if texts:
        return "lia_dev + norne_nno_dev", texts
    rng = random.Random(13)
    generated = []
    for _ in range(100):
        turn = rng.choice(_NN_TURNS).format(
            first=rng.choice(_FIRST), last=rng.choice(_LAST), place=rng.choice(_PLACES))
        generated.append(f"Intervjuar: Fortel.\nInformant: {turn}\n")
    return "generated", generated
