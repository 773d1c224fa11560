"""What the pages show, as labelled rows in one language; the overview's figures are summed
from published cells only.

Each function takes rows that ``bot.insights.aggregate`` already suppressed and adds them
up, so every number is at least ``k`` or a sum of such numbers ("person-cells", 人次), and
none is ever recomputed from raw records.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Dict, Iterable, List, Sequence, Tuple

from bot.dashboard.addressed import Marker
from bot.dashboard.handoffs import WaitingHandoff
from bot.dashboard.text import translate
from bot.insights.aggregate import LOCAL, MERGED
from bot.insights.clusters import Cluster
from bot.insights.report import Report, findings, value_label, weekly_totals
from bot.taxonomy import AUDIENCES, CITIES, SERVICE_AREAS, TAIPEI_DISTRICTS

Row = Dict[str, Any]
CROSS_ROWS = 25
CLUSTER_ROWS = 40
TREND_SERIES = 5
FIT_RATINGS = ("fits", "partly", "not_at_all")


def totals(rows: Iterable[Row], *dims: str, value: str = "people") -> Counter:
    """``value`` summed per combination of ``dims`` over every week."""
    found: Counter = Counter()
    for row in rows:
        found[tuple(row[dim] for dim in dims)] += int(row[value])
    return found


def place_label(row: Row, language: str) -> str:
    """A district's name, else the city's (other cities have no district list)."""
    if row.get("district") not in (None, "unlisted"):
        return value_label(TAIPEI_DISTRICTS, row["district"], language)
    return value_label(CITIES, row.get("city"), language)


@dataclass
class Overview:
    """Labelled figures for one language; charts and their data tables read the same lists."""

    weeks: List[date]
    places: List[Tuple[str, int]] = field(default_factory=list)  # the table: every place
    districts: List[Tuple[str, int]] = field(default_factory=list)  # the chart: named places
    merged: int = 0  # person-cells in rolled-up ("other") places, left out of the chart
    areas: List[Tuple[str, int]] = field(default_factory=list)
    trend: List[Tuple[str, List[int]]] = field(default_factory=list)
    cross: List[Tuple[str, str, str, int]] = field(default_factory=list)
    satisfaction: List[Tuple[str, str, int, float]] = field(default_factory=list)
    fit: List[Tuple[Any, ...]] = field(default_factory=list)  # area, then one count per rating
    rising: List[Tuple[str, Any, int, Any]] = field(default_factory=list)
    findings: List[str] = field(default_factory=list)

    @property
    def trend_rows(self) -> List[List[Any]]:
        """The trend chart as a table: one row per week, one column per line."""
        return [[week, *(values[index] for _, values in self.trend)]
                for index, week in enumerate(self.weeks)] if self.trend else []


def _ranked(counts: Counter) -> List[Tuple[Any, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


def _specific_first(counts: Counter) -> List[Tuple[Any, int]]:
    """Combinations naming every value before those with merged or missing ones."""
    return sorted(counts.items(), key=lambda item: (sum(v in (None, MERGED) for v in item[0]),
                                                    -item[1], str(item[0])))


def _trend(needs: Sequence[Row], weeks: Sequence[date], language: str) -> List[Tuple[str, List[int]]]:
    by_week = weekly_totals(needs, "category")
    top = [key for (key,), _ in _ranked(totals(needs, "category"))[:TREND_SERIES]]
    return [(value_label(SERVICE_AREAS, key, language), [by_week.get((week, key), 0) for week in weeks])
            for key in top]


def _satisfaction(rows: Sequence[Row], language: str) -> List[Tuple[str, str, int, float]]:
    ratings = totals(rows, "service_area", "service_id", value="ratings")
    scores = totals(rows, "service_area", "service_id", value="score_sum")
    found = [(value_label(SERVICE_AREAS, area, language),
              value_label(None, service, language), count, round(scores[(area, service)] / count, 2))
             for (area, service), count in ratings.items() if count]
    return sorted(found, key=lambda item: (item[0], item[1]))


def _fit(rows: Sequence[Row], language: str) -> List[Tuple[Any, ...]]:
    counts = totals(rows, "category", "fit_rating")
    areas = sorted({area for area, _ in counts}, key=str)
    return [(value_label(SERVICE_AREAS, area, language),
             *(counts.get((area, rating), 0) for rating in FIT_RATINGS)) for area in areas]


def _rising(report: Report, language: str) -> List[Tuple[str, Any, int, Any]]:
    below = translate("below_k", language)
    return [(value_label(SERVICE_AREAS, item["key"], language),
             below if item["previous"] is None else item["previous"], item["current"],
             "—" if item["change"] is None else item["change"])
            for item in report.rising if item["kind"] == "category"]


def overview(report: Report) -> Overview:
    """Everything the overview page draws, from one report's published rows."""
    language, agg = report.language, report.aggregates
    needs = agg.needs
    places: Counter = Counter()
    for row in needs:
        places[place_label(row, language)] += int(row["people"])
    other = value_label(TAIPEI_DISTRICTS, MERGED, language)
    cross = [(value_label(SERVICE_AREAS, area, language), value_label(AUDIENCES, group, language),
              place_label({"district": district, "city": city}, language), people)
             for (area, group, city, district), people
             in _specific_first(totals(needs, "category", "target_group", "city", "district"))[:CROSS_ROWS]]
    weeks = report.period.weeks()
    return Overview(
        weeks=weeks,
        places=_ranked(places),
        districts=[(place, n) for place, n in _ranked(places) if place != other],
        merged=places[other],
        areas=[(value_label(SERVICE_AREAS, key, language), n) for (key,), n in _ranked(totals(needs, "category"))],
        trend=_trend(needs, weeks, language),
        cross=cross,
        satisfaction=_satisfaction(agg.satisfaction, language),
        fit=_fit(agg.fit, language),
        rising=_rising(report, language),
        findings=findings(report),
    )


def local_time(moment: datetime) -> str:
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def gap_rows(clusters: Sequence[Cluster], language: str) -> List[Tuple[Any, ...]]:
    """The largest clusters as table rows: suggested label, source, example, people (≥ k)."""
    return [(cluster.label(language), translate(f"source_{cluster.source}", language),
             cluster.example, cluster.people)
            for cluster in sorted(clusters, key=lambda c: -c.people)[:CLUSTER_ROWS]]


def rising_gap_rows(items: Sequence[Row], language: str) -> List[Tuple[Any, ...]]:
    below = translate("below_k", language)
    return [(item["cluster"].label(language), below if item["previous"] is None else item["previous"],
             item["current"], "—" if item["change"] is None else item["change"]) for item in items]


def handoff_rows(handoffs: Sequence[WaitingHandoff], language: str) -> List[Tuple[Any, ...]]:
    return [(local_time(item.created_at), translate(f"status_{item.status}", language),
             value_label(SERVICE_AREAS, item.category, language), item.summary) for item in handoffs]


def followup_status(result: Dict[str, Any], announcing: bool, language: str) -> str:
    """What became of a marker's follow-up, from ``announce.followup_results``."""
    if "total" in result:
        return translate("followup_sent", language, **result)
    if "error" in result:
        return translate("followup_not_sent", language, **result)
    return translate("followup_sending" if announcing else "followup_off", language)


def marker_rows(markers: Sequence[Marker], results: Dict[int, Dict[str, Any]], announcing: bool,
                language: str) -> List[Tuple[Any, ...]]:
    return [(local_time(marker.at), value_label(SERVICE_AREAS, marker.category, language),
             marker.note_zh, marker.note_en, marker.staff,
             followup_status(results.get(marker.id, {}), announcing, language)) for marker in markers]
