"""Detection per rule kind through the real engine (``Engine.scan``, real spaCy model).

Each row marks the expected finding with ⟦…⟧ in its text: the scan must hold a replacement
with exactly that span, that kind, and a replacement text matching the pattern.
"""

from __future__ import annotations

import re

import pytest
from engine_helpers import d_number, fnr, h_number, marked

from anonymizer.findings import EntityKind
from anonymizer.keys.keystore import IdentityKind, InMemoryKeyStore

pytestmark = pytest.mark.integration

PERSON, LOCATION, ORGANISATION = EntityKind.PERSON, EntityKind.LOCATION, EntityKind.ORGANISATION
ADDRESS, EMAIL, URL, PHONE = EntityKind.ADDRESS, EntityKind.EMAIL, EntityKind.URL, EntityKind.PHONE
ID_NUMBER, DATE, AGE = EntityKind.ID_NUMBER, EntityKind.DATE, EntityKind.AGE

SPEAKER = r"Participant \d+"
PERSON_LABEL = r"\[Person \d+\]"
PLACE = r"\[Place \d+\]"
ORG = r"\[Organisation \d+\]"


def model_gap(reason: str):
    return pytest.mark.xfail(strict=True, reason=f"model recall/labelling: {reason}")


def bug(reason: str):
    return pytest.mark.xfail(strict=True, reason=f"bug: {reason}")


# id: (marked text, kind, replacement pattern, roster names registered before the scan)
ROWS = {
    # people
    "speaker label, full name": (
        "⟦Kari Nordmann⟧: I was tired.\nInterviewer: Why?", PERSON, SPEAKER, ()),
    "speaker label, timestamp first": (
        "[00:01:02] ⟦Kari⟧: Hello.\n[00:01:05] I: Hi.", PERSON, SPEAKER, ()),
    "speaker label, timestamp after": (
        "⟦Kari⟧ (00:01:02): Hello.\nInterviewer (00:01:05): Hi.", PERSON, SPEAKER, ()),
    "speaker label, tab separated": (
        "⟦Kari⟧\tHello.\nInterviewer\tHi.", PERSON, SPEAKER, ()),
    "person mentioned, full name": (
        "Yesterday I met ⟦Kari Nordmann⟧ in town.", PERSON, PERSON_LABEL, ()),
    "possessive": (
        "I met Kari Nordmann yesterday. ⟦Kari⟧'s car was red.", PERSON, PERSON_LABEL, ()),
    "possessive, typographic apostrophe": (
        "I met Kari Nordmann yesterday. ⟦Kari⟧’s car was red.", PERSON, PERSON_LABEL, ()),
    "first name only after the full name": (
        "I met Kari Nordmann yesterday. Later ⟦Kari⟧ called.", PERSON, PERSON_LABEL, ()),
    "surname only after the full name": (
        "I met Kari Nordmann yesterday. Later ⟦Nordmann⟧ called.", PERSON, PERSON_LABEL, ()),
    "title kept out of the label": (
        "Then ⟦Mr. Hansen⟧ came in.", PERSON, PERSON_LABEL, ()),
    # the roster
    "roster name, lower case with possessive": (
        "Evening came, and ⟦eve⟧'s bag was gone.", PERSON, PERSON_LABEL, ("Eve",)),
    "roster name, all capitals": (
        "I shouted ⟦EVE⟧ twice.", PERSON, PERSON_LABEL, ("Eve",)),
    "roster name the model does not know": (
        "the reports from ⟦Qwylla Brannigax⟧ were late", PERSON, PERSON_LABEL,
        ("Qwylla Brannigax",)),
    # places, addresses, organisations
    "city": ("We drove to ⟦Oslo⟧ and then on to London.", LOCATION, PLACE, ()),
    "Norwegian town with ø": ("I grew up in ⟦Tromsø⟧, near Bodø.", LOCATION, PLACE, ()),
    "city at the end of a sentence": ("I live in ⟦Trondheim⟧.", LOCATION, PLACE, ()),
    "Norwegian city the model alone misses": (
        "She moved to ⟦Stavanger⟧ last year.", LOCATION, PLACE, ()),
    "Norwegian street with number": (
        "Her clinic is in ⟦Munkegata 12⟧, near the river.", ADDRESS, r"\[address\]", ()),
    "Norwegian street, number with letter": (
        "The flat in ⟦Storgata 3B⟧ was cold.", ADDRESS, r"\[address\]", ()),
    "Norwegian address with postcode": (
        "It is in ⟦Munkegata 12, 7011 Trondheim⟧, so it was easy.", ADDRESS, r"\[address\]", ()),
    "English street with number": (
        "He lived at ⟦12 Baker Street⟧ in London.", ADDRESS, r"\[address\]", ()),
    "organisation": ("She works at ⟦Microsoft⟧ now.", ORGANISATION, ORG, ()),
    "organisation, several words": (
        "We met at ⟦Oslo University Hospital⟧.", ORGANISATION, ORG, ()),
    # contact data
    "e-mail": ("Write to ⟦ola.hansen@example.com⟧ today.", EMAIL, r"\[e-mail\]", ()),
    "e-mail at the end of a sentence": (
        "My email is ⟦ola.hansen@example.com⟧.", EMAIL, r"\[e-mail\]", ()),
    "URL with scheme": ("See ⟦https://example.org/page⟧ for more.", URL, r"\[URL\]", ()),
    "URL with www": ("See ⟦www.example.no⟧ for more.", URL, r"\[URL\]", ()),
    "phone 915 55 123": ("Call me on ⟦915 55 123⟧ tomorrow.", PHONE, r"\[phone\]", ()),
    "phone +47 91555123": ("Call me on ⟦+47 91555123⟧ tomorrow.", PHONE, r"\[phone\]", ()),
    "phone 91 55 51 23": ("Call me on ⟦91 55 51 23⟧ tomorrow.", PHONE, r"\[phone\]", ()),
    "phone 0047 prefix": ("Also ⟦0047 91555123⟧ works.", PHONE, r"\[phone\]", ()),
    "phone, landline with +47": ("Ring ⟦+47 22 33 44 55⟧ please.", PHONE, r"\[phone\]", ()),
    "phone, UK": ("Call me on ⟦+44 20 7946 0958⟧ tomorrow.", PHONE, r"\[phone\]", ()),
    "phone, US": ("Call me on ⟦(212) 555-0187⟧ tomorrow.", PHONE, r"\[phone\]", ()),
    "phone, US international": ("Call me on ⟦+1 212 555 0187⟧ tomorrow.", PHONE, r"\[phone\]", ()),
    # identity numbers
    "fødselsnummer": (f"My fødselsnummer is ⟦{fnr()}⟧, yes.", ID_NUMBER, r"\[ID number\]", ()),
    "fødselsnummer DDMMYY NNNNN": (
        f"It is ⟦{fnr()[:6]} {fnr()[6:]}⟧ on the form.", ID_NUMBER, r"\[ID number\]", ()),
    "D-number": (f"My D-number is ⟦{d_number()}⟧ and that is it.", ID_NUMBER,
                 r"\[ID number\]", ()),
    "H-number": (f"The H-number ⟦{h_number()}⟧ was used.", ID_NUMBER, r"\[ID number\]", ()),
    "fødselsnummer at the end of a sentence": (
        f"My fødselsnummer is ⟦{fnr()}⟧.", ID_NUMBER, r"\[ID number\]", ()),
    "D-number at the end of a sentence": (
        f"My D-number is ⟦{d_number()}⟧.", ID_NUMBER, r"\[ID number\]", ()),
    # dates and ages
    "date, day month year": ("It started on ⟦12 March 2013⟧, after a shift.", DATE,
                             r"\[2013\]", ()),
    "date, month day year": ("We met on ⟦March 12, 2013⟧ in the evening.", DATE, r"\[2013\]", ()),
    "date, numeric": ("I was born ⟦01.02.1985⟧ in the north.", DATE, r"\[1985\]", ()),
    "date, numeric US order": ("Also ⟦03/25/2010⟧ was a Thursday.", DATE, r"\[2010\]", ()),
    "age in digits": ("I am ⟦47⟧ years old.", AGE, "40–49", ()),
    "age in words": ("I was ⟦forty-two⟧ years old then.", AGE, "40–49", ()),
    "age after 'aged'": ("He is aged ⟦34⟧ now.", AGE, "30–39", ()),
    "age of a teenager": ("My son was ⟦twelve⟧ years old.", AGE, "10–19", ()),
}

KNOWN_GAPS = [
    pytest.param("She moved to ⟦Bergen⟧ last year.", LOCATION, PLACE, (),
                 id="city the model mislabels"),
    pytest.param("I met ⟦Per Olsen⟧ yesterday.", PERSON, PERSON_LABEL, (),
                 id="person the model misses"),  # caught by the given-name-before-surname cue
    pytest.param("He works at ⟦Telenor⟧.", ORGANISATION, ORG, (),
                 id="organisation after a workplace cue"),
    pytest.param("⟦Telenor⟧ sent me a bill.", ORGANISATION, ORG, (),
                 marks=model_gap("the company Telenor, with no cue before it, is not detected; "
                                 "it stays in the text"),
                 id="organisation the model misses"),
    pytest.param("We married on ⟦2013-06-15⟧ in the summer.", DATE, r"\[2013\]", (),
                 id="ISO date"),
    pytest.param("My son was ⟦seven⟧ years old.", AGE, "0–9", (),
                 id="age one to nine in words"),
    pytest.param("Then on the ⟦12th of March⟧ we left.", DATE, r"\[date\]", (),
                 id="date without a year"),
    pytest.param("It started on ⟦14 May 2019⟧, after a shift.", DATE, r"\[2019\]", (),
                 id="date with a month that is also a first name"),
    pytest.param("I moved to ⟦London⟧ in 2010.", LOCATION, PLACE, (),
                 id="capital city taken for a surname"),
]


def _scan(make_engine, text: str, roster: tuple[str, ...]):
    keystore = InMemoryKeyStore()
    for name in roster:
        keystore.add(IdentityKind.PERSON, [name])
    return make_engine(keystore=keystore).scan(text)


@pytest.mark.parametrize(("source", "kind", "label", "roster"),
                         [*ROWS.values(), *KNOWN_GAPS],
                         ids=[*ROWS.keys(), *(p.id for p in KNOWN_GAPS)])
def test_detection(make_engine, source: str, kind: EntityKind, label: str,
                   roster: tuple[str, ...]) -> None:
    text, start, end = marked(source)
    scan = _scan(make_engine, text, roster)
    found = [r for r in scan.replacements if covers(text, r, start, end)]
    assert found, (
        f"no replacement at {text[start:end]!r}; got "
        f"{[(text[r.start:r.end], r.entity.value, r.text) for r in scan.replacements]}")
    replacement = found[0]
    assert replacement.entity is kind
    assert re.fullmatch(label, replacement.text[:len(replacement.text) - (replacement.end - end)])


_POSSESSIVES = ("", "'s", "’s", "'", "’")


def covers(text: str, r, start: int, end: int) -> bool:
    """``r`` replaces exactly [start, end), or that plus a possessive suffix it carries over
    into its replacement text ("Kari's" -> "[Person 1]'s")."""
    suffix = text[end:r.end]
    return r.start == start and r.end >= end and suffix in _POSSESSIVES and \
        r.text.endswith(suffix)


# -- what must NOT be found -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "detector"),
    [("My account number is 12345678903, at the bank.", "pattern:kontonummer"),
     ("My account number is 1234.56.78903, at the bank.", "pattern:kontonummer"),
     # eleven digits that pass no check: a typo of an identifying number, replaced anyway
     ("The reference 98765432109 is on the letter.", "/unchecked")],
)
def test_bank_account_numbers_are_replaced_as_accounts_not_national_ids(
        make_engine, text: str, detector: str) -> None:
    """Issue 16: a kontonummer is replaced whole, and recognised as what it is (its own check
    digit), never as a fødselsnummer."""
    scan = make_engine().scan(text)
    found = [r for r in scan.replacements if r.entity is ID_NUMBER]
    assert len(found) == 1
    assert found[0].detector.endswith(detector)
    assert not any(c.isdigit() for c in text[:found[0].start] + text[found[0].end:])


def test_roster_name_is_never_matched_inside_a_longer_word(make_engine) -> None:
    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PERSON, ["Eve"])
    text = "Evening came. In the evening we left. Eventually Eve's sister came."
    outcome = make_engine(keystore=keystore).anonymize(text)
    assert outcome.clean_text == (
        "Evening came. In the evening we left. Eventually [Person 1]'s sister came.")


@pytest.mark.parametrize(
    "text",
    ["We moved in 2013 and stayed.",  # a year alone is not a calendar date
     "It was last spring, I think.",
     "The code was 1234 and the room 12345678.",
     "There were 47 people and 3 doctors.",
     "It took 47 years.",
     "I use Facebook and Zoom every day.",  # allow list
     "Interviewer: Thank you.\nP: Yes."],
)
def test_ordinary_text_is_left_alone(make_engine, text: str) -> None:
    assert make_engine().anonymize(text).clean_text == text


def test_allow_listed_names_are_reported_as_kept(make_engine) -> None:
    text = "I told my GP about it on Facebook."
    scan = make_engine().scan(text)
    assert not [r for r in scan.replacements if r.entity.is_name_like]
    assert any(text[f.start:f.end] in ("GP", "Facebook") for f in scan.kept)


def test_lower_case_transcript_names_are_found(make_engine) -> None:
    text = ("interviewer: so how was it\nkari: fine i guess\ninterviewer: and then\n"
            "kari: then i called ola and kari's sister\n")
    clean = make_engine().anonymize(text).clean_text
    assert "kari" not in clean.casefold()
    assert clean.splitlines()[1].startswith("Participant 1: ")


def test_roster_name_broken_over_two_lines_leaves_nothing(make_engine) -> None:
    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PERSON, ["Qwylla Brannigax"])
    text = "we asked Qwylla\nBrannigax about it"  # a hard-wrapped transcript
    clean = make_engine(keystore=keystore).anonymize(text).clean_text
    assert clean.count("\n") == 1
    assert "brannigax" not in clean.casefold() and "qwylla" not in clean.casefold()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The clinic is in Munkegata 12, 7011 Trondheim, so it was easy.",
         "The clinic is in [address], so it was easy."),
        ("He lived at 12 Baker Street in Oslo.", "He/she lived at [address] in [Place 1]."),
        pytest.param(
            "They live at Kongens gate 5 now.", "They live at [address] now.",
            id="address followed by a word"),
        ("Write to ola.hansen@example.com.", "Write to [e-mail]."),
        pytest.param(
            "See https://example.org/page.", "See [URL].",
            id="URL at the end of a sentence"),
        pytest.param(
            "See www.example.no/blog, or ask me.", "See [URL], or ask me.",
            id="URL before a comma"),
        ("Call me on 915 55 123.", "Call me on [phone]."),
    ],
)
def test_replacements_leave_the_surrounding_text_exactly(make_engine, text: str,
                                                         expected: str) -> None:
    assert make_engine().anonymize(text).clean_text == expected


@pytest.mark.parametrize("text", ["I follow kari.nordmann on Instagram.",
                                  "The file was report.docx, I think."])
def test_replacements_never_cut_a_word_in_half(make_engine, text: str) -> None:
    scan = make_engine().scan(text)
    for r in scan.replacements:
        before = text[r.start - 1] if r.start > 0 else " "
        after = text[r.end] if r.end < len(text) else " "
        assert not before.isalnum() and not after.isalnum(), (text[r.start:r.end], r.text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("We met in June and again in March.", id="months"),
        pytest.param("We moved in August, on a Sunday.", id="a month and a weekday"),
        pytest.param("She teaches Spanish at a school.", id="a language"),
        pytest.param("Interviewer\tHow are you?\nRespondent\tQuiet. Busy.\n",
                     id="a one-word answer after a TAB label"),
        pytest.param("Setting: video call\nInterviewer: Hello.\n", id="a header label"),
    ],
)
def test_ordinary_capitalised_words_are_not_names(make_engine, text: str) -> None:
    scan = make_engine().scan(text)
    assert [(text[r.start:r.end], r.text) for r in scan.replacements
            if r.entity.is_name_like] == []
