"""Word transcripts (.docx), read with the standard library's zip and expat only.

What becomes a line, in this order: header paragraphs (style "Header"), body paragraphs and table
rows in document order, footnotes ("Footnote Text"), endnotes ("Endnote Text"), footer paragraphs
("Footer"). Headers and footers often hold the interviewee's name, so they are never dropped; blank
paragraphs there are skipped, body ones kept. Text boxes become lines right after the paragraph
or row that anchors them. Tables in headers, footers and notes become tab-joined paragraph lines.

Within a line: <w:br/> and <w:cr/> are soft breaks joined with a space; <w:tab/> is a TAB (a space
inside table cells, where TAB separates cells); the cells of a row are joined by TAB, the
paragraphs of a cell by a space, and a nested table's cells are flattened into its cell.

Tracked changes are accepted: insertions (w:ins, w:moveTo) are kept, deletions (w:del, w:moveFrom,
deleted rows) are dropped, and a deleted paragraph left empty disappears (one whose mark alone
is deleted keeps its own line instead of merging with the next); the counts go to ``notes``.
Comments are never transcript content: their part is only counted. Field codes and hyperlink
targets are not visible text and are skipped; field results and link text are kept.
Images and embedded objects are only counted. A document with an altChunk (an embedded foreign
document Word merges on save) is refused, since its text could not be read or checked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from anonymizer.formats._lines import assemble, dropped_counts, handling_notes
from anonymizer.formats._opc import (
    header_footer_parts,
    parts_of_type,
    refuse_ole,
    relationships,
    style_names,
    target,
)
from anonymizer.formats._package import Package
from anonymizer.formats._source import OLE_MAGIC, ZIP_MAGIC, given_bytes, read_source_bytes
from anonymizer.formats.failures import refuse
from anonymizer.formats.limits import DEFAULT_LIMITS, ReadLimits
from anonymizer.formats.transcript import Block, BlockKind, Transcript, TranscriptFormat
from anonymizer.refusals import Reason

_W_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # ISO strict
)
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_NOTE_SEPARATORS = {"separator", "continuationSeparator", "continuationNotice"}
_EMBEDDED_PREFIXES = ("word/media/", "word/embeddings/", "word/charts/chart", "word/diagrams/data")

# Built-in Word styles kept on blocks; any other (custom) style name could be user text.
# Header/Footer are left out for body paragraphs: the writer moves those styles into the header.
_BUILTIN_STYLES = {
    name.lower(): name
    for name in (
        "Title", "Subtitle", "Quote", "Intense Quote", "List Paragraph", "List", "List Bullet",
        "List Bullet 2", "List Bullet 3", "List Number", "List Number 2", "List Number 3",
        "List Continue", "Caption", "No Spacing", "Body Text", "Body Text 2", "Body Text 3",
        "TOC Heading", "Footnote Text", "Endnote Text",
        *(f"Heading {n}" for n in range(1, 10)),
    )
}
HEADER_STYLE, FOOTER_STYLE = "Header", "Footer"
Line = tuple[tuple[str], Block]
FOOTNOTE_STYLE, ENDNOTE_STYLE = "Footnote Text", "Endnote Text"


def read_docx(path: Path, limits: ReadLimits = DEFAULT_LIMITS, *, data: bytes | None = None
              ) -> Transcript:
    """``data``: the file's bytes, already in memory (then ``path`` only names it)."""
    data = read_source_bytes(path, limits) if data is None else given_bytes(path, data, limits)
    if data.startswith(OLE_MAGIC):
        refuse_ole(path, data, ".docx")
    if not data.startswith(ZIP_MAGIC):
        refuse(path, Reason.CORRUPT, "is not a valid .docx (not a zip archive)")
    pkg = Package(path, data, limits, ".docx")
    main = target(relationships(pkg, ""), "officeDocument") or "word/document.xml"
    if not pkg.has(main):
        refuse(path, Reason.CORRUPT, "is not a valid .docx (it has no Word document inside)")
    document = pkg.xml(main, "the main document")
    w = document.tag[1 : document.tag.index("}")] if document.tag.startswith("{") else ""
    if w not in _W_NAMESPACES:
        refuse(path, Reason.CORRUPT, "is not a valid .docx (not a Word document)")
    rels = relationships(pkg, main)
    walker = _Walker(pkg, "{" + w + "}", style_names(pkg, rels, "{" + w + "}"))

    headers: list[Line] = []
    footers: list[Line] = []
    for ref_name, part in header_footer_parts(document, walker.w, rels, pkg):
        root = pkg.xml(part, "a header or footer")
        if ref_name == "headerReference":
            headers += walker.blocks(root, HEADER_STYLE)
        else:
            footers += walker.blocks(root, FOOTER_STYLE)
    body = document.find(walker.w + "body")
    lines = headers + walker.blocks(body if body is not None else document, None)
    notes_start = len(lines)
    for rel_type, style in (("footnotes", FOOTNOTE_STYLE), ("endnotes", ENDNOTE_STYLE)):
        for part in parts_of_type(rels, rel_type, pkg):
            for note in pkg.xml(part, "the notes"):
                if note.get(walker.w + "type") not in _NOTE_SEPARATORS:
                    lines += walker.blocks(note, style)
    note_lines = len(lines) - notes_start
    lines += footers
    counts = walker.counts
    counts["comments"] = sum(
        len(pkg.xml(part, "the comments").findall(walker.w + "comment"))
        for part in parts_of_type(rels, "comments", pkg)
    )
    counts["embedded"] = sum(1 for n in pkg.names() if n.lower().startswith(_EMBEDDED_PREFIXES))
    counts["furniture"] = len(headers) + len(footers)
    counts["note_lines"] = note_lines
    return assemble(
        path, TranscriptFormat.DOCX, lines, notes=handling_notes(counts),
        dropped=dropped_counts(counts),
    )


class _Walker:
    def __init__(self, pkg: Package, w: str, styles: dict[str, str]) -> None:
        self.pkg = pkg
        self.w = w
        self.styles = styles
        self.counts: Counter[str] = Counter()
        self.skip = {w + t for t in ("pPr", "rPr", "tblPr", "tblGrid", "trPr", "tcPr", "sectPr",
                                     "sdtPr", "tblPrEx", "instrText", "delText", "delInstrText")}
        self.deleted = {w + "del", w + "moveFrom"}
        self.inserted = {w + "ins", w + "moveTo"}

    def blocks(self, container: Element, region: str | None) -> list[Line]:
        out: list[Line] = []
        for el in self._find(container, {"p", "tbl", "altChunk"}):
            if el.tag == self.w + "altChunk":
                refuse(self.pkg.path, Reason.UNSUPPORTED_CONTENT,
                       "contains an embedded document (altChunk); open it in Word and save again")
            if el.tag == self.w + "p":
                text, floating = self._paragraph(el, region)
                if text is not None:
                    block = Block(BlockKind.PARAGRAPH, style=region or self._style(el))
                    out.append(((text,), block))
                out.extend(floating)
                continue
            for tr in self._find(el, {"tr"}):
                if tr.find(f"{self.w}trPr/{self.w}del") is not None:
                    self.counts["deleted"] += 1
                    continue
                in_cells: list[Line] = []
                cells = [self._cell_text(tc, region, in_cells) for tc in self._find(tr, {"tc"})]
                kind = BlockKind.PARAGRAPH if region else BlockKind.TABLE_ROW
                out.append((("\t".join(cells),), Block(kind, style=region)))
                out.extend(in_cells)
        return out

    def _paragraph(self, p: Element, region: str | None) -> tuple[str | None, list[Line]]:
        """The paragraph's text (None when it is not a line) and the text-box lines it anchors."""
        texts: list[str] = []
        floating: list[Line] = []
        self._inline(p, texts, floating, region)
        text = "".join(texts)
        if not text.strip():
            if p.find(f"{self.w}pPr/{self.w}rPr/{self.w}del") is not None:
                self.counts["deleted"] += 1  # accepting the deletion removes the whole paragraph
                return None, floating
            if region:
                return None, floating
        return text, floating

    def _inline(
        self, el: Element, texts: list[str], floating: list[Line], region: str | None
    ) -> None:
        w = self.w
        for child in el:
            tag = child.tag
            if tag == w + "t":
                texts.append(child.text or "")
            elif tag in (w + "tab", w + "ptab"):
                texts.append("\t")
            elif tag in (w + "br", w + "cr"):
                self.counts["breaks"] += 1
                texts.append(" ")
            elif tag == w + "noBreakHyphen":
                texts.append("-")
            elif tag in self.deleted:
                self.counts["deleted"] += 1
            elif tag == w + "rt":  # a ruby annotation (reading aid) over the base text
                self.counts["ruby"] += 1
            elif tag == w + "txbxContent":
                self.counts["text_boxes"] += 1
                floating.extend(self.blocks(child, region))
            elif tag == _MC + "AlternateContent":
                self._inline(_chosen(child), texts, floating, region)
            elif tag not in self.skip:
                if tag in self.inserted:
                    self.counts["inserted"] += 1
                self._inline(child, texts, floating, region)

    def _cell_text(self, tc: Element, region: str | None, floating: list[Line]) -> str:
        pieces: list[str] = []
        for el in self._find(tc, {"p", "tbl"}):
            if el.tag == self.w + "p":
                text, anchored = self._paragraph(el, region)
                floating.extend(anchored)
                if text:
                    pieces.append(text.replace("\t", " "))
            else:
                self.counts["nested"] += 1
                for tr in self._find(el, {"tr"}):
                    pieces.extend(filter(None, (self._cell_text(inner, region, floating)
                                                for inner in self._find(tr, {"tc"}))))
        return " ".join(pieces)

    def _find(self, container: Element, wanted: set[str]) -> Iterator[Element]:
        """Children named in ``wanted``, looking through content controls and other wrappers."""
        names = {self.w + n for n in wanted}
        for child in container:
            if child.tag in names:
                yield child
            elif child.tag == _MC + "AlternateContent":
                yield from self._find(_chosen(child), wanted)
            elif child.tag not in self.skip and child.tag not in self.deleted:
                yield from self._find(child, wanted)

    def _style(self, p: Element) -> str | None:
        ref = p.find(f"{self.w}pPr/{self.w}pStyle")
        name = self.styles.get(ref.get(self.w + "val", "")) if ref is not None else None
        return _BUILTIN_STYLES.get(name.lower()) if name else None


def _chosen(alternate: Element) -> Element:
    # Both branches show the same content; reading one avoids every text box appearing twice.
    for branch in alternate:
        if branch.tag in (_MC + "Choice", _MC + "Fallback"):
            return branch
    return Element("empty")
