"""``coserve``: the commands staff and developers run (index builds, evaluation, imports).

Each command group lives beside the service it drives (``bot/<service>/commands.py``) and
registers itself here; heavy work stays in commands, never in the request path.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, List, Optional

# Modules with a ``register(subparsers)`` function, one per command group.
COMMAND_MODULES = (
    "bot.search.commands",
    "bot.nlu.commands",
    "bot.followup_commands",
    "bot.dashboard.commands",
    "bot.insights.commands",
    "bot.insights.consumer_commands",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coserve", description="CoServe (合產) commands")
    groups = parser.add_subparsers(dest="group", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(groups)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
