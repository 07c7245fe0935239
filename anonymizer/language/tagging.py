"""Part-of-speech tags only where a detector reads them.

The detectors read the tagger's answer for few tokens: an ambiguous "her" and the word after
it, a title that may be a verb ("I miss her"), a capitalised first name that is also a word
("Will"). Tagging every token costs a quarter of the parse; tagging windows around the tokens
that are read gives the same tags for a fraction of it.

Why the same: in spaCy's CNN pipelines the tagger is a per-token layer over a ``tok2vec`` whose
token features are the token's own (norm, prefix, suffix, shape, trailing space) and whose
encoder mixes ``window_size`` neighbours per layer, ``depth`` times. A token's tag therefore
depends on at most ``radius = window_size * depth`` tokens either side. Copying those tokens
into a small doc, the windows of one chunk one after another, reproduces every read token's
input exactly; a token at a window's edge may get another tag, so only the read tokens' tags
are copied back. A model of any other shape (a transformer, an LSTM) is not windowed: it
tags every token as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from spacy.attrs import NORM, TAG
from spacy.language import Language
from spacy.tokens import Doc, Token

# Encoders whose reach is window_size * depth tokens, and embeddings that read only the token.
_WINDOW_ENCODERS = {"spacy.MaxoutWindowEncoder.v1", "spacy.MaxoutWindowEncoder.v2",
                    "spacy.MishWindowEncoder.v1", "spacy.MishWindowEncoder.v2"}
_LOCAL_EMBEDDINGS = {"spacy.MultiHashEmbed.v1", "spacy.MultiHashEmbed.v2"}
_LOCAL_ATTRS = {"ORTH", "LOWER", "NORM", "PREFIX", "SUFFIX", "SHAPE", "SPACY", "IS_SPACE"}
_LISTENERS = {"spacy.Tok2VecListener.v1"}

# Which token positions of a chunk a detector reads tags of.
TagDemand = Callable[[Sequence[Token]], Iterable[int]]


@dataclass(frozen=True)
class WindowTagger:
    """Runs ``tok2vec`` and ``tagger`` on windows around the tokens whose tags are read."""

    nlp: Language
    radius: int
    components: tuple[str, ...]  # the pipes the main pass leaves out and this one runs

    @classmethod
    def for_model(cls, nlp: Language) -> WindowTagger | None:
        """The windowed tagger for ``nlp``, or None when its tagger's reach is not provably
        local (then the whole doc is tagged in the main pass, as before)."""
        if "tagger" not in nlp.pipe_names:
            return None
        config = nlp.config.interpolate()["components"]
        tok2vec = config["tagger"]["model"].get("tok2vec", {})
        components: tuple[str, ...] = ("tagger",)
        if tok2vec.get("@architectures") in _LISTENERS:
            upstream = tok2vec.get("upstream", "*")
            if upstream not in nlp.pipe_names:
                return None
            # every listener of that tok2vec must be the tagger: leaving it out of the main
            # pass must not blind another component
            if list(getattr(nlp.get_pipe(upstream), "listening_components", [])) != ["tagger"]:
                return None
            tok2vec = config[upstream]["model"]
            components = (upstream, "tagger")
        radius = _radius(tok2vec)
        if radius is None:
            return None
        return cls(nlp, radius, components)

    def tag(self, docs: Sequence[tuple[Doc, Sequence[Token]]], demand: TagDemand) -> None:
        """Set the tag of every token ``demand`` names, on docs parsed without the tagger."""
        windows: list[Doc] = []
        plans: list[tuple[Sequence[Token], list[int], list[int]]] = []
        for doc, tokens in docs:
            read = sorted(set(demand(tokens)))
            if not read:
                continue
            picked = self._window_positions(read, len(tokens))
            window = Doc(self.nlp.vocab, words=[tokens[i].text for i in picked],
                         spaces=[bool(tokens[i].whitespace_) for i in picked])
            # token norms set by tokenizer exceptions ("n't" -> "not") are features too
            window.from_array([NORM], doc.to_array([NORM])[picked])  # type: ignore[arg-type]
            windows.append(window)
            plans.append((tokens, picked, read))
        if not windows:
            return
        stream: Iterable[Doc] = windows
        for name in self.components:
            pipe: Any = self.nlp.get_pipe(name)  # every trained component has .pipe
            stream = pipe.pipe(stream, batch_size=len(windows))
        for window, (tokens, picked, read) in zip(stream, plans, strict=True):
            tags = window.to_array([TAG])
            position = {i: k for k, i in enumerate(picked)}
            for i in read:
                tokens[i].tag = int(tags[position[i]])

    def _window_positions(self, read: list[int], length: int) -> list[int]:
        """Each read token with ``radius`` tokens either side, in order, none twice."""
        picked: list[int] = []
        for i in read:
            start = max(0, i - self.radius, picked[-1] + 1 if picked else 0)
            picked.extend(range(start, min(length, i + self.radius + 1)))
        return picked


def _radius(tok2vec: dict) -> int | None:
    """How many tokens either side a token's vector depends on, or None if not provably few."""
    if tok2vec.get("@architectures") in ("spacy.HashEmbedCNN.v1", "spacy.HashEmbedCNN.v2"):
        return _reach(tok2vec.get("window_size"), tok2vec.get("depth"))
    if tok2vec.get("@architectures") not in ("spacy.Tok2Vec.v1", "spacy.Tok2Vec.v2"):
        return None
    embed, encode = tok2vec.get("embed", {}), tok2vec.get("encode", {})
    if embed.get("@architectures") not in _LOCAL_EMBEDDINGS or \
            not set(embed.get("attrs", [])) <= _LOCAL_ATTRS:
        return None
    if encode.get("@architectures") not in _WINDOW_ENCODERS:
        return None
    return _reach(encode.get("window_size"), encode.get("depth"))


def _reach(window: object, depth: object) -> int | None:
    if not isinstance(window, int) or not isinstance(depth, int) or window < 0 or depth < 0:
        return None
    return window * depth
