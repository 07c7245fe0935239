"""One engine per written standard a study holds, loaded once, and the choice for each text.

``StandardEngines.from_settings`` loads an engine for every code of ``project.standards`` (or
the one of ``--lang`` / ``project.language``), all numbering through the same key store, so a
person is one number whichever standard a transcript is in. ``choose`` picks the engine for a
transcript (``anonymizer.language.standard`` says how) and returns the choice to record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from anonymizer.engine.engine import Engine
from anonymizer.keys.keystore import InMemoryKeyStore, KeyStore
from anonymizer.language.standard import StandardChoice, Standards, StandardSource
from anonymizer.rulebook import default_rules_dir
from anonymizer.settings import Settings


@dataclass(frozen=True)
class StandardEngines:
    standards: Standards
    engines: Mapping[str, Engine]
    option: bool = False  # the standard was given for the run (--lang)

    @classmethod
    def single(cls, engine: Engine, *, option: bool = False) -> StandardEngines:
        return cls(Standards.single(engine.language), {engine.language: engine}, option)

    @classmethod
    def from_settings(cls, settings: Settings, *, language: str | None = None,
                      keystore: KeyStore | None = None) -> StandardEngines:
        keystore = keystore or InMemoryKeyStore()
        if language is not None or len(settings.project.standards) < 2:
            engine = Engine.from_settings(settings, language=language, keystore=keystore)
            return cls.single(engine, option=language is not None)
        rules_dir = settings.rules.dir or default_rules_dir()
        standards = Standards.load(rules_dir, settings.project.standards,
                                   settings.project.language)
        engines = {code: Engine.from_settings(settings, language=code, keystore=keystore)
                   for code in standards.codes}
        return cls(standards, engines)

    @property
    def default(self) -> Engine:
        return self.engines[self.standards.fallback]

    def named(self, file_name: str) -> str | None:
        return self.standards.named(file_name)

    def choose(self, text: str, *, named: str | None = None) -> tuple[Engine, StandardChoice]:
        if self.option:
            return self.default, StandardChoice(self.standards.fallback, StandardSource.OPTION)
        choice = self.standards.choose(text, named=named)
        return self.engines[choice.code], choice
