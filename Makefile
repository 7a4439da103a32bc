# Entraide — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes in parallel (pytest-xdist): one per core of the 2-core machines we run on.
TEST_WORKERS ?= 2

.PHONY: install run test chaos fuzz bench quality lint format typecheck worker beat messages clean

# --no-compile: Python compiles a module the first time it is imported, so the install does
# not spend half its time compiling every file of every package (mypy's, playwright's...).
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

## Fresh clone → virtual environment → install → migrate → demo city → http://127.0.0.1:8000
## Links in e-mails follow the address it is started on (`make run PORT=8101`), unless
## ENTRAIDE_BASE_URL is set.
run: export ENTRAIDE_BASE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) runserver $(HOST):$(PORT)

## The whole test suite. With DATABASE_URL and REDIS_URL set, against PostgreSQL and
## Redis with a real Celery worker; without, on SQLite with eager tasks.
test: install
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## Kill a worker and restart the broker in the middle of 1,000 notifications (PostgreSQL).
chaos: install
	$(BIN)/pytest -m chaos -p no:randomly -s $(PYTEST_ARGS)

## The API fuzzed against its own schema by schemathesis, as each role, on a live server
## (PostgreSQL when DATABASE_URL is set). FUZZ_ARGS="--examples 30 --max-time 300" digs deeper.
fuzz: install
	$(BIN)/python tests/fuzz/run.py $(FUZZ_ARGS)

## Benchmarks: printed figures, never pass/fail (PostgreSQL and Redis on localhost).
## Matching at surge scale takes a while; try MATCHING_BENCH_ARGS="--scale 0.05" first
## (and REPORTS_BENCH_ARGS="--scale 0.05" for the dashboard and the import; STAFF_BENCH_ARGS
## for the staff pages at 100,000 offers; API_BENCH_ARGS="--quick" for the API lists and
## creations beside bare views, under gunicorn).
bench: install
	$(BIN)/python bench/urgent_call.py $(BENCH_ARGS)
	$(BIN)/python bench/matching.py $(MATCHING_BENCH_ARGS)
	$(BIN)/python bench/reports.py $(REPORTS_BENCH_ARGS)
	$(BIN)/python bench/privacy.py $(PRIVACY_BENCH_ARGS)
	$(BIN)/python bench/staff.py $(STAFF_BENCH_ARGS)
	$(BIN)/python bench/api.py $(API_BENCH_ARGS)

quality: install lint typecheck
	$(MANAGE) makemigrations --check --dry-run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install
	$(BIN)/mypy platform notifications offers needs matching

worker: install
	$(BIN)/celery -A entraide worker --loglevel=INFO

beat: install
	$(BIN)/celery -A entraide beat --loglevel=INFO --schedule=var/celerybeat-schedule

## Extract the strings to translate, then compile the catalogues (needs GNU gettext).
## English is the source language: msgen copies each new msgid into the English catalogue,
## because an untranslated string would otherwise fall back to French, the default.
## The languages after uk translate a few public pages only (docs/translation.md).
messages: install
	$(MANAGE) makemessages -l fr -l en -l ar -l uk \
		-l fa_AF -l ps -l ti -l ru -l tr -l bn -l ln --no-obsolete \
		--ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=docs
	msgattrib --clear-fuzzy --empty locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po
	msgen locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po
	$(MANAGE) compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
