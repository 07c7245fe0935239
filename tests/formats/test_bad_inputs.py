"""Every kind of bad input gives an InputError whose one-line message names the file and the
reason and holds nothing from inside the file."""

from __future__ import annotations

import os
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from formats_factories import W_NS, make_docx, make_odt, p

from anonymizer.errors import ExitCode, InputError
from anonymizer.formats import ReadLimits, UnreadableTranscript, read_transcript
from anonymizer.refusals import Reason

SECRET = "Solveig Hemmelighaug"  # an invented name placed inside files; must never be in a message
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SMALL = ReadLimits(max_zip_uncompressed_bytes=200_000, max_zip_entries=8)


def _docx(tmp: Path, name: str = "interview3.docx", **kw: object) -> Path:
    return make_docx(tmp / name, p(f"{SECRET}: hello"), **kw)  # type: ignore[arg-type]


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        (tmp / name).write_bytes(data)
        return tmp / name

    return build


def _missing(tmp: Path) -> Path:
    return tmp / "interview9.txt"


def _directory(name: str) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        (tmp / name).mkdir()
        return tmp / name

    return build


def _symlink(tmp: Path) -> Path:
    (tmp / "real.txt").write_text(f"{SECRET}: hi", "utf-8")
    (tmp / "linked.txt").symlink_to(tmp / "real.txt")
    return tmp / "linked.txt"


def _fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "pipe.txt")
    return tmp / "pipe.txt"


def _sparse(name: str, size: int) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        with open(tmp / name, "wb") as handle:
            handle.truncate(size)  # sparse: instant, uses no disk
        return tmp / name

    return build


def _truncated_docx(tmp: Path) -> Path:
    data = _docx(tmp, "whole.docx").read_bytes()
    (tmp / "cut.docx").write_bytes(data[: len(data) // 2])
    return tmp / "cut.docx"


def _bomb_ratio(tmp: Path) -> Path:
    # 5 MB of zeros deflates to ~5 KB: a 1000:1 ratio, refused from the central directory.
    return _docx(tmp, "bomb.docx", extra_parts={"word/media/fill.bin": b"\0" * (5 * 1024 * 1024)})


def _encrypted_zip_entry(tmp: Path) -> Path:
    data = bytearray(_docx(tmp, "plain.docx").read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            (flags,) = struct.unpack_from("<H", data, start + flag_offset)
            struct.pack_into("<H", data, start + flag_offset, flags | 1)
            start += 4
    (tmp / "locked.docx").write_bytes(bytes(data))
    return tmp / "locked.docx"


def _lying_sizes(tmp: Path) -> Path:
    # The central directory claims the main part is 10 bytes; inflating it yields more.
    path = _docx(tmp, "liar.docx")
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_offset : start + name_offset + len(name)] == name:
                struct.pack_into("<I", data, start + size_offset, 10)
            start += 4
    path.write_bytes(bytes(data))
    return path


def _docx_with_document(xml: str, name: str) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        return make_docx(tmp / name, "", document_xml=xml)

    return build


_DTD = (
    '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>'
)
_EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>'
)
_DEEP = (
    f'<w:document xmlns:w="{W_NS}"><w:body>'
    + "<w:sdt><w:sdtContent>" * 200
    + p(SECRET)
    + "</w:sdtContent></w:sdt>" * 200
    + "</w:body></w:document>"
)
_BROKEN_XML = f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:t>{SECRET}</w:p>'
_ALT_CHUNK = f'<w:document xmlns:w="{W_NS}"><w:body><w:altChunk/></w:body></w:document>'

CASES: list[tuple[str, Callable[[Path], Path], Reason, str, ReadLimits | None]] = [
    ("missing", _missing, Reason.MISSING, "does not exist", None),
    ("directory", _directory("interviews.docx"), Reason.DIRECTORY, "is a directory", None),
    ("directory-no-suffix", _directory("inbox"), Reason.DIRECTORY, "is a directory", None),
    ("symlink", _symlink, Reason.SYMLINK, "symbolic link", None),
    ("fifo", _fifo, Reason.NOT_REGULAR, "not a regular file", None),
    ("empty-txt", _write("empty.txt", b""), Reason.EMPTY, "is empty", None),
    ("empty-docx", _write("empty.docx", b""), Reason.EMPTY, "is empty", None),
    ("empty-vtt", _write("empty.vtt", b""), Reason.EMPTY, "is empty", None),
    ("only-whitespace", _write("blank.txt", b"\xef\xbb\xbf \r\n\t\n"), Reason.EMPTY,
     "contains no text", None),
    ("no-text-docx", lambda t: make_docx(t / "blank.docx", p() + p("  ")), Reason.EMPTY,
     "contains no text", None),
    ("binary-nul", _write("photo.txt", b"\x89PNG\r\n\x1a\n\0\0\0" + SECRET.encode()),
     Reason.BINARY, "not plain text", None),
    ("pdf-as-txt", _write("scan.txt", b"%PDF-1.7 " + SECRET.encode()), Reason.BINARY,
     "PDF", None),
    ("docx-as-txt", lambda t: _docx(t, "wrong.txt"), Reason.BINARY, "zip archive", None),
    ("controls", _write("noise.txt", bytes(range(1, 9)) * 50 + SECRET.encode()),
     Reason.BINARY, "binary control bytes", None),
    ("undecodable", _write("latin.txt", f"{SECRET} Ødegård".encode("latin-1")),
     Reason.UNDECODABLE, "not valid UTF-8", None),
    ("bad-utf16", _write("u16.txt", b"\xff\xfe\x00\xd8a\x00"), Reason.UNDECODABLE,
     "UTF-16", None),
    ("unsupported", _write("notes.pdf", b"%PDF-1.7"), Reason.UNSUPPORTED,
     "unsupported file type .pdf", None),
    ("no-suffix", _write("README", b"hello"), Reason.UNSUPPORTED, "no file extension", None),
    ("legacy-doc", _write("interview2.doc", OLE + b"\0" * 512), Reason.UNSUPPORTED,
     "save it as .docx", None),
    ("ole-renamed-docx", _write("old.docx", OLE + b"\0" * 512), Reason.LEGACY_FORMAT,
     "legacy Word 97-2003", None),
    ("encrypted-docx",
     _write("secret.docx", OLE + b"\0" * 64 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64),
     Reason.ENCRYPTED, "password-protected", None),
    ("not-a-zip", _write("plain.docx", f"{SECRET}: hello".encode()), Reason.CORRUPT,
     "not a valid .docx (not a zip archive)", None),
    ("corrupt-zip", _write("broken.docx", b"PK\x03\x04" + b"\x00garbage" * 20), Reason.CORRUPT,
     "zip is corrupt", None),
    ("truncated-zip", _truncated_docx, Reason.CORRUPT, "not a valid .docx", None),
    ("zip-no-document", lambda t: _zip(t / "empty-zip.docx", {"hello.txt": b"hi"}),
     Reason.CORRUPT, "has no Word document inside", None),
    ("zip-bomb-ratio", _bomb_ratio, Reason.ZIP_BOMB, "compressed", None),
    ("zip-bomb-total", lambda t: _docx(t, "big.docx", extra_parts={"a.bin": os.urandom(300_000)}),
     Reason.ZIP_BOMB, "unpacks to over", SMALL),
    ("zip-bomb-entries",
     lambda t: _docx(t, "many.docx", extra_parts={f"x{i}.xml": b"<a/>" for i in range(20)}),
     Reason.ZIP_BOMB, "zip entries", SMALL),
    ("zip-lying-sizes", _lying_sizes, Reason.CORRUPT, "not a valid .docx", None),
    ("encrypted-zip-entry", _encrypted_zip_entry, Reason.ENCRYPTED, "password-protected", None),
    ("too-large-txt", _sparse("huge.txt", 60 * 1024 * 1024), Reason.TOO_LARGE,
     "too large (60.0 MB; the limit is 50.0 MB)", None),
    ("too-large-docx", _sparse("huge.docx", 60 * 1024 * 1024), Reason.TOO_LARGE, "too large",
     None),
    ("dtd-entities", _docx_with_document(_DTD, "laughs.docx"), Reason.UNSAFE_XML,
     "DTD or entities", None),
    ("external-entity", _docx_with_document(_EXTERNAL, "xxe.docx"), Reason.UNSAFE_XML,
     "DTD or entities", None),
    ("too-deep", _docx_with_document(_DEEP, "deep.docx"), Reason.UNSAFE_XML, "nested too deeply",
     ReadLimits(max_xml_depth=64)),
    ("malformed-xml", _docx_with_document(_BROKEN_XML, "bad.docx"), Reason.CORRUPT,
     "not well-formed XML", None),
    ("alt-chunk", _docx_with_document(_ALT_CHUNK, "chunk.docx"), Reason.UNSUPPORTED_CONTENT,
     "altChunk", None),
    ("encrypted-odt", lambda t: make_odt(t / "locked.odt", f"<text:p>{SECRET}</text:p>",
                                         encrypted=True),
     Reason.ENCRYPTED, "password-protected", None),
    ("spreadsheet-as-odt",
     lambda t: make_odt(t / "sheet.odt", "<text:p>x</text:p>",
                        mimetype="application/vnd.oasis.opendocument.spreadsheet"),
     Reason.UNSUPPORTED, "not an OpenDocument text", None),
    ("not-a-zip-odt", _write("plain.odt", b"hello"), Reason.CORRUPT, "not a valid .odt", None),
    ("vtt-without-cues", _write("talk.vtt", f"WEBVTT\n\n{SECRET} said hi\n".encode()),
     Reason.CORRUPT, "no subtitle cues", None),
    ("srt-binary", _write("talk.srt", b"1\n\0\0\0\0"), Reason.BINARY, "NUL", None),
]


def _zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("build", "reason", "fragment", "limits"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_is_one_line_naming_file_and_reason(
    tmp_path: Path,
    build: Callable[[Path], Path],
    reason: Reason,
    fragment: str,
    limits: ReadLimits | None,
) -> None:
    path = build(tmp_path)
    with pytest.raises(InputError) as info:
        read_transcript(path, limits or ReadLimits())
    error = info.value
    message = str(error)
    assert isinstance(error, UnreadableTranscript)
    assert error.reason is reason, message
    assert fragment in message
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    assert SECRET not in message and "Hemmelighaug" not in error.detail
    assert error.exit_code is ExitCode.BAD_INPUT


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of their mode")
def test_unreadable_permissions(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("hello", "utf-8")
    path.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        read_transcript(path)


def test_limits_reject_nonsense() -> None:
    with pytest.raises(ValueError):
        ReadLimits(max_file_bytes=0)


def test_deep_xml_read_from_a_deep_call_stack_is_refused_not_crashed(tmp_path: Path) -> None:
    import sys

    inner = p("x")
    for _ in range(80):  # 80 nested tables: about 240 XML levels, inside the default depth limit
        inner = f"<w:tbl><w:tr><w:tc>{inner}</w:tc></w:tr></w:tbl>"
    xml = f'<w:document xmlns:w="{W_NS}"><w:body>{inner}</w:body></w:document>'
    path = make_docx(tmp_path / "nested.docx", "", document_xml=xml)
    assert read_transcript(path).text == "x"

    def from_deep_stack(levels: int) -> object:
        return from_deep_stack(levels - 1) if levels else read_transcript(path)

    with pytest.raises(InputError, match="nested too deeply"):
        from_deep_stack(sys.getrecursionlimit() - 100)
