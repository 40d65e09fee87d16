# The two commands of the README: `make run` and `make test`. Both do all set-up first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Debian packages: Pango for PDF situation reports (WeasyPrint); the test suite also needs a
# real headless browser, GDAL's ogrinfo, poppler's pdftotext/pdffonts/pdftoppm and PostGIS
# for the PostgreSQL store's tests (against the local server on 127.0.0.1:5432), and Redis
# for the background-job tests (started on 127.0.0.1:6379 if nothing answers there).
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0
TEST_DEBS := $(RUN_DEBS) chromium chromium-driver gdal-bin poppler-utils postgresql-15-postgis-3 \
  redis-server redis-tools
ARGS ?=
PYTEST_ARGS ?=
# Test processes (pytest-xdist), each taking whole test files, every browser test on the same
# one (tests/conftest.py pytest_xdist_make_scheduler): 2 for this 2-core machine.
TEST_WORKERS ?= 2

.PHONY: run test lint bench debs run-debs redis worker

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.app-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[test]"
	touch $@ $(VENV)/.app-installed

## run: serve the dashboard on the embedded store (built from the seed on first run)
run: run-debs $(VENV)/.app-installed
	$(PY) app.py $(ARGS)

## test: install what the tests need (Debian packages, Python extras), lint, run every test
test: debs redis $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## worker: run the background jobs queued in Redis (needs EOC_REDIS_URL; see README)
worker: $(VENV)/.app-installed
	$(PY) -m eoc.cli worker $(ARGS)

# Redis for the job tests: the one answering on 127.0.0.1:6379, else one started here
# (in memory only, no snapshot files).
redis:
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || \
	  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no
	@for i in 1 2 3 4 5 6 7 8 9 10; do \
	  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0; sleep 0.5; done; \
	  echo "Redis did not start on 127.0.0.1:6379" >&2; exit 1

# PDF reports need Pango; the dashboard runs without it, so a failed install only warns.
run-debs:
	@$(MAKE) --no-print-directory debs TEST_DEBS="$(RUN_DEBS)" || \
	  echo "warning: could not install $(RUN_DEBS); PDF situation reports will not work"

debs:
	@missing=""; for p in $(TEST_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(VENV)/.app-installed
	$(PY) -m bench
