"""``coserve dashboard serve | add-user``: run the agency dashboard, create staff accounts.

``add-user`` prompts for the password twice, or reads one line from standard input when
that is not a terminal, so scripts can create accounts without a password in argv (which
other users of the machine could see in the process list).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any, Callable, Optional

from bot.cli_support import fail

Handler = Callable[[argparse.Namespace], int]


def _settings() -> Any:
    from bot.settings import get_settings

    return get_settings()


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default: dashboard.host)")
    parser.add_argument("--port", type=int, help="port (default: dashboard.port, 8090)")
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.dashboard.app import app_from_settings
    from bot.dashboard.config import dashboard_settings

    settings = _settings()
    config = dashboard_settings(settings)
    host, port = args.host or config.host, args.port or config.port
    print(f"CoServe dashboard: http://{host}:{port}/")
    web.run_app(app_from_settings(settings), host=host, port=port, print=None)
    return 0


def read_password(stdin: Any = None) -> Optional[str]:
    """From a terminal: asked twice, None when they differ; otherwise the first line of stdin."""
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    return first if getpass.getpass("Again: ") == first else None


def run_add_user(args: argparse.Namespace) -> int:
    from bot.dashboard.users import StaffUsers, UserError
    from bot.insights.database import StoreUnavailable
    from bot.insights.store import InsightsStore

    password = read_password()
    if password is None:
        return fail("the passwords differ")
    store = InsightsStore(args.database_url) if args.database_url else \
        InsightsStore.from_settings(_settings())
    try:
        store.open()
        store.migrate()
        StaffUsers(store).add(args.name, password, replace=args.reset)
    except UserError as error:
        return fail(str(error))
    except StoreUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{'password reset for' if args.reset else 'added'} {args.name}")
    return 0


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = groups.add_parser("dashboard", help="the agency dashboard for staff")
    commands = group.add_subparsers(dest="command", required=True)
    add_serve_arguments(commands.add_parser("serve", help="run the dashboard web server"))
    add_user = commands.add_parser("add-user", help="create a staff account (password from a "
                                                    "prompt, or one line of stdin)")
    add_user.add_argument("name", help="user name: letters, digits, . _ @ -")
    add_user.add_argument("--reset", action="store_true", help="give an existing user a new password")
    add_user.add_argument("--database-url", help="insights database (default: coserve.yml)")
    add_user.set_defaults(handler=run_add_user)
