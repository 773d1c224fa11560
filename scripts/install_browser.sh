#!/usr/bin/env bash
# Installs Debian's Chromium for the widget tests in tests/web; with --fonts also a Traditional
# Chinese font (about 90 MB), needed only to make readable screenshots for docs/screenshots.
# Playwright drives it through executable_path=/usr/bin/chromium; Playwright's own browser
# download cannot work here (no network beyond the package mirrors).
# Idempotent: does nothing when everything is present. Not root: prints the command and exits 0,
# and the browser tests skip, saying so.
set -euo pipefail

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
if [ "${1:-}" = "--fonts" ] && ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh-tw | grep -q .; }; then
  packages+=(fonts-noto-cjk)
fi

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi
command="apt-get update && apt-get install -y ${packages[*]}"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The widget tests need: ${packages[*]}. As root, run:"
  echo "  $command"
  exit 0
fi
echo "installing ${packages[*]} (for the widget tests)…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${packages[@]}" >/dev/null
