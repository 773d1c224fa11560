"""A knowledge-base entry as a card, in the person's language."""

from __future__ import annotations

from bot.i18n import t
from bot.render.response import Button, Card
from bot.search.kb import KBEntry

SUMMARY_CHARS = 120


def _one_line(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def card_for(entry: KBEntry, language: str) -> Card:
    """Every field a person may want; bot/render/style.py decides what each style shows."""
    buttons = [Button(t("more_info", language), entry.url)] if entry.url else []
    return Card(
        entry_id=entry.id,
        title=entry.title.get(language),
        summary=_one_line(entry.summary.get(language)),
        how_to_apply=_one_line(entry.how_to_apply.get(language)) if entry.how_to_apply else None,
        agency=entry.agency.get(language),
        url=entry.url,
        contact=entry.contact,
        buttons=buttons,
        eligibility=entry.eligibility.get(language) if entry.eligibility else None,
        documents=entry.documents.get(language),
        fees=entry.fees.get(language) if entry.fees else None,
    )
