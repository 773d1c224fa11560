"""Staff accounts: slow salted hashes, constant-time checks, and ``coserve dashboard add-user``."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from bot.dashboard import commands
from bot.dashboard.users import StaffUsers, UserError, hash_password, verify_password
from bot.insights.store import InsightsStore

from .support import PASSWORD, STAFF


def test_hashes_are_salted_scrypt_and_verify() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second and first.startswith("scrypt$16384$8$1$")
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)
    assert not verify_password(PASSWORD + " ", first)


@pytest.mark.parametrize("stored", ["", "plain", "md5$x$y$z$a$b", "scrypt$16384$8$1$!!$!!"])
def test_malformed_hashes_never_verify(stored: str) -> None:
    assert not verify_password(PASSWORD, stored)


def test_accounts_are_checked_and_creation_is_audited(store: InsightsStore) -> None:
    users = StaffUsers(store)
    assert users.check(STAFF, PASSWORD) and not users.check(STAFF, "nope") and not users.check("x", PASSWORD)
    users.add("chen", "another long password")
    assert users.check("chen", "another long password")
    assert store.audit_log()[0].action == "dashboard.user_added"
    assert store.audit_log()[0].detail == {"staff": "chen"}


@pytest.mark.parametrize("name, password, message", [
    ("has space", PASSWORD, "a name is"), ("", PASSWORD, "a name is"), ("ok", "short", "at least 12"),
    (STAFF, PASSWORD, "exists; use --reset"),
])
def test_unusable_accounts_are_refused(store: InsightsStore, name: str, password: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        StaffUsers(store).add(name, password)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers(dest="group", required=True))
    return parser.parse_args(["dashboard", *argv])


def test_add_user_reads_the_password_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    args = parse("add-user", "wang", "--database-url", url)
    assert args.handler(args) == 0 and "added wang" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert args.handler(args) == 2 and "--reset" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("the new long password\n"))
    reset = parse("add-user", "wang", "--reset", "--database-url", url)
    assert reset.handler(reset) == 0
    store = InsightsStore(url, spool_path=tmp_path / "spool.jsonl")
    assert StaffUsers(store).check("wang", "the new long password")
    store.close()


def test_add_user_asks_twice_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["one password here", "another password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert commands.read_password(Terminal()) is None
    answers = iter(["same password here", "same password here"])
    assert commands.read_password(Terminal()) == "same password here"


def test_serve_takes_host_and_port() -> None:
    args = parse("serve", "--port", "8091", "--host", "0.0.0.0")
    assert (args.port, args.host, args.handler) == (8091, "0.0.0.0", commands.run_serve)
