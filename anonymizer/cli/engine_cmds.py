"""`anonymizer run` and `anonymizer scan`: the engine on files, for people at a terminal."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from anonymizer.cli.common import add_language, open_keystore, settings_from
from anonymizer.errors import AnonymizerError, ExitCode, InputError, InternalError
from anonymizer.formats.transcript import Transcript

# The engine pulls in spaCy and Presidio (seconds), the formats python-docx: the commands import
# them when they run, so that --help does not pay for them.
if TYPE_CHECKING:
    from anonymizer.engine.engine import Outcome, Scan
    from anonymizer.engine.standards import StandardEngines
    from anonymizer.language.standard import StandardChoice


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="anonymize transcript files",
                         description="Anonymize transcripts. Without -o the clean text is printed.")
    run.add_argument("files", nargs="+", metavar="FILE", type=Path)
    run.add_argument("-o", "--output", metavar="DIR", type=Path,
                     help="write clean files here, named by checksum (never by the input's name)")
    add_language(run)
    run.set_defaults(func=cmd_run)

    scan = sub.add_parser("scan", help="show what would be replaced (dry run)",
                          description="List findings without changing anything. With --jsonl, "
                          "read records {id, text} and write {id, findings} per line.")
    scan.add_argument("file", metavar="FILE", type=Path)
    scan.add_argument("--jsonl", action="store_true", help="FILE is JSON Lines of {id, text}")
    scan.add_argument("-o", "--output", metavar="OUT", type=Path,
                      help="with --jsonl: write here instead of standard output")
    add_language(scan)
    scan.set_defaults(func=cmd_scan)


def _engines(args: argparse.Namespace) -> StandardEngines:
    # local: only a command that runs needs the model
    from anonymizer.engine.standards import StandardEngines

    settings = settings_from(args)
    return StandardEngines.from_settings(settings, language=args.lang,
                                         keystore=open_keystore(settings))


def _by_standard(engines: StandardEngines, texts: list[str], names: list[str | None]
                 ) -> tuple[list[StandardChoice], dict[str, list[int]]]:
    """Each text's standard, and the texts of each standard (indexes), so that every engine
    streams its own texts in one go."""
    choices: list[StandardChoice] = []
    groups: dict[str, list[int]] = {}
    for i, (text, name) in enumerate(zip(texts, names, strict=True)):
        _, choice = engines.choose(text, named=engines.named(name) if name else None)
        choices.append(choice)
        groups.setdefault(choice.code, []).append(i)
    return choices, groups


def _standard_note(engines: StandardEngines, choice: StandardChoice) -> str:
    if not engines.standards.several:
        return ""
    counts = " / ".join(f"{code} {n}" for code, n in choice.markers)
    return f"; read as {choice.code} ({choice.source.value}" + (
        f", markers {counts})" if counts else ")")


def _summary(scan: Scan, transcript: Transcript | None = None) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(scan.counts.items())) or "nothing replaced"
    who = ", ".join(str(n) for n in scan.participants)
    dropped = transcript.dropped_summary() if transcript is not None else ""
    return counts + (f"; participants {who}" if who else "") + (f"; {dropped}" if dropped else "")


def cmd_run(args: argparse.Namespace) -> int:
    from anonymizer.formats import read_transcript

    engines = _engines(args)
    worst = ExitCode.OK

    def refuse(exc: AnonymizerError) -> None:
        nonlocal worst
        print(f"anonymizer: error: {' '.join(str(exc).split())}", file=sys.stderr)
        worst = max(worst, exc.exit_code)

    readable = []
    for path in args.files:
        try:
            readable.append((path, read_transcript(path)))
        except AnonymizerError as exc:
            refuse(exc)
    choices, groups = _by_standard(engines, [t.text for _, t in readable],
                                   [p.name for p, _ in readable])
    # One spaCy stream per standard for all its files (faster); each is verified on its own.
    outcomes: list[Outcome | AnonymizerError | None] = [None] * len(readable)
    for code, indexes in groups.items():
        group = [readable[i] for i in indexes]
        done = engines.engines[code].anonymize_many(
            [t.text for _, t in group], wheres=[str(p) for p, _ in group],
            table_lines=[t.table_lines() for _, t in group])
        for i, one in zip(indexes, done, strict=True):
            outcomes[i] = one
    for (path, transcript), outcome, choice in zip(readable, outcomes, choices, strict=True):
        if outcome is None:
            continue
        if isinstance(outcome, AnonymizerError):
            refuse(outcome)
            continue
        try:
            _write(args, path, transcript, outcome, _standard_note(engines, choice))
        except AnonymizerError as exc:
            refuse(exc)
        except Exception as exc:  # noqa: BLE001 - a bug in one file fails that file, not the batch
            refuse(InternalError.of(str(path), exc))
    return int(worst)


def _write(args: argparse.Namespace, path: Path, transcript: Transcript, outcome: Outcome,
           note: str = "") -> None:
    from anonymizer.formats import render_clean_text
    from anonymizer.formats.outputs import DIGEST_CHARS, write_clean_outputs

    if args.output is None:
        rendered = render_clean_text(outcome.clean_text, transcript)
        sys.stdout.write(rendered if rendered.endswith("\n") else rendered + "\n")
        sys.stdout.flush()
        print(f"{path}: {_summary(outcome.scan, transcript)}{note}", file=sys.stderr)
        return
    args.output.mkdir(parents=True, exist_ok=True)  # only once there is something to write
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_CHARS]
    written = write_clean_outputs(args.output, digest, transcript, outcome.clean_text)
    print(f"{path} -> {', '.join(map(str, written))}: {_summary(outcome.scan, transcript)}"
          f"{note}")


def cmd_scan(args: argparse.Namespace) -> int:
    from anonymizer.formats import read_transcript

    engines = _engines(args)
    if args.jsonl:
        return _scan_jsonl(engines, args.file, args.output)
    transcript = read_transcript(args.file)
    engine, choice = engines.choose(transcript.text, named=engines.named(args.file.name))
    scan = engine.scan(transcript.text, table_lines=transcript.table_lines())
    print(f"{args.file}: {_summary(scan, transcript)}{_standard_note(engines, choice)}")
    print("\nreplaced:")
    print(f"  {'start':>7} {'end':>7}  {'kind':<13} {'replacement':<22} {'score':>5}  detector")
    for r in scan.replacements:
        print(f"  {r.start:>7} {r.end:>7}  {r.entity.value:<13} {r.text:<22} {r.score:>5.2f}  "
              f"{r.detector}")
    if scan.kept:
        print("\ndetected but kept (allow list or policy):")
        for f in scan.kept:
            print(f"  {f.start:>7} {f.end:>7}  {f.entity.value:<13} {f.detector}")
    print("\nresidual risk (not replaced; for review):")
    if not scan.flags:
        print("  none")
    for flag in scan.flags:
        print(f"  {flag.start:>7} {flag.end:>7}  {flag.reason:<24} {flag.detail}")
    return 0


def _records(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a JSONL file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise InputError(f"{path}: line {number}: not valid JSON") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str) \
                or "id" not in record:
            raise InputError(f"{path}: line {number}: needs an object with \"id\" and \"text\"")
        records.append(record)
    return records


def _scan_jsonl(engines: StandardEngines, path: Path, output: Path | None) -> int:
    records = _records(path)
    # a record has no file name: its text alone decides its standard
    _, groups = _by_standard(engines, [r["text"] for r in records], [None] * len(records))
    scans: list[Scan | None] = [None] * len(records)
    for code, indexes in groups.items():
        done = engines.engines[code].scan_many(records[i]["text"] for i in indexes)
        for i, (_, one) in zip(indexes, done, strict=True):
            scans[i] = one
    out: TextIO = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    try:
        for record, scan in zip(records, scans, strict=True):
            if scan is None:
                continue
            findings = [
                {"start": r.start, "end": r.end, "entity": r.entity.value,
                 "replacement": r.text, "score": r.score, "detector": r.detector}
                for r in scan.replacements
            ]
            out.write(json.dumps({"id": record["id"], "findings": findings},
                                 ensure_ascii=False) + "\n")
    finally:
        if output:
            out.close()
    return 0
