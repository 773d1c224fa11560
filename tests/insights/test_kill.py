"""SIGKILL in the middle of an ingest loses no acknowledged record, on both backends.

"Acknowledged" means the writer printed ``ack <n>`` for it, which it does only after
``record_need`` returned: STORED (the transaction committed) or SPOOLED (the line was
fsynced to the spool, replayed by ``flush_spool``). A record being written when the kill
lands may or may not be there; it was never acknowledged, so either is correct.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import List

from sqlalchemy import select

from bot.insights import schema as t
from bot.insights.store import InsightsStore
from bot.settings import PROJECT_ROOT

WRITER = """
import sys
from bot.insights.store import InsightsStore
from bot.privacy.pseudonym import pseudonymous_id

url, spool, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = InsightsStore(url, spool_path=spool, retry_after=0.2)
store.migrate()
person = pseudonymous_id("kill-test-key", "rest", "writer")
store.grant(person, "insights", "kill-test")
for number in range(first, first + 100000):
    result = store.record_need(person, category="tax", free_text=f"kill-test-{number}")
    if result.status.value in ("stored", "spooled"):
        print(f"ack {number} {result.status.value}", flush=True)
"""


def ingest_until_killed(url: str, spool: Path, first: int, acks: int) -> List[int]:
    """Starts a writer, reads ``acks`` acknowledgements, SIGKILLs it; returns what it acked."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url, str(spool), str(first)],
                              stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT, env=env)
    acknowledged: List[int] = []
    try:
        assert writer.stdout is not None
        for line in writer.stdout:
            if line.startswith("ack "):
                acknowledged.append(int(line.split()[1]))
            if len(acknowledged) >= acks:
                break
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    return acknowledged


def test_no_acknowledged_record_is_lost(store: InsightsStore, tmp_path: Path) -> None:
    spool = tmp_path / "spool.jsonl"
    first = ingest_until_killed(store.db.url, spool, 0, 120)
    second = ingest_until_killed(store.db.url, spool, 1000, 80)  # restarted after the kill
    assert len(first) == 120 and len(second) == 80
    reopened = InsightsStore(store.db.url, spool_path=spool)
    reopened.flush_spool()
    with reopened.engine.connect() as connection:
        texts = {row[0] for row in connection.execute(select(t.needs.c.free_text))}
    reopened.close()
    lost = [n for n in first + second if f"kill-test-{n}" not in texts]
    assert lost == []
