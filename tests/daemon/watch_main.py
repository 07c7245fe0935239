"""``python tests/daemon/watch_main.py ARGS`` = ``python -m anonymizer ARGS`` with the daemon's
commands registered, for as long as the CLI root does not list them yet (then it changes
nothing)."""

from __future__ import annotations

import anonymizer.cli as cli

MODULE = "anonymizer.cli.watch_cmds"
if MODULE not in cli.COMMAND_MODULES:
    cli.COMMAND_MODULES = (*cli.COMMAND_MODULES, MODULE)

if __name__ == "__main__":
    raise SystemExit(cli.main())
