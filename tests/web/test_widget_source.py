"""Cheap guards on the widget's source: no HTML parsing of data, no eval, nothing from a CDN."""

from __future__ import annotations

import re

from .support import WIDGET_CSS, WIDGET_JS

SOURCE = WIDGET_JS.read_text(encoding="utf-8")
CODE = re.sub(r"/\*.*?\*/|^\s*//.*$", "", SOURCE, flags=re.S | re.M)  # without comments


def test_no_html_sinks_or_dynamic_code() -> None:
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "setAttribute(\"on", "srcdoc", "DOMParser", "createContextualFragment"):
        assert sink not in CODE, sink


def test_only_expected_absolute_urls() -> None:
    """The SVG namespace and the default server; no script, font or style from elsewhere."""
    urls = set(re.findall(r"""["'](https?://[^"']*)["']""", CODE))
    assert urls <= {"http://www.w3.org/2000/svg", "http://localhost:5005"}, urls
    assert not re.search(r"@import|url\(\s*['\"]?https?:", WIDGET_CSS.read_text(encoding="utf-8"))


def test_no_imports_or_framework() -> None:
    assert not re.search(r"^\s*(import|export)\s", CODE, re.M)
    assert "require(" not in CODE
