"""WCAG AA contrast of the widget's colour pairs, from the custom properties in its stylesheet.

Text needs 4.5:1 against its background; borders, focus rings and the typing dots (non-text
UI, WCAG 1.4.11) need 3:1. test_widget.py also measures the text as rendered in Chromium.
"""

from __future__ import annotations

import pytest

from .support import WIDGET_CSS, contrast_ratio, css_palette, hex_rgb

TEXT = 4.5
UI = 3.0
PAIRS = [
    ("text", "bg", TEXT),
    ("text", "bot-bg", TEXT),
    ("text", "card-bg", TEXT),
    ("muted", "bg", TEXT),  # placeholder and notices
    ("muted", "bot-bg", TEXT),
    ("on-primary", "primary", TEXT),  # header, user bubbles, send button, launcher
    ("on-primary", "primary-dark", TEXT),  # the same, hovered or pressed
    ("primary", "bg", TEXT),  # links and quick-reply buttons
    ("primary", "card-bg", TEXT),
    ("status-text", "status-bg", TEXT),
    ("border", "bg", UI),
    ("focus", "bg", UI),
    ("focus", "bot-bg", UI),
    ("focus-on-primary", "primary", UI),
    ("primary-dark", "bg", UI),  # the launcher's focus ring against the page
]


@pytest.fixture(scope="module")
def palette() -> dict:
    return css_palette(WIDGET_CSS.read_text(encoding="utf-8"))


def test_the_ratio_formula_matches_known_values() -> None:
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast_ratio((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio((11, 92, 173), (11, 92, 173)) == 1


def test_every_pair_names_a_declared_colour(palette: dict) -> None:
    for foreground, background, _ in PAIRS:
        assert foreground in palette and background in palette


@pytest.mark.parametrize("foreground, background, minimum", PAIRS)
def test_pair_meets_wcag_aa(palette: dict, foreground: str, background: str, minimum: float) -> None:
    ratio = contrast_ratio(hex_rgb(palette[foreground]), hex_rgb(palette[background]))
    assert ratio >= minimum, f"--cw-{foreground} on --cw-{background}: {ratio:.2f}:1 < {minimum}:1"
