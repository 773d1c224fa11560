"""``python -m bot.dashboard [--host H] [--port P]``: the same as ``coserve dashboard serve``."""

from __future__ import annotations

import argparse
import sys

from bot.dashboard.commands import add_serve_arguments


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.dashboard", description="CoServe agency dashboard")
    add_serve_arguments(parser)
    args = parser.parse_args()
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
