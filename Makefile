# The README's two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# The Debian packages the two commands need, and the only place they are listed (README: "Before the two
# commands"). `make run` needs SYSDEPS: python3-venv for `python3 -m venv`, Pango/HarfBuzz and a font for
# WeasyPrint's PDFs. `make test` needs more for the browser tests: libatomic1 for Playwright's bundled Node.js
# driver, Chromium unless CHROMIUM_PATH names an existing browser, and the tools that check the deployment
# examples in docs/deploy/: nginx (`nginx -t`; Debian starts it on port 80 where systemd runs, `systemctl
# disable --now nginx` if you do not want it), systemd (`systemd-analyze verify`), openssl (a test certificate),
# and postgresql-client for the backup drill on PostgreSQL (`pg_dump`, `pg_restore`); poppler-utils (`pdftoppm`) and
# zbar-tools (`zbarimg`) for the certificate tests, which render page 1 to an image and decode its QR code.
SYSDEPS := python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
SYSDEPS_TEST := $(SYSDEPS) libatomic1 nginx systemd openssl postgresql-client poppler-utils zbar-tools $(if $(wildcard $(CHROMIUM_PATH)),,chromium)
PO_FILES := $(wildcard uprest/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: lock lock-upgrade format run test test-sqlite test-postgres sysdeps sysdeps-test postgres-ready setup db demo translations extract check-translations bench lint clean

# Links in mail point at the server `make run` starts, unless UPREST_PUBLIC_BASE_URL is set already.
run: export UPREST_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: sysdeps setup db demo ## set up everything and serve the app with demo data on http://127.0.0.1:5000
	@echo ""
	@echo "UPREST is running on http://$(HOST):$(PORT)/  — log in at http://$(HOST):$(PORT)/login"
	@echo ""
	@# The mail worker delivers the outbox beside the server and stops with it.
	$(FLASK) mail worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

# The two passes run side by side (TEST_JOBS of them at once; TEST_JOBS=1 runs them one after the other). Each
# pass's output is printed whole when it ends (make's --output-sync), so the two do not interleave.
TEST_JOBS ?= 2
test: sysdeps-test setup lint postgres-ready ## lint, then the whole suite on SQLite and on PostgreSQL, side by side
	@echo "Running the suite on SQLite and on PostgreSQL ($(TEST_JOBS) at once); each pass prints its report when it ends."
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target test-sqlite test-postgres

test-sqlite: sysdeps-test setup
	UPREST_TEST_DATABASE_URL= $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: sysdeps-test setup postgres-ready
	UPREST_TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

sysdeps: ## install the Debian packages `make run` needs (as root; otherwise prints the sudo command)
	@bin/sysdeps $(SYSDEPS)

sysdeps-test: ## the same for `make test` (adds Chromium)
	@bin/sysdeps $(SYSDEPS_TEST)

postgres-ready: setup ## make sure PostgreSQL answers at TEST_POSTGRES_URL (starts the local cluster, creates the database)
	@$(BIN)/python bin/ensure-postgres '$(TEST_POSTGRES_URL)'

setup: $(VENV)/.installed translations

$(VENV)/.installed: pyproject.toml requirements.lock requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "UPREST needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1). Try: make PYTHON=python3.12 ..."; exit 1; }
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# Exactly the versions of the lock files (hash-checked), then the app itself without dependencies.
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

LOCK := $(BIN)/pip-compile --quiet --strip-extras --generate-hashes --no-emit-index-url --no-emit-find-links --allow-unsafe
lock: setup ## update the lock files after changing pyproject.toml (keeps the pins that still fit)
	$(LOCK) $(LOCK_ARGS) --extra postgres --output-file requirements.lock pyproject.toml
	$(LOCK) $(LOCK_ARGS) --extra dev --extra postgres -c requirements.lock --output-file requirements-dev.lock pyproject.toml

lock-upgrade: ## re-resolve the lock files to the newest versions the ranges allow
	$(MAKE) lock LOCK_ARGS=--upgrade

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

lint: setup ## ruff's checks and its formatter (one style, line length 120)
	$(BIN)/ruff check uprest tests bench migrations wsgi.py gunicorn.conf.py
	$(BIN)/ruff format --check uprest tests bench migrations wsgi.py gunicorn.conf.py

format: setup ## apply ruff's formatter
	$(BIN)/ruff format uprest tests bench migrations wsgi.py gunicorn.conf.py

clean:
	rm -rf $(VENV) instance .pytest_cache
