"""Pronoun and gendered-word rewriting (real model: the parse decides the form)."""

from __future__ import annotations

import pytest

from anonymizer.settings import RewriteSettings

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the grammar decides the form, not the word
        ("I told her things.", "I told him/her things."),
        ("It is her book.", "It is his/her book."),
        ("The book is hers.", "The book is his/hers."),
        ("The car is his.", "The car is his/hers."),
        ("That is hers, not his.", "That is his/hers, not his/hers."),
        ("His was the best.", "His/hers was the best."),
        ("He hurt himself.", "He/she hurt himself/herself."),
        ("She hurt herself.", "He/she hurt himself/herself."),
        ("I gave him a book.", "I gave him/her a book."),
        ("His patience is better.", "His/her patience is better."),
        ("I saw her.", "I saw him/her."),
        ("I went with her.", "I went with him/her."),
        ("I asked her about it.", "I asked him/her about it."),
        ("I called her yesterday.", "I called him/her yesterday."),
        ("I brought her home.", "I brought him/her home."),
        ("I gave her two plates.", "I gave him/her two plates."),
        ("It was her very own flat.", "It was his/her very own flat."),
        ("Her own mother told her to leave her job.",
         "His/her own mother told him/her to leave his/her job."),
        ("Did she?", "Did he/she?"),
        # case is kept
        ("She said so.", "He/she said so."),
        ("SHE SAID SO.", "HE/SHE SAID SO."),
        ("she said so.", "he/she said so."),
        ("Her book. HER BOOK.", "His/her book. HIS/HER BOOK."),
        # contractions
        ("she's here", "he/she's here"),
        ("she’s here", "he/she’s here"),
        ("He'll come.", "He/she'll come."),
        ("She'd know. He's gone.", "He/she'd know. He/she's gone."),
        ("SHE'S HERE.", "HE/SHE'S HERE."),
        ("The doctor said he'd call him.", "The doctor said he/she'd call him/her."),
    ],
)
def test_pronouns_follow_the_grammar_and_keep_case(make_engine, text: str, expected: str) -> None:
    assert make_engine().anonymize(text).clean_text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a title before a name goes with the name: one label, no "Mr"
        ("Then Mr. Hansen came in.", "Then [Person 1] came in."),
        ("Mrs Olsen and Ms. Berg spoke.", "[Person 1] and [Person 2] spoke."),
        # standing alone it is neutralised
        ("Thank you, Mr.", "Thank you, Mx."),
        ("Thank you, Mrs.", "Thank you, Mx."),
        ("Yes, sir. Thank you, madam.", "Yes, Mx. Thank you, Mx."),
        pytest.param("Thank you, Miss.", "Thank you, Mx."),
        # partner words, case kept
        ("My husband and my wife.", "My spouse and my spouse."),
        ("My boyfriend and my girlfriend.", "My partner and my partner."),
        ("Wives and husbands came.", "Spouses and spouses came."),
        pytest.param("MY HUSBAND IS HOME.", "MY SPOUSE IS HOME.", id="all-caps partner word"),
        ("The Husband came.", "The Spouse came."),
        ("Wife, husband, whatever.", "Spouse, spouse, whatever."),
        ("My Boyfriend left.", "My Partner left."),
        pytest.param("Husband and wife came.", "Spouse and spouse came.",
                     id="capitalised partner word the model takes for a place"),
        ("My ex-wife and my fiancée came.", "My ex-spouse and my fiancé(e) came."),
        # family words are off by default
        ("My mother and my son came.", "My mother and my son came."),
    ],
)
def test_titles_and_partner_words(make_engine, text: str, expected: str) -> None:
    assert make_engine().anonymize(text).clean_text == expected


def test_a_title_is_not_part_of_the_person_identity(make_engine) -> None:
    text = "Mr. Hansen came. Later Hansen left."
    outcome = make_engine().anonymize(text)
    assert outcome.clean_text == "[Person 1] came. Later [Person 1] left."


def _with_rewrite(session_engine, **changes):
    rewrite = session_engine.settings.rewrite.model_copy(update=changes)
    return session_engine.settings.model_copy(update={"rewrite": rewrite})


def test_family_words_when_the_group_is_switched_on(make_engine, session_engine) -> None:
    settings = _with_rewrite(session_engine, gendered_groups=["titles", "partners", "family"])
    clean = make_engine(settings=settings).anonymize(
        "My Mother and my father came with my sons and her husband.").clean_text
    assert clean == "My Parent and my parent came with my children and his/her spouse."


def test_partner_words_stay_when_their_group_is_switched_off(make_engine, session_engine) -> None:
    settings = _with_rewrite(session_engine, gendered_groups=["family"])
    clean = make_engine(settings=settings).anonymize("My husband and my daughter.").clean_text
    assert clean == "My husband and my child."


def test_pronouns_can_be_switched_off(make_engine, session_engine) -> None:
    settings = session_engine.settings.model_copy(
        update={"rewrite": RewriteSettings(pronouns=False)})
    engine = make_engine(settings=settings)
    outcome = engine.anonymize("She told her husband that the book is hers.")
    assert outcome.clean_text == "She told her spouse that the book is hers."
    assert not [r for r in outcome.scan.replacements if r.entity.value == "PRONOUN"]


def test_pronoun_findings_are_part_of_the_scan(make_engine) -> None:
    text = "She told her things."
    scan = make_engine().scan(text)
    pronouns = [(text[r.start:r.end], r.text, r.detector) for r in scan.replacements
                if r.entity.value == "PRONOUN"]
    assert pronouns == [("She", "He/she", "pronoun_table"), ("her", "him/her", "pronoun_table")]


@pytest.mark.parametrize(("text", "expected"), [
    ("I miss her.", "I miss him/her."),
    ("We miss the bus every day.", "We miss the bus every day."),
])
def test_the_verb_miss_is_not_a_title(make_engine, text: str, expected: str) -> None:
    assert make_engine().anonymize(text).clean_text == expected
