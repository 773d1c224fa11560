#!/usr/bin/env bash
# `make run`: train if the data changed, build the search index if the knowledge base
# changed, then start the action server, the Rasa server (REST and socket.io channels from
# credentials.yml) and the demo page, whose chat widget talks to Rasa over socket.io.
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv/bin
RASA_PORT=${RASA_PORT:-5005}
ACTIONS_PORT=${ACTIONS_PORT:-5055}
WEB_PORT=${WEB_PORT:-8080}
CREDENTIALS=${RASA_CREDENTIALS:-credentials.yml}   # credentials-channels.yml adds LINE and Telegram

"$VENV/rasa" train --fixed-model-name coserve   # no-op when nothing changed
"$VENV/coserve" kb build                         # embeds only changed entries

pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$VENV/python" -m bot.action_server --port "$ACTIONS_PORT" & pids+=($!)
"$VENV/rasa" run --model models/coserve.tar.gz --port "$RASA_PORT" --cors "*" --enable-api \
  --credentials "$CREDENTIALS" & pids+=($!)
"$VENV/python" -m bot.web --port "$WEB_PORT" --rasa-url "http://localhost:$RASA_PORT" & pids+=($!)

echo "Chat page:   http://localhost:$WEB_PORT/  (widget: http://localhost:$WEB_PORT/static/coserve-widget.js)"
echo "REST API:    http://localhost:$RASA_PORT/webhooks/rest/webhook"
echo "Ctrl-C to stop."
wait -n "${pids[@]}"
