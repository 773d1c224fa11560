"""``coserve nlu …``: helpers for the NLU training data."""

from __future__ import annotations

import argparse


def nlu_userdict(args: argparse.Namespace) -> int:
    from bot.nlu import userdict
    from bot.settings import PROJECT_ROOT

    target = PROJECT_ROOT / "data" / "dictionaries" / "nlu_terms.txt"
    count = userdict.write(PROJECT_ROOT / "data" / "nlu", target)
    print(f"wrote {count} terms to {target}")
    return 0


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    nlu = groups.add_parser("nlu", help="NLU data helpers").add_subparsers(dest="command", required=True)
    userdict = nlu.add_parser("userdict", help="regenerate data/dictionaries/nlu_terms.txt")
    userdict.set_defaults(handler=nlu_userdict)
