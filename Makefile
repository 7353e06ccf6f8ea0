# Everything builds from nothing: the first `make demo` or `make test` creates
# .venv and installs packstation (with pinned versions) into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test check lint typecheck pytest pytest-shifted bench browser clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/packstation demo

test: $(STAMP) lint typecheck pytest pytest-shifted

lint: $(STAMP)
	$(BIN)/ruff check packstation tests benchmarks
	$(BIN)/ruff format --check packstation tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

# The in-process tests again with the wall clock 400 days ahead (time-machine): a test
# that compares a fixed date with something that read the real clock fails here today,
# not next year. Tests driving another process (marked other_process) keep the real clock.
pytest-shifted: $(STAMP)
	$(BIN)/pytest -q -m "not other_process" --clock-shift-days=400

bench: $(STAMP)
	$(BIN)/python benchmarks/import_orders.py

# Debian's chromium for the browser test (tests/web); as root, like CI's .ci/run.
browser:
	test -x /usr/bin/chromium || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
