"""Start-up for the action server: open services first, then serve ``bot.actions``.

``rasa run actions`` would import the actions and open the index on the first request;
this entry point loads the index and the embedding model before accepting traffic, so the
first citizen does not wait for them and a broken index fails the start, not a chat.
"""

from __future__ import annotations

import argparse
import logging

from bot.services import get_services


def main() -> None:
    parser = argparse.ArgumentParser(description="CoServe action server")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    get_services().warm_up()

    from rasa_sdk.endpoint import run

    run("bot.actions", port=args.port)


if __name__ == "__main__":
    main()
