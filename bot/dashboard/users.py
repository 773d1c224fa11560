"""Staff accounts: salted scrypt hashes in ``staff_users``, checked in constant time.

scrypt because it is slow and memory-hard, so a stolen table costs an attacker dearly, and
it is in the standard library. The parameters are stored with each hash, so they can be
raised later without invalidating existing passwords. A name that does not exist is checked
against a dummy hash, so the time taken does not tell which names are staff.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime
from functools import lru_cache
from typing import Callable

from sqlalchemy import insert, select, update

from bot.dashboard.tables import staff_users
from bot.insights.store import InsightsStore, utc_now

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 12
NAME = re.compile(r"^[\w.@-]{1,64}$")


class UserError(ValueError):
    """A name or password that cannot be used, or a name that already exists."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                            p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Recomputes with the stored salt and parameters; compares in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n),
                                r=int(r), p=int(p), dklen=len(expected))
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(actual, expected)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """What unknown names are checked against (made on first use, not at import)."""
    return hash_password(secrets.token_urlsafe(16))


class StaffUsers:
    """Adds staff and checks their passwords; the SQL for ``staff_users`` lives here only."""

    def __init__(self, store: InsightsStore, clock: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self._clock = clock

    def add(self, name: str, password: str, replace: bool = False) -> None:
        """Creates ``name``; with ``replace`` an existing account gets the new password."""
        if not NAME.match(name):
            raise UserError("a name is 1–64 letters, digits or . _ @ -")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise UserError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        now, hashed = self._clock(), hash_password(password)
        with self.store.db.transaction(force=True) as connection:
            exists = connection.execute(
                select(staff_users.c.id).where(staff_users.c.name == name)).first()
            if exists and not replace:
                raise UserError(f"{name!r} exists; use --reset to give it a new password")
            if exists:
                connection.execute(update(staff_users).where(staff_users.c.name == name)
                                   .values(password_hash=hashed, updated_at=now))
            else:
                connection.execute(insert(staff_users).values(
                    name=name, password_hash=hashed, created_at=now, updated_at=now))
        action = "dashboard.password_reset" if exists else "dashboard.user_added"
        self.store.record_audit("cli", action, None, {"staff": name})

    def check(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s; as slow for unknown names as for known ones."""
        with self.store.db.transaction() as connection:
            stored = connection.execute(
                select(staff_users.c.password_hash).where(staff_users.c.name == name)
            ).scalar_one_or_none()
        return verify_password(password, stored or _dummy_hash()) and stored is not None
