# The README's commands. `make run` serves the demo on a laptop; `make test` is what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint format install install-dev migrate clean bench lock loadtest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the locked dependencies change. Every package, transitive ones included,
# comes from the lock files at the version and with the hashes recorded there; the project itself
# is installed without resolving anything more.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# Re-resolve the lock files from pyproject.toml's pins (after changing a dependency there).
lock:
	$(PYTHON) -m venv .venv-tools
	.venv-tools/bin/pip install --quiet pip-tools==7.6.2
	CUSTOM_COMPILE_COMMAND="make lock" .venv-tools/bin/pip-compile --quiet --generate-hashes \
		--strip-extras --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" .venv-tools/bin/pip-compile --quiet --generate-hashes \
		--strip-extras --no-emit-index-url --no-emit-find-links --extra dev \
		--output-file requirements-dev.lock pyproject.toml

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(MANAGE) migrate --noinput

run: migrate
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(MANAGE) check --fail-level WARNING
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The room page against Django's floor on PostgreSQL with gunicorn (needs wrk and PostgreSQL).
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/live.py

# Two hundred buyers, twenty sellers, five managers and an API script on the production shape
# (gunicorn, Celery, beat, PgBouncer, PostgreSQL, Redis), with Redis stopped and a worker killed
# mid-run; then the books (bench/loadtest.py; LOADTEST_DURATION=30 for a short try).
loadtest: install-dev
	$(BIN)/python bench/loadtest.py

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .venv-tools var/static build *.egg-info
