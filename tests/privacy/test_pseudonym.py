"""Pseudonyms: keyed, stable, short, and never the raw id."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.privacy.pseudonym import is_pseudonymous_id, pseudonymous_id

KEY = "test-key-0123456789abcdef"


def test_matches_the_documented_formula() -> None:
    expected = hmac.new(KEY.encode(), b"telegram:123456789", hashlib.sha256).hexdigest()[:32]
    assert pseudonymous_id(KEY, "telegram", "123456789") == expected


def test_stable_and_same_for_str_and_bytes_keys() -> None:
    first = pseudonymous_id(KEY, "line", "U4af4980629")
    assert first == pseudonymous_id(KEY, "line", "U4af4980629")
    assert first == pseudonymous_id(KEY.encode(), "line", "U4af4980629")
    assert len(first) == 32 and is_pseudonymous_id(first)


def test_depends_on_key_channel_and_user() -> None:
    base = pseudonymous_id(KEY, "line", "U1")
    assert base != pseudonymous_id("another-key", "line", "U1")
    assert base != pseudonymous_id(KEY, "telegram", "U1")
    assert base != pseudonymous_id(KEY, "line", "U2")


@pytest.mark.parametrize(
    "key, channel, user",
    [("", "line", "U1"), (b"", "line", "U1"), (KEY, "a:b", "c"), (KEY, "", "U1"), (KEY, "line", "")],
)
def test_rejects_unsafe_input(key: object, channel: str, user: str) -> None:
    with pytest.raises(ValueError):
        pseudonymous_id(key, channel, user)  # type: ignore[arg-type]


@given(st.text(min_size=1, max_size=80))
def test_raw_id_never_leaks_into_the_pseudonym(user: str) -> None:
    pid = pseudonymous_id(KEY, "telegram", user)
    assert is_pseudonymous_id(pid)
    if len(user) >= 8:  # shorter strings can occur in 32 random hex digits by chance
        assert user not in pid


@pytest.mark.parametrize("value", ["U4af4980629", "123456789", "A" * 32, "0" * 31, None, 42])
def test_is_pseudonymous_id_rejects_raw_ids(value: object) -> None:
    assert not is_pseudonymous_id(value)
