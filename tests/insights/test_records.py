"""Records: vocabulary ids from bot.taxonomy, pseudonyms only, honest write results."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.insights.records import (
    Consent,
    DataSummary,
    NeedRecord,
    Preference,
    SatisfactionRating,
    WriteResult,
    WriteStatus,
)
from bot.privacy.pseudonym import pseudonymous_id

from .support import KEY, START

PERSON = pseudonymous_id(KEY, "rest", "someone")


def need(**fields: object) -> NeedRecord:
    return NeedRecord(**{"person": PERSON, "category": "housing", "created_at": START, **fields})


def test_need_takes_taxonomy_ids() -> None:
    record = need(target_group="elderly", city="taipei", district="wenshan", urgency="urgent")
    assert record.urgency is not None and record.urgency.value == "urgent"


@pytest.mark.parametrize(
    "fields",
    [
        {"category": "長照"},
        {"target_group": "old people"},
        {"city": "Taipei"},
        {"district": "板橋區"},  # not a Taipei district
        {"language": "fr"},
        {"urgency": "whenever"},
        {"person": "telegram:123"},
    ],
)
def test_need_refuses_free_values(fields: dict) -> None:
    with pytest.raises(ValidationError):
        need(**fields)


def test_districts_outside_taipei_are_not_checked_against_taipei_list() -> None:
    assert need(city="new_taipei", district="banqiao").district == "banqiao"


def test_other_records_validate_their_fields() -> None:
    with pytest.raises(ValidationError):
        SatisfactionRating(person=PERSON, score=6, created_at=START)
    with pytest.raises(ValidationError):
        Preference(person=PERSON, key="Has Spaces", value="x", updated_at=START)
    with pytest.raises(ValidationError):
        Consent(person=PERSON, purpose="marketing", policy_version="1", granted_at=START)


def test_write_result_and_summary_helpers() -> None:
    assert WriteResult(WriteStatus.STORED, 1).stored
    assert not WriteResult(WriteStatus.SPOOLED).stored
    summary = DataSummary(person=PERSON, consents=[], preferences={},
                          counts={"needs": 2, "feedback": 1}, pending=1)
    assert summary.total_records == 4
