"""A separate process that writes to a vault, for the concurrency and kill -9 tests.

    python vault_worker.py DIR PROJECT PASSPHRASE_ENV MODE PREFIX COUNT

Modes: ``add`` adds COUNT persons named "<PREFIX> Person <i>", one commit each, printing
``done <i>`` after each commit returns; it waits for a line on stdin before starting when
COUNT is preceded by ``wait:``. ``hold`` opens a transaction, adds one person, prints ``holding``
and commits only after a line arrives on stdin.
"""

from __future__ import annotations

import sys

from vault import Secret, Vault


def main(argv: list[str]) -> int:
    directory, project, env_name, mode, prefix, count = argv
    print("starting", flush=True)
    vault = Vault.open(directory, project, Secret.from_env(env_name), lock_timeout=120)
    print("ready", flush=True)
    if count.startswith("wait:"):
        sys.stdin.readline()
        count = count[len("wait:") :]
    if mode == "add":
        for i in range(int(count)):
            vault.add("person", [f"{prefix} Person {i}"])
            print(f"done {i}", flush=True)
    elif mode == "hold":
        with vault.transaction():
            vault.add("person", [f"{prefix} Person 0"])
            print("holding", flush=True)
            sys.stdin.readline()
        print("released", flush=True)
    vault.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
