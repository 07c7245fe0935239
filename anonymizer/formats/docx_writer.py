"""The clean .docx: a NEW document built from the clean lines and the blocks, never the original.

Starting from python-docx's blank template means nothing of the user's package can come along:
no comments, custom XML, document properties, revision ids/rsids, media, thumbnail or macros.
Blocks map back as follows: paragraphs get their built-in style (Heading 1, Title, Quote...),
lines styled "Header"/"Footer" go into the section's header/footer, consecutive table rows form one
table (cells split at TAB; two source tables with nothing between them merge into one), subtitle
cues become ``[hh:mm:ss] text`` paragraphs. Core properties are then set to neutral values, the
template's own thumbnail and custom-XML parts are dropped, and the finished package is checked
before the atomic write.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.table import CT_Tbl
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Emu
from docx.styles.style import BaseStyle, ParagraphStyle
from docx.table import Table, _Cell

from anonymizer.formats.transcript import Block, BlockKind, Transcript
from anonymizer.formats.writers import atomic_write, clean_lines, render_clean_text

# A fixed date: the real one would only tell when the file was processed, and varies per run.
NEUTRAL_DATE = datetime(2000, 1, 1)
_ADDABLE_STYLES = ("Footnote Text", "Endnote Text")  # built-in in Word, missing from the template
_FORBIDDEN_PARTS = ("docprops/custom.xml", "docprops/thumbnail", "customxml/", "word/comments",
                    "word/people.xml", "word/media/", "word/embeddings/", "word/vbaproject")
_PARAGRAPH = Block(BlockKind.PARAGRAPH)


def write_clean_docx(clean_text: str, transcript: Transcript, path: Path) -> None:
    atomic_write(Path(path), build_clean_docx(clean_text, transcript))


def build_clean_docx(clean_text: str, transcript: Transcript) -> bytes:
    lines = clean_lines(clean_text, transcript)
    if any(block.kind is BlockKind.CUE for block in transcript.blocks):
        lines = render_clean_text(clean_text, transcript).split("\n")
    doc = Document()
    _drop_template_extras(doc)
    body = _Body(doc)
    header: list[tuple[str, str | None]] = []
    footer: list[tuple[str, str | None]] = []
    rows: list[list[str]] = []
    for line, block in zip(lines, _block_per_line(transcript, len(lines)), strict=True):
        if block.kind is BlockKind.TABLE_ROW:
            rows.append(line.split("\t"))
            continue
        body.table(rows)
        if block.style == "Header":
            header.append((line, block.style))
        elif block.style == "Footer":
            footer.append((line, block.style))
        else:
            body.paragraph(line, block.style)
    body.table(rows)
    section = doc.sections[0]
    for lines_of_part, part in ((header, section.header), (footer, section.footer)):
        if lines_of_part:
            part.is_linked_to_previous = False
            first = part.paragraphs[0]
            first.text = lines_of_part[0][0]
            for line, style in lines_of_part[1:]:
                part.add_paragraph(line, style=_style(doc, style))
    _neutral_properties(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    data = buffer.getvalue()
    _check_package(data)
    return data


def _block_per_line(transcript: Transcript, count: int) -> list[Block]:
    if not transcript.blocks:
        return [_PARAGRAPH] * count
    return [block for block in transcript.blocks for _ in range(block.line_count)]


class _Body:
    """Adds body paragraphs and tables before the final section properties.

    python-docx's ``add_paragraph`` scans the whole body for each new paragraph, which makes a
    long transcript quadratic; inserting next to a kept anchor is constant time.
    """

    def __init__(self, doc: DocxDocument) -> None:
        self.doc = doc
        self.styles: dict[str | None, BaseStyle | None] = {None: None}
        self.anchor = doc.element.body.sectPr
        section = doc.sections[-1]
        self.width = Emu((section.page_width or 0) - (section.left_margin or 0)
                         - (section.right_margin or 0))

    def paragraph(self, text: str, style_name: str | None) -> None:
        p = OxmlElement("w:p")
        if style_name not in self.styles:  # the template's styles part is large; look up once
            self.styles[style_name] = _style(self.doc, style_name)
        style = self.styles[style_name]
        if style is not None:
            p.get_or_add_pPr().style = style.style_id
        if text:
            p.add_r().text = text  # the run's text setter turns TABs into <w:tab/>
        self._insert(p)

    def table(self, rows: list[list[str]]) -> None:
        if not rows:
            return
        tbl = CT_Tbl.new_tbl(len(rows), max(len(cells) for cells in rows), self.width)
        table = Table(tbl, self.doc)
        table.style = _style(self.doc, "Table Grid", WD_STYLE_TYPE.TABLE)
        for tr, cells in zip(tbl.tr_lst, rows, strict=True):
            for tc in tr.tc_lst[len(cells) :]:
                # Keep each row's own cell count, so reading the clean file gives the same lines.
                tr.remove(tc)
            for tc, text in zip(tr.tc_lst, cells, strict=True):
                _Cell(tc, table).text = text
        self._insert(tbl)
        rows.clear()

    def _insert(self, element: BaseOxmlElement) -> None:
        if self.anchor is not None:
            self.anchor.addprevious(element)
        else:
            self.doc.element.body.append(element)


def _style(
    doc: DocxDocument, name: str | None, kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH
) -> Any:  # a paragraph or a table style (python-docx types them apart)
    if not name:
        return None
    try:
        style = doc.styles[name]
    except KeyError:
        if name not in _ADDABLE_STYLES:
            return None
        style = doc.styles.add_style(name, kind)
        if isinstance(style, ParagraphStyle):
            style.base_style = doc.styles["Normal"]
    return style if style.type == kind else None


def _drop_template_extras(doc: DocxDocument) -> None:
    # python-docx's template carries its own thumbnail and a custom-XML bibliography part;
    # harmless, but the clean package should hold nothing that is not the transcript.
    package_rels = doc.part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rid]
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype == RT.CUSTOM_XML:
            del doc.part.rels[rid]


def _neutral_properties(doc: DocxDocument) -> None:
    props = doc.core_properties
    for name in ("author", "category", "comments", "content_status", "identifier", "keywords",
                 "language", "last_modified_by", "subject", "title", "version"):
        setattr(props, name, "")
    props.revision = 1
    props.created = NEUTRAL_DATE
    props.modified = NEUTRAL_DATE


def _check_package(data: bytes) -> None:
    names = [name.lower() for name in zipfile.ZipFile(io.BytesIO(data)).namelist()]
    leaked = [name for name in names if name.startswith(_FORBIDDEN_PARTS)]
    if leaked:
        raise RuntimeError(f"clean .docx would contain {len(leaked)} forbidden part(s)")
