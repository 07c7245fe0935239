"""Issue 17 items 3 and 7: identifiers that survived (path user names, handles, US phones,
IPv6, month-year dates, ISO date-times) must be replaced whole; plain counts stay.

Each row marks the span that must be covered by ONE replacement of the given kind.
Inputs are invented.
"""

from __future__ import annotations

import pytest
from engine_helpers import marked

from anonymizer.findings import EntityKind

pytestmark = pytest.mark.integration

PHONE, ID_NUMBER, DATE = EntityKind.PHONE, EntityKind.ID_NUMBER, EntityKind.DATE

ROWS = {
    "windows path user": (r"It's in C:\Users\⟦HaraldBjornsen⟧\Documents\plan.xlsx now.", ID_NUMBER),
    "linux home user": ("I saved it under /home/⟦hbjornsen⟧/work/report.txt yesterday.", ID_NUMBER),
    "mac users user": ("Look in /Users/⟦lindaq⟧/Downloads for the file.", ID_NUMBER),
    "handle with digits": ("Follow me, I'm ⟦@sigrid_alm77⟧ on there.", ID_NUMBER),
    "short handle": ("Message ⟦@pbakke⟧ if you want.", ID_NUMBER),
    "us phone, after 'at'": ("Reach me at ⟦212-555-0187⟧ after lunch.", PHONE),
    "us phone, parentheses": ("My number is ⟦(646) 555-0142⟧, okay?", PHONE),
    "ipv6 full": ("The box was 2001:0db8:85a3:0000:0000:8a2e:0370:7334 then.", ID_NUMBER),
    "ipv6 compressed": ("It pinged ⟦fe80::1ff:fe23:4567:890a⟧ twice.", ID_NUMBER),
    "ipv6 mapped v4": ("Logged from ⟦::ffff:198.51.100.7⟧ at night.", ID_NUMBER),
    "ipv6 prefix": ("Our range is ⟦2001:db8:abcd::/48⟧ I think.", ID_NUMBER),
    "ipv6 zone": ("Try ⟦fe80::abcd:1%eth0⟧ on the laptop.", ID_NUMBER),
    "date d-Mon-yyyy": ("It started on ⟦17-Aug-2019⟧ in fact.", DATE),
    "month year": ("We moved in ⟦October 2018⟧ I think.", DATE),
    "numeric month/year": ("The lease ran out ⟦11/2020⟧ or so.", DATE),
    "iso datetime": ("The log says ⟦2022-03-14T09:05:27Z⟧ exactly.", DATE),
    "iso datetime offset": ("Stamped ⟦2020-11-02T23:59:00+01:00⟧ there.", DATE),
}
ROWS["ipv6 full"] = ("The box was ⟦2001:0db8:85a3:0000:0000:8a2e:0370:7334⟧ then.", ID_NUMBER)


@pytest.mark.parametrize(("source", "kind"), ROWS.values(), ids=ROWS.keys())
def test_identifier_replaced_whole(make_engine, source: str, kind: EntityKind) -> None:
    text, start, end = marked(source)
    scan = make_engine().scan(text)
    found = [r for r in scan.replacements if r.start <= start and r.end >= end]
    assert found, (f"{text[start:end]!r} not replaced whole; got "
                   f"{[(text[r.start:r.end], r.entity.value) for r in scan.replacements]}")
    assert found[0].entity is kind


@pytest.mark.parametrize("text", [
    "I was born in 1987 and I am 38 now.",
    "We met at 14:30 and talked for 45 minutes.",
    "She wrote to me at linn.berg@example.org yesterday.",
    "We had 12 people and 3 dogs there in 2019.",
])
def test_plain_numbers_and_emails_are_not_ids(make_engine, text: str) -> None:
    scan = make_engine().scan(text)
    bad = [(text[r.start:r.end], r.entity.value) for r in scan.replacements
           if r.entity in (PHONE, ID_NUMBER, DATE) and "@" not in text[r.start:r.end]]
    assert not bad, bad


@pytest.mark.parametrize("text", [
    "I saw the video on Twitter before work.",
    "We chatted on Snapchat and then on WhatsApp.",
    "He only posts on TikTok these days.",
])
def test_platform_names_are_not_people(make_engine, text: str) -> None:
    scan = make_engine().scan(text)
    bad = [text[r.start:r.end] for r in scan.replacements
           if r.entity in (EntityKind.PERSON, EntityKind.ORGANISATION)]
    assert not bad, bad


@pytest.mark.parametrize("text", [
    "He wrote std::vector::size in the code.",
    "The addresses :: and nothing else.",  # the unspecified address identifies no machine
])
def test_double_colons_alone_are_no_address(make_engine, text: str) -> None:
    scan = make_engine().scan(text)
    assert not [r for r in scan.replacements if r.entity is ID_NUMBER]


def test_a_label_beside_a_label_is_not_an_ipv6_leftover(make_engine) -> None:
    """'Kari::Bergen' in a source file becomes '[Person 1]::[Place 1]': verification must not
    read the '::' between two of our own labels as an address (a refusal nobody can act on)."""
    engine = make_engine()
    text = "Interviewer: Read it out.\nP: It said Kari::Bergen.\n"
    engine.verify(text, engine.scan(text), text.replace("Kari::Bergen", "[Person 1]::[Place 1]"))
