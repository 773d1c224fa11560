"""Inline SVG charts drawn on the server: bars for totals, lines for weekly trends.

No script and no chart library, so pages work under a strict Content-Security-Policy and
offline. Colours come from CSS classes (``static/dashboard.css``, checked for contrast);
lines differ by dash pattern and marker too, so colour is never the only cue. Every chart
is labelled by its caption and followed by a data table in the template, the text
alternative screen readers use.
"""

from __future__ import annotations

import math
from datetime import date
from html import escape
from typing import List, Sequence, Tuple

from markupsafe import Markup

SERIES = 5  # classes series-0 … series-4 in dashboard.css
MARKERS = ("circle", "square", "diamond", "triangle", "cross")


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ at least ``value`` (1 for nothing), for axis tops."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def bar_chart(items: Sequence[Tuple[str, float]], labelled_by: str) -> Markup:
    """Horizontal bars with their labels and values; ``labelled_by`` is the caption's id."""
    if not items:
        return Markup("")
    row, label_width, span, width = 26, 190, 300, 540  # drawn about 1:1 in a half-width card
    top = max(value for _, value in items) or 1
    height = row * len(items) + 6
    parts = []
    for index, (label, value) in enumerate(items):
        y, length = row * index + 4, span * value / top
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{length:.1f}" height="18"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 14}">{value:g}</text>')
    return Markup(f'<svg class="chart bars" role="img" aria-labelledby="{escape(labelled_by)}" '
                  f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">{"".join(parts)}</svg>')


def _marker(kind: str, x: float, y: float) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5"/>'
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7"/>'
    if kind == "diamond":
        return f'<path d="M{x:.1f} {y - 4.5:.1f}l4.5 4.5l-4.5 4.5l-4.5-4.5z"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f} {y - 4.5:.1f}l4.5 8h-9z"/>'
    return f'<path d="M{x - 4:.1f} {y - 4:.1f}l8 8m0-8l-8 8" class="cross"/>'


def line_chart(weeks: Sequence[date], series: Sequence[Tuple[str, Sequence[float]]],
               labelled_by: str) -> Markup:
    """One line per series over ``weeks`` (at most ``SERIES``), a value axis from 0, week
    labels as month/day, and a legend naming each line with its marker."""
    if not weeks or not series:
        return Markup("")
    left, right, top, bottom, width, height = 44, 16, 12, 36, 960, 260
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling = nice_ceiling(max((max(values, default=0) for _, values in series), default=0))
    step_x = plot_w / max(1, len(weeks) - 1)

    def x(index: int) -> float:
        return left + index * step_x

    def y(value: float) -> float:
        return top + plot_h * (1 - value / ceiling)

    parts: List[str] = []
    for tick in range(5):
        value = ceiling * tick / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(value):.1f}" '
                     f'y2="{y(value):.1f}"/><text x="{left - 6}" y="{y(value) + 4:.1f}" '
                     f'text-anchor="end">{value:g}</text>')
    every = max(1, math.ceil(len(weeks) / 8))
    for index in range(0, len(weeks), every):
        parts.append(f'<text x="{x(index):.1f}" y="{height - 14}" text-anchor="middle">'
                     f'{weeks[index].strftime("%m/%d")}</text>')
    legend = []
    for number, (label, values) in enumerate(series[:SERIES]):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        marks = "".join(_marker(MARKERS[number], x(i), y(v)) for i, v in enumerate(values))
        parts.append(f'<g class="series-{number}"><polyline points="{points}"/>{marks}</g>')
        legend.append(f'<li><svg class="key series-{number}" viewBox="0 0 28 12" width="28" '
                      f'height="12" aria-hidden="true"><polyline points="0,6 28,6"/>'
                      f'{_marker(MARKERS[number], 14, 6)}</svg>{escape(label)}</li>')
    return Markup(f'<svg class="chart lines" role="img" aria-labelledby="{escape(labelled_by)}" '
                  f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
                  f'{"".join(parts)}</svg><ul class="legend">{"".join(legend)}</ul>')
