# make demo | make test | make lint | make bench | make clean
# Each target bootstraps its own virtualenv; `make test` and `make bench` run a throwaway
# PostgreSQL 15 (scripts/pg.sh) and always stop it afterwards.

SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PG := scripts/pg.sh
PYTEST_ARGS ?=

# Runs the rest of its recipe line with PostgreSQL started and CASELEDGER_TEST_POSTGRES_URL
# exported, and stops the server however the line ends (the lease keeps a concurrent run
# in the same checkout from stopping a server this one still uses).
WITH_POSTGRES = set -o pipefail; export CASELEDGER_PG_LEASE=$$$$; \
	trap 'bash $(PG) stop' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	CASELEDGER_TEST_POSTGRES_URL=$$(bash $(PG) start | tail -n 1) || exit 1; \
	export CASELEDGER_TEST_POSTGRES_URL;

.PHONY: all venv test demo lint bench clean

all: test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# ruff, the layer contracts and mypy run first and stop the tests at the first failure.
# Chromium is installed first for the browser tests (they skip, saying why, if it cannot be), and
# the OpenID provider the single sign-on tests run and the web pages' front-end packages (npm ci,
# each from its lock file).
test: lint
	@bash scripts/chromium.sh ensure
	@bash scripts/oidc.sh ensure
	@bash scripts/web.sh ensure
	@$(WITH_POSTGRES) $(VENV)/bin/pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

# The demo replaces only what an earlier demo wrote in demo-out/ (it refuses a folder of anyone
# else's), in a database of its own: the commands in the README then start on a fresh one.
demo: $(VENV)/.installed
	@bash scripts/web.sh ensure
	$(VENV)/bin/caseledger demo --out demo-out
	@echo
	@echo 'To type caseledger in this shell:  export PATH="$(CURDIR)/$(VENV)/bin:$$PATH"'

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy  # strict, the whole package ([tool.mypy] files)

# The benchmarks' throwaway PostgreSQL databases need a master key (production refuses to start
# without one); SQLite makes its own beside each database. Made afresh unless one is given.
bench: $(VENV)/.installed
	@$(WITH_POSTGRES) \
	export CASELEDGER_MASTER_KEY="$${CASELEDGER_MASTER_KEY:-$$($(VENV)/bin/python -c \
	'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')}"; \
	$(VENV)/bin/python -m bench && $(VENV)/bin/python -m bench.reminders && \
	$(VENV)/bin/python -m bench.audit && $(VENV)/bin/python -m bench.board && \
	$(VENV)/bin/python -m bench.http_load && $(VENV)/bin/python -m bench.web_pages && \
	$(VENV)/bin/python -m bench.encryption

clean:
	-bash $(PG) destroy
	rm -rf $(VENV) demo-out build test-artifacts .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache
	rm -rf *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
