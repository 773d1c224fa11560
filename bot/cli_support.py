"""Small helpers shared by the ``coserve`` command modules."""

from __future__ import annotations

import sys


def fail(message: str) -> int:
    """Prints ``error: message`` to stderr and returns the exit code for a usage/data error."""
    print(f"error: {message}", file=sys.stderr)
    return 2
