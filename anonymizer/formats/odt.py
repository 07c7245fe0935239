"""OpenDocument text (.odt), read with the standard library's zip and expat only.

Lines, in order: header paragraphs (style "Header"), body paragraphs/headings/list items and
table rows in document order, footnotes and endnotes ("Footnote Text"/"Endnote Text"), footers
("Footer"), as for .docx. Headings become "Heading N"; other styles are kept only for Title,
Subtitle and Quotations ("Quote"). Text boxes (draw:text-box) become lines after their anchor.

Within a line: XML whitespace collapses as ODF says; text:s gives its spaces, text:tab a TAB
(a space inside table cells), text:line-break a space. Table cells are joined by TAB, a cell's
paragraphs by a space, nested tables flattened into their cell.

Tracked changes are accepted: inserted text is inline in the body and kept; deleted text lives only
in text:tracked-changes, which is never read. Annotations (comments, with their author) are
skipped and counted. Password-protected files are refused; meta.xml is never read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from anonymizer.formats._lines import assemble, dropped_counts, handling_notes
from anonymizer.formats._opc import PASSWORD_PROTECTED
from anonymizer.formats._package import Package
from anonymizer.formats._source import OLE_MAGIC, ZIP_MAGIC, given_bytes, read_source_bytes
from anonymizer.formats.failures import refuse
from anonymizer.formats.limits import DEFAULT_LIMITS, ReadLimits
from anonymizer.formats.transcript import Block, BlockKind, Transcript, TranscriptFormat
from anonymizer.refusals import Reason

_URN = "urn:oasis:names:tc:opendocument:xmlns:"
OFFICE, TEXT, TABLE = f"{{{_URN}office:1.0}}", f"{{{_URN}text:1.0}}", f"{{{_URN}table:1.0}}"
DRAW, STYLE = f"{{{_URN}drawing:1.0}}", f"{{{_URN}style:1.0}}"
MANIFEST = f"{{{_URN}manifest:1.0}}"
_TEXT_MIMETYPES = {b"application/vnd.oasis.opendocument.text",
                   b"application/vnd.oasis.opendocument.text-template"}
_MAX_REPEAT = 100  # table:number-*-repeated beyond this is a spreadsheet-style filler, not text
_WHITESPACE = re.compile(r"[ \t\r\n]+")
_EMBEDDED = re.compile(r"Pictures/|Object \d+/content\.xml$")
_SKIP = {TEXT + t for t in ("tracked-changes", "sequence-decls", "variable-decls",
                            "user-field-decls", "dde-connection-decls", "note-citation",
                            "change", "change-start", "change-end", "soft-page-break")} | {
    OFFICE + "forms", OFFICE + "annotation-end", TABLE + "table-columns", TABLE + "table-column",
    DRAW + "image", DRAW + "object", DRAW + "object-ole",
    "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}title",
    "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}desc",
}
_BUILTIN = {"Title": "Title", "Subtitle": "Subtitle", "Quotations": "Quote"}
_MASTER_PARTS = {f"{STYLE}{k}{v}": k.capitalize() for k in ("header", "footer")
                 for v in ("", "-left", "-first")}
Line = tuple[tuple[str], Block]


def read_odt(path: Path, limits: ReadLimits = DEFAULT_LIMITS, *, data: bytes | None = None
             ) -> Transcript:
    """``data``: the file's bytes, already in memory (then ``path`` only names it)."""
    data = read_source_bytes(path, limits) if data is None else given_bytes(path, data, limits)
    if data.startswith(OLE_MAGIC):
        refuse(path, Reason.LEGACY_FORMAT,
               "is not a valid .odt (it is a legacy Microsoft Office file); save it as .odt")
    if not data.startswith(ZIP_MAGIC):
        refuse(path, Reason.CORRUPT, "is not a valid .odt (not a zip archive)")
    pkg = Package(path, data, limits, ".odt")
    if pkg.has("mimetype") and pkg.read("mimetype").strip() not in _TEXT_MIMETYPES:
        refuse(path, Reason.UNSUPPORTED, "is not an OpenDocument text document")
    if pkg.has("META-INF/manifest.xml"):
        manifest = pkg.xml("META-INF/manifest.xml", "the manifest")
        if next(manifest.iter(MANIFEST + "encryption-data"), None) is not None:
            refuse(path, Reason.ENCRYPTED, PASSWORD_PROTECTED)
    if not pkg.has("content.xml"):
        refuse(path, Reason.CORRUPT, "is not a valid .odt (it has no content)")
    content = pkg.xml("content.xml", "the document content")
    body = content.find(f"{OFFICE}body/{OFFICE}text")
    if body is None:
        refuse(path, Reason.UNSUPPORTED, "is not an OpenDocument text document")
    styles = pkg.xml("styles.xml", "the styles") if pkg.has("styles.xml") else Element("none")
    walker = _Walker(_parent_styles(content))

    headers: list[Line] = []
    footers: list[Line] = []
    for part in styles.iter():
        region = _MASTER_PARTS.get(part.tag)
        if region:
            (headers if region == "Header" else footers).extend(walker.blocks(part, region))
    lines = headers + walker.blocks(body, None) + walker.note_lines + footers

    counts = walker.counts
    changes = Counter(el.tag for region in body.iter(TEXT + "changed-region") for el in region)
    counts["inserted"], counts["deleted"] = changes[TEXT + "insertion"], changes[TEXT + "deletion"]
    counts["furniture"] = len(headers) + len(footers)
    counts["note_lines"] = len(walker.note_lines)
    counts["embedded"] = sum(1 for n in pkg.names() if _EMBEDDED.match(n))
    return assemble(
        path, TranscriptFormat.ODT, lines, notes=handling_notes(counts),
        dropped=dropped_counts(counts),
    )


class _Walker:
    def __init__(self, parent_styles: dict[str, str]) -> None:
        self.parent_styles = parent_styles
        self.counts: Counter[str] = Counter()
        self.note_lines: list[Line] = []

    def blocks(self, container: Element, region: str | None) -> list[Line]:
        out: list[Line] = []
        for el in _find(container, {TEXT + "p", TEXT + "h", TABLE + "table"}):
            if el.tag != TABLE + "table":
                text, floating = self._paragraph(el, region)
                if text.strip() or not region:
                    block = Block(BlockKind.PARAGRAPH, style=region or self._style(el))
                    out.append(((text,), block))
                out.extend(floating)
                continue
            for row in _repeated(_find(el, {TABLE + "table-row"}), "rows"):
                floating = []
                cells = [self._cell_text(cell, region, floating) for cell in
                         _repeated(_find(row, {TABLE + "table-cell", TABLE + "covered-table-cell"}),
                                   "columns")]
                kind = BlockKind.PARAGRAPH if region else BlockKind.TABLE_ROW
                out.append((("\t".join(cells),), Block(kind, style=region)))
                out.extend(floating)
        return out

    def _paragraph(self, p: Element, region: str | None) -> tuple[str, list[Line]]:
        segments: list[tuple[str, bool]] = []  # (text, literal); literal text never collapses
        floating: list[Line] = []
        self._inline(p, segments, floating, region)
        return _collapse(segments), floating

    def _inline(self, el: Element, segs: list[tuple[str, bool]], floating: list[Line],
                region: str | None) -> None:
        if el.text:
            segs.append((el.text, False))
        for child in el:
            tag = child.tag
            if tag == TEXT + "s":
                count = child.get(TEXT + "c", "1")
                segs.append((" " * (min(int(count), 1000) if count.isdigit() else 1), True))
            elif tag == TEXT + "tab":
                segs.append(("\t", True))
            elif tag == TEXT + "line-break":
                self.counts["breaks"] += 1
                segs.append((" ", True))
            elif tag == TEXT + "note":
                body = child.find(TEXT + "note-body")
                endnote = child.get(TEXT + "note-class") == "endnote"
                style = "Endnote Text" if endnote else "Footnote Text"
                if body is not None:
                    self.note_lines.extend(self.blocks(body, style))
            elif tag == OFFICE + "annotation":
                self.counts["comments"] += 1
            elif tag == TEXT + "ruby-text":
                self.counts["ruby"] += 1
            elif tag == DRAW + "text-box":
                self.counts["text_boxes"] += 1
                floating.extend(self.blocks(child, region))
            elif tag not in _SKIP:
                self._inline(child, segs, floating, region)
            if child.tail:  # text after a skipped element still belongs to the paragraph
                segs.append((child.tail, False))

    def _cell_text(self, cell: Element, region: str | None, floating: list[Line]) -> str:
        pieces: list[str] = []
        for el in _find(cell, {TEXT + "p", TEXT + "h", TABLE + "table"}):
            if el.tag != TABLE + "table":
                text, anchored = self._paragraph(el, region)
                floating.extend(anchored)
                pieces.append(text.replace("\t", " "))
                continue
            self.counts["nested"] += 1
            for row in _find(el, {TABLE + "table-row"}):
                pieces.extend(self._cell_text(inner, region, floating) for inner in
                              _find(row, {TABLE + "table-cell", TABLE + "covered-table-cell"}))
        return " ".join(piece for piece in pieces if piece)

    def _style(self, el: Element) -> str | None:
        if el.tag == TEXT + "h":
            level = el.get(TEXT + "outline-level", "1")
            return f"Heading {level}" if level.isdigit() and 1 <= int(level) <= 9 else "Heading 1"
        name = el.get(TEXT + "style-name", "")
        name = self.parent_styles.get(name, name)
        return _BUILTIN.get(name)


def _find(container: Element, wanted: set[str]) -> Iterator[Element]:
    """Descendants named in ``wanted``, looking through lists, sections and other wrappers."""
    for child in container:
        if child.tag in wanted:
            yield child
        elif child.tag == OFFICE + "annotation":
            continue
        elif child.tag not in _SKIP:
            yield from _find(child, wanted)


def _repeated(elements: Iterator[Element], what: str) -> Iterator[Element]:
    attribute = TABLE + f"number-{what}-repeated"
    for el in elements:
        count = el.get(attribute, "1")
        for _ in range(min(int(count) if count.isdigit() else 1, _MAX_REPEAT)):
            yield el


def _collapse(segments: list[tuple[str, bool]]) -> str:
    out: list[str] = []
    after_space = True  # whitespace at the start of a paragraph is not text
    for text, literal in segments:
        if not literal:
            text = _WHITESPACE.sub(" ", text)
            if after_space:
                text = text.lstrip(" ")
            if not text:
                continue
        out.append(text)
        after_space = not literal and text.endswith(" ")
    if out and after_space:
        out[-1] = out[-1].rstrip(" ")
    return "".join(out)


def _parent_styles(content: Element) -> dict[str, str]:
    """Automatic style name -> the named style it derives from (P1 -> "Title")."""
    return {
        style.get(STYLE + "name", ""): style.get(STYLE + "parent-style-name", "")
        for style in content.iter(STYLE + "style")
        if style.get(STYLE + "parent-style-name")
    }
