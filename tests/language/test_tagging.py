"""Tags on demand: the tokens the detectors read get exactly the tags a full tagging gives."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import spacy

from anonymizer.benchmarks.texts import generated_transcript
from anonymizer.engine.engine import Engine
from anonymizer.keys.keystore import InMemoryKeyStore
from anonymizer.language import tagging
from anonymizer.language.nlp import NlpPipeline
from anonymizer.language.tagging import WindowTagger

pytestmark = pytest.mark.integration

GOLDEN = sorted(p for p in (Path(__file__).parents[1] / "golden" / "en").glob("*.txt")
                if not p.name.endswith(".clean.txt"))
PRONOUN_CASES = [
    "I told her things.",
    "Her book is on the table, and I gave her flowers.",
    "She said the book is hers, not his.",
    "I miss her. Miss Green called.",
    "Will said that May would come, and Will Smith did.",
    "her",  # a read token at both edges of the doc
    "We met her mother and her sister and her at the gate with her own dog.",  # windows merge
]


def _full_pipeline(pipeline: NlpPipeline) -> NlpPipeline:
    full = copy.copy(pipeline)
    full.tagger = None  # every token tagged in the main pass, as without this module
    return full


def _texts() -> list[tuple[str, str]]:
    golden = [(p.name, p.read_text(encoding="utf-8")) for p in GOLDEN]
    return golden + [("generated", generated_transcript(3_000, seed=11))] + \
        [(f"case {i}", t) for i, t in enumerate(PRONOUN_CASES)]


@pytest.mark.parametrize(("name", "text"), _texts(), ids=lambda v: v if len(v) < 40 else "")
def test_read_tokens_get_the_tags_of_a_full_tagging(session_engine: Engine, name: str,
                                                    text: str) -> None:
    windowed = session_engine.pipeline
    assert windowed.tagger is not None
    demand = session_engine._tags_needed
    fast = windowed.analyse(text, tags_for=demand)
    full = _full_pipeline(windowed).analyse(text, tags_for=demand)
    assert [c.offset for c in fast] == [c.offset for c in full]
    for a, b in zip(fast, full, strict=True):
        wanted = demand(a.tokens)
        assert {i: a.tokens[i].tag_ for i in wanted} == {i: b.tokens[i].tag_ for i in wanted}
        # the windows really were used: a token no one reads has no tag
        assert all(not t.tag_ for i, t in enumerate(a.tokens) if i not in wanted)
        assert [e.text for e in a.ents] == [e.text for e in b.ents]  # NER is untouched


@pytest.mark.parametrize(("name", "text"), _texts(), ids=lambda v: v if len(v) < 40 else "")
def test_scan_is_the_same_with_tags_on_demand(make_engine, session_engine: Engine,
                                              name: str, text: str) -> None:
    fast = make_engine().scan(text)
    full = Engine(session_engine.settings, session_engine.rulebook,
                  _full_pipeline(session_engine.pipeline), InMemoryKeyStore()).scan(text)
    assert fast == full


@pytest.mark.parametrize(("text", "read"), [
    ("I told her things .", ["her", "things"]),  # "her" and the word it may govern
    ('I saw her " autobiography " .', ["her", "autobiography"]),  # past the quote
    ("I miss her .", ["miss", "her", "."]),  # a title that may be a verb
    ("The book is hers , not his .", []),  # forms that need no tagger
    # a first name that is a word, and the word after it (a Will the study knows stands bare
    # before a verb)
    ("Then Will came , and Chandler .", ["Will", "came"]),
])
def test_the_tokens_whose_tags_are_read(session_engine: Engine, text: str,
                                        read: list[str]) -> None:
    tokens = session_engine.pipeline.analyse(text)[0].tokens
    assert sorted(tokens[i].text for i in session_engine._tags_needed(tokens)) == sorted(read)


def test_the_english_model_is_tagged_in_windows_of_its_reach(session_engine: Engine) -> None:
    tagger = session_engine.pipeline.tagger
    assert tagger is not None
    assert tagger.radius == 4  # en_core_web_sm: window 1, depth 4
    assert tagger.components == ("tok2vec", "tagger")


def test_a_tok2vec_other_components_listen_to_is_not_left_out(session_engine: Engine) -> None:
    # with the parser loaded, tok2vec feeds it too: the main pass must keep running it
    nlp = spacy.load(session_engine.pipeline.model_name, exclude=["lemmatizer", "senter"])
    assert "parser" in nlp.pipe_names
    assert WindowTagger.for_model(nlp) is None


def test_models_of_other_shapes_are_tagged_in_full() -> None:
    assert WindowTagger.for_model(spacy.blank("en")) is None  # no tagger at all
    nlp = spacy.blank("en")
    nlp.add_pipe("tagger")  # its own HashEmbedCNN: window 1, depth 4
    tagger = WindowTagger.for_model(nlp)
    assert tagger is not None and tagger.radius == 4 and tagger.components == ("tagger",)


LOCAL_EMBED = {"@architectures": "spacy.MultiHashEmbed.v2", "width": 96,
               "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"], "rows": [5000, 1000, 2500, 2500],
               "include_static_vectors": False}


@pytest.mark.parametrize(("tok2vec", "radius"), [
    ({"@architectures": "spacy.Tok2Vec.v2", "embed": LOCAL_EMBED, "encode": {
        "@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 96, "depth": 4,
        "window_size": 1, "maxout_pieces": 3}}, 4),
    ({"@architectures": "spacy.Tok2Vec.v2", "embed": LOCAL_EMBED, "encode": {
        "@architectures": "spacy.MishWindowEncoder.v2", "width": 96, "depth": 2,
        "window_size": 3}}, 6),
    ({"@architectures": "spacy.HashEmbedCNN.v2", "width": 96, "depth": 4, "window_size": 1,
      "embed_size": 2000, "maxout_pieces": 3, "subword_features": True,
      "pretrained_vectors": None}, 4),
    # a sentence-wide reach, or one we cannot see: never windowed
    ({"@architectures": "spacy.Tok2Vec.v2", "embed": LOCAL_EMBED, "encode": {
        "@architectures": "spacy.TorchBiLSTMEncoder.v1", "width": 96, "depth": 1,
        "dropout": 0.0}}, None),
    ({"@architectures": "spacy-transformers.TransformerListener.v1", "pooling": {}}, None),
    ({"@architectures": "spacy.Tok2Vec.v2", "embed": {**LOCAL_EMBED, "attrs": ["NORM", "ENT_TYPE"]},
      "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 96, "depth": 4,
                 "window_size": 1, "maxout_pieces": 3}}, None),
    ({"@architectures": "spacy.Tok2Vec.v2", "embed": LOCAL_EMBED, "encode": {
        "@architectures": "spacy.MaxoutWindowEncoder.v2", "depth": "${x}", "window_size": 1}},
     None),
])
def test_the_reach_of_a_tok2vec(tok2vec: dict, radius: int | None) -> None:
    assert tagging._radius(tok2vec) == radius


def test_parse_workers_tag_on_demand_too(session_engine: Engine) -> None:
    """With ``nlp.workers``, the workers run the NER and this process tags the windows."""
    text = generated_transcript(2_000, seed=12)
    pooled = NlpPipeline(session_engine.pipeline.model_name, "en", workers=2)
    try:
        demand = session_engine._tags_needed
        fast = pooled.analyse(text, tags_for=demand)
        full = pooled.analyse(text)  # no demand: the workers tag every token
        assert [c.offset for c in fast] == [c.offset for c in full] and len(fast) > 1
        for a, b in zip(fast, full, strict=True):
            wanted = demand(a.tokens)
            assert {i: a.tokens[i].tag_ for i in wanted} == {i: b.tokens[i].tag_ for i in wanted}
            assert all(not t.tag_ for i, t in enumerate(a.tokens) if i not in wanted)
    finally:
        pooled.close()
