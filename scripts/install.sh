#!/usr/bin/env bash
# Install everything cancerwatch needs on a fresh Debian machine: a virtual environment with the
# package, its test tools, PySpark (the spark engine) and WeasyPrint (PDF reports), and (for the
# browser and Spark tests) Debian's chromium and a Java runtime (PySpark 4 needs Java 17 or later).
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev,spark,pdf]"

if [ "${CANCERWATCH_SKIP_SYSTEM:-0}" != "1" ]; then
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
  # annual report: WeasyPrint needs pango; the report tests render PDF pages with poppler's
  # pdftoppm; Liberation Sans is the free Arial/Helvetica metric-compatible fallback.
  for pkg in libpango-1.0-0 libpangoft2-1.0-0 poppler-utils fonts-liberation; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi
