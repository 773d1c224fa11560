"""A durable local queue for writes that could not reach the database.

When the database is down, a conversation must go on and what the person agreed to share
must not be lost, so the write is appended as one JSON line to a spool file and replayed, in
order, by ``InsightsStore.flush_spool()``. Everything in the spool is already redacted and
pseudonymous, exactly what the database would have held. Replay is at-least-once: a crash in
the middle of a flush can write an entry twice, never drop it. An entry the database refuses
for a reason other than being down is moved to ``<spool>.rejected.jsonl``, not deleted.
Processes share the file under an advisory lock (``<spool>.lock``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: single-process use only
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

DEFAULT_SPOOL_PATH = Path("var/spool/insights.jsonl")


@dataclass(frozen=True)
class SpoolEntry:
    """One write waiting for the database: an operation name and its JSON-ready data."""

    op: str
    data: Dict[str, Any]
    spooled_at: str

    def to_line(self) -> str:
        record = {"op": self.op, "data": self.data, "spooled_at": self.spooled_at}
        return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def _parse(line: str) -> Optional[SpoolEntry]:
    try:
        raw = json.loads(line)
        return SpoolEntry(op=str(raw["op"]), data=dict(raw["data"]), spooled_at=raw["spooled_at"])
    except (ValueError, KeyError, TypeError):
        return None


class Spool:
    """The spool file; every method takes the lock, so several workers can share it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.rejected_path = self.path.with_suffix(".rejected.jsonl")
        self._lock_path = self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a") as lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(lock, fcntl.LOCK_UN)

    def is_empty(self) -> bool:
        try:
            return self.path.stat().st_size == 0
        except OSError:
            return True

    def append(self, op: str, data: Mapping[str, Any]) -> None:
        """Adds one entry and syncs it to disk; raises OSError if the file cannot be written."""
        stamp = datetime.now(timezone.utc).isoformat()
        line = SpoolEntry(op=op, data=dict(data), spooled_at=stamp).to_line()
        with self._locked():
            with open(self.path, "a+", encoding="utf-8") as spool:
                if spool.tell() > 0 and not self._ends_with_newline():
                    line = "\n" + line  # a torn last line (crash mid-write) stays on its own
                spool.write(line)
                spool.flush()
                os.fsync(spool.fileno())

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as spool:
            spool.seek(-1, os.SEEK_END)
            return spool.read(1) == b"\n"

    def entries(self) -> List[SpoolEntry]:
        """The waiting entries, oldest first (unreadable lines left out)."""
        if self.is_empty():
            return []
        with self._locked():
            lines = self.path.read_text(encoding="utf-8").splitlines()
        return [entry for entry in map(_parse, lines) if entry is not None]

    def about(self, person: str) -> List[SpoolEntry]:
        """The waiting entries about one person."""
        return [entry for entry in self.entries() if entry.data.get("person") == person]

    def remove_person(self, person: str) -> int:
        """Drops every waiting entry about ``person`` (for "forget me"); returns how many."""
        if self.is_empty():
            return 0
        with self._locked():
            lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
            keep = [line for line in lines if getattr(_parse(line), "data", {}).get("person") != person]
            if len(keep) != len(lines):
                self._rewrite(keep)
        return len(lines) - len(keep)

    def replay(
        self,
        apply: Callable[[SpoolEntry], None],
        is_transient: Callable[[BaseException], bool],
    ) -> int:
        """Applies entries in order until one fails transiently; returns how many were done.

        The rest stay in the spool, in order, for the next attempt.
        """
        if self.is_empty():
            return 0
        with self._locked():
            lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
            done = 0
            remaining: List[str] = []
            for index, line in enumerate(lines):
                entry = _parse(line)
                if entry is None:
                    if line.strip():
                        self._reject(line, "unreadable line")
                    continue
                try:
                    apply(entry)
                except Exception as error:  # noqa: BLE001 - sorted into transient or rejected
                    if is_transient(error):
                        remaining = lines[index:]
                        break
                    self._reject(entry.to_line(), type(error).__name__)
                    continue
                done += 1
            self._rewrite(remaining)
        return done

    def _rewrite(self, lines: List[str]) -> None:
        if not lines:
            with open(self.path, "w", encoding="utf-8"):
                return
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as spool:
            spool.writelines(line if line.endswith("\n") else line + "\n" for line in lines)
            spool.flush()
            os.fsync(spool.fileno())
        os.replace(temporary, self.path)

    def _reject(self, line: str, reason: str) -> None:
        log.error("insights spool: entry rejected (%s); kept in %s", reason, self.rejected_path)
        with open(self.rejected_path, "a", encoding="utf-8") as rejected:
            rejected.write(line if line.endswith("\n") else line + "\n")
