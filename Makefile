# Developer tasks. The README's two commands are scripts/demo.sh and scripts/test.sh.
PY := .venv/bin/python
export CANCERWATCH_DB ?= $(CURDIR)/cancerwatch.duckdb

.PHONY: install test fast lint fix load serve bench

install:
	bash scripts/install.sh

test:
	bash scripts/test.sh

fast:  ## unit, property, golden and CLI tests only (no browser, no Spark)
	$(PY) -m pytest -m "not browser and not spark and not slow" -q

lint:
	.venv/bin/ruff check src tests benchmarks
	.venv/bin/ruff format --check src

fix:
	.venv/bin/ruff check --fix src tests benchmarks
	.venv/bin/ruff format src

load:
	.venv/bin/cancerwatch load data

serve: load
	.venv/bin/cancerwatch serve

bench:
	$(PY) benchmarks/bench_ingest.py
