# Every target sets up .venv itself. The environment is reinstalled only when pyproject.toml
# changes: the stamp file's name carries a hash of it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

PYPROJECT_HASH := $(shell $(PYTHON) -c "import hashlib; print(hashlib.sha256(open('pyproject.toml', 'rb').read()).hexdigest()[:16])")
DEV_STAMP      := $(VENV)/.installed-dev-$(PYPROJECT_HASH)
# Node packages (the Solidity compiler and the Anvil EVM node used by the ledger tests).
NODE_STAMP     := node_modules/.installed-$(shell $(PYTHON) -c "import hashlib; print(hashlib.sha256(open('package-lock.json', 'rb').read()).hexdigest()[:16])")
BENCH_STAMP    := $(VENV)/.installed-bench-$(PYPROJECT_HASH)

.DEFAULT_GOAL := help

.PHONY: help run test lint format bench clean

help:
	@echo "make run     set up .venv and start the service on http://127.0.0.1:8000 (SQLite in var/)"
	@echo "make test    lint, type-check, check import layering, then run the tests"
	@echo "make lint    ruff, ruff format --check, mypy, lint-imports"
	@echo "make format  apply ruff's formatting and safe fixes"
	@echo "make bench   run the benchmarks against peer libraries"
	@echo "make clean   remove .venv, caches and build output (var/ is kept)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(DEV_STAMP): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-dev-*
	touch $@

$(BENCH_STAMP): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	rm -f $(VENV)/.installed-dev-* $(VENV)/.installed-bench-*
	touch $@ $(DEV_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The embedded default: SQLite under ./var/, no chain; secrets are created on first start.
run: $(DEV_STAMP)
	$(BIN)/chancery serve --demo

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint $(NODE_STAMP)
	$(BIN)/pytest

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(BENCH_STAMP) $(NODE_STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache
	find . -path ./.git -prune -o \( -name __pycache__ -o -name '*.egg-info' \) -type d -prune -exec rm -rf {} +
