# Two commands a user needs: `make run` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Exact versions of every dependency (dev tools too), for every platform: `make lock` refreshes it.
LOCK := requirements.lock
UV_VERSION := 0.13.9

.PHONY: run test lint typecheck bench clean lock locales

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	# torch first, pinned, so the CPU wheel is taken rather than a multi-GB CUDA build.
	$(BIN)/python -m pip install -c $(LOCK) "torch==2.13.0"
	# -c: the lock's versions for whatever pyproject.toml asks (a new release changes nothing here).
	$(BIN)/python -m pip install -c $(LOCK) -e ".[dev]"
	touch $(STAMP)

# Re-resolve after editing pyproject.toml's dependencies; versions already locked are kept where they
# still fit. `make lock UPGRADE=1` moves everything to the newest releases allowed.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade) -o $(LOCK)

# The message catalogs (bot/locales): extract every t(...) / t.plural(...) / N_(...) string into the
# template, merge it into each language's messages.po (new entries empty, to translate), compile the .mo
# files the bot loads (committed; tests/test_i18n.py fails while one is stale or a message untranslated).
LOCALES := bot/locales
locales: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k t -k plural:1,2 -k N_ -c TRANSLATORS: --no-location \
		--sort-output --omit-header -o $(LOCALES)/messages.pot bot
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages --no-fuzzy-matching \
		--ignore-pot-creation-date --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALES) -D messages --statistics

run: $(STAMP)
	$(BIN)/python -m bot

lint: $(STAMP)
	$(BIN)/ruff check bot summarizer tests bench
	$(BIN)/ruff format --check bot summarizer tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
