"""Resource limits for reading a user's file, so a hostile or broken file cannot exhaust memory.

The zip limits are checked twice: first against the sizes the zip's central directory declares
(before anything is decompressed), then again while each part is streamed, because the declared
sizes come from the file itself and cannot be trusted on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

MIB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 50 * MIB
    # docx/odt packages: the sum of all declared uncompressed sizes, and of the bytes we inflate.
    max_zip_uncompressed_bytes: int = 200 * MIB
    max_zip_entries: int = 2_000
    # Word XML compresses about 5-20x; zip bombs reach 1000x and more.
    max_compression_ratio: float = 100.0
    # Tiny parts (an empty header, a run of spaces) can legitimately compress far better than 100x;
    # they cannot hurt, so the ratio is only enforced from this uncompressed size upwards.
    ratio_check_min_bytes: int = 1 * MIB
    # Element nesting in one XML part; Word documents stay well below 100 even with nested tables.
    max_xml_depth: int = 256

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) <= 0:
                raise ValueError(f"ReadLimits.{f.name} must be positive")


DEFAULT_LIMITS = ReadLimits()


def human_size(size: float) -> str:
    """``"60.0 MB"`` / ``"195 KB"``: sizes in messages stay readable for small test limits too."""
    if size >= MIB:
        return f"{size / MIB:.1f} MB"
    return f"{size / 1024:.0f} KB"
