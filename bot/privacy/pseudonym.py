"""Keyed pseudonyms for channel accounts.

A plain hash of a LINE or Telegram id could be reversed by hashing every plausible id, so the
pseudonym is an HMAC under a secret key (``insights.pseudonym_key``). The same key always
gives the same pseudonym, which lets a person's consent, needs and preferences be linked and
deleted together without the raw id being stored anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Union

PSEUDONYM_HEX_CHARS = 32  # 128 bits: no collisions in practice, short enough for an index
_PSEUDONYM = re.compile(rf"[0-9a-f]{{{PSEUDONYM_HEX_CHARS}}}")


def pseudonymous_id(key: Union[bytes, str], channel: str, channel_user_id: str) -> str:
    """Hex HMAC-SHA256 of ``"{channel}:{channel_user_id}"``, cut to 32 characters.

    Raises ValueError for an empty key (the result would be an unkeyed, guessable hash) and
    for a channel name containing ``:`` (``"a:b"`` + ``"c"`` would collide with ``"a"`` +
    ``"b:c"``).
    """
    secret = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if not secret:
        raise ValueError("pseudonym key is empty; set COSERVE_PSEUDONYM_KEY")
    if not channel or ":" in channel:
        raise ValueError(f"channel name must be non-empty and contain no ':': {channel!r}")
    if not channel_user_id:
        raise ValueError("channel_user_id is empty")
    message = f"{channel}:{channel_user_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]


def is_pseudonymous_id(value: object) -> bool:
    """Whether ``value`` has the shape of a pseudonym, so stores can refuse raw channel ids."""
    return isinstance(value, str) and _PSEUDONYM.fullmatch(value) is not None
