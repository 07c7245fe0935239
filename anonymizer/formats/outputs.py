"""A transcript's clean files in an output folder, named by checksum (never by the input's name).

``anonymizer run -o DIR`` and ``anonymizer batch`` both write through ``write_clean_outputs``, so
the two give byte-identical files: ``<digest>.clean.txt``, plus ``.clean.docx`` for Word input and
``.clean.vtt``/``.clean.srt`` for subtitles. Each file is written atomically; if one of them fails,
the ones already written are removed (all of a transcript's outputs, or none).
"""

from __future__ import annotations

from pathlib import Path

from anonymizer.formats.docx_writer import write_clean_docx
from anonymizer.formats.subtitle_writer import write_clean_subtitles
from anonymizer.formats.transcript import Transcript, TranscriptFormat
from anonymizer.formats.writers import write_clean_text

DIGEST_CHARS = 12  # of the input's SHA-256, in hex: the clean files' names


def output_names(digest: str, transcript: Transcript) -> list[str]:
    names = [f"{digest}.clean.txt"]
    if transcript.format is TranscriptFormat.DOCX:
        names.append(f"{digest}.clean.docx")
    if transcript.format in (TranscriptFormat.VTT, TranscriptFormat.SRT):
        names.append(f"{digest}.clean.{transcript.format.value}")
    return names


def write_clean_outputs(folder: Path, digest: str, transcript: Transcript, clean_text: str
                        ) -> list[Path]:
    """Write every clean file of one transcript into ``folder``; the paths written."""
    written: list[Path] = []
    try:
        for name in output_names(digest, transcript):
            target = folder / name
            if name.endswith(".clean.txt"):
                write_clean_text(clean_text, target, transcript)
            elif name.endswith(".clean.docx"):
                write_clean_docx(clean_text, transcript, target)
            else:
                write_clean_subtitles(clean_text, transcript, target)
            written.append(target)
    except BaseException:
        for done in written:
            done.unlink(missing_ok=True)
        raise
    return written
