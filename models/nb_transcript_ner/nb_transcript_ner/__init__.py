"""nb_transcript_ner: the project's Norwegian bokmål NER pipeline, loadable by name.

    import spacy
    nlp = spacy.load("nb_transcript_ner")      # or: import nb_transcript_ner; nb_transcript_ner.load()

Everything it needs is inside this package; loading never touches the network.
"""
from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.util import get_model_meta, load_model_from_init_py

__version__ = get_model_meta(Path(__file__).parent)["version"]


def load(**overrides) -> Language:
    return load_model_from_init_py(__file__, **overrides)
