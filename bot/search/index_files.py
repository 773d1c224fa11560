"""Swapping a whole index directory in one step, and finding it again after a crash.

``save`` writes into ``.<name>.new-*`` beside the target, renames the old directory to
``.<name>.old``, renames the new one into place and removes the old one. A crash between the
two renames leaves only ``.<name>.old``, which ``readable_directory`` then serves, so a
server restart never finds no index at all. The BM25 files are a cache of text: unreadable ones
are rebuilt rather than refused.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Optional, Sequence

from bot.search.lexical import LexicalIndex

logger = logging.getLogger(__name__)


def _backup(directory: Path) -> Path:
    return directory.parent / f".{directory.name}.old"


def replace_directory(directory: Path, write: Callable[[Path], None], owned: Sequence[str]) -> None:
    """Calls ``write(new_dir)`` and swaps it in for ``directory`` (refusing foreign files)."""
    directory = directory.resolve()
    if directory.exists():
        foreign = sorted(p.name for p in directory.iterdir() if p.name not in owned)
        if foreign:
            from bot.search.index import SearchIndexError

            raise SearchIndexError(
                f"{directory} holds files that are not part of a search index ({', '.join(foreign[:5])}); "
                "point search.index_dir at a directory of its own"
            )
    directory.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{directory.name}.new-", dir=directory.parent))
    backup = _backup(directory)
    try:
        write(fresh)
        shutil.rmtree(backup, ignore_errors=True)
        if directory.exists():
            directory.rename(backup)
        fresh.rename(directory)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(backup, ignore_errors=True)


def readable_directory(directory: Path) -> Path:
    """``directory``, or its backup when a save was interrupted between the two renames."""
    backup = _backup(directory)
    if not (directory / "manifest.json").exists() and (backup / "manifest.json").exists():
        return backup
    return directory


def load_lexical(directory: Path) -> Optional[LexicalIndex]:
    """The saved BM25 part, or None when missing or unreadable: it is rebuilt from text (cheap)."""
    try:
        return LexicalIndex.load(directory)
    except (OSError, ValueError, KeyError) as error:
        logger.warning("rebuilding the lexical index of %s from text: %s", directory, error)
        return None
