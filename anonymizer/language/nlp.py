"""The spaCy pass: one ``nlp.pipe`` over a transcript's chunks feeds every detector.

Long transcripts are cut into chunks of whole lines (a line longer than the limit is cut at a
space), so a 50,000-word interview stays far below spaCy's ``max_length`` and its memory stays
bounded. Each chunk keeps its offset into the transcript, so detectors report exact offsets.
Presidio gets the same parse through ``nlp_artifacts``: the text is parsed once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import cast

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from anonymizer.errors import ModelError
from anonymizer.language.parallel import ParsePool
from anonymizer.language.tagging import TagDemand, WindowTagger
from anonymizer.offline import ensure_offline

# spaCy labels Presidio should see, in Presidio's names; everything else is ignored by it.
_NER_TO_PRESIDIO = {
    "PERSON": "PERSON", "PER": "PERSON",
    "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION", "GPE_LOC": "LOCATION",
    "ORG": "ORGANIZATION", "GPE_ORG": "ORGANIZATION", "MISC": "ORGANIZATION",
}
_IGNORED = ["NORP", "DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT",
            "WORK_OF_ART", "LAW", "LANGUAGE", "EVENT", "PRODUCT", "PROD", "EVT", "DRV"]
# Components no detector reads; leaving them out is pure speed. (The attribute ruler only maps
# fine tags to coarse POS for the lemmatizer; our detectors read the fine tags.)
_UNUSED_COMPONENTS = ("lemmatizer", "attribute_ruler", "parser", "textcat", "senter")


@dataclass(frozen=True)
class Chunk:
    offset: int
    text: str


@dataclass(frozen=True)
class AnalysedChunk:
    offset: int
    text: str  # the chunk's text, kept (doc.text rebuilds it from every token)
    doc: Doc
    artifacts: NlpArtifacts
    # The doc's tokens, built once: every ``doc[i]`` or pass over a Doc makes new Token
    # objects, and four detectors walk each chunk.
    tokens: tuple[Token, ...]
    ents: tuple[Span, ...] = ()  # the model's entities, built once (doc.ents rebuilds them)


class _Artifacts(NlpArtifacts):
    """NlpArtifacts without the keyword list, which only Presidio's context boost reads (off)."""

    @staticmethod
    def set_keywords(nlp_engine: object, lemmas: list[str], language: str) -> list[str]:
        return []


class _OnePassNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine, turning a parsed Doc into NlpArtifacts without redoing work:
    the entities are built once and given in; no lemmas or token offsets are listed (we run no
    lemmatizer, and Presidio reads both only for the context boost we switch off)."""

    def artifacts(self, doc: Doc, ents: tuple[Span, ...], language: str) -> NlpArtifacts:
        entities, scores = self._get_updated_entities(
            list(ents), [cast(float, self.ner_model_configuration.default_score)] * len(ents))
        return _Artifacts(entities=entities, tokens=doc,
                            tokens_indices=[], lemmas=[""] * len(doc),
                            nlp_engine=self, language=language, scores=scores)


def split_chunks(text: str, max_chars: int) -> list[Chunk]:
    """Whole lines packed into chunks of at most ``max_chars`` (an overlong line is cut at a
    space)."""
    chunks: list[Chunk] = []
    start = pos = 0
    for line in text.splitlines(keepends=True):
        if pos + len(line) - start > max_chars and pos > start:
            chunks.append(Chunk(start, text[start:pos]))
            start = pos
        while pos + len(line) - start > max_chars:
            cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
            cut = cut + 1 if cut > start else start + max_chars
            chunks.append(Chunk(start, text[start:cut]))
            line = text[cut:pos + len(line)]
            start = pos = cut
        pos += len(line)
    if pos > start:
        chunks.append(Chunk(start, text[start:pos]))
    return chunks


_Key = tuple[int, int, str]  # (text number, chunk offset, chunk text)


class NlpPipeline:
    """A loaded spaCy pipeline for one language plus the Presidio engine wrapped around it."""

    def __init__(
        self, model_name: str, language: str, *, max_chunk_chars: int = 10_000,
        batch_size: int = 64, batch_chars: int = 20_000, workers: int = 1,
    ) -> None:
        ensure_offline()
        self.model_name = model_name
        self.language = language
        self.max_chunk_chars = max_chunk_chars
        self.batch_size = batch_size
        self.batch_chars = batch_chars
        self.nlp = load_model(model_name)
        self.engine = _OnePassNlpEngine(
            models=[{"lang_code": language, "model_name": model_name}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=_NER_TO_PRESIDIO,
                labels_to_ignore=_IGNORED,
                low_score_entity_names=[],
            ),
        )
        # Hand Presidio the pipeline we loaded: its own load() would try to download a model.
        self.engine.nlp = {language: self.nlp}  # type: ignore[assignment]  # None until load()
        self.pool = ParsePool(self.nlp, workers) if workers > 1 else None
        self.tagger = WindowTagger.for_model(self.nlp)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    @property
    def model_version(self) -> str:
        return str(self.nlp.meta.get("version", "unknown"))

    def analyse(self, text: str, *, tags_for: TagDemand | None = None) -> list[AnalysedChunk]:
        return next(self.analyse_many([text], tags_for=tags_for))

    def analyse_many(self, texts: Iterable[str], *, tags_for: TagDemand | None = None
                     ) -> Iterator[list[AnalysedChunk]]:
        """Analyse several texts in one ``nlp.pipe`` stream; yields each text's chunks in order.

        ``tags_for`` names the tokens whose part-of-speech tags the caller reads; only those
        are then tagged, on windows around them (see ``tagging``). Without it every token is."""
        def tagged() -> Iterator[tuple[str, _Key]]:
            for index, text in enumerate(texts):
                for chunk in split_chunks(text, self._chunk_size(text)) or [Chunk(0, "")]:
                    yield chunk.text, (index, chunk.offset, chunk.text)

        # one stream of bounded batches in this process; one batch shared out to the workers
        batches: Iterable[list[tuple[str, _Key]]] = \
            [list(tagged())] if self.pool is not None else self._batches(tagged())
        parsed = (triple for batch in batches for triple in self._parse(batch, tags_for))
        for _, group in groupby(parsed, key=lambda triple: triple[2][0]):
            chunks = []
            for doc, tokens, (_, offset, text) in group:
                ents = tuple(doc.ents)
                chunks.append(AnalysedChunk(offset, text, doc,
                                            self.engine.artifacts(doc, ents, self.language),
                                            tokens, ents))
            yield chunks

    def _parse(self, batch: list[tuple[str, _Key]], tags_for: TagDemand | None
               ) -> list[tuple[Doc, tuple[Token, ...], _Key]]:
        """Parse one batch; when the caller names the tokens it reads, the tagger is left out
        of the parse and run on windows around those tokens afterwards."""
        tagger = self.tagger if tags_for is not None else None
        left_out = list(tagger.components) if tagger is not None else []
        texts = [text for text, _ in batch]
        docs = self.pool.parse(texts, disable=left_out) if self.pool is not None else \
            self.nlp.pipe(texts, batch_size=len(texts), disable=left_out)
        parsed = [(doc, tuple(doc), key) for doc, (_, key) in zip(docs, batch, strict=True)]
        if tagger is not None and tags_for is not None:
            tagger.tag([(doc, tokens) for doc, tokens, _ in parsed], tags_for)
        return parsed

    def _batches(self, pairs: Iterable[tuple[str, _Key]]) -> Iterator[list[tuple[str, _Key]]]:
        """Consecutive texts, at most ``batch_size`` of them and ``batch_chars`` characters
        together (a longer text goes alone): spaCy's own batches count texts only, and ten
        10,000-character chunks of one long transcript need far more memory than ten turns."""
        batch: list[tuple[str, _Key]] = []
        chars = 0
        for pair in pairs:
            if batch and (len(batch) >= self.batch_size or chars + len(pair[0]) > self.batch_chars):
                yield batch
                batch, chars = [], 0
            batch.append(pair)
            chars += len(pair[0])
        if batch:
            yield batch

    def _chunk_size(self, text: str) -> int:
        """With several workers, cut a transcript into enough chunks to keep them all busy."""
        if self.pool is None:
            return self.max_chunk_chars
        return max(2_000, min(self.max_chunk_chars, len(text) // (2 * self.pool.workers) + 1))


def load_model(model_name: str) -> Language:
    """Load an installed spaCy pipeline by package name or path; never download one."""
    installed = spacy.util.is_package(model_name)
    try:
        if installed:
            nlp = spacy.load(model_name, exclude=list(_UNUSED_COMPONENTS))
        else:
            from pathlib import Path

            if not Path(model_name).is_dir():
                raise ModelError(
                    f"spaCy model {model_name!r} is not installed (setting nlp.models); "
                    "install its package, models are never downloaded at run time"
                )
            nlp = spacy.load(model_name, exclude=list(_UNUSED_COMPONENTS))
    except ModelError:
        raise
    except (OSError, ValueError) as exc:
        raise ModelError(f"spaCy model {model_name!r} could not be loaded: {exc}") from None
    return nlp


def chunk_docs(chunks: Sequence[AnalysedChunk]) -> Iterator[tuple[int, Doc]]:
    for chunk in chunks:
        yield chunk.offset, chunk.doc
