#!/usr/bin/env bash
# Install everything (Python packages, Debian's chromium, Java) and run the whole test suite:
# lint (ruff, import-linter's layer contracts, mypy), unit, property, golden, web, browser and
# Spark tests. pytest's exit code is returned as it is: 5 ("no tests collected") fails the run,
# and so does any skipped test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/ruff check src tests benchmarks
PYTHONPATH=src .venv/bin/lint-imports
.venv/bin/mypy
CANCERWATCH_FORBID_SKIPS=1 .venv/bin/python -m pytest "$@"
