"""Real files from public test suites: crashes, silent losses and released identifiers.

    python -m anonymizer.benchmarks realfiles
    python -m anonymizer.benchmarks.realfiles [FOLDER]

FOLDER holds .docx/.odt/.vtt/.srt files (any depth). Without one, the test documents of the
public repositories below are taken from their snapshots in ``$ANONYMIZER_MIRROR`` (default
``/work/.mirror``, made by the tool library's ``fetch``) with ``git archive``; when there are
none the section says so and measures nothing. These files are not ours, so they are never
copied into the repository or its tests.

Each file goes the way ``anonymizer run`` takes it (read → anonymize → verify → render every
output), and is counted as exactly one of:

- released: every output rendered;
- refused: a reader's or verification's refusal, by reason (a clear one-line outcome);
- crash: anything else (an internal error, a traceback).

For every released file two independent checks:

- silent loss: the words an independent reader sees (python-docx; the ODT's XML text; webvtt-py
  and srt) that are in neither the transcript we read nor what the reader reported dropping.
  Text we drop on purpose (comments, tracked deletions, ruby annotations) is left out of the
  independent reading by the same definition, so only unreported loss counts.
- leaks: identifiers of the kinds issue 17 names, found in the clean text by patterns of this
  benchmark's own (not the engine's): user names in paths, social handles, e-mail addresses,
  URLs, IP addresses (v4 and v6, validated), North-American phone numbers.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

REPOSITORIES = ("apache+poi", "jgm+pandoc", "python-openxml+python-docx", "mwilliamson+mammoth.js",
                "glut23+webvtt-py", "byroot+pysrt", "cdown+srt")
SUFFIXES = (".docx", ".odt", ".vtt", ".srt")
_WORD = re.compile(r"[^\W_]+")
# subtitle markup (<i>, <font color=...>, <v Name>) and SSA override codes ({\an8})
# and karaoke timestamps (<00:17.500>)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>|\{\\[^{}]*\}")
_OURS = re.compile(r"\[[^\[\]\n]{1,40}\]|\b(?:Participant|Person|Speaker) \d+\b")

LEAK_PATTERNS = {
    "user path": re.compile(r"(?i)\b[a-z]:\\(?:users|documents and settings)\\[^\\\s\[]+|"
                            r"(?<![\w.])/(?:home|Users)/[^/\s\[]+"),
    "social handle": re.compile(r"(?<![\w.@/])@[A-Za-z][A-Za-z0-9_]{2,30}\b(?![.@])"),
    "e-mail": re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    "URL": re.compile(r"(?i)\bhttps?://\S+|\bwww\.[\w-]+\.\S+"),
    "phone (NANP)": re.compile(r"(?<![\d-])(?:\(\d{3}\) ?|\d{3}[-.])\d{3}[-.]\d{4}(?![\d-])"),
}
_IP_CANDIDATE = re.compile(r"(?<![\w:.])[0-9A-Fa-f:.]{7,45}(?![\w:.])")


def _ip_leaks(text: str) -> int:
    found = 0
    for m in _IP_CANDIDATE.finditer(text):
        token = m.group().strip(".:")
        if token.count(".") not in (0, 3) or (":" not in token and token.count(".") != 3):
            continue
        try:
            ipaddress.ip_address(token)
        except ValueError:
            continue
        found += 1
    return found


def leaks(clean: str) -> Counter[str]:
    text = _OURS.sub(" ", clean)
    out: Counter[str] = Counter()
    for kind, pattern in LEAK_PATTERNS.items():
        out[kind] += len(pattern.findall(text))
    out["IP address"] += _ip_leaks(text)
    return +out


# -- independent readings --------------------------------------------------------------------

def _docx_words(path: Path) -> list[str]:
    import docx  # python-docx: a different reader from ours

    document = docx.Document(str(path))
    _unwrap_custom_xml(document.element.body)
    texts: list[str] = []

    def cells(tables: Iterable) -> None:  # noqa: ANN001 - python-docx's tables
        for table in tables:
            # a merged cell is in row.cells once per grid column and row it spans; the set
            # keeps each element (and so lxml's proxy for it, and its identity) alive
            seen: set[object] = set()
            for row in table.rows:
                for cell in row.cells:
                    if cell._tc in seen:
                        continue
                    seen.add(cell._tc)
                    texts.extend(p.text for p in cell.paragraphs)
                    cells(cell.tables)

    texts.extend(p.text for p in document.paragraphs)
    cells(document.tables)
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                texts.extend(p.text for p in part.paragraphs)
    return _words(texts)


def _unwrap_custom_xml(body: Any) -> None:
    """python-docx reads a paragraph's runs but not those inside ``w:customXml`` (a transparent
    wrapper, ECMA-376 17.5.1; ABBYY FineReader wraps every OCR'd word in one), so it would cut
    "за<customXml>явлений</customXml>" into the word "за": the wrapper's children take its place."""
    from docx.oxml.ns import qn

    for wrapper in list(body.iter(qn("w:customXml"))):
        parent = wrapper.getparent()
        if parent is None:
            continue
        at = parent.index(wrapper)
        for child in [c for c in wrapper if c.tag != qn("w:customXmlPr")]:
            parent.insert(at, child)
            at += 1
        parent.remove(wrapper)


_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODF_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODF_LEFT_OUT = {_ODF_OFFICE + "annotation", _ODF_TEXT + "tracked-changes",
                 _ODF_TEXT + "ruby-text", _ODF_TEXT + "note-citation",
                 _ODF_TEXT + "sequence-decls", _ODF_TEXT + "variable-decls",
                 _ODF_TEXT + "user-field-decls", _ODF_OFFICE + "forms"}


_ODF_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODF_BLOCKS = {_ODF_TEXT + "p", _ODF_TEXT + "h", _ODF_TABLE + "table-cell"}
_ODF_SPACES = {_ODF_TEXT + "s", _ODF_TEXT + "tab", _ODF_TEXT + "line-break"}


def _odt_words(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as package:
        root = ElementTree.fromstring(package.read("content.xml"))
    body = root.find(_ODF_OFFICE + "body")
    texts: list[str] = []

    def walk(el: ElementTree.Element) -> None:
        if el.tag in _ODF_LEFT_OUT or el.tag.endswith("index-source"):  # an index's template
            return
        if el.tag in _ODF_SPACES or el.tag in _ODF_BLOCKS:
            texts.append(" ")
        if el.text:
            texts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                texts.append(child.tail)
        if el.tag in _ODF_BLOCKS:
            texts.append("\n")

    if body is not None:
        walk(body)
    return _words(["".join(texts)])  # spans split no word: "Ka<span>ri</span>" is "Kari"


def _vtt_words(path: Path) -> list[str]:
    import webvtt

    return _words(_TAG.sub("", caption.raw_text) for caption in webvtt.read(str(path)).captions)


def _srt_words(path: Path) -> list[str]:
    import srt

    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if _is_utf8(raw) else raw.decode("cp1252")
    return _words(_TAG.sub("", sub.content) for sub in srt.parse(text))


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _words(texts: Iterable[str]) -> list[str]:
    return [w.casefold() for t in texts for w in _WORD.findall(t)]


# dropped content that carries words: a file reporting one of these may miss words knowingly
_TEXT_DROPS = {"comment", "deletion", "outside_cue", "ruby"}
INDEPENDENT = {".docx": _docx_words, ".odt": _odt_words, ".vtt": _vtt_words, ".srt": _srt_words}


# -- the run ---------------------------------------------------------------------------------

@dataclass
class Tally:
    files: Counter[str] = field(default_factory=Counter)  # suffix -> files
    released: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # reason -> files
    crashes: list[str] = field(default_factory=list)  # "file: error type"
    verification: list[str] = field(default_factory=list)  # "file: what verification objects to"
    lost_files: list[str] = field(default_factory=list)  # "file: n words"
    lost_words: int = 0
    reported: list[str] = field(default_factory=list)  # missing, but the reader said it dropped
    unchecked: list[str] = field(default_factory=list)  # the independent reader failed
    leaks: Counter[str] = field(default_factory=Counter)
    in_inputs: Counter[str] = field(default_factory=Counter)  # the same patterns on the input
    leak_files: list[str] = field(default_factory=list)
    words: int = 0
    seconds: float = 0.0


def collect(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def extract_snapshots(mirror: Path, into: Path) -> list[str]:
    """The test documents of each snapshot in ``mirror``, under ``into/<repository>``."""
    found = []
    for name in REPOSITORIES:
        git_dir = mirror / name / "repo"
        if not git_dir.is_dir():
            continue
        listing = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only",
                                  "HEAD"], capture_output=True, text=True, check=True).stdout
        paths = [p for p in listing.splitlines() if p.lower().endswith(SUFFIXES)]
        if not paths:
            continue
        target = into / name
        target.mkdir(parents=True)
        archive = subprocess.run(["git", f"--git-dir={git_dir}", "archive", "HEAD", *paths],
                                 capture_output=True, check=False).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        found.append(name)
    return found


def measure(files: list[Path], root: Path) -> Tally:
    from anonymizer.engine.engine import Engine
    from anonymizer.errors import AnonymizerError
    from anonymizer.formats import (
        UnreadableTranscript,
        build_clean_docx,
        build_clean_subtitles,
        read_transcript,
        render_clean_text,
    )
    from anonymizer.formats.transcript import TranscriptFormat
    from anonymizer.settings import Settings

    engine = Engine.from_settings(Settings())
    tally = Tally()
    started = time.perf_counter()
    for path in files:
        label = str(path.relative_to(root))
        tally.files[path.suffix.lower()] += 1
        try:
            transcript = read_transcript(path)
            outcome = engine.anonymize(transcript.text, where=label,
                                       table_lines=transcript.table_lines())
            clean = render_clean_text(outcome.clean_text, transcript)
            if transcript.format is TranscriptFormat.DOCX:
                build_clean_docx(outcome.clean_text, transcript)
            if transcript.format in (TranscriptFormat.VTT, TranscriptFormat.SRT):
                build_clean_subtitles(outcome.clean_text, transcript)
        except UnreadableTranscript as refusal:
            tally.refused[f"read: {refusal.reason.value}"] += 1
            continue
        except AnonymizerError as refusal:
            kind = type(refusal).__name__
            if kind == "InternalError":
                tally.crashes.append(f"{label}: {' '.join(str(refusal).split())[:160]}")
            else:
                tally.refused[kind] += 1
            if kind == "VerificationError":  # its message: kinds and offsets, never the text
                tally.verification.append(f"{label}: {' '.join(str(refusal).split())[:200]}")
            continue
        except Exception as error:  # noqa: BLE001 - counting crashes is the point
            tally.crashes.append(f"{label}: {type(error).__name__}")
            continue
        tally.released += 1
        tally.words += len(_WORD.findall(transcript.text))
        try:
            theirs = Counter(INDEPENDENT[path.suffix.lower()](path))
        except Exception as error:  # noqa: BLE001 - the other reader's failure is not ours
            tally.unchecked.append(f"{label}: {type(error).__name__}")
        else:
            ours = Counter(_words([transcript.text]))
            missing = sum((theirs - ours).values())
            if missing and _TEXT_DROPS & set(transcript.dropped_counts()):
                tally.reported.append(f"{label}: {missing} words; {transcript.dropped_summary()}")
            elif missing:
                tally.lost_words += missing
                tally.lost_files.append(f"{label}: {missing} words")
        tally.in_inputs += leaks(transcript.text)
        found = leaks(clean)
        if found:
            tally.leaks += found
            tally.leak_files.append(f"{label}: {dict(found)}")
    tally.seconds = time.perf_counter() - started
    return tally


def report(tally: Tally, sources: str) -> None:
    total = sum(tally.files.values())
    kinds = ", ".join(f"{n} {s}" for s, n in sorted(tally.files.items()))
    print(f"files: {total} ({kinds}) from {sources}")
    print(f"released {tally.released}; refused {sum(tally.refused.values())} "
          f"{dict(sorted(tally.refused.items()))}; crashes {len(tally.crashes)}")
    print(f"silent losses: {len(tally.lost_files)} files, {tally.lost_words} words "
          f"(independent reader failed on {len(tally.unchecked)} files; words missing where "
          f"the reader reported dropping text: {len(tally.reported)} files)")
    print(f"released identifiers: {sum(tally.leaks.values())} {dict(sorted(tally.leaks.items()))}"
          f" (in those files' inputs: {sum(tally.in_inputs.values())} "
          f"{dict(sorted(tally.in_inputs.items()))})")
    rate = tally.words / tally.seconds if tally.seconds else 0.0
    print(f"{tally.words} words released in {tally.seconds:.0f} s ({rate:.0f} words/s)")
    for title, rows in (("crashes", tally.crashes), ("silent losses", tally.lost_files),
                        ("reported drops", tally.reported),
                        ("verification refused", tally.verification),
                        ("leaks", tally.leak_files), ("not checked", tally.unchecked)):
        for row in rows[:40]:
            print(f"  {title}: {row}")


def realfiles_section(folder: Path | None = None) -> dict[str, object]:
    print("== Real files from public test suites (issue 17) ==")
    with tempfile.TemporaryDirectory(prefix="realfiles-") as tmp:
        if folder is None:
            mirror = Path(os.environ.get("ANONYMIZER_MIRROR", "/work/.mirror"))
            names = extract_snapshots(mirror, Path(tmp)) if mirror.is_dir() else []
            if not names:
                print(f"skipped: no repository snapshots in {mirror} "
                      "(fetch them, or pass a folder)")
                print()
                return {}
            folder, sources = Path(tmp), ", ".join(names)
        else:
            sources = str(folder)
        tally = measure(collect(folder), folder)
        report(tally, sources)
    print()
    return {"released": tally.released, "crashes": len(tally.crashes),
            "lost_files": len(tally.lost_files), "leaks": sum(tally.leaks.values())}


if __name__ == "__main__":
    summary = realfiles_section(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(json.dumps(summary))
