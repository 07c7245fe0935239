"""Zip packages (.docx, .odt) opened with zip-bomb guards, and their XML parts parsed without DTDs.

Guards, in order: the central directory is checked before anything is inflated (entry count,
declared total size, per-entry compression ratio, encrypted entries); then every part is inflated
in chunks, counting real bytes against the same limits, because the directory is written by
whoever made the file. XML parts are parsed by expat directly, refusing any DOCTYPE or entity
declaration (billion laughs, external entities) and nesting deeper than the limit, so the tree
walkers' recursion stays bounded.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import NoReturn
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from anonymizer.formats.failures import refuse
from anonymizer.formats.limits import ReadLimits, human_size
from anonymizer.refusals import Reason

_CHUNK = 64 * 1024


class _UnsafeXml(Exception):
    pass


class Package:
    """A zip package that only hands out parts within the read limits."""

    def __init__(self, path: Path, data: bytes, limits: ReadLimits, label: str) -> None:
        self.path = path
        self.label = label  # ".docx" or ".odt", for messages
        self.limits = limits
        self._inflated = 0
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError):
            self._corrupt("zip is corrupt")
        self._check_directory(infos)
        # OPC part names are case-insensitive; relationship targets do not always match the case.
        self._infos = {info.filename.lower(): info for info in infos if not info.is_dir()}

    def names(self) -> list[str]:
        return [info.filename for info in self._infos.values()]

    def has(self, name: str) -> bool:
        return name.lower() in self._infos

    def read(self, name: str) -> bytes:
        info = self._infos.get(name.lower())
        if info is None:
            self._corrupt("a part it refers to is missing")
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(_CHUNK):
                    size += len(chunk)
                    self._inflated += len(chunk)
                    if size > info.file_size:
                        self._bomb("a part unpacks to more than its declared size")
                    if self._inflated > self.limits.max_zip_uncompressed_bytes:
                        self._bomb(self._too_big(self._inflated))
                    chunks.append(chunk)
        except NotImplementedError:
            self._corrupt("it uses an unsupported zip compression method")
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, RuntimeError, OSError):
            self._corrupt("zip is corrupt")
        return b"".join(chunks)

    def xml(self, name: str, what: str) -> Element:
        """Parse part ``name``; ``what`` names the part for messages ("the main document")."""
        return parse_xml(self.path, self.read(name), self.limits, self.label, what)

    def _check_directory(self, infos: list[zipfile.ZipInfo]) -> None:
        limits = self.limits
        if len(infos) > limits.max_zip_entries:
            self._bomb(f"it has {len(infos)} zip entries (the limit is {limits.max_zip_entries})")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                refuse(self.path, Reason.ENCRYPTED, "is password-protected (encrypted zip)")
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            big_enough = info.file_size >= limits.ratio_check_min_bytes
            if big_enough and ratio > limits.max_compression_ratio:
                self._bomb(
                    f"a part is compressed {ratio:.0f}:1 "
                    f"(the limit is {limits.max_compression_ratio:g}:1)"
                )
        if total > limits.max_zip_uncompressed_bytes:
            self._bomb(self._too_big(total))

    def _too_big(self, size: int) -> str:
        limit = self.limits.max_zip_uncompressed_bytes
        return f"it unpacks to over {human_size(size)} (the limit is {human_size(limit)})"

    def _corrupt(self, why: str) -> NoReturn:
        refuse(self.path, Reason.CORRUPT, f"is not a valid {self.label} ({why})")

    def _bomb(self, why: str) -> NoReturn:
        refuse(self.path, Reason.ZIP_BOMB, f"refused as a possible zip bomb: {why}")


def parse_xml(path: Path, data: bytes, limits: ReadLimits, label: str, what: str) -> Element:
    builder = TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > limits.max_xml_depth:
            raise _UnsafeXml("nested too deeply")
        builder.start(_qualified(tag), {_qualified(k): v for k, v in attrs.items()})

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_qualified(tag))

    def forbid(*_args: object) -> None:
        raise _UnsafeXml("it declares a DTD or entities")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.ExternalEntityRefHandler = forbid  # type: ignore[assignment]
    try:
        parser.Parse(data, True)
        root = builder.close()
    except _UnsafeXml as exc:
        refuse(path, Reason.UNSAFE_XML, f"refused: unsafe XML in {what} ({exc})")
    except (expat.ExpatError, AssertionError, ValueError):
        refuse(path, Reason.CORRUPT, f"is not a valid {label} ({what} is not well-formed XML)")
    return root


def _qualified(name: str) -> str:
    # expat gives "uri}local"; ElementTree spells it "{uri}local".
    return "{" + name if "}" in name else name
