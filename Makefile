# Healthlead: `make run` starts the platform, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := healthlead.config.settings

.PHONY: run test check lint format typecheck migrations-check pytest browser-tests screenshots bench loadtest assets clean venv help

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(PY) requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed  ## Create .venv with the pinned dependencies

run: venv  ## Start web server and task worker on the embedded database, with demo data
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

check: venv  ## Format, lint, template, migration and type checks
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check_templates
	$(BIN)/mypy

pytest: venv  ## The test suite alone
	$(BIN)/pytest

test: check pytest  ## Everything CI runs

browser-tests: venv  ## The browser tests alone: Playwright in Debian's Chromium, with axe
	$(BIN)/pytest tests/functional --no-cov

screenshots: venv  ## Full-page PNGs of every page the browser tests check, in var/screenshots/
	rm -rf var/screenshots
	SCREENSHOT_DIR=var/screenshots $(BIN)/pytest tests/functional --no-cov

format: venv  ## Apply the formatter and safe lint fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/healthlead_bench
bench: export DATABASE_URL = $(BENCH_DATABASE_URL)
bench: venv  ## Benchmarks at SCALE (trust, region, england) on BENCH_DATABASE_URL; writes docs/benchmarks.md
	$(PY) manage.py bench --create-database
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py synth --scale $${SCALE:-trust} --seed 2012 --yes
	$(PY) manage.py bench --scale $${SCALE:-trust}

LOADTEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/healthlead_load
loadtest: export LOADTEST_DATABASE_URL := $(LOADTEST_DATABASE_URL)
loadtest: venv  ## Load test: region data, gunicorn + worker on PostgreSQL, 50 users for 60 s; writes docs/loadtest.md
	$(BIN)/pip install --quiet -r requirements-load.txt
	$(PY) loadtest/run.py $(LOADTEST_ARGS)

assets:  ## Refresh the vendored NHS.UK frontend assets (needs npm)
	scripts/vendor_nhsuk.sh

clean:  ## Remove the virtualenv, local database and collected assets
	rm -rf $(VENV) var/ staticfiles/
