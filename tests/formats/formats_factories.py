"""Build small .docx and .odt files by hand, so each test controls every XML part it needs.

Names in here are invented; tests use them as "secrets" that must never reach the clean output.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_DECL = (
    f'xmlns:w="{W_NS}" xmlns:r="{_R_NS}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
)
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def p(text: str = "", style: str | None = None) -> str:
    """A paragraph with one run; ``style`` is a style id."""
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    run = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else ""
    return f"<w:p>{ppr}{run}</w:p>"


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def table(*rows: tuple[str, ...]) -> str:
    """A table whose cells hold one paragraph each (cells given as raw XML if they start with <)."""
    trs = "".join(
        "<w:tr>" + "".join(f"<w:tc>{c if c.startswith('<') else p(c)}</w:tc>" for c in row) + "</w:tr>"
        for row in rows
    )
    return f"<w:tbl><w:tblPr/>{trs}</w:tbl>"


def make_docx(
    path: Path,
    body: str,
    *,
    header: str | None = None,
    footer: str | None = None,
    footnotes: str | None = None,
    comments: str | None = None,
    styles: dict[str, str] | None = None,
    author: str = "",
    extra_parts: dict[str, bytes] | None = None,
    document_xml: str | None = None,
) -> Path:
    """Write a minimal but valid .docx. ``styles`` maps style id -> style name."""
    rels: list[tuple[str, str, str]] = []
    parts: dict[str, str | bytes] = {}
    sect = ""
    if header is not None:
        rels.append(("rIdH", "header", "header1.xml"))
        parts["word/header1.xml"] = f"{_XML}<w:hdr {_NS_DECL}>{header}</w:hdr>"
        sect += '<w:headerReference w:type="default" r:id="rIdH"/>'
    if footer is not None:
        rels.append(("rIdF", "footer", "footer1.xml"))
        parts["word/footer1.xml"] = f"{_XML}<w:ftr {_NS_DECL}>{footer}</w:ftr>"
        sect += '<w:footerReference w:type="default" r:id="rIdF"/>'
    if footnotes is not None:
        rels.append(("rIdN", "footnotes", "footnotes.xml"))
        parts["word/footnotes.xml"] = (
            f"{_XML}<w:footnotes {_NS_DECL}>"
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            f"{footnotes}</w:footnotes>"
        )
    if comments is not None:
        rels.append(("rIdC", "comments", "comments.xml"))
        parts["word/comments.xml"] = f"{_XML}<w:comments {_NS_DECL}>{comments}</w:comments>"
    if styles:
        rels.append(("rIdS", "styles", "styles.xml"))
        defs = "".join(
            f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val="{name}"/></w:style>'
            for sid, name in styles.items()
        )
        parts["word/styles.xml"] = f"{_XML}<w:styles {_NS_DECL}>{defs}</w:styles>"
    parts["word/document.xml"] = document_xml or (
        f"{_XML}<w:document {_NS_DECL}><w:body>{body}<w:sectPr>{sect}</w:sectPr></w:body></w:document>"
    )
    parts["word/_rels/document.xml.rels"] = _rels(
        (rid, f"{_REL}/{kind}", target) for rid, kind, target in rels
    )
    parts["_rels/.rels"] = _rels(
        [
            ("rId1", f"{_REL}/officeDocument", "word/document.xml"),
            ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
             "docProps/core.xml"),
        ]
    )
    parts["docProps/core.xml"] = (
        f"{_XML}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>"
        "</cp:coreProperties>"
    )
    parts["[Content_Types].xml"] = (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    parts.update(extra_parts or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return path


def _rels(items) -> str:  # type: ignore[no-untyped-def]
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{g}"/>' for i, t, g in items)
    return (
        f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{body}</Relationships>"
    )


ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
)


def make_odt(
    path: Path,
    body: str,
    *,
    master: str = "",
    automatic_styles: str = "",
    mimetype: str = "application/vnd.oasis.opendocument.text",
    encrypted: bool = False,
    author: str = "",
) -> Path:
    """Write a minimal .odt: ``body`` goes inside office:text, ``master`` inside a master page."""
    content = (
        f'{_XML}<office:document-content {ODT_NS} office:version="1.3">'
        f"<office:automatic-styles>{automatic_styles}</office:automatic-styles>"
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    styles = (
        f'{_XML}<office:document-styles {ODT_NS} office:version="1.3"><office:master-styles>'
        f'<style:master-page style:name="Standard">{master}</style:master-page>'
        "</office:master-styles></office:document-styles>"
    )
    encryption = (
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>'
        if encrypted
        else ""
    )
    manifest = (
        f'{_XML}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{encryption}'
        "</manifest:file-entry></manifest:manifest>"
    )
    meta = (
        f'{_XML}<office:document-meta {ODT_NS}><office:meta><dc:creator>{author}</dc:creator>'
        "</office:meta></office:document-meta>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored, first, as ODF requires
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", content)
        zf.writestr("styles.xml", styles)
        zf.writestr("meta.xml", meta)
    return path
