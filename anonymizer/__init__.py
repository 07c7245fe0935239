"""Anonymize qualitative interview transcripts.

The application package: settings, transcript formats, detection, pseudonym resolution, pronoun
rewriting, verification, pipeline, watcher, analysis store, audit log, reports and the CLI.
The encrypted key mapping lives in the separate ``vault`` package.
"""

__version__ = "0.1.0"
