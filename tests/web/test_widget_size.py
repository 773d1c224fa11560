"""The widget stays small: everything one script tag pulls in, gzipped, within 50 KB."""

from __future__ import annotations

import importlib.util

from .support import PROJECT


def load_benchmark():
    spec = importlib.util.spec_from_file_location("widget_size", PROJECT / "benchmarks" / "widget_size.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_widget_is_within_the_gzip_budget() -> None:
    result = load_benchmark().measure()
    assert result["budget_gzip"] == 50 * 1024
    assert result["total_gzip"] <= result["budget_gzip"], result
    assert set(result["files"]) == {"web/coserve-widget.js", "web/coserve-widget.css"}
