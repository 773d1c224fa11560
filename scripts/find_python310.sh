#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 needs 3.8-3.10; we use 3.10):
# first on PATH, then under pyenv. Exits 1 with the fix when there is none.
for candidate in python3.10 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10; do
  if path=$(command -v "$candidate" 2>/dev/null) && "$path" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
cat >&2 <<'MSG'
error: no Python 3.10 found (Rasa 3.6 does not run on 3.11 or newer).
Fix one of:
  pyenv install 3.10.13                          # then run `make install` again
  sudo apt-get install python3.10 python3.10-venv  # Debian/Ubuntu with 3.10 packages
  PATH=/path/to/python3.10/bin:$PATH make install
MSG
exit 1
