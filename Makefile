# CoServe (合產). `make install`, then `make run`; `make test` runs every test.
# All tools run from the one virtual environment in .venv (Python 3.10, for Rasa 3.6).

VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
MODEL := models/coserve.tar.gz
RASA := $(BIN)/rasa
export HF_HUB_OFFLINE ?= 1
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1

.PHONY: install run test unit validate train index stories nlu-eval check lock clean help telegram-webhook browser widget-size dashboard consumer

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

install: $(VENV)/.installed .env browser  ## create .venv and install everything from requirements.lock

$(VENV)/.installed: requirements.lock pyproject.toml
	@python=$$(scripts/find_python310.sh) && echo "using $$python" && \
	  { [ -x $(BIN)/python ] || $$python -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --no-deps -e .
	touch $@

.env: | $(VENV)/.installed
	scripts/ensure_env.sh

browser:  ## Debian's Chromium for the widget tests (apt-get as root; otherwise prints the command)
	scripts/install_browser.sh

widget-size: install  ## benchmark: the widget's gzipped size
	$(BIN)/python benchmarks/widget_size.py

run: install  ## train if needed, build the index, start everything (Ctrl-C stops it)
	scripts/run.sh

train: install  ## train the Rasa model (skipped when data and config are unchanged)
	$(RASA) train --fixed-model-name coserve

index: install  ## build the search index (embeds only changed entries)
	$(BIN)/coserve kb build --quiet

validate: install  ## check the training data and domain
	$(RASA) data validate --fail-on-warnings

unit: install  ## the pytest suite alone
	$(BIN)/python -m pytest

stories: train  ## the test conversations in tests/test_stories.yml
	$(RASA) test core --model $(MODEL) --stories tests/test_stories.yml \
	  --fail-on-prediction-errors --out results/stories

test: validate train index unit stories  ## every test

nlu-eval: install  ## benchmark: 5-fold cross-validation per language and pipeline
	$(BIN)/python benchmarks/nlu_eval.py

check: install  ## lint and type-check
	$(BIN)/ruff check bot channels tests benchmarks
	$(BIN)/mypy bot channels

dashboard: install  ## the agency dashboard on :8090 (coserve dashboard add-user NAME first)
	$(BIN)/coserve dashboard serve

consumer: install  ## the insights consumer for the scale-out path (insights.sink: broker)
	$(BIN)/coserve insights-consumer run

telegram-webhook: install  ## point the Telegram bot's webhook at TELEGRAM_WEBHOOK_URL
	$(BIN)/python scripts/telegram_webhook.py

lock:  ## re-resolve requirements.in into requirements.lock
	$(BIN)/uv pip compile requirements.in --python-version 3.10 \
	  --python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements.lock

clean:  ## remove trained models, indexes and results (keeps .venv and .env)
	rm -rf models results var/index
