#!/usr/bin/env bash
# Writes .env with a fresh random pseudonym key the first time; never overwrites one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .env ]; then
  key=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')
  printf '# Local secrets (not committed). See docs/configuration.md.\nCOSERVE_PSEUDONYM_KEY=%s\n' "$key" > .env
  echo "wrote .env with a new pseudonym key"
fi
