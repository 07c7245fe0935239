"""Office Open XML plumbing for the .docx reader: package relationships, styles, encrypted files.

Parts are found through relationships (as Word does), not by guessing names, so a renamed main part
or a second header still gets read.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn
from xml.etree.ElementTree import Element

from anonymizer.formats._package import Package
from anonymizer.formats.failures import refuse
from anonymizer.refusals import Reason

_PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
Relationships = dict[str, tuple[str, str]]
PASSWORD_PROTECTED = "is password-protected; remove the password and save again"


def refuse_ole(path: Path, data: bytes, label: str) -> NoReturn:
    # Office wraps password-protected OOXML in an OLE file with an "EncryptionInfo" stream.
    if "EncryptionInfo".encode("utf-16-le") in data:
        refuse(path, Reason.ENCRYPTED, PASSWORD_PROTECTED)
    refuse(
        path,
        Reason.LEGACY_FORMAT,
        f"is a legacy Word 97-2003 file, not a real {label}; open it in Word and save as .docx",
    )


def relationships(pkg: Package, source: str) -> Relationships:
    """rId -> (relationship type's last segment, part name) for internal targets of ``source``."""
    folder, name = posixpath.split(source)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    if not pkg.has(rels_name):
        return {}
    rels: Relationships = {}
    for rel in pkg.xml(rels_name, "the package relationships").iter(_PR + "Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        rels[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], posixpath.normpath(part))
    return rels


def target(rels: Relationships, rel_type: str) -> str | None:
    return next((part for kind, part in rels.values() if kind == rel_type), None)


def header_footer_parts(
    document: Element, w: str, rels: Relationships, pkg: Package
) -> Iterator[tuple[str, str]]:
    """(reference kind, part name) for each header/footer part, once, in section order."""
    seen: set[str] = set()
    for ref in document.iter():
        kind = ref.tag.removeprefix(w)
        if kind in ("headerReference", "footerReference"):
            part = rels.get(rel_id(ref), ("", ""))[1]
            if part and part not in seen and pkg.has(part):
                seen.add(part)
                yield kind, part


def parts_of_type(rels: Relationships, rel_type: str, pkg: Package) -> list[str]:
    return sorted({part for kind, part in rels.values() if kind == rel_type and pkg.has(part)})


def rel_id(el: Element) -> str:
    return next((v for k, v in el.attrib.items() if k.endswith("}id")), "")


def style_names(pkg: Package, rels: Relationships, w: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for part in parts_of_type(rels, "styles", pkg):
        for style in pkg.xml(part, "the styles").iter(w + "style"):
            name = style.find(w + "name")
            if name is not None:
                names[style.get(w + "styleId", "")] = name.get(w + "val", "")
    return names
