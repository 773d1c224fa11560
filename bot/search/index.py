"""A persisted FAISS + BM25 index over knowledge-base passages, guarded by a manifest.

Directory layout (``search.index_dir``; the directory belongs to the index)::

    manifest.json             model id, dimension, index type, content hash per entry, row -> entry
    vectors.npy               one normalised float32 row per passage (the embedding cache)
    index.faiss               the FAISS index over those rows
    lexical.npz, lexical-vocabulary.json   BM25 weights per entry (see bot.search.lexical)
    entries.jsonl             the entries themselves, so the action server needs nothing else

Exact inner product (``IndexFlatIP``) below ``hnsw_threshold`` rows, HNSW above it (or as
configured). Rebuilds reuse the vector of every passage whose text and model are unchanged,
so editing one entry re-embeds only that entry; the BM25 part is recomputed from text (cheap).
Saving writes a fresh directory and swaps it in, so readers never see half an index.
Loading refuses an index made by another model or in another format, saying how to fix it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import faiss
import numpy as np
from threadpoolctl import ThreadpoolController

from bot.search.embeddings import Embedder
from bot.search.kb import KBEntry
from bot.search.lexical import LEXICAL_VERSION, LexicalIndex
from bot.search.passages import Passage, lexical_text, passages_for
from bot.search.ranking import Candidate, best_by_entry, entry_max, fuse

FORMAT_VERSION = 2
# Format 1 (before the lexical part) loads too: its BM25 part is rebuilt from entries.jsonl.
READABLE_FORMATS = (1, 2)
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
EMBED_BATCH = 64  # passages per embedder call between progress-bar updates
FILES = (
    "manifest.json",
    "vectors.npy",
    "index.faiss",
    "lexical.npz",
    "lexical-vocabulary.json",
    "entries.jsonl",
)

Progress = Callable[[int], None]


@functools.cache
def _blas() -> ThreadpoolController:
    """One query's matrix-vector product runs on one BLAS thread. With more, OpenBLAS's
    workers spin after each product and take the cores the query embedder's OpenMP threads
    need next: on 2 cores that tripled the search p95 (107 → 38 ms, docs/search.md)."""
    return ThreadpoolController()


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
    lexical: str = LEXICAL_VERSION


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
    """Entries, their passage vectors, a FAISS and a BM25 index that agree with one manifest."""

    def __init__(
        self,
        manifest: Manifest,
        vectors: np.ndarray,
        entries: Dict[str, KBEntry],
        index: Optional[faiss.Index] = None,
        lexical: Optional[LexicalIndex] = None,
    ) -> None:
        self.manifest = manifest
        self.vectors = vectors
        self.entries = entries
        self.index = index if index is not None else _faiss_index(vectors, manifest.index_type)
        # Entry order = the order of first appearance in the passage rows (passages are contiguous).
        rows = manifest.rows
        self.starts = np.array([i for i, e in enumerate(rows) if i == 0 or rows[i - 1] != e], dtype=np.int64)
        self.order: List[str] = [rows[i] for i in self.starts]
        self.position: Dict[str, int] = {entry_id: i for i, entry_id in enumerate(self.order)}
        self.lexical = (
            lexical
            if lexical is not None
            else LexicalIndex.build([lexical_text(entries[e]) for e in self.order])
        )

    # building -------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        entries: Sequence[KBEntry],
        embedder: Embedder,
        previous: Optional[SearchIndex] = None,
        index_type: str = "auto",
        hnsw_threshold: int = 20000,
        progress: Optional[Progress] = None,
    ) -> Tuple[SearchIndex, BuildStats]:
        """Embeds what changed since ``previous`` (if it used the same model) and indexes all.

        Identical passage texts (shared boilerplate) are embedded once.
        """
        passages: List[Passage] = [p for entry in entries for p in passages_for(entry)]
        keys = [p.key(embedder.model_id) for p in passages]
        cached: Dict[str, np.ndarray] = {}
        if previous is not None and previous.manifest.model_id == embedder.model_id:
            cached = dict(zip(previous.manifest.row_keys, previous.vectors, strict=False))
        first: Dict[str, int] = {}
        for i, key in enumerate(keys):
            if key not in cached:
                first.setdefault(key, i)
        todo = sorted(first.values(), key=lambda i: len(passages[i].text))
        for start in range(0, len(todo), EMBED_BATCH):
            batch = todo[start : start + EMBED_BATCH]
            for i, vector in zip(
                batch, embedder.encode_passages([passages[i].text for i in batch]), strict=False
            ):
                cached[keys[i]] = vector
            if progress:
                progress(len(batch))
        vectors = np.zeros((len(passages), embedder.dim), dtype=np.float32)
        for i, key in enumerate(keys):
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

    def upsert(self, changed: Iterable[KBEntry], embedder: Embedder) -> Tuple[SearchIndex, BuildStats]:
        """A new index with entries added or replaced by id; only they are embedded."""
        merged = dict(self.entries)
        merged.update({e.id: e for e in changed})
        return SearchIndex.build(
            list(merged.values()), embedder, previous=self, index_type=self.manifest.index_type
        )

    def delete(self, ids: Iterable[str]) -> SearchIndex:
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
    def dense_scores(self, query: np.ndarray, k_entries: int) -> Tuple[np.ndarray, Optional[float]]:
        """Best-passage cosine per entry (in ``order``); NaN where HNSW did not reach, plus its floor."""
        if self.manifest.index_type != "hnsw":
            with _blas().limit(limits=1, user_api="blas"):
                passage_scores = self.vectors @ query.astype(np.float32)
            return entry_max(passage_scores, self.starts), None
        total = self.index.ntotal
        wanted = min(total, max(k_entries * 8, 64))
        scores, rows = self.index.search(query.reshape(1, -1).astype(np.float32), wanted)
        best = best_by_entry(self.manifest.rows, rows[0], scores[0])
        dense = np.full(len(self.order), np.nan, dtype=np.float32)
        for entry_id, score in best.items():
            dense[self.position[entry_id]] = score
        floor = float(scores[0][rows[0] >= 0].min()) if (rows[0] >= 0).any() else 0.0
        return dense, floor

    def rank(
        self, query: np.ndarray, text: str, k_entries: int, lexical_weight: float = 0.0
    ) -> List[Candidate]:
        """The best entries for a query vector and its text: dense cosine + weighted BM25."""
        if self.index.ntotal == 0:
            return []
        dense, floor = self.dense_scores(query, k_entries)
        lexical = self.lexical.relevance(text) if lexical_weight else None
        return fuse(self.order, dense, lexical, lexical_weight, k_entries, floor)

    def search(self, query: np.ndarray, k_entries: int) -> List[Tuple[str, float]]:
        """Best entries by dense score alone, each scored by its best passage."""
        return [(c.entry_id, c.dense) for c in self.rank(query, "", k_entries, 0.0)]

    # persistence ----------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Writes a complete new directory beside ``directory`` and swaps it in."""
        from bot.search.index_files import replace_directory

        def write(target: Path) -> None:
            np.save(target / "vectors.npy", self.vectors)
            faiss.write_index(self.index, str(target / "index.faiss"))
            self.lexical.save(target)
            with (target / "entries.jsonl").open("w", encoding="utf-8") as out:
                for entry in self.entries.values():
                    out.write(entry.json(by_alias=True, ensure_ascii=False) + "\n")
            (target / "manifest.json").write_text(
                json.dumps(asdict(self.manifest), ensure_ascii=False), encoding="utf-8"
            )

        replace_directory(directory, write, FILES)

    @classmethod
    def load(cls, directory: Path, expected_model_id: Optional[str] = None) -> SearchIndex:
        """Loads an index, refusing one that is incomplete or made by a different model."""
        from bot.search.index_files import load_lexical, readable_directory

        directory = readable_directory(directory)
        manifest_path = directory / "manifest.json"
        if not manifest_path.exists():
            raise SearchIndexError(f"no search index in {directory}: run `coserve kb build`")
        try:
            manifest = Manifest(**json.loads(manifest_path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as error:
            raise SearchIndexError(
                f"{manifest_path} is unreadable ({error}): run `coserve kb build`"
            ) from error
        if manifest.format not in READABLE_FORMATS:
            raise SearchIndexError(
                f"index format {manifest.format} is not one of {READABLE_FORMATS}: run `coserve kb build`"
            )
        if expected_model_id and manifest.model_id != expected_model_id:
            raise SearchIndexError(
                f"the index in {directory} was built with {manifest.model_id!r} but the configured "
                f"embedder is {expected_model_id!r}: run `coserve kb build` to rebuild it"
            )
        try:
            vectors = np.load(directory / "vectors.npy")
            index = faiss.read_index(str(directory / "index.faiss"))
            current = manifest.format == FORMAT_VERSION and manifest.lexical == LEXICAL_VERSION
            lexical = load_lexical(directory) if current else None  # None: rebuilt from text
            entries = {}
            with (directory / "entries.jsonl").open(encoding="utf-8") as lines:
                for line in lines:
                    entry = KBEntry.parse_raw(line)
                    entries[entry.id] = entry
        except (OSError, ValueError, KeyError, RuntimeError) as error:
            raise SearchIndexError(
                f"the index in {directory} is damaged ({error}): run `coserve kb build`"
            ) from error
        if index.ntotal != len(manifest.rows) or vectors.shape != (len(manifest.rows), manifest.dim):
            raise SearchIndexError(
                f"the index in {directory} does not match its manifest: run `coserve kb build`"
            )
        if set(entries) != set(manifest.entries) or (lexical is not None and len(lexical) != len(entries)):
            raise SearchIndexError(
                f"entries in {directory} do not match its manifest: run `coserve kb build`"
            )
        if manifest.index_type == "hnsw":
            faiss.downcast_index(index).hnsw.efSearch = HNSW_EF_SEARCH
        return cls(manifest, vectors, entries, index, lexical)
