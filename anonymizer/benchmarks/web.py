"""Workbench speed for `make bench`: server time of the steward's two heaviest pages.

A study of 500 sealed releases is built as for the ``affected`` section (each with a
``released`` audit record, so the queue reads a real log), plus one release of a 10,000-word
interview with a replacement every 25 words and a flag every 100 (its ``.review.json`` as the
daemon writes it). The app runs in-process (Starlette's test client: the time is the server's,
with no network), logged in as a steward. Timed, best and median of ``rounds``:
``GET /steward`` (the queue: every sidecar and the audit log read) and
``GET /steward/t/<stem>`` (the marked transcript). The goal is 300 ms each. Not a test.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anonymizer.benchmarks.affected import _WORDS, build_study

GOAL_MS = 300.0


def _long_release(settings: Any, vault: Any, words: int) -> str:
    from anonymizer.store.layout import Store
    from anonymizer.store.metadata import Consent, EngineFacts, build_meta
    from anonymizer.store.review_marks import ReviewData, ReviewMark

    rng = random.Random(15)
    lines: list[str] = []
    marks: list[ReviewMark] = []
    flags: list[ReviewMark] = []
    position = count = 0
    while count < words:
        parts: list[str] = []
        for _ in range(rng.randint(10, 40)):
            count += 1
            word = "[Person 3]" if count % 25 == 0 else rng.choice(_WORDS)
            start = position + sum(len(p) + 1 for p in parts) + len("P: ")
            if count % 25 == 0:
                marks.append(ReviewMark(start, start + len(word), "PERSON", "spacy_ner", 0.85,
                                        start, start + 5))
            elif count % 100 == 10:
                flags.append(ReviewMark(start, start + len(word), "capitalised_unknown"))
            parts.append(word)
        line = "P: " + " ".join(parts) + "."
        lines.append(line)
        position += len(line) + 1
    clean = ("\n".join(lines) + "\n").encode("utf-8")
    store = Store(Path(settings.paths.folder("store")), settings.project.id)
    participant, wave = 1, "wave99"
    sha = hashlib.sha256(clean).hexdigest()
    plan = store.plan(participant, wave, [(".txt", sha)], reserved=set())
    job = hashlib.sha256(b"long").hexdigest()[:32]
    meta = build_meta(
        settings, job=job, participant=participant, participants=[participant], wave=wave,
        consent=Consent("given", "research"), engine=EngineFacts("en", "0" * 64, "0" * 64,
                                                                 "bench", "0"),
        counts={"PERSON": len(marks)}, flags=len(flags),
        files=[(plan.stem + ".txt", "txt", sha)], input_sha256=sha, input_bytes=len(clean),
        input_format="txt", original={"policy": "delete"}, anonymized_at=datetime.now(UTC))
    store.write_clean(plan, {plan.stem + ".txt": clean}, job)
    store.commit(plan, meta, job)
    meta_path = next(Path(settings.paths.folder("store")).rglob(plan.stem + ".meta.json"))
    meta_path.with_name(plan.stem + ".review.json").write_text(
        ReviewData(tuple(marks), tuple(flags)).to_json(), encoding="utf-8")
    return plan.stem


def _audit_releases(settings: Any, vault: Any) -> int:
    from anonymizer.audit.log import AuditEvent, open_audit_log
    from anonymizer.store.released import read_meta, sidecars, store_folder

    log = open_audit_log(settings, vault.audit_key())
    count = 0
    for path in sidecars(store_folder(settings)):
        meta = read_meta(path) or {}
        log.append(AuditEvent.RELEASED, job_id=meta.get("job_id"),
                   participant=meta.get("participant"), wave=meta.get("wave"))
        count += 1
    return count


def _timed(client: Any, url: str, rounds: int) -> tuple[float, float, int]:
    times = []
    size = 0
    for _ in range(rounds):
        start = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.status_code
        size = len(answer.content)
    return min(times), statistics.median(times), size


def web_section(releases: int = 500, words: int = 10_000, rounds: int = 7) -> None:
    """The arguments exist for the test; `make bench` uses the defaults."""
    from argon2 import PasswordHasher
    from starlette.testclient import TestClient

    from anonymizer.web.accounts import Accounts, Role
    from anonymizer.web.app import build_app

    with tempfile.TemporaryDirectory(prefix="web-bench-") as folder:
        settings, vault = build_study(Path(folder), releases, 50)
        try:
            stem = _long_release(settings, vault, words)
            audited = _audit_releases(settings, vault)
            key = vault.audit_key()
        finally:
            vault.close()
        accounts = Accounts.of(settings, hasher=PasswordHasher(time_cost=1, memory_cost=1024,
                                                               parallelism=1))
        accounts.add("bench", Role.STEWARD, "a benchmark password")
        app = build_app(settings, key, accounts=accounts)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            page = client.get("/login").text
            token = re.search(r'name="csrf-token" content="([^"]+)"', page)
            assert token is not None
            client.post("/login", data={"name": "bench", "password": "a benchmark password",
                                        "csrf": token.group(1)})
            queue = _timed(client, "/steward", rounds)
            transcript = _timed(client, f"/steward/t/{stem}", rounds)
        review = json.loads(next(Path(settings.paths.folder("store")).rglob(
            f"{stem}.review.json")).read_text(encoding="utf-8"))
    print(f"== Workbench server time (in-process, no network; best and median of {rounds}; "
          f"goal {GOAL_MS:.0f} ms) ==")
    print(f"{'page':<58} {'best ms':>8} {'median':>8} {'KB':>7}")
    rows = (
        (f"queue of a {audited}-release study (GET /steward)", queue),
        (f"transcript of {words:,} words, {len(review['replacements'])} replacements, "
         f"{len(review['flags'])} flags", transcript),
    )
    for label, (best, median, size) in rows:
        print(f"{label:<58} {best:>8.1f} {median:>8.1f} {size / 1024:>7.0f}")
    print()


if __name__ == "__main__":
    web_section()
