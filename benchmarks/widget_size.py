"""Widget size budget: what a browser downloads for the chat widget, raw and gzipped.

    .venv/bin/python benchmarks/widget_size.py

Counts every file the one ``<script>`` tag pulls in (the script and the stylesheet it
links), gzipped at level 9 as bot/web.py serves them. Writes
benchmarks/results/widget_size.json and exits 1 when the gzipped total is over the budget.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Dict

ROOT = Path(__file__).resolve().parent.parent
WIDGET_FILES = (ROOT / "web" / "coserve-widget.js", ROOT / "web" / "coserve-widget.css")
BUDGET_GZIP_BYTES = 50 * 1024
RESULTS = ROOT / "benchmarks" / "results" / "widget_size.json"


def measure() -> Dict[str, object]:
    """Raw and gzipped bytes per file and in total, with the budget."""
    files = {}
    for path in WIDGET_FILES:
        body = path.read_bytes()
        files[str(path.relative_to(ROOT))] = {"raw": len(body), "gzip": len(gzip.compress(body, 9, mtime=0))}
    total_gzip = sum(f["gzip"] for f in files.values())
    return {
        "files": files,
        "total_raw": sum(f["raw"] for f in files.values()),
        "total_gzip": total_gzip,
        "budget_gzip": BUDGET_GZIP_BYTES,
        "within_budget": total_gzip <= BUDGET_GZIP_BYTES,
    }


def main() -> int:
    result = measure()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, sizes in result["files"].items():  # type: ignore[union-attr]
        print(f"{name:32} {sizes['raw']:>8,} B raw {sizes['gzip']:>8,} B gzip")
    print(f"{'total':32} {result['total_raw']:>8,} B raw {result['total_gzip']:>8,} B gzip"
          f"  (budget {BUDGET_GZIP_BYTES:,} B gzip) -> {RESULTS.relative_to(ROOT)}")
    return 0 if result["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
