"""The knowledge base: typed entries, and loading YAML files with errors that name the place.

A knowledge-base file is one service domain or agency (``knowledge_base/<name>.yml``)::

    domain: elderly_care          # one of bot.taxonomy.SERVICE_AREAS
    entries:
      - id: elderly-ltc-application
        title: {zh-TW: 長照服務申請, en: Applying for long-term care}
        summary: {zh-TW: ..., en: ...}
        ...

See docs/knowledge-base.md for every field. Loading is all-or-nothing: one bad entry
stops the load with a message naming the file and the entry, so an index is never built
from half a knowledge base.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from pydantic import BaseModel, Field, ValidationError, root_validator, validator

from bot.taxonomy import all_ids

# libyaml's loader is ~10x faster on an imported 1,800-entry file; same safe semantics.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,80}$")
CHANNELS = frozenset({"online", "counter", "phone", "mail", "app", "home_visit"})


class KnowledgeBaseError(ValueError):
    """A knowledge-base file that cannot be used; the message names file and entry."""


class Localized(BaseModel):
    """Text in Traditional Chinese (required) and English (optional: imported FAQs lack it)."""

    zh: str = Field(..., alias="zh-TW", min_length=1)
    en: Optional[str] = None

    class Config:
        allow_population_by_field_name = True
        extra = "forbid"

    def get(self, language: str) -> str:
        """The text in ``language``, falling back to Chinese when there is no English."""
        return self.en if language == "en" and self.en else self.zh

    def all_text(self) -> str:
        return "\n".join(t for t in (self.zh, self.en) if t)


def chinese(text: str) -> Localized:
    """Chinese-only text (imported FAQs, evaluation documents have no English)."""
    return Localized.parse_obj({"zh-TW": text})


class LocalizedList(BaseModel):
    """A list of short texts per language (documents, example questions)."""

    zh: List[str] = Field(default_factory=list, alias="zh-TW")
    en: List[str] = Field(default_factory=list)

    class Config:
        allow_population_by_field_name = True
        extra = "forbid"

    def get(self, language: str) -> List[str]:
        return self.en if language == "en" and self.en else self.zh

    def all_items(self) -> List[str]:
        return [*self.zh, *self.en]


class KBEntry(BaseModel):
    """One public service, as a citizen would need to know it."""

    id: str
    domain: str
    title: Localized
    summary: Localized
    body: Optional[Localized] = None
    eligibility: Optional[Localized] = None
    how_to_apply: Optional[Localized] = None
    documents: LocalizedList = Field(default_factory=LocalizedList)
    fees: Optional[Localized] = None
    agency: Localized
    contact: Optional[str] = None
    url: Optional[str] = None
    audiences: List[str] = Field(default_factory=lambda: ["general"])
    areas: List[str] = Field(default_factory=lambda: ["taipei"])
    channels: List[str] = Field(default_factory=list)
    tags: List[str] = Field(default_factory=list)
    example_questions: LocalizedList = Field(default_factory=LocalizedList)
    last_reviewed: Optional[dt.date] = None
    source: Optional[str] = None

    class Config:
        extra = "forbid"

    @validator("id")
    def _id_is_slug(cls, value: str) -> str:
        if not ENTRY_ID.match(value):
            raise ValueError(
                "id must be 2-81 characters of a-z, 0-9, '.', '_' or '-' and start with a "
                f"letter or digit, got {value!r}"
            )
        return value

    @validator("domain")
    def _known_domain(cls, value: str) -> str:
        return _check_vocabulary("service_area", [value])[0]

    @validator("audiences")
    def _known_audiences(cls, value: List[str]) -> List[str]:
        return _check_vocabulary("audience", value)

    @validator("areas", each_item=True)
    def _known_area(cls, value: str) -> str:
        city, _, district = value.partition("/")
        _check_vocabulary("city", [city])
        if district:
            _check_vocabulary("district", [district])
        return value

    @validator("channels", each_item=True)
    def _known_channel(cls, value: str) -> str:
        if value not in CHANNELS:
            raise ValueError(f"unknown channel {value!r}; use one of {sorted(CHANNELS)}")
        return value

    @validator("url")
    def _http_url(cls, value: Optional[str]) -> Optional[str]:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(f"url must start with https:// or http://, got {value!r}")
        return value

    @root_validator(skip_on_failure=True)
    def _has_content(cls, values: Dict) -> Dict:
        if not values["summary"].zh.strip():
            raise ValueError("summary.zh-TW is empty")
        return values

    def content_hash(self) -> str:
        """A hash of everything that is embedded, so rebuilds re-embed only changed entries."""
        payload = json.dumps(self.dict(by_alias=True), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _check_vocabulary(kind: str, values: List[str]) -> List[str]:
    known = all_ids()[kind]
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValueError(f"unknown {kind} {unknown}; known: {sorted(known)}")
    return values


def describe_error(error: ValidationError) -> str:
    """One line per field problem, without pydantic's noise."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"] if p != "__root__")
        parts.append(f"{where or 'entry'}: {item['msg']}")
    return "; ".join(parts)


def load_file(path: Path) -> List[KBEntry]:
    """Entries of one knowledge-base file; raises KnowledgeBaseError naming file and entry."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except yaml.YAMLError as error:
        raise KnowledgeBaseError(f"{path}: invalid YAML: {error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise KnowledgeBaseError(f"{path}: cannot read: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise KnowledgeBaseError(f"{path}: expected a mapping with 'domain' and a list 'entries'")
    domain = document.get("domain")
    entries = []
    for position, raw in enumerate(document["entries"], start=1):
        name = raw.get("id", "?") if isinstance(raw, dict) else "?"
        if not isinstance(raw, dict):
            raise KnowledgeBaseError(f"{path}: entry #{position} is not a mapping")
        try:
            entries.append(KBEntry(**{"domain": domain, **raw}))
        except ValidationError as error:
            raise KnowledgeBaseError(
                f"{path}: entry #{position} (id {name!r}): {describe_error(error)}"
            ) from error
    return entries


def load_directory(directory: Path) -> List[KBEntry]:
    """Every entry of every ``*.yml`` file in ``directory``, validated as one set."""
    files = sorted(directory.glob("*.yml")) + sorted(directory.glob("*.yaml"))
    if not files:
        raise KnowledgeBaseError(f"{directory}: no knowledge-base files (*.yml) found")
    entries: List[KBEntry] = []
    seen: Dict[str, str] = {}
    for path in files:
        for entry in load_file(path):
            if entry.id in seen:
                raise KnowledgeBaseError(
                    f"duplicate id {entry.id!r}: in {seen[entry.id]} and in {path}"
                )
            seen[entry.id] = str(path)
            entries.append(entry)
    return entries
