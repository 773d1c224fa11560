"""Realistic, seeded synthetic insights data, bulk-inserted, for benchmarks, demos and tests.

It writes straight into the tables (past the store, which checks consent one write at a
time): every synthetic person has ``insights`` consent, and all text is made up here, so
nothing needs redacting. The shape follows what the assistant really records: needs by
service area with seasonal trends, districts weighted by population, about a third of
searches unanswered on a handful of recurring gaps, some poor fits, ratings and
suggestions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from bot.insights import schema as t
from bot.privacy.pseudonym import pseudonymous_id
from bot.taxonomy import SERVICE_AREAS

KEY = "synthetic-data-key-not-secret"
POLICY = "synthetic"
CHUNK = 20_000
# Residents per district (thousands, rounded), so busy districts have more needs.
DISTRICT_WEIGHTS = {"zhongzheng": 150, "datong": 120, "zhongshan": 210, "songshan": 190,
                    "daan": 290, "wanhua": 170, "xinyi": 210, "shilin": 270, "beitou": 240,
                    "neihu": 270, "nangang": 120, "wenshan": 260}
AREA_WEIGHTS = {"elderly_care": 16, "social_assistance": 12, "childcare": 11, "health": 10,
                "housing": 9, "employment": 8, "disability": 7, "transport": 6, "tax": 5,
                "household_registration": 5, "waste_recycling": 4, "education": 3,
                "new_immigrants": 2, "culture_sports": 1, "public_safety": 1}
AUDIENCE_FOR = {"elderly_care": "elderly", "childcare": "parenting_family", "disability": "disability",
                "new_immigrants": "new_immigrant", "employment": "job_seeker", "education": "student",
                "social_assistance": "low_income"}
NEED_TEXT = {
    "zh-TW": ["我想申請{a}的補助", "{a}要去哪裡辦理", "家裡需要{a}方面的協助", "請問{a}的資格是什麼",
              "最近{a}的問題讓我很困擾"],
    "en": ["I need help with {a}", "Where do I apply for {a} support?", "Am I eligible for {a}?",
           "Who can help my family with {a}?"],
}
GAPS = {  # recurring questions the knowledge base cannot answer yet
    "zh-TW": ["寵物過世要怎麼申請火化", "電動機車充電站可以申請設置嗎", "外籍看護放假時誰來照顧",
              "社會住宅抽籤結果去哪查", "公園晚上太吵要找誰", "獨居長輩送餐服務怎麼申請",
              "夜間托育有沒有補助"],
    "en": ["how do I cremate my pet", "can I request an e-scooter charging station",
           "who cares for grandma when the migrant caregiver is on leave",
           "where are social housing lottery results", "night-time childcare subsidy"],
}
GAP_VARIANTS = ["{q}", "{q}？", "請問{q}", "{q} 急", "想知道{q}"]
FIT_REASONS = ["太遠了", "資格不符", "名額已滿", "開放時間不合適", "too far away", "not eligible"]
SUGGESTIONS = ["希望{a}的申請可以線上辦理", "{a}的說明可以更簡單一點", "希望週末也能辦{a}",
               "Please offer {a} information in English"]
CHANNELS = (("line", 50), ("telegram", 20), ("rest", 25), ("socketio", 5))


@dataclass
class Counts:
    people: int = 0
    needs: int = 0
    searches: int = 0
    feedback: int = 0
    ratings: int = 0

    @property
    def records(self) -> int:
        return self.needs + self.searches


def _pick(rng: random.Random, weighted: Dict[str, int] | Sequence[Tuple[str, int]]) -> str:
    items = list(weighted.items()) if isinstance(weighted, dict) else list(weighted)
    return rng.choices([k for k, _ in items], [w for _, w in items])[0]


def _when(rng: random.Random, start: date, days: int, area: str) -> datetime:
    """A time in the window; elderly care grows through the year, so trends show."""
    day = min(days - 1, int(days * rng.random() ** (0.5 if area == "elderly_care" else 1.0)))
    local = datetime.combine(start + timedelta(days=day), time(8), timezone(timedelta(hours=8)))
    return (local + timedelta(seconds=rng.randrange(14 * 3600))).astimezone(timezone.utc)


class Generator:
    """Rows for one seeded population; ``generate`` inserts them."""

    def __init__(self, people: int, start: date, days: int = 365, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.start, self.days = start, days
        self.persons = [self._person(i) for i in range(people)]

    def _person(self, number: int) -> Dict[str, Any]:
        rng = self.rng
        language = "en" if rng.random() < 0.12 else "zh-TW"
        city = "taipei" if rng.random() < 0.93 else rng.choice(["new_taipei", "keelung", "taoyuan"])
        return {"id": pseudonymous_id(KEY, "synthetic", str(number)), "language": language,
                "city": city, "district": _pick(rng, DISTRICT_WEIGHTS) if city == "taipei" else None,
                "channel": _pick(rng, CHANNELS)}

    def need(self, who: Dict[str, Any]) -> Dict[str, Any]:
        rng = self.rng
        area = _pick(rng, AREA_WEIGHTS)
        label = SERVICE_AREAS[area].for_language(who["language"])
        fit = _pick(rng, {"": 60, "fits": 25, "partly": 10, "not_at_all": 5}) or None
        return {"person_id": who["id"], "category": area,
                "target_group": AUDIENCE_FOR.get(area, "general") if rng.random() < 0.8 else None,
                "city": who["city"], "district": who["district"], "urgency": "normal",
                "contact_channel": "chat",
                "free_text": rng.choice(NEED_TEXT[who["language"]]).format(a=label),
                "matched_service_ids": [f"{area}/service_{rng.randrange(4)}"], "fit_rating": fit,
                "fit_reason": rng.choice(FIT_REASONS) if fit in ("partly", "not_at_all") else None,
                "language": who["language"], "channel": who["channel"],
                "created_at": _when(rng, self.start, self.days, area), "confirmed_at": None}

    def search(self, who: Dict[str, Any]) -> Dict[str, Any]:
        rng = self.rng
        answered = rng.random() < 0.7
        if answered:
            area = _pick(rng, AREA_WEIGHTS)
            query = SERVICE_AREAS[area].for_language(who["language"])
        else:
            area = "social_assistance"
            base = rng.choice(GAPS[who["language"]])
            query = rng.choice(GAP_VARIANTS).format(q=base) if who["language"] == "zh-TW" else base
        return {"person_id": who["id"] if rng.random() < 0.8 else None, "query": query,
                "top_ids": [], "top_scores": [], "answered": answered,
                "language": who["language"], "channel": who["channel"],
                "created_at": _when(rng, self.start, self.days, area).replace(minute=0, second=0)}

    def extras(self, who: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        rng = self.rng
        area = _pick(rng, AREA_WEIGHTS)
        at = _when(rng, self.start, self.days, area)
        label = SERVICE_AREAS[area].for_language(who["language"])
        feedback = {"person_id": who["id"], "text": rng.choice(SUGGESTIONS).format(a=label),
                    "service_id": None, "kind": "suggestion", "language": who["language"],
                    "channel": who["channel"], "created_at": at}
        rating = {"person_id": who["id"], "service_id": f"{area}/service_{rng.randrange(4)}",
                  "score": rng.choices([1, 2, 3, 4, 5], [1, 2, 4, 6, 4])[0], "created_at": at}
        return feedback, rating


def _chunks(rows: Iterator[Dict[str, Any]]) -> Iterator[List[Dict[str, Any]]]:
    chunk: List[Dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def generate(engine: Engine, *, people: int, records: int, start: date, days: int = 365,
             seed: int = 0, search_share: float = 0.4, extras_share: float = 0.3,
             progress: Optional[Callable[[int], Any]] = None) -> Counts:
    """Inserts ``records`` needs and searches (``search_share`` of them searches) for
    ``people`` consenting people, plus a suggestion and a rating for ``extras_share`` of them."""
    gen = Generator(people, start, days, seed)
    counts = Counts(people=people)
    granted = datetime.combine(start, time(), timezone.utc) - timedelta(days=1)
    searches = int(records * search_share)
    counts.searches, counts.needs = searches, records - searches
    with engine.begin() as connection:
        connection.execute(insert(t.persons), [{"id": p["id"], "first_seen": granted}
                                               for p in gen.persons])
        connection.execute(insert(t.consents), [
            {"person_id": p["id"], "purpose": "insights", "policy_version": POLICY,
             "granted_at": granted, "withdrawn_at": None} for p in gen.persons])
    jobs = ((t.needs, (gen.need(gen.rng.choice(gen.persons)) for _ in range(counts.needs))),
            (t.search_events, (gen.search(gen.rng.choice(gen.persons)) for _ in range(searches))))
    for table, rows in jobs:
        for chunk in _chunks(rows):
            with engine.begin() as connection:
                connection.execute(insert(table), chunk)
            if progress is not None:
                progress(len(chunk))
    extras = [gen.extras(p) for p in gen.persons if gen.rng.random() < extras_share]
    if extras:
        with engine.begin() as connection:
            connection.execute(insert(t.feedback), [f for f, _ in extras])
            connection.execute(insert(t.satisfaction_ratings), [r for _, r in extras])
    counts.feedback = counts.ratings = len(extras)
    return counts


__all__ = ["Counts", "Generator", "generate"]
