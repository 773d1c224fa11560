"""Short typed answers to the needs form's closed questions, read against the NLU synonyms."""

from pathlib import Path

import pytest

from bot.needs.draft import BENEFICIARY, CONTACT, URGENCY
from bot.nlu.closed_answers import read_closed_answer, surface_forms


@pytest.mark.parametrize(
    ("text", "allowed", "expected"),
    [
        ("for me", BENEFICIARY, "self"),
        ("it's for me", BENEFICIARY, "self"),
        ("是我自己要用的", BENEFICIARY, "self"),
        ("我媽", BENEFICIARY, "family"),
        ("My Dad", BENEFICIARY, "family"),
        ("just reply here in the chat", CONTACT, "chat"),
        ("這裡回我就好", CONTACT, "chat"),
        ("email me please", CONTACT, "email"),
        ("不急", URGENCY, "not_urgent"),
        # the longer form wins: 沒有很急 contains 很急 but means the opposite
        ("沒有很急", URGENCY, "not_urgent"),
        ("ASAP!!", URGENCY, "urgent"),
    ],
)
def test_a_short_answer_names_its_value(text, allowed, expected) -> None:
    assert read_closed_answer(text, allowed) == expected


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("", BENEFICIARY),
        ("   ", CONTACT),
        ("mean well", BENEFICIARY),  # "me" only as a whole word
        ("not for me, for my mom", BENEFICIARY),  # two answers: ask again, don't guess
        ("我不知道", URGENCY),
        ("call me", URGENCY),  # a contact answer is no urgency
    ],
)
def test_no_answer_or_two_answers_read_as_none(text, allowed) -> None:
    assert read_closed_answer(text, allowed) is None


def test_surface_forms_come_from_the_synonym_blocks(tmp_path: Path) -> None:
    data = tmp_path / "synonyms.yml"
    data.write_text(
        'version: "3.1"\nnlu:\n- synonym: chat\n  examples: |\n    - 這裡\n    - Here\n'
        "- intent: greet\n  examples: |\n    - hi\n",
        encoding="utf-8",
    )
    assert surface_forms(data) == {"chat": "chat", "這裡": "chat", "here": "chat"}
    assert read_closed_answer("reply HERE", ["chat"], path=data) == "chat"
