"""Real processes: no network connection, ever; and no name anywhere after a run.

Each test starts ``python -m anonymizer`` in a subprocess with HOME, XDG_CACHE_HOME and TMPDIR
pointing into tmp_path, so any cache or temp file the process writes is inside the folder the
test inspects. A ``sitecustomize.py`` on PYTHONPATH replaces the socket entry points with a
guard that records every attempt in a file and refuses it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import anonymizer

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]

GUARD = textwrap.dedent('''
    """Test guard: no socket may connect or resolve; every attempt is recorded."""
    import os
    import socket

    _LOG = os.environ["NET_GUARD_LOG"]


    def _refuse(what):
        def guarded(*args, **kwargs):
            with open(_LOG, "a", encoding="utf-8") as log:
                log.write(f"{what} {args[1:] if what.startswith('socket.') else args}\\n")
            raise OSError(f"network disabled by test guard: {what}")
        return guarded


    socket.socket.connect = _refuse("socket.connect")
    socket.socket.connect_ex = _refuse("socket.connect_ex")
    socket.create_connection = _refuse("create_connection")
    socket.getaddrinfo = _refuse("getaddrinfo")
    with open(_LOG, "a", encoding="utf-8"):
        pass  # the log exists: proof that the guard was loaded
''')


@pytest.fixture
def sandbox(tmp_path: Path) -> dict[str, str]:
    """Environment for a child process: guarded sockets, caches and temp files in tmp_path."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    for name in ("home", "cache", "tmp"):
        (tmp_path / name).mkdir()
    # A clean environment: nothing inherited may do the program's work for it (importing the
    # engine in this test process sets TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS and the HF offline
    # switches in os.environ; the child must set them itself).
    inherited = ("PYTHONPATH", "ANONYMIZER_CONFIG", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    env = {k: v for k, v in os.environ.items()
           if k not in inherited and not k.startswith("TLDEXTRACT")}
    env.update({
        # the guard, then the same anonymizer package this test process imported
        "PYTHONPATH": os.pathsep.join([str(guard), str(Path(anonymizer.__file__).parents[1])]),
        "NET_GUARD_LOG": str(tmp_path / "network_attempts.log"),
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "TMPDIR": str(tmp_path / "tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def run(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def attempts(env: dict[str, str]) -> list[str]:
    log = Path(env["NET_GUARD_LOG"])
    assert log.exists(), "the network guard was not loaded in the child process"
    return log.read_text(encoding="utf-8").splitlines()


# -- the guard itself can fail ----------------------------------------------------------------


def test_the_guard_records_a_deliberate_connection(sandbox, tmp_path: Path) -> None:
    result = run(sandbox, "-c", "import socket; socket.create_connection(('example.org', 80))",
                 cwd=tmp_path)
    assert result.returncode != 0 and "network disabled by test guard" in result.stderr
    assert attempts(sandbox) == ["create_connection (('example.org', 80),)"]


def test_the_guard_catches_a_suffix_list_download(sandbox, tmp_path: Path) -> None:
    """tldextract's default extractor, the one Presidio would use, reaches for the network."""
    code = ("import tldextract; "
            f"tldextract.TLDExtract(cache_dir={str(tmp_path / 'tld')!r})('kari@example.co.uk')")
    run(sandbox, "-c", code, cwd=tmp_path)
    assert attempts(sandbox), "tldextract fetched nothing: this guard could not catch a fetch"


# -- the program opens no connection ----------------------------------------------------------

WEBBY = (
    "Interviewer: How do people find you?\n"
    "Kari Nordmann: Through https://www.example.org/kari and www.example.no/blog or e-mail "
    "kari@example.co.uk or post@example.no. Ola Hansen has ola.hansen@example.com.\n"
)


@pytest.mark.parametrize("command", ["scan", "run"])
def test_no_network_during_scan_and_run(sandbox, tmp_path: Path, command: str) -> None:
    source = tmp_path / "interview.txt"
    source.write_text(WEBBY, encoding="utf-8")
    result = run(sandbox, "-m", "anonymizer", command, str(source), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert attempts(sandbox) == []
    if command == "run":
        assert result.stdout == (
            "Interviewer: How do people find you?\n"
            "Participant 1: Through [URL] and [URL] or e-mail [e-mail] or [e-mail]. "
            "[Person 1] has [e-mail].\n")
    else:
        rows = [line.split() for line in result.stdout.splitlines()]
        kinds = [row[2] for row in rows if len(row) >= 5 and row[0].isdigit()]
        assert kinds.count("EMAIL") == 3 and kinds.count("URL") == 2


# -- no leaks -----------------------------------------------------------------------------------

LEAK_TRANSCRIPT = """\
Project: Working life after injury
Interviewer: Could you start by telling me about your family?
Sigrid Halvorsen: I live in Trondheim with my husband Jonas Berg. My sister Hanne Lie lives in Tromsø.
Interviewer: And at work?
Sigrid Halvorsen: My manager Kari Nordmann moved me to days. Kari is kind, and Jonas says she saved my job.
Interviewer: How can we reach you for the next interview?
Sigrid Halvorsen: Call 915 55 123 or write to sigrid.halvorsen@example.no.
Interviewer: Thank you, Sigrid.
"""
LEAK_STRINGS = ("Sigrid", "Halvorsen", "Jonas", "Berg", "Hanne", "Lie", "Kari", "Nordmann",
                "Trondheim", "Tromsø", "915 55 123", "sigrid.halvorsen@example.no")


def _contains(data: bytes, needle: str) -> bool:
    text = data.decode("utf-8", errors="replace").casefold()
    return needle.casefold() in text


def test_no_name_anywhere_after_a_run(sandbox, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    source = inbox / "interview.txt"
    source.write_text(LEAK_TRANSCRIPT, encoding="utf-8")
    out = tmp_path / "out"
    result = run(sandbox, "-m", "anonymizer", "run", str(source), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = list(out.iterdir())
    assert len(written) == 1
    clean = written[0].read_text(encoding="utf-8")
    assert clean.startswith("Project: Working life after injury\nInterviewer: ")
    assert len(clean.splitlines()) == len(LEAK_TRANSCRIPT.splitlines())

    files = [p for p in tmp_path.rglob("*") if p.is_file() and p != source
             and p.parent.name != "guard"]
    assert written[0] in files
    places = {str(p.relative_to(tmp_path)): p.read_bytes() for p in files}
    places["stdout"] = result.stdout.replace(str(source), "").encode()
    places["stderr"] = result.stderr.encode()
    leaks = [(where, name) for where, data in places.items() for name in LEAK_STRINGS
             if _contains(data, name)]
    assert leaks == []
    # and nothing but the clean file was left behind in the output or temp folders
    assert list((tmp_path / "tmp").iterdir()) == []
    assert [p.name for p in out.iterdir()] == [written[0].name]


def test_bad_inputs_in_a_real_process_one_line_each_no_traceback(sandbox, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 64)
    (inbox / "latin1.txt").write_bytes("Kari bor på Røros.\n".encode("latin-1"))
    (inbox / "folder.txt").mkdir()
    bad = [inbox / n for n in ("empty.txt", "binary.txt", "latin1.txt", "folder.txt",
                               "missing.txt")]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in bad if p.is_file()}
    out = tmp_path / "out"
    out.mkdir()
    result = run(sandbox, "-m", "anonymizer", "run", *map(str, bad), "-o", str(out),
                 cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert [line.split(": ")[2] for line in lines] == list(map(str, bad))
    assert all(line.startswith("anonymizer: error: ") for line in lines)
    assert result.stdout == ""
    assert list(out.iterdir()) == [] and list((tmp_path / "tmp").iterdir()) == []
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in before} == before
    assert "Røros" not in result.stderr and "Kari" not in result.stderr
