"""Unmet-need clusters: grouping, suppression, medoid examples and labels."""

from __future__ import annotations

from datetime import date, timedelta
from typing import List

import numpy as np

from bot.insights.aggregate import Period
from bot.insights.clusters import (
    Mention,
    area_matrix,
    cluster_mentions,
    leader_clusters,
    rising_clusters,
    terms_of,
    unmet_needs,
)
from bot.insights.store import InsightsStore
from bot.search.embeddings import Embedder

from .support import Clock
from .test_aggregate import DAY, MONDAY, TODAY, FakeEncoder, need, people

K = 5


def mentions(text: str, count: int, prefix: str, day: int = DAY) -> List[Mention]:
    return [Mention(text, f"{prefix}{i}", day) for i in range(count)]


def test_leader_clustering_groups_by_threshold() -> None:
    vectors = np.asarray([[1, 0], [0.99, 0.14], [0, 1], [0.1, 0.99]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert leader_clusters(vectors, 0.95) == [[0, 1], [2, 3]]
    assert leader_clusters(vectors, 0.999) == [[0], [1], [2], [3]]


def test_clusters_below_k_people_are_not_published() -> None:
    said = (mentions("寵物過世要怎麼申請火化", 4, "a") + mentions("寵物過世怎麼申請火化", 2, "b")
            + mentions("公園晚上太吵要找誰", 3, "c") + mentions("公園晚上太吵要找誰", 3, "c"))
    found = cluster_mentions(said, "search", FakeEncoder(), K, threshold=0.6)
    assert [(c.people, c.records) for c in found] == [(6, 6)]  # 3 people saying it twice: too few
    (pets,) = found
    assert pets.example == "寵物過世要怎麼申請火化" and pets.cluster_id == "search-1"
    assert pets.weekly == {date(2026, 11, 2): 6}


def test_label_terms_need_k_people_and_example_prefers_shared_texts() -> None:
    said = (mentions("獨居長輩送餐服務", 2, "a") + mentions("獨居長輩送餐服務 王大明", 1, "b")
            + mentions("獨居長輩送餐", 3, "c"))
    (cluster,) = cluster_mentions(said, "search", FakeEncoder(), K, threshold=0.5)
    assert "王大明" not in cluster.terms and "王大明" not in cluster.example
    assert cluster.people == 6 and cluster.example in ("獨居長輩送餐服務", "獨居長輩送餐")
    assert cluster.label("zh-TW").endswith(", ".join(cluster.terms))
    assert terms_of("請問 [phone] 獨居長輩送餐 2026") == {"獨居", "長輩", "送餐"}


def test_rising_clusters_hide_weeks_below_k() -> None:
    said = mentions("夜間托育補助", 3, "a", DAY) + mentions("夜間托育補助", 8, "b", DAY + 7)
    (cluster,) = cluster_mentions(said, "search", FakeEncoder(), K, threshold=0.5)
    weeks = [date(2026, 11, 2), date(2026, 11, 9)]
    (item,) = rising_clusters([cluster], weeks, K)
    assert (item["previous"], item["current"], item["change"]) == (None, 8, None)


def test_unmet_needs_from_the_store(store: InsightsStore, clock: Clock) -> None:
    crowd = people(store, 6)
    clock.now = MONDAY
    for person in crowd:
        store.record_search(person, "電動機車充電站申請", answered=False)
        store.record_search(person, "垃圾車時間", answered=True)
        need(store, clock, person, MONDAY + timedelta(hours=1), fit_rating="not_at_all",
             free_text="需要夜間托育", matched_service_ids=["childcare/x"])
    for _ in range(3):
        store.record_search(None, "電動機車充電站申請", answered=False)
    period = Period.covering(date(2026, 11, 2), date(2026, 11, 8), today=TODAY)
    with store.engine.connect() as connection:
        found = unmet_needs(connection, period, FakeEncoder(), K)
    assert [(c.source, c.example, c.people) for c in found] == [
        ("search", "電動機車充電站申請", 9), ("fit", "需要夜間托育", 6)]


def test_real_embedder_groups_paraphrases(embedder: Embedder) -> None:
    said = (mentions("寵物過世要怎麼申請火化", 3, "a") + mentions("請問寵物過世怎麼申請火化", 3, "b")
            + mentions("how do I cremate my pet", 1, "c")
            + mentions("社會住宅抽籤結果去哪查", 5, "d") + mentions("社會住宅抽籤結果在哪裡查詢", 2, "e"))
    found = cluster_mentions(said, "search", embedder, K, area_vectors=area_matrix(embedder))
    pets = [c for c in found if "寵物" in c.example]
    assert len(pets) == 1 and pets[0].people >= 6
    housing = next(c for c in found if c.example.startswith("社會住宅"))
    assert housing.label("zh-TW") and housing.area
