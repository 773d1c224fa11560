"""Requests the dashboard refuses, with a message the staff member can act on."""

from __future__ import annotations

from typing import Any

from bot.dashboard.text import translate


class Refusal(Exception):
    """A refused request: ``status`` for the response, ``key`` names the text in text.py."""

    def __init__(self, key: str, status: int = 400, **values: Any) -> None:
        super().__init__(key)
        self.key, self.status, self.values = key, status, values

    def message(self, language: str) -> str:
        values = dict(self.values)
        if "field" in values:  # the name of a form field, itself a text key
            values["field"] = translate(values["field"], language)
        return translate(self.key, language, **values)
