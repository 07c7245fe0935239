"""`store affected` speed for `make bench`: which of 500 releases hold a corrected name.

A study is built in a temporary folder the way the daemon leaves one: a vault (key file, so
no scrypt in the figure), 50 participants, 500 releases -- four in five .txt, one in five .docx,
each about ``words`` words of interview -- with their sidecars in the store and their originals
sealed under the participants' keys; the name is in one transcript in ten. Timed:
``find_affected`` (every original opened with the vault and read in memory, the text normalised
and searched), best of ``rounds``; the vault's unlock is left out. Nothing here is a test.
"""

from __future__ import annotations

import io
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anonymizer.settings import Settings
    from vault import Vault

PROJECT = "bench-affected"
NAME = "Fjellkroa"
_SAID = ("the pain was worse in the morning and I walked to the shop with my sister then we "
         "talked about the garden and the long week at work before the doctor called again")
_WORDS = _SAID.split(" ")


def _interview(rng: random.Random, words: int, with_name: bool) -> str:
    lines: list[str] = []
    count = 0
    while count < words:
        said = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 30)))
        lines.append(f"Interviewer: {said}?" if len(lines) % 2 == 0 else f"P: {said}.")
        count += len(said.split())
    if with_name:
        lines.insert(len(lines) // 2, f"P: We went down to {NAME} every Sunday.")
    return "\n".join(lines) + "\n"


def _docx(text: str) -> bytes:
    from docx import Document

    document = Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_study(root: Path, releases: int, words: int) -> tuple[Settings, Vault]:
    """(settings, open vault) of a study with ``releases`` sealed releases."""
    import hashlib

    from anonymizer.settings import load_settings
    from anonymizer.store.layout import Store
    from anonymizer.store.metadata import Consent, EngineFacts, build_meta
    from anonymizer.store.originals import Originals
    from vault import Secret, Vault, generate_key_file

    config = root / "anonymizer.toml"
    config.write_text(
        f'[project]\nid = "{PROJECT}"\n[ethics]\ncommittee = "REK"\nreference = "2024/1"\n'
        f'[vault]\nbackend = "vault"\ndir = "{root / "keys"}"\nkey_file = "{root / "vault.key"}"\n'
        f'[paths]\ndata_dir = "{root / "data"}"\n', encoding="utf-8")
    settings = load_settings(config)
    key = generate_key_file(root / "vault.key")
    vault = Vault.create(root / "keys", PROJECT, Secret.from_key_file(key))
    participants = 50
    for number in range(1, participants + 1):
        vault.add("participant", [f"Person {number:03d}"], number=number)
    store = Store(Path(settings.paths.folder("store")), PROJECT)
    originals = Originals(Path(settings.paths.folder("originals")), PROJECT)
    store.prepare()
    originals.prepare()
    rng = random.Random(20261204)
    facts = EngineFacts("en", "0" * 64, "0" * 64, "bench", "0")
    for i in range(releases):
        participant, wave = i % participants + 1, f"wave{i // participants + 1}"
        text = _interview(rng, words, with_name=i % 10 == 3)
        ext = "docx" if i % 5 == 4 else "txt"
        data = _docx(text) if ext == "docx" else text.encode("utf-8")
        job = hashlib.sha256(f"job{i}".encode()).hexdigest()[:32]
        sha = hashlib.sha256(data).hexdigest()
        sealed = originals.relative(participant, job, f".{ext}")
        (originals.folder / sealed).parent.mkdir(parents=True, exist_ok=True)
        (originals.folder / sealed).write_bytes(vault.seal_blob(participant, data, job))
        plan = store.plan(participant, wave, [(".txt", sha)], reserved=set())
        meta = build_meta(
            settings, job=job, participant=participant, participants=[participant], wave=wave,
            consent=Consent("given", "research"), engine=facts, counts={}, flags=0,
            files=[(plan.stem + ".txt", "txt", sha)], input_sha256=sha, input_bytes=len(data),
            input_format=ext, original={"policy": "seal", "file": sealed},
            anonymized_at=datetime.now(UTC))
        store.write_clean(plan, {plan.stem + ".txt": b"(clean text)\n"}, job)
        store.commit(plan, meta, job)
    return settings, vault


def affected_section(releases: int = 500, words: int = 3_000, rounds: int = 3) -> None:
    """The arguments exist for the test; `make bench` uses the defaults."""
    from anonymizer.review.affected import find_affected

    with tempfile.TemporaryDirectory(prefix="affected-bench-") as folder:
        settings, vault = build_study(Path(folder), releases, words)
        try:
            best, report = float("inf"), None
            for _ in range(rounds):
                start = time.perf_counter()
                report = find_affected(settings, vault, [NAME])
                best = min(best, time.perf_counter() - start)
        finally:
            vault.close()
    assert report is not None
    docx = releases // 5
    print(f"== store affected ({releases} releases: {releases - docx} .txt, {docx} .docx, "
          f"~{words:,} words each; best of {rounds}) ==")
    print(f"{'search every sealed original (decrypt + read in memory)':<58} {best:>8.2f} s")
    print(f"{'per release':<58} {best / releases * 1000:>8.1f} ms")
    print(f"{'releases found holding the name':<58} {len(report.releases):>8} of "
          f"{report.searched}")
    print()


if __name__ == "__main__":
    affected_section()
