"""The insights report: what one export contains, plain-language findings, and the HTML page.

The HTML opens offline (city staff often read it on a locked-down laptop): charts are
inline SVG drawn here, styles are inline, and nothing is loaded from anywhere. Every number
on the page is a published cell or a sum of published cells, never raw data.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from sqlalchemy.engine import Connection

from bot.insights.aggregate import MERGED, Aggregates, Period
from bot.insights.clusters import Cluster, Encoder, rising_clusters, unmet_needs
from bot.insights.frozen import Freezing, published
from bot.taxonomy import SERVICE_AREAS, TAIPEI_DISTRICTS, Label

OTHER = Label("其他（合併）", "Other (merged)")
NOT_GIVEN = Label("未填", "Not given")
TEXT: Dict[str, Label] = {
    "title": Label("合產 CoServe 民眾需求洞察", "CoServe co-production insights"),
    "period": Label("期間", "Period"),
    "findings": Label("重點發現", "Findings"),
    "by_district": Label("各行政區需求（人次）", "Needs by district (person-cells)"),
    "by_area": Label("各服務領域需求（人次）", "Needs by service area (person-cells)"),
    "by_week": Label("每週需求趨勢（人次）", "Needs by week (person-cells)"),
    "gaps": Label("最常見的未滿足需求（人數）", "Top unmet needs (people)"),
    "satisfaction": Label("各服務領域平均滿意度（1–5）", "Mean satisfaction by service area (1–5)"),
    "empty": Label("這段期間沒有足以公布的資料。", "There is not enough data to publish for this period."),
    "privacy": Label("每個數字至少代表 {k} 位不同的民眾；更小的組合已合併為「其他」或不公布。",
                     "Every number describes at least {k} different people; smaller groups are "
                     "merged into \u201cother\u201d or left out."),
    "frozen": Label("本期間 {m} 週中有 {n} 週已凍結：這幾週的數字不再變動。",
                    "{n} of the period's {m} weeks are frozen: their numbers no longer change."),
    "widened": Label("期間已調整為完整的週（週一至週日，臺北時間）：{start} 至 {end}。",
                     "The period was widened to whole weeks (Monday–Sunday, Taipei time): "
                     "{start} to {end}."),
    "rise": Label("{label}的需求比上週增加 {pct}%（{before} → {now} 人次）。",
                  "Needs for {label} rose {pct}% on the previous week ({before} → {now})."),
    "new": Label("{label}的需求本週有 {now} 人次，上週未達公布門檻。",
                 "Needs for {label} reached {now} this week, from below the publication threshold."),
    "top_district": Label("需求最多的行政區是{label}（{n} 人次）。",
                          "The district with the most needs is {label} ({n})."),
    "top_gap": Label("最常找不到答案的問題像是「{example}」（{n} 人）。",
                     "The most common unanswered question is like \u201c{example}\u201d ({n} people)."),
    "top_fit": Label("最多人覺得推薦服務不合適的需求像是「{example}」（{n} 人）。",
                     "The need most often poorly matched is like \u201c{example}\u201d ({n} people)."),
    "unanswered": Label("{pct}% 的搜尋沒有找到答案。", "{pct}% of searches found no answer."),
    "low_satisfaction": Label("平均滿意度最低的服務領域是{label}（{score} 分）。",
                              "The service area with the lowest satisfaction is {label} ({score})."),
}


def say(key: str, language: str, **values: Any) -> str:
    return TEXT[key].for_language(language).format(**values)


def value_label(vocabulary: Any, value: Optional[str], language: str) -> str:
    if value is None:
        return NOT_GIVEN.for_language(language)
    if value == MERGED:
        return OTHER.for_language(language)
    entry = vocabulary.get(value) if vocabulary is not None else None
    return entry.for_language(language) if entry else value


@dataclass
class Report:
    aggregates: Aggregates
    gaps: List[Cluster] = field(default_factory=list)
    rising: List[Dict[str, Any]] = field(default_factory=list)
    language: str = "zh-TW"
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def period(self) -> Period:
        return self.aggregates.period

    @property
    def empty(self) -> bool:
        return self.aggregates.empty and not self.gaps

    def notes(self) -> List[str]:
        period, language = self.period, self.language
        notes = [say("privacy", language, k=self.aggregates.k)]
        if period.widened:
            notes.append(say("widened", language, start=period.start, end=period.end))
        if self.aggregates.frozen:
            notes.append(say("frozen", language, n=len(self.aggregates.frozen),
                             m=len(period.weeks())))
        if self.empty:
            notes.append(say("empty", language))
        return notes


def build_report(connection: Connection, period: Period, k: int, encoder: Optional[Encoder],
                 language: str = "zh-TW", progress: Optional[Callable[[int], Any]] = None,
                 city: Optional[str] = None, districts: Optional[Sequence[str]] = None,
                 freezing: Optional[Freezing] = None, **cluster_options: Any) -> Report:
    """Aggregates (optionally one area's rows; frozen weeks from their snapshot, due weeks
    frozen first with ``freezing``), unmet-need clusters (city-wide, from the records;
    skipped without an encoder) and rising topics."""
    aggregates = published(connection, period, k, freezing=freezing).select(city, districts)
    gaps = unmet_needs(connection, period, encoder, k, progress=progress, **cluster_options) \
        if encoder is not None else []
    weeks = period.weeks()
    found = [{"kind": "category", **r} for r in rising(aggregates.needs, "category", weeks)]
    found += [{"kind": "gap", **r} for r in rising_clusters(gaps, weeks, k)]
    return Report(aggregates, gaps, found, language)


def weekly_totals(rows: Sequence[Dict[str, Any]], dim: str) -> Dict[Tuple[date, Any], int]:
    """People summed over published cells per (week, value of ``dim``): person-cells, 人次."""
    totals: Dict[Tuple[date, Any], int] = {}
    for row in rows:
        key = (row["week_start"], row[dim])
        totals[key] = totals.get(key, 0) + int(row["people"])
    return totals


def rising(rows: Sequence[Dict[str, Any]], dim: str, weeks: Sequence[date], top: int = 5
           ) -> List[Dict[str, Any]]:
    """Values of ``dim`` that grew most from the period's second-last to its last week.

    Built from published cells only, so it reveals nothing the cells do not.
    """
    if len(weeks) < 2:
        return []
    previous_week, last_week = weeks[-2], weeks[-1]
    totals = weekly_totals(rows, dim)
    values = {value for (_, value) in totals if value not in (None, MERGED)}
    found = []
    for value in values:
        before, now = totals.get((previous_week, value), 0), totals.get((last_week, value), 0)
        if now > before:
            found.append({"key": value, "week_start": last_week, "previous": before,
                          "current": now, "change": now - before,
                          "change_pct": round(100.0 * (now - before) / before, 1) if before else None})
    found.sort(key=lambda r: (-r["change"], str(r["key"])))
    return found[:top]


def findings(report: Report) -> List[str]:
    """Sentences a council member can read: what grew, where, what is missing."""
    language, rows = report.language, report.aggregates.needs
    found: List[str] = []
    for item in (r for r in report.rising if r["kind"] == "category"):
        label = value_label(SERVICE_AREAS, item["key"], language)
        if item["change_pct"] is not None:
            found.append(say("rise", language, label=label, pct=f"{item['change_pct']:g}",
                             before=item["previous"], now=item["current"]))
        else:
            found.append(say("new", language, label=label, now=item["current"]))
        break
    districts = _totals(rows, "district", TAIPEI_DISTRICTS)
    if districts:
        found.append(say("top_district", language, label=value_label(TAIPEI_DISTRICTS,
                                                                     districts[0][0], language),
                         n=districts[0][1]))
    for source, key in (("search", "top_gap"), ("fit", "top_fit")):
        top = next((c for c in report.gaps if c.source == source), None)
        if top is not None:
            found.append(say(key, language, example=top.example, n=top.people))
    events = {"answered": 0, "unanswered": 0}
    for row in report.aggregates.searches:
        events[row["answered"]] += int(row["events"])
    if sum(events.values()):
        found.append(say("unanswered", language,
                         pct=round(100 * events["unanswered"] / sum(events.values()))))
    scores = satisfaction_by_area(report.aggregates.satisfaction)
    if scores:
        area, score = min(scores.items(), key=lambda s: (s[1], s[0]))
        found.append(say("low_satisfaction", language, label=value_label(SERVICE_AREAS, area,
                                                                         language), score=score))
    return found


def _totals(rows: Sequence[Dict[str, Any]], dim: str, vocabulary: Any) -> List[Tuple[str, int]]:
    """People-cells per listed value of ``dim`` over the whole period, largest first."""
    totals: Dict[str, int] = {}
    for (_, value), people in weekly_totals(rows, dim).items():
        if value in vocabulary:
            totals[value] = totals.get(value, 0) + people
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def satisfaction_by_area(rows: Sequence[Dict[str, Any]]) -> Dict[str, float]:
    """Mean score per service area, weighting published cells by their ratings."""
    sums: Dict[str, List[int]] = {}
    for row in rows:
        if row["service_area"] in SERVICE_AREAS:
            total = sums.setdefault(row["service_area"], [0, 0])
            total[0] += int(row["score_sum"])
            total[1] += int(row["ratings"])
    return {area: round(s / n, 2) for area, (s, n) in sums.items() if n}


def _bars(items: Sequence[Tuple[str, float]], title: str, decimals: int = 0,
          stacked: bool = False) -> str:
    """A horizontal bar chart as inline SVG (no script, no external font); ``stacked``
    puts each label above its bar, for long labels such as example sentences."""
    if not items:
        return ""
    top = max(value for _, value in items) or 1
    row, left, span = (40, 0, 520) if stacked else (24, 200, 360)
    height, parts = row * len(items) + 8, []
    for index, (label, value) in enumerate(items):
        y, width = row * index + 4, span * value / top
        bar_y = y + 18 if stacked else y
        text = (f'<text x="0" y="{y + 13}">{html.escape(label)}</text>' if stacked else
                f'<text x="190" y="{y + 15}" text-anchor="end">{html.escape(label)}</text>')
        parts.append(f'{text}<rect x="{left}" y="{bar_y}" width="{width:.1f}" height="16" '
                     f'fill="#2b6cb0"/><text x="{left + 5 + width:.1f}" y="{bar_y + 13}">'
                     f"{value:.{decimals}f}</text>")
    return (f"<figure><figcaption>{html.escape(title)}</figcaption>"
            f'<svg role="img" width="640" height="{height}" viewBox="0 0 640 {height}" '
            f'font-size="12">{"".join(parts)}</svg></figure>')


def _columns(items: Sequence[Tuple[date, int]], title: str) -> str:
    """Weekly totals as inline SVG columns, labelled every few weeks."""
    if not items:
        return ""
    top, width = max(v for _, v in items) or 1, max(4.0, 600 / len(items))
    step = max(1, len(items) // 8)
    parts = []
    for index, (week, value) in enumerate(items):
        bar, x = 150 * value / top, 30 + index * width
        parts.append(f'<rect x="{x:.1f}" y="{170 - bar:.1f}" width="{width * 0.8:.1f}" '
                     f'height="{bar:.1f}" fill="#2f855a"><title>{week}: {value}</title></rect>')
        if index % step == 0:
            parts.append(f'<text x="{x:.1f}" y="188">{week.strftime("%m/%d")}</text>')
    return (f"<figure><figcaption>{html.escape(title)}</figcaption><svg role=\"img\" "
            f'width="660" height="195" viewBox="0 0 660 195" font-size="10">{"".join(parts)}'
            "</svg></figure>")


STYLE = ("body{font-family:system-ui,'Noto Sans TC','PingFang TC','Microsoft JhengHei',sans-serif;"
         "max-width:760px;margin:2em auto;color:#1a202c;line-height:1.6}"
         "figure{margin:1.5em 0}figcaption{font-weight:600;margin-bottom:.4em}"
         ".note{color:#4a5568;font-size:.9em}")


def render_html(report: Report) -> str:
    """The whole page as one self-contained string."""
    language, needs = report.language, report.aggregates.needs
    lang_attr = "zh-Hant-TW" if language == "zh-TW" else "en"
    districts = [(value_label(TAIPEI_DISTRICTS, d, language), float(n))
                 for d, n in _totals(needs, "district", {**TAIPEI_DISTRICTS, MERGED: None})]
    areas = [(value_label(SERVICE_AREAS, a, language), float(n))
             for a, n in _totals(needs, "category", SERVICE_AREAS)]
    weekly: Dict[date, int] = {week: 0 for week in report.period.weeks()}
    for row in needs:
        weekly[row["week_start"]] = weekly.get(row["week_start"], 0) + int(row["people"])
    gaps = [(f"「{c.example[:40]}」 {c.label(language)}" if language == "zh-TW" else
             f"“{c.example[:40]}” {c.label(language)}", float(c.people))
            for c in report.gaps[:10]]
    scores = [(value_label(SERVICE_AREAS, a, language), s)
              for a, s in sorted(satisfaction_by_area(report.aggregates.satisfaction).items())]
    items = "".join(f"<li>{html.escape(s)}</li>" for s in findings(report))
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in report.notes())
    period = report.period
    body = (f"<h1>{html.escape(say('title', language))}</h1>"
            f"<p>{html.escape(say('period', language))}: {period.start} – {period.end}</p>{notes}"
            f"<h2>{html.escape(say('findings', language))}</h2><ul>{items}</ul>"
            + _bars(districts, say("by_district", language))
            + _bars(areas, say("by_area", language))
            + _columns(sorted(weekly.items()), say("by_week", language))
            + _bars(gaps, say("gaps", language), stacked=True)
            + _bars(scores, say("satisfaction", language), decimals=2))
    return (f'<!DOCTYPE html><html lang="{lang_attr}"><head><meta charset="utf-8">'
            f"<title>{html.escape(say('title', language))}</title><style>{STYLE}</style></head>"
            f"<body>{body}</body></html>\n")
