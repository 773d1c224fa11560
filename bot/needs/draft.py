"""A need as the dialogue collects it, and the one-paragraph summary read back to the person.

Kept free of Rasa so the summary (what a person confirms) is tested on its own and reused by
the hand-off summary for staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from bot.taxonomy import AUDIENCES, CITIES, SERVICE_AREAS, TAIPEI_DISTRICTS, label

BENEFICIARY = ("self", "family")
URGENCY = {
    "urgent": {"zh-TW": "情況很急", "en": "it is urgent"},
    "soon": {"zh-TW": "希望幾週內處理", "en": "it is needed within a few weeks"},
    "not_urgent": {"zh-TW": "不急", "en": "it is not urgent"},
}
CONTACT = {
    "chat": {"zh-TW": "在這裡回覆您", "en": "reply here in the chat"},
    "line": {"zh-TW": "用 LINE 聯絡您", "en": "contact you on LINE"},
    "telegram": {"zh-TW": "用 Telegram 聯絡您", "en": "contact you on Telegram"},
    "phone": {"zh-TW": "打電話給您", "en": "phone you"},
    "email": {"zh-TW": "寄 e-mail 給您", "en": "e-mail you"},
    "none": {"zh-TW": "不需要主動聯絡", "en": "no need to contact you"},
}


def split_area(area: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """``taipei/daan`` -> ("taipei", "daan"); unknown or "unspecified" -> (None, None)."""
    if not area or area == "unspecified":
        return None, None
    city, _, district = area.partition("/")
    return city, district or None


def area_label(area: Optional[str], language: str) -> Optional[str]:
    """``taipei/daan`` -> 臺北市大安區 / Da'an District, Taipei City; ``taipei`` -> 臺北市."""
    if not area or area == "unspecified":
        return None
    city, _, district = area.partition("/")
    city_label = label(CITIES, city, language)
    if not district:
        return city_label
    district_label = label(TAIPEI_DISTRICTS, district, language)
    return f"{city_label}{district_label}" if language != "en" else f"{district_label}, {city_label}"


@dataclass
class NeedDraft:
    text: str
    category: Optional[str] = None
    beneficiary: Optional[str] = None  # self | family
    target_group: Optional[str] = None
    area: Optional[str] = None  # city or city/district, or "unspecified"
    urgency: Optional[str] = None
    contact: Optional[str] = None

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> NeedDraft:
        """Only a known target group is kept: the slot takes any entity text the model found
        (e.g. "elderly mother" before synonyms map it), which must not reach a record."""
        target_group = slots.get("target_group")
        return cls(
            text=slots.get("need_text") or "",
            category=slots.get("need_category"),
            beneficiary=slots.get("beneficiary"),
            target_group=target_group if target_group in AUDIENCES else None,
            area=slots.get("need_area"),
            urgency=slots.get("need_urgency"),
            contact=slots.get("need_contact"),
        )

    def summary(self, language: str) -> str:
        """"我整理一下您的需求：…" — one short paragraph with only what is known."""
        return _summary_en(self) if language == "en" else _summary_zh(self)


# The slots that hold a need while it is drawn out (domain.yml), and those the form asks for.
DRAFT_SLOTS = ("need_text", "need_category", "need_category_confirmed", "beneficiary", "need_area",
               "need_urgency", "need_contact", "target_group")
FORM_SLOTS = ("need_category_confirmed", "beneficiary", "need_area", "need_urgency", "need_contact")


def open_draft(slots: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The need being drawn out (described, not confirmed yet) as slot values, to carry to
    another of the person's screens; None when there is none."""
    if not slots.get("need_text") or slots.get("need_id"):
        return None
    return {name: slots[name] for name in DRAFT_SLOTS if slots.get(name) is not None}


def _known_area(area: Any) -> bool:
    if area == "unspecified" or area in CITIES:
        return True
    city, _, district = str(area).partition("/")
    return city == "taipei" and district in TAIPEI_DISTRICTS


def draft_slots(snapshot: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Slot values from a carried-over draft: known slots with valid values only (it comes
    back from storage), and nothing at all without the person's words."""
    if not snapshot or not isinstance(snapshot.get("need_text"), str) or not snapshot["need_text"]:
        return {}
    allowed: Dict[str, Callable[[Any], bool]] = {
        "need_text": lambda value: isinstance(value, str),
        "need_category": lambda value: value in SERVICE_AREAS,
        "need_category_confirmed": lambda value: value is True,
        "need_area": _known_area,
        "target_group": lambda value: value in AUDIENCES,
        "beneficiary": lambda value: value in BENEFICIARY,
        "need_urgency": lambda value: value in URGENCY,
        "need_contact": lambda value: value in CONTACT,
    }
    slots = {name: snapshot[name] for name in DRAFT_SLOTS if name in snapshot and allowed[name](snapshot[name])}
    if "need_category" not in slots:  # nothing confirmed without a category
        slots.pop("need_category_confirmed", None)
    return slots


def form_complete(slots: Mapping[str, Any]) -> bool:
    """Whether the needs form has nothing left to ask."""
    return all(slots.get(name) is not None for name in FORM_SLOTS)


def _summary_zh(draft: NeedDraft) -> str:
    who = "您自己" if draft.beneficiary == "self" else "您的家人" if draft.beneficiary == "family" else "您"
    if draft.target_group and draft.target_group != "general":
        who += f"（{label(AUDIENCES, draft.target_group, 'zh-TW')}）"
    parts = [f"{who}需要「{label(SERVICE_AREAS, draft.category, 'zh-TW')}」方面的協助" if draft.category
             else f"{who}需要協助"]
    where = area_label(draft.area, "zh-TW")
    if where:
        parts.append(f"地點在{where}")
    if draft.urgency in URGENCY:
        parts.append(URGENCY[draft.urgency]["zh-TW"])
    if draft.contact in CONTACT:
        parts.append(f"希望我們{CONTACT[draft.contact]['zh-TW']}")
    quoted = f"您提到：「{_short(draft.text)}」。" if draft.text else ""
    return f"我整理一下您的需求：{'，'.join(parts)}。{quoted}這樣對嗎？"


def _summary_en(draft: NeedDraft) -> str:
    who = "you" if draft.beneficiary in (None, "self") else "a family member"
    if draft.target_group and draft.target_group != "general":
        who += f" ({label(AUDIENCES, draft.target_group, 'en').lower()})"
    topic = label(SERVICE_AREAS, draft.category, "en").lower() if draft.category else None
    parts = [f"{who} need{'s' if who != 'you' else ''} help with {topic}" if topic else f"{who} need help"]
    where = area_label(draft.area, "en")
    if where:
        parts.append(f"in {where}")
    if draft.urgency in URGENCY:
        parts.append(URGENCY[draft.urgency]["en"])
    if draft.contact in CONTACT:
        parts.append(f"and you'd like us to {CONTACT[draft.contact]['en']}")
    quoted = f' You said: "{_short(draft.text)}".' if draft.text else ""
    sentence = ", ".join(parts)
    return f"Let me sum up your need: {sentence[0].upper() + sentence[1:]}.{quoted} Is that right?"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
