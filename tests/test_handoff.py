import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.handoff import HandoffService, OfficeHours, conversation_summary
from bot.settings import HandoffSettings

TAIPEI = ZoneInfo("Asia/Taipei")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TAIPEI)  # 2026-11-23 is a Monday


@pytest.mark.parametrize(
    "moment, is_open, next_opening",
    [
        (at(26, 10), True, at(26, 10)),           # Thursday morning
        (at(26, 8, 29), False, at(26, 8, 30)),    # just before opening
        (at(26, 17, 30), False, at(27, 8, 30)),   # closing time -> Friday
        (at(27, 18), False, at(30, 8, 30)),       # Friday evening -> Monday
        (at(28, 12), False, at(30, 8, 30)),       # Saturday -> Monday
    ],
)
def test_office_hours_in_taipei_time(moment, is_open, next_opening) -> None:
    hours = OfficeHours(HandoffSettings())
    assert hours.is_open(moment) is is_open
    assert hours.next_opening(moment) == next_opening
    assert hours.is_open(moment.astimezone(dt.timezone.utc)) is is_open  # any zone in


def test_the_summary_puts_the_need_first_and_skips_button_payloads() -> None:
    summary = conversation_summary(["你好", "/consent_give", "我媽媽跌倒了", "要怎麼辦"], "長照需求")
    assert summary == "Need: 長照需求\n> 你好\n> 我媽媽跌倒了\n> 要怎麼辦"
    assert conversation_summary([], None) == "(no messages)"


def test_a_handoff_is_stored_redacted_with_a_reference(services) -> None:
    clock = lambda: at(26, 10).astimezone(dt.timezone.utc)  # noqa: E731
    service = HandoffService(services.insights, HandoffSettings(), clock=clock)
    person = services.person_id("line", "U123")
    ticket = service.open(person, "請打 0912-345-678 給我")
    assert ticket.reference is not None and ticket.during_office_hours
    from sqlalchemy import text

    with services.insights.engine.connect() as connection:
        stored = connection.execute(text("SELECT summary FROM handoffs")).scalar_one()
    assert "0912" not in stored


def test_bad_office_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="closes must be after opens"):
        HandoffSettings(opens=dt.time(18), closes=dt.time(9))
    with pytest.raises(ValueError, match="unknown time zone"):
        HandoffSettings(timezone="Mars/Olympus")
