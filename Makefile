# The README's two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PO_FILES := $(wildcard uprest/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test test-sqlite test-postgres setup db demo translations extract check-translations bench lint clean

run: setup db demo ## set up everything and serve the app with demo data on http://127.0.0.1:5000
	@echo ""
	@echo "UPREST is running on http://$(HOST):$(PORT)/  — log in at http://$(HOST):$(PORT)/login"
	@echo ""
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

test: setup test-sqlite test-postgres ## the whole suite on SQLite, then on PostgreSQL

test-sqlite: setup
	UPREST_TEST_DATABASE_URL= $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: setup
	UPREST_TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed translations

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

translations: $(MO_FILES)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null 2>&1 || $(BIN)/pybabel compile -i $< -o $@

db: setup ## apply migrations
	$(FLASK) db upgrade

demo: db ## load frameworks, target profiles, course modules and demo accounts (idempotent)
	$(FLASK) frameworks import courses/frameworks
	$(FLASK) profiles import courses/profiles
	$(FLASK) courses import courses/
	$(FLASK) seed-demo

extract: setup ## extract messages and update the catalogues
	$(FLASK) translate extract

check-translations: setup
	$(FLASK) translate check

bench: setup ## load tests; see bench/README.md
	$(BIN)/python bench/run.py

lint: setup
	$(BIN)/ruff check uprest tests bench

clean:
	rm -rf $(VENV) instance .pytest_cache
