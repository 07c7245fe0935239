"""nn_transcript_ner: the project's bokmål + nynorsk NER pipeline (read for nynorsk text).

    import spacy
    nlp = spacy.load("nn_transcript_ner")      # or: import nn_transcript_ner; nn_transcript_ner.load()

Everything it needs is inside this package; loading never touches the network.
"""
from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.util import get_model_meta, load_model_from_init_py

__version__ = get_model_meta(Path(__file__).parent)["version"]


def load(**overrides) -> Language:
    return load_model_from_init_py(__file__, **overrides)
