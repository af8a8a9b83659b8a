# THAMM apprentice mobility platform. `make demo` runs the local stack with a demo; `make test` runs the tests.
SHELL := /bin/bash
PY := .venv/bin/python
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: bootstrap browser install up down status demo test test-unit lint format contracts bench clean

bootstrap: .venv/.synced
.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.5"
	$(UV) sync --frozen
	@touch $@

install: bootstrap contracts/tools/node_modules/.installed services/monitoring/dashboard/node_modules/.installed browser
	$(PY) -m deploy.local install

contracts/tools/node_modules/.installed: contracts/tools/package-lock.json
	cd contracts/tools && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The dashboard's chart library, served by the monitoring service itself.
services/monitoring/dashboard/node_modules/.installed: services/monitoring/dashboard/package-lock.json
	cd services/monitoring/dashboard && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's Chromium for the dashboard's browser test (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

up: install
	$(PY) -m deploy.local up

down:
	@if [ -x $(PY) ]; then $(PY) -m deploy.local down; fi

status: bootstrap
	$(PY) -m deploy.local status

demo: up
	$(PY) -m deploy.local demo

test: install
	$(PY) -m pytest

test-unit: bootstrap
	$(PY) -m pytest tests/unit

lint: bootstrap
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy contracts services workflows deploy bench
	.venv/bin/lint-imports

format: bootstrap
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

contracts: bootstrap
	$(PY) -m contracts.tools.generate
	$(PY) -m contracts.tools.compat
	cd contracts/tools && node validate-asyncapi.mjs ../asyncapi.yaml

bench: install
	$(PY) -m bench

clean:
	@if [ -x $(PY) ]; then $(PY) -m deploy.local clean; fi
	rm -rf .run
