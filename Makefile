# Odjek: `make demo` and `make test` bootstrap everything they need (.venv from uv.lock).
PYTHON ?= python3.11
UV_VERSION := 0.13.9
VENV := .venv
PY := $(VENV)/bin/python
UV := .tools/bin/uv
SERVE ?= 1

.PHONY: demo test lint eval bench bench-search-1m lock clean help

help:
	@echo "make demo   run the whole pipeline on the bundled sample web, then serve the search UI (SERVE=0: don't serve)"
	@echo "make test   run the test suite"
	@echo "make lint   ruff check (rules in pyproject.toml)"
	@echo "make eval   tagging evaluation: precision, recall, F1 per label"
	@echo "make bench  run the benchmarks and rewrite docs/benchmarks.md"
	@echo "make bench-search-1m  search at 1,000,000 articles (archive kept under var/bench/; first run builds it, ~1 h)"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# Two stamps: .synced is the lean install (no Airflow: demo, eval, search UI), .synced-all adds every extra
# (tests and benchmarks run the DAGs). The lean sync is --inexact so it never removes an Airflow that
# `make test` installed; a changed lock makes both stamps stale.
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --inexact --python $(PYTHON)
	@touch $@

$(VENV)/.synced-all: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras --python $(PYTHON)
	@touch $@ $(VENV)/.synced

demo: $(VENV)/.synced
	$(PY) -m odjek.demo --serve $(SERVE)

test: $(VENV)/.synced-all
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .

eval: $(VENV)/.synced
	$(PY) -m nlp.evaluate

bench: $(VENV)/.synced-all
	$(PY) -m bench $(BENCH_ARGS)

bench-search-1m: $(VENV)/.synced
	$(PY) -m bench.bench_search --size 1000000

lock: $(UV)
	$(UV) lock

clean:
	rm -rf var/demo test-artifacts
