"""A released transcript as the review page needs it: sidecar, clean text, review data.

Found from what a steward types: a path to the clean file, its ``.meta.json`` or
``.review.json``, or an id -- the released stem (``P07_wave2``; once re-run, that names its
latest version, ``P07_wave2_r3``), or the first 8+ hex digits of the job id or of the clean
file's or the input's SHA-256. Reads the store's files by their
format (``anonymizer-release/1`` sidecars, ``anonymizer-review/1`` review data); the store
itself is the daemon's (``anonymizer.store.layout``, whose listing is used) and is never written
here.

The review data's offsets index the clean text the engine produced. The released ``.txt`` is
that text plus a final newline, and, for subtitle inputs (``.vtt``/``.srt``), a ``[hh:mm:ss] ``
start time before each cue line; ``TextMap`` maps offsets across those prefixes, so the page
shows the file exactly as released.

Problems a steward must see (the clean file changed since release, review data missing or not
matching the text) are collected as name-free sentences in ``problems``; they never stop the
page, which then says what it cannot show.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anonymizer.errors import InputError
from anonymizer.store.layout import META_SUFFIX, Store
from anonymizer.store.metadata import FORMAT as RELEASE_FORMAT
from anonymizer.store.naming import revision_of
from anonymizer.store.review_marks import ReviewData, ReviewMark

META_FORMAT = RELEASE_FORMAT  # "anonymizer-release/1"
REVIEW_SUFFIX = ".review.json"
CUE_FORMATS = frozenset({"vtt", "srt"})
_HEX_ID = re.compile(r"[0-9a-f]{8,64}")
_STAMP = re.compile(r"\[\d{2}:\d{2}:\d{2}\] ")


def store_folder(settings: Any) -> Path:
    """The project's folder in the analysis store: ``<paths.store>/<project.id>``."""
    return Path(settings.paths.folder("store")) / settings.project.id


def read_meta(path: Path) -> dict[str, Any] | None:
    """A release sidecar, or None if the file is not one (unreadable, other format)."""
    try:
        meta = json.loads(Path(path).read_bytes())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == META_FORMAT else None


def sidecars(folder: Path) -> list[Path]:
    """Every ``*.meta.json`` of the project folder ``<store>/<project>``, as the store lists
    them (``<participant>/<wave>/``, no hidden files, no links), sorted."""
    store = Store(Path(folder).parent, Path(folder).name)
    return sorted(store.sidecars())


def stem_of(meta_path: Path) -> str:
    return meta_path.name[: -len(META_SUFFIX)]


def find_sidecar(store: Path, ref: str) -> Path:
    """The sidecar of the released transcript ``ref`` names (a path or an id; see above).

    Messages never repeat ``ref``: a steward may have typed an inbox file name, with a name."""
    given = Path(ref)
    if given.is_file():
        return _sidecar_of_file(given)
    wanted = ref.strip()
    matches = []
    revisions: list[tuple[int, Path]] = []
    for path in sidecars(store):
        if stem_of(path).casefold() == wanted.casefold():
            return path
        base, revision = revision_of(stem_of(path))
        if revision > 1 and base.casefold() == wanted.casefold():
            revisions.append((revision, path))  # P07_wave2 was re-run: its latest version
        if _HEX_ID.fullmatch(wanted.lower()):
            meta = read_meta(path)
            if meta is not None and any(h.startswith(wanted.lower()) for h in _hex_ids(meta)):
                matches.append(path)
    if revisions:
        return max(revisions)[1]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        names = ", ".join(stem_of(p) for p in matches[:10])
        raise InputError(f"that id matches {len(matches)} released transcripts ({names}); "
                         "give more digits or the released name")
    raise InputError(f"no released transcript matches that file or id in {store} "
                     "(give e.g. P07_wave2, a path to the clean file, or the job id)")


def _hex_ids(meta: dict[str, Any]) -> list[str]:
    ids = [str(meta.get("job_id", "")), str(meta.get("input", {}).get("sha256", ""))]
    ids += [str(f.get("sha256", "")) for f in meta.get("files", []) if isinstance(f, dict)]
    return [i for i in ids if i]


def _sidecar_of_file(path: Path) -> Path:
    name = path.name
    if name.endswith(META_SUFFIX):
        return path
    if name.endswith(REVIEW_SUFFIX):
        base = name[: -len(REVIEW_SUFFIX)]
        for candidate in (base, base.rsplit(".", 1)[0]):
            sidecar = path.with_name(candidate + META_SUFFIX)
            if sidecar.is_file():
                return sidecar
    for sidecar in sorted(path.parent.glob(f"*{META_SUFFIX}")):
        meta = read_meta(sidecar)
        if meta is not None and any(f.get("name") == name for f in meta.get("files", [])):
            return sidecar
    raise InputError(f"{path.parent}: no release sidecar (*{META_SUFFIX}) lists that file; "
                     "is it a released clean file?")


@dataclass(frozen=True)
class TextMap:
    """Offsets in the engine's clean text -> offsets in the released file's text."""

    starts: tuple[int, ...]  # where each line starts in the engine's text
    shifts: tuple[int, ...]  # characters added before that line's end (cumulative)

    def __call__(self, offset: int) -> int:
        line = max(bisect_right(self.starts, offset) - 1, 0)
        return offset + (self.shifts[line] if self.shifts else 0)


def engine_text(shown: str, input_format: str) -> tuple[str, TextMap]:
    """The engine's clean text behind the released ``shown`` text, and the offset map."""
    body = shown.removesuffix("\n")
    lines = body.split("\n")
    cues = input_format in CUE_FORMATS
    starts, shifts, kept = [], [], []
    position = added = 0
    for line in lines:
        stamp = _STAMP.match(line) if cues else None
        cut = stamp.end() if stamp else 0
        added += cut
        starts.append(position)
        shifts.append(added)
        kept.append(line[cut:])
        position += len(line) - cut + 1
    return "\n".join(kept), TextMap(tuple(starts), tuple(shifts))


@dataclass(frozen=True)
class Released:
    """One released transcript, read from the store for review."""

    meta_path: Path
    meta: dict[str, Any]
    clean_path: Path | None
    shown_text: str  # the released .txt as it is on disk
    review: ReviewData | None  # offsets already mapped onto ``shown_text``
    problems: tuple[str, ...]

    @property
    def stem(self) -> str:
        return stem_of(self.meta_path)

    @property
    def participant(self) -> int | None:
        value = self.meta.get("participant")
        return value if isinstance(value, int) else None

    @property
    def wave(self) -> str:
        return str(self.meta.get("wave", ""))

    @property
    def clean_sha256(self) -> str:
        return hashlib.sha256(self.shown_text.encode("utf-8")).hexdigest()


def load_released(meta_path: Path) -> Released:
    meta = read_meta(meta_path)
    if meta is None:
        raise InputError(f"{meta_path}: not a release sidecar of format {META_FORMAT}")
    problems: list[str] = []
    text_file: dict[str, Any] | None = next(
        (f for f in meta.get("files", []) if f.get("format") == "txt"), None)
    clean_path = meta_path.parent / str(text_file["name"]) if text_file else None
    data = b""
    if clean_path is None or not clean_path.is_file():
        problems.append("the released clean text file is missing from the store")
        clean_path = None
    else:
        data = clean_path.read_bytes()
        if hashlib.sha256(data).hexdigest() != (text_file or {}).get("sha256"):
            problems.append(f"{clean_path.name} has changed since it was released (its SHA-256 "
                            "differs from the one in the metadata); marks may be misplaced")
    shown = data.decode("utf-8", errors="replace")
    review = _review_for(meta_path, clean_path, shown, str(meta.get("input", {}).get("format",
                                                                                     "")),
                         problems)
    if review is not None:
        _compare_counts(meta, review, problems)
    return Released(meta_path, meta, clean_path, shown, review, tuple(problems))


def _review_for(meta_path: Path, clean_path: Path | None, shown: str, input_format: str,
                problems: list[str]) -> ReviewData | None:
    stem = stem_of(meta_path)
    candidates = [meta_path.with_name(stem + REVIEW_SUFFIX)]
    if clean_path is not None:
        candidates.append(clean_path.with_name(clean_path.name + REVIEW_SUFFIX))
    path = next((c for c in candidates if c.is_file()), None)
    if path is None:
        problems.append(f"no review data ({stem}{REVIEW_SUFFIX}) beside the clean file: "
                        "replacements and flags cannot be marked")
        return None
    try:
        raw = ReviewData.read(path)
    except (OSError, ValueError, TypeError, KeyError):
        problems.append(f"{path.name} cannot be read as review data; nothing is marked")
        return None
    text, mapping = engine_text(shown, input_format)
    inside = [m for m in (*raw.replacements, *raw.flags) if 0 <= m.start <= m.end <= len(text)]
    if len(inside) < len(raw.replacements) + len(raw.flags):
        problems.append(f"{len(raw.replacements) + len(raw.flags) - len(inside)} marks of "
                        f"{path.name} lie outside the clean text; they are left out")

    def moved(marks: tuple[ReviewMark, ...]) -> tuple[ReviewMark, ...]:
        return tuple(_shift(m, mapping) for m in marks if 0 <= m.start <= m.end <= len(text))

    return ReviewData(moved(raw.replacements), moved(raw.flags))


def _shift(mark: ReviewMark, mapping: TextMap) -> ReviewMark:
    start = mapping(mark.start)
    end = max(start, mapping(mark.end) if mark.end > mark.start else start)
    return ReviewMark(start, end, mark.kind, mark.detector, mark.score, mark.original_start,
                      mark.original_end)


def _compare_counts(meta: dict[str, Any], review: ReviewData, problems: list[str]) -> None:
    expected = {k: v for k, v in meta.get("replacements", {}).get("by_kind", {}).items() if v}
    found: dict[str, int] = {}
    for mark in review.replacements:
        found[mark.kind] = found.get(mark.kind, 0) + 1
    if expected and found != expected:
        problems.append("the review data's counts by kind differ from the metadata's; the "
                        "review data may belong to another version of this transcript")


def output_is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (to be written) would land inside ``folder``."""
    try:
        target = Path(os.path.realpath(Path(path).parent)) / Path(path).name
        return target.is_relative_to(os.path.realpath(folder))
    except OSError:
        return False
