# Two commands on a fresh machine (Python 3.11+, nothing else):
#   make demo   - installs into .venv, starts the embedded PostgreSQL, creates a
#                 production_scale legacy ABParts database, migrates it (dry run)
#   make test   - sqlfluff lint + the whole pytest suite (real embedded server)
#   (make test-fast: ruff, the unit tests and one whole flow: the day-to-day loop)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast unit lint pytest chromium docs-checks docs-reason-codes docs-troubleshooting docs-examples docs-screenshot bench mutants clean

install: $(STAMP)

# uv installs the pinned set in seconds (pip took ~45 s: it downloads and unpacks one wheel
# at a time); uv itself comes from PyPI through the venv's pip, pinned in constraints.txt.
# Where uv cannot (no wheel for the platform; a pip-only mirror: uv does not read pip.conf),
# pip installs the same pins.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "abparts-migrate needs Python 3.11+, found " + sys.version.split()[0] + " (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	( $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt uv && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e '.[dev]' ) || \
	$(BIN)/pip install --quiet --no-compile --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/harness demo

# lint beside the suite: together they keep the two cores busy
test: chromium
	@$(MAKE) --no-print-directory -j2 lint pytest

# the HTML report's browser test needs Debian's chromium: installed when root and missing (as
# root in CI); otherwise nothing, and the test fails in one line naming the apt-get command
chromium:
	@if [ "$$(id -u)" = 0 ] && ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the HTML report's browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium) >/dev/null 2>&1 || echo "apt-get install chromium failed: the browser test will say so"; \
	fi

# one sqlfluff process: lint runs beside the suite, where its CPU time is what counts (two
# processes took 86 s of CPU for models and tests, one 71 s)
lint: $(STAMP)
	$(BIN)/ruff check harness pytests bench
	$(BIN)/ruff format --check harness pytests bench
	$(BIN)/sqlfluff lint models tests --processes 1 --disable-progress-bar
	$(BIN)/sqlfluff lint harness/sql --templater placeholder --disable-progress-bar

# one embedded server per worker; a file's tests stay on one worker (module fixtures run once);
# files are handed out in the order of pytests/conftest.py's LONGEST_FIRST
PYTEST_WORKERS ?= auto
pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

# the day-to-day loop (well under 90 s): ruff, the unit tests and one whole flow from the command
# line (pytests/test_flow.py: sample, validate, build, migrate, post-validate, rollback);
# `make test` runs everything
test-fast: $(STAMP)
	$(BIN)/ruff check harness pytests bench
	$(BIN)/ruff format --check harness pytests bench
	$(BIN)/pytest -n 2 --dist loadfile pytests/unit pytests/test_flow.py

# the part of the suite that needs no database (seconds)
unit: $(STAMP)
	$(BIN)/pytest pytests/unit

# regenerate the check table of docs/checks.md from the dbt project
docs-checks: $(STAMP)
	$(BIN)/python -m harness.dbt_bridge.checks --write docs/checks.md

# regenerate the list of quarantine reason codes (migration_quarantine.reason_code's description)
# from the codes the models' quarantine rules emit
docs-reason-codes: $(STAMP)
	$(BIN)/python pytests/reason_codes.py --write models/audit/quarantine_reason_codes.md

# regenerate the table of refusals of docs/troubleshooting.md from the corpus
docs-troubleshooting: $(STAMP)
	$(BIN)/python pytests/corpus.py --write docs/troubleshooting.md

# regenerate the example output of README.md and docs/runbook.md from real runs (each in a fresh
# HARNESS_HOME with an embedded server of its own; a few minutes: the demo is production_scale)
docs-examples: $(STAMP)
	$(BIN)/python pytests/docs_examples.py --write

# regenerate the runbook's screenshot of the HTML report (the fixture run's, in headless chromium)
docs-screenshot: $(STAMP) chromium
	$(BIN)/python pytests/browser.py --screenshot docs/report-screenshot.png

bench: $(STAMP)
	$(BIN)/python bench/benchmark.py

# the mutation run (pytests/mutants/run.py): not part of `make test`; MUTANTS= areas or names to run only those
MUTANTS ?=
mutants: $(STAMP)
	$(BIN)/python pytests/mutants/run.py $(MUTANTS)

clean:
	rm -rf target logs reports .pytest_cache
