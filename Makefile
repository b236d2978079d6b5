# Unidesk: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: help run test test-fast lint typecheck format messages bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

run: $(STAMP) ## run Unidesk on SQLite with demo data at http://127.0.0.1:$(PORT)
	@mkdir -p var
	$(BIN)/unidesk migrate --no-input -v 0
	$(BIN)/unidesk demo --if-empty
	PORT=$(PORT) $(BIN)/unidesk run

test: $(STAMP) ## run the whole test suite (UNIDESK_DATABASE_URL picks the database)
	@mkdir -p var
	$(BIN)/pytest -n 2 --dist loadfile

test-fast: $(STAMP) ## the suite without the browser and concurrency tests, one process
	$(BIN)/pytest -m "not e2e"

lint: $(STAMP) ## ruff, format check, missing migrations, mypy on the domain code
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/unidesk makemigrations --check --dry-run -v 0
	$(BIN)/mypy unidesk

format: $(STAMP) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(STAMP) ## refresh and compile the Russian translation
	cd unidesk && ../$(BIN)/unidesk makemessages -l ru --no-obsolete --ignore 'tests/*' --ignore '*/tests/*' && ../$(BIN)/unidesk compilemessages -l ru

bench: $(STAMP) ## run the benchmarks (see bench/README.md)
	$(BIN)/python bench/core_bench.py

clean: ## remove the virtualenv and local data
	rm -rf $(VENV) var
