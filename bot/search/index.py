"""A persisted FAISS index over knowledge-base passages, with a manifest that guards it.

Directory layout (``search.index_dir``)::

    manifest.json   model id, dimension, index type, content hash per entry, row -> entry
    vectors.npy     one normalised float32 row per passage (the embedding cache)
    index.faiss     the FAISS index over those rows
    entries.jsonl   the entries themselves, so the action server needs nothing else

Exact inner product (``IndexFlatIP``) below ``hnsw_threshold`` rows, HNSW above it (or as
configured). Rebuilds reuse the vector of every passage whose text and model are unchanged,
so editing one entry re-embeds only that entry. Loading refuses an index made by another
model or in another format with an error that says how to fix it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import faiss
import numpy as np

from bot.search.embeddings import Embedder
from bot.search.kb import KBEntry
from bot.search.passages import Passage, passages_for

FORMAT_VERSION = 1
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
EMBED_BATCH = 32

Progress = Callable[[int], None]


class SearchIndexError(RuntimeError):
    """An index that is missing, broken or made for another model; the message says the fix."""


@dataclass
class Manifest:
    model_id: str
    dim: int
    index_type: str
    entries: Dict[str, str]
    rows: List[str]
    row_keys: List[str]
    built_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat())
    format: int = FORMAT_VERSION


@dataclass
class BuildStats:
    entries: int
    passages: int
    embedded: int
    reused: int


def choose_index_type(rows: int, configured: str, hnsw_threshold: int) -> str:
    """``flat`` (exact) for small indexes, ``hnsw`` above the threshold, unless configured."""
    if configured != "auto":
        return configured
    return "hnsw" if rows >= hnsw_threshold else "flat"


def _faiss_index(vectors: np.ndarray, index_type: str) -> faiss.Index:
    dim = vectors.shape[1]
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


class SearchIndex:
    """Entries, their passage vectors and a FAISS index that agree with one manifest."""

    def __init__(
        self,
        manifest: Manifest,
        vectors: np.ndarray,
        entries: Dict[str, KBEntry],
        index: Optional[faiss.Index] = None,
    ) -> None:
        self.manifest = manifest
        self.vectors = vectors
        self.entries = entries
        self.index = index if index is not None else _faiss_index(vectors, manifest.index_type)

    # building -------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        entries: Sequence[KBEntry],
        embedder: Embedder,
        previous: Optional["SearchIndex"] = None,
        index_type: str = "auto",
        hnsw_threshold: int = 20000,
        progress: Optional[Progress] = None,
    ) -> Tuple["SearchIndex", BuildStats]:
        """Embeds what changed since ``previous`` (if it used the same model) and indexes all."""
        passages: List[Passage] = [p for entry in entries for p in passages_for(entry)]
        keys = [p.key(embedder.model_id) for p in passages]
        cached: Dict[str, np.ndarray] = {}
        if previous is not None and previous.manifest.model_id == embedder.model_id:
            cached = dict(zip(previous.manifest.row_keys, previous.vectors))
        todo = [i for i, key in enumerate(keys) if key not in cached]
        vectors = np.zeros((len(passages), embedder.dim), dtype=np.float32)
        for start in range(0, len(todo), EMBED_BATCH):
            batch = todo[start : start + EMBED_BATCH]
            vectors[batch] = embedder.encode_passages([passages[i].text for i in batch])
            if progress:
                progress(len(batch))
        for i, key in enumerate(keys):
            if key in cached:
                vectors[i] = cached[key]
        manifest = Manifest(
            model_id=embedder.model_id,
            dim=embedder.dim,
            index_type=choose_index_type(len(passages), index_type, hnsw_threshold),
            entries={e.id: e.content_hash() for e in entries},
            rows=[p.entry_id for p in passages],
            row_keys=keys,
        )
        stats = BuildStats(len(entries), len(passages), len(todo), len(passages) - len(todo))
        return cls(manifest, vectors, {e.id: e for e in entries}), stats

    def upsert(self, changed: Iterable[KBEntry], embedder: Embedder) -> Tuple["SearchIndex", BuildStats]:
        """A new index with entries added or replaced by id; only they are embedded."""
        merged = dict(self.entries)
        merged.update({e.id: e for e in changed})
        return SearchIndex.build(list(merged.values()), embedder, previous=self,
                                 index_type=self.manifest.index_type)

    def delete(self, ids: Iterable[str]) -> "SearchIndex":
        """A new index without the given entry ids (no embedding needed)."""
        gone = set(ids)
        missing = gone - set(self.entries)
        if missing:
            raise KeyError(f"no entries with id {sorted(missing)}")
        keep = [i for i, entry_id in enumerate(self.manifest.rows) if entry_id not in gone]
        manifest = Manifest(
            model_id=self.manifest.model_id,
            dim=self.manifest.dim,
            index_type=self.manifest.index_type,
            entries={k: v for k, v in self.manifest.entries.items() if k not in gone},
            rows=[self.manifest.rows[i] for i in keep],
            row_keys=[self.manifest.row_keys[i] for i in keep],
        )
        entries = {k: v for k, v in self.entries.items() if k not in gone}
        return SearchIndex(manifest, self.vectors[keep], entries)

    # searching ------------------------------------------------------------------------
    def search(self, query: np.ndarray, k_entries: int) -> List[Tuple[str, float]]:
        """Best entries for one normalised query vector, each scored by its best passage."""
        total = self.index.ntotal
        if total == 0:
            return []
        wanted = min(total, max(k_entries * 8, 32))
        while True:
            scores, rows = self.index.search(query.reshape(1, -1).astype(np.float32), wanted)
            best: Dict[str, float] = {}
            for score, row in zip(scores[0], rows[0]):
                if row < 0:
                    continue
                entry_id = self.manifest.rows[row]
                if entry_id not in best or score > best[entry_id]:
                    best[entry_id] = float(score)
            if len(best) >= k_entries or wanted >= total:
                break
            wanted = min(total, wanted * 4)
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        return ranked[:k_entries]

    # persistence ----------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Writes all four files; the manifest last, so a crash never leaves a valid-looking half."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "manifest.json").unlink(missing_ok=True)
        np.save(directory / "vectors.npy", self.vectors)
        faiss.write_index(self.index, str(directory / "index.faiss"))
        with (directory / "entries.jsonl").open("w", encoding="utf-8") as out:
            for entry in self.entries.values():
                out.write(entry.json(by_alias=True, ensure_ascii=False) + "\n")
        tmp = directory / "manifest.json.tmp"
        tmp.write_text(json.dumps(asdict(self.manifest), ensure_ascii=False), encoding="utf-8")
        tmp.replace(directory / "manifest.json")

    @classmethod
    def load(cls, directory: Path, expected_model_id: Optional[str] = None) -> "SearchIndex":
        """Loads an index, refusing one that is incomplete or made by a different model."""
        manifest_path = directory / "manifest.json"
        if not manifest_path.exists():
            raise SearchIndexError(f"no search index in {directory}: run `coserve kb build`")
        try:
            manifest = Manifest(**json.loads(manifest_path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as error:
            raise SearchIndexError(f"{manifest_path} is unreadable ({error}): run `coserve kb build`") from error
        if manifest.format != FORMAT_VERSION:
            raise SearchIndexError(f"index format {manifest.format} is not {FORMAT_VERSION}: run `coserve kb build`")
        if expected_model_id and manifest.model_id != expected_model_id:
            raise SearchIndexError(
                f"the index in {directory} was built with {manifest.model_id!r} but the configured "
                f"embedder is {expected_model_id!r}: run `coserve kb build` to rebuild it"
            )
        vectors = np.load(directory / "vectors.npy")
        index = faiss.read_index(str(directory / "index.faiss"))
        if index.ntotal != len(manifest.rows) or vectors.shape != (len(manifest.rows), manifest.dim):
            raise SearchIndexError(f"the index in {directory} does not match its manifest: run `coserve kb build`")
        if manifest.index_type == "hnsw":
            faiss.downcast_index(index).hnsw.efSearch = HNSW_EF_SEARCH
        entries = {}
        with (directory / "entries.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                entry = KBEntry.parse_raw(line)
                entries[entry.id] = entry
        if set(entries) != set(manifest.entries):
            raise SearchIndexError(f"entries.jsonl in {directory} does not match its manifest: run `coserve kb build`")
        return cls(manifest, vectors, entries, index)
