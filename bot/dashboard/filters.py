"""What a staff member asked to see: period, area, target group and channel, checked.

Every filter is a *selection of published rows* of the weekly grid (``Aggregates.select``
for the area, the same idea here for target group and channel), never a recount, so no
combination of filters can show a cell the grid did not publish. Bad input raises a
``Refusal``, which the app turns into a 400 page in the staff member's language.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Dict, List, Mapping, Optional, Tuple

from sqlalchemy.engine import Connection

from bot.dashboard.errors import Refusal
from bot.dashboard.text import CHANNELS
from bot.insights.aggregate import Aggregates, Period
from bot.insights.clusters import Encoder, rising_clusters, unmet_needs
from bot.insights.frozen import Freezing, published
from bot.insights.report import Report, rising
from bot.taxonomy import AUDIENCES, CITIES, TAIPEI_DISTRICTS

MAX_DAYS = 731  # two years: enough for a trend, bounded work per request
DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    area: str = ""  # "", a city id, or "taipei:<district id>"
    target_group: str = ""
    channel: str = ""

    @property
    def city(self) -> Optional[str]:
        return self.area.split(":")[0] or None

    @property
    def districts(self) -> Optional[List[str]]:
        return [self.area.split(":")[1]] if ":" in self.area else None

    def period(self, today: date) -> Period:
        return Period.covering(self.date_from, self.date_to, today=today)

    def query(self) -> Dict[str, str]:
        """The filters as URL query values, for links that keep them."""
        values = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
                  "area": self.area, "group": self.target_group, "channel": self.channel}
        return {key: value for key, value in values.items() if value}


def area_choices(language: str) -> List[Tuple[str, str]]:
    """Taipei, each of its districts, then the other cities: (value, label)."""
    taipei = CITIES["taipei"].for_language(language)
    districts = [(f"taipei:{key}", f"{taipei} {label.for_language(language)}")
                 for key, label in TAIPEI_DISTRICTS.items()]
    others = [(key, label.for_language(language)) for key, label in CITIES.items() if key != "taipei"]
    return [("taipei", taipei), *districts, *others]


def _date(query: Mapping[str, str], name: str, default: date) -> date:
    value = query.get(name, "").strip()
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Refusal("bad_date", value=value[:40]) from None


def _choice(query: Mapping[str, str], name: str, allowed: Any, field: str) -> str:
    value = query.get(name, "").strip()
    if value and value not in allowed:
        raise Refusal("bad_choice", value=value[:40], field=field)
    return value


def parse_filters(query: Mapping[str, str], today: date) -> Filters:
    """Filters from a query string; by default the last ``DEFAULT_WEEKS`` complete weeks."""
    last_sunday = today - timedelta(days=today.weekday() + 1)
    date_to = _date(query, "to", last_sunday)
    date_from = _date(query, "from", date_to - timedelta(weeks=DEFAULT_WEEKS, days=-1))
    if date_from > date_to:
        raise Refusal("date_order", start=date_from, end=date_to)
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise Refusal("too_long", days=MAX_DAYS)
    areas = {value for value, _ in area_choices("en")}
    return Filters(date_from, date_to, _choice(query, "area", areas, "area"),
                   _choice(query, "group", AUDIENCES, "target_group"),
                   _choice(query, "channel", CHANNELS, "channel"))


def narrow(aggregates: Aggregates, filters: Filters) -> Aggregates:
    """The published rows the filters select; tables without a dimension are kept whole."""
    selected = aggregates.select(filters.city, filters.districts)
    wanted = {"target_group": filters.target_group, "channel": filters.channel}
    needs = [row for row in selected.needs
             if all(not value or row[dim] == value for dim, value in wanted.items())]
    searches = [row for row in selected.searches
                if not filters.channel or row["channel"] == filters.channel]
    return replace(selected, needs=needs, searches=searches)


def filtered_report(connection: Connection, filters: Filters, period: Period, k: int,
                    encoder: Optional[Encoder], language: str,
                    freezing: Optional[Freezing] = None) -> Report:
    """``bot.insights.report.build_report`` with target group and channel as well: published
    rows narrowed (frozen weeks from their snapshot, due weeks frozen first with
    ``freezing``), rising topics from them, unmet-need clusters when there is an encoder."""
    aggregates = narrow(published(connection, period, k, freezing=freezing), filters)
    gaps = unmet_needs(connection, period, encoder, k) if encoder is not None else []
    weeks = period.weeks()
    found = [{"kind": "category", **item} for item in rising(aggregates.needs, "category", weeks)]
    found += [{"kind": "gap", **item} for item in rising_clusters(gaps, weeks, k)]
    return Report(aggregates, gaps, found, language)
