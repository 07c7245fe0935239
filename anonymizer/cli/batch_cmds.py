"""`anonymizer batch`: a folder or a manifest of transcripts, on this machine or a Ray cluster."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from anonymizer.cli.common import add_language


def _workers(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError("a number of workers (0: no Ray, all on the driver)")
    return int(value)


def register(sub: argparse._SubParsersAction) -> None:
    batch = sub.add_parser(
        "batch", help="anonymize a whole archive (a folder or a manifest CSV), resumably",
        description="Anonymize every transcript of SOURCE (a folder, or a manifest CSV with "
        "columns path, config, participant, wave) into OUT, with the same clean files and "
        "numbers as 'anonymizer run'. Run the same command again after an interruption: done "
        "items are skipped.", allow_abbrev=False)
    batch.add_argument("source", metavar="SOURCE", type=Path)
    batch.add_argument("-o", "--output", metavar="OUT", type=Path, required=True,
                       help="clean files go here, named by checksum; OUT/.batch is the work "
                            "record")
    batch.add_argument("--workers", metavar="N", type=_workers, default=None,
                       help="Ray workers (default: this machine's CPUs; 0: no Ray)")
    batch.add_argument("--ray-address", metavar="ADDR", default=None,
                       help="run on an existing Ray cluster (e.g. 10.0.0.5:6379) instead of "
                            "starting one here")
    add_language(batch)
    batch.set_defaults(func=cmd_batch)


def cmd_batch(args: argparse.Namespace) -> int:
    from anonymizer.batch.runner import BatchRequest, run_batch

    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    config = Path(args.config) if getattr(args, "config", None) else None
    summary = run_batch(BatchRequest(args.source, args.output, workers, args.ray_address,
                                     args.lang, config))
    return summary.worst_exit
