"""Shared fixtures: one real engine per test session, cheap engines around it.

Loading the spaCy model takes seconds, so the session loads it once (``session_engine``) and
every other engine reuses its pipeline and rulebook: ``Engine(settings, rulebook, pipeline,
keystore)`` is then cheap (the gazetteers it loads are shared too, see ``_shared_gazetteers``).
Nothing here loads the model unless a test asks for it, so fast unit tests (validators,
phrases, rules) stay fast.

Names in fixtures are invented.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from anonymizer.keys.keystore import InMemoryKeyStore, KeyStore
from anonymizer.rulebook import Rulebook, default_rules_dir
from anonymizer.settings import Settings

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def _shared_gazetteers() -> Iterator[None]:
    """Engines built in tests share one loaded gazetteer per rules folder and language.

    ``Engine.__init__`` loads the name and place gazetteers (~2 s). A gazetteer is immutable
    after loading, so tests reuse it; the cache key is the resolved data folders, so a rules
    copy whose gazetteer folders link to the shipped ones shares them too."""
    import anonymizer.engine.engine as engine_module

    real = getattr(engine_module, "load_gazetteer", None)
    if real is None:  # an engine without gazetteers: nothing to share
        yield
        return
    cache: dict[tuple, object] = {}

    def shared(rulebook):  # noqa: ANN202 - whatever the engine's loader returns
        root = Path(rulebook.directory)
        key = (rulebook.language, *(
            (root / part / "gazetteer").resolve()
            for part in ("common", rulebook.gazetteer_language)))
        if key not in cache:
            cache[key] = real(rulebook)
        return cache[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_module, "load_gazetteer", shared)
        yield


@pytest.fixture(scope="session")
def session_engine(_shared_gazetteers):
    """The real engine with default settings and the shipped rules (model loaded once)."""
    from anonymizer.engine.engine import Engine

    return Engine.from_settings(Settings(), keystore=InMemoryKeyStore())


@pytest.fixture
def make_engine(session_engine) -> Callable[..., object]:
    """Build an engine around the session's pipeline: ``make_engine(keystore=..., settings=...,
    rulebook=...)``. Each call gets its own key store (fresh ``InMemoryKeyStore`` by default)."""
    from anonymizer.engine.engine import Engine

    def build(keystore: KeyStore | None = None, settings: Settings | None = None,
              rulebook: Rulebook | None = None) -> Engine:
        return Engine(settings or session_engine.settings, rulebook or session_engine.rulebook,
                      session_engine.pipeline, keystore if keystore is not None
                      else InMemoryKeyStore())

    return build


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped rules to edit freely; the large gazetteer folders are
    symbolic links to the shipped ones (read-only data, never edited by a test)."""
    source = default_rules_dir()
    target = tmp_path / "rules"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("gazetteer"))
    for gazetteer in source.glob("*/gazetteer"):
        (target / gazetteer.parent.name / "gazetteer").symlink_to(gazetteer,
                                                                  target_is_directory=True)
    return target


@pytest.fixture
def cached_model(session_engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process CLI runs reuse the session's loaded spaCy model instead of loading it again.

    Only the load is cached: settings, rules, Presidio and the engine are built by the CLI as
    usual."""
    import anonymizer.language.nlp as nlp_module

    real = nlp_module.load_model
    loaded = session_engine.pipeline.nlp

    def load(name: str):
        return loaded if name == session_engine.pipeline.model_name else real(name)

    monkeypatch.setattr(nlp_module, "load_model", load)
