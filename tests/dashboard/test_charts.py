"""Charts: escaped labels, accessible names, every series told apart, colours with AA contrast."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from web.support import contrast_ratio, hex_rgb

from bot.dashboard.charts import MARKERS, bar_chart, line_chart, nice_ceiling

CSS = Path(__file__).resolve().parents[2] / "bot" / "dashboard" / "static" / "dashboard.css"
TEXT, UI = 4.5, 3.0
PAIRS = [("text", "bg", TEXT), ("text", "page", TEXT), ("muted", "bg", TEXT), ("muted", "page", TEXT),
         ("primary", "bg", TEXT), ("on-primary", "primary", TEXT), ("on-primary", "primary-dark", TEXT),
         ("status-text", "status-bg", TEXT), ("done-text", "done-bg", TEXT), ("border", "bg", UI),
         ("primary", "page", UI)] + [(f"series-{n}", "bg", UI) for n in range(len(MARKERS))]


def palette() -> dict:
    return dict(re.findall(r"--d-([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\s*;", CSS.read_text("utf-8")))


@pytest.mark.parametrize("foreground, background, minimum", PAIRS)
def test_colours_meet_wcag_aa(foreground: str, background: str, minimum: float) -> None:
    colours = palette()
    ratio = contrast_ratio(hex_rgb(colours[foreground]), hex_rgb(colours[background]))
    assert ratio >= minimum, f"--d-{foreground} on --d-{background}: {ratio:.2f}:1"


@pytest.mark.parametrize("value, ceiling", [(0, 1), (0.4, 0.5), (7, 10), (10, 10), (11, 20), (130, 200),
                                            (501, 1000)])
def test_axis_tops_are_round(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == pytest.approx(ceiling)


def test_bars_escape_labels_and_are_named_by_their_caption() -> None:
    svg = str(bar_chart([("<script>x</script>", 12), ("大安區", 6)], "districts-title"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'role="img" aria-labelledby="districts-title"' in svg
    widths = [float(w) for w in re.findall(r'class="bar"[^>]*width="([\d.]+)"', svg)]
    assert widths == [300.0, 150.0] and 'viewBox="0 0 540 58"' in svg


def test_lines_differ_by_class_and_marker_and_have_a_legend() -> None:
    weeks = [date(2026, 11, 2) + timedelta(weeks=i) for i in range(3)]
    series = [(f"area {n}", [n, n + 1, n + 2]) for n in range(6)]
    html = str(line_chart(weeks, series, "trend-title"))
    assert html.count("<polyline") == 2 * 5  # five lines (at most) plus five legend keys
    assert [f"series-{n}" in html for n in range(6)] == [True] * 5 + [False]
    assert html.count("<li>") == 5 and "11/02" in html and "11/16" in html


def test_nothing_to_draw_draws_nothing() -> None:
    assert str(bar_chart([], "x")) == "" and str(line_chart([], [("a", [])], "x")) == ""
