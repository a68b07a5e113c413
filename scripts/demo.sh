#!/usr/bin/env bash
# Install, load the bundled NHS England and ONS data into the warehouse, show a tour of the
# figures, then serve the dashboard on http://127.0.0.1:8000 (Ctrl-C to stop).
set -euo pipefail
cd "$(dirname "$0")/.."
CANCERWATCH_SKIP_SYSTEM=1 bash scripts/install.sh
export CANCERWATCH_DB=${CANCERWATCH_DB:-$PWD/cancerwatch.duckdb}
CW=.venv/bin/cancerwatch
$CW load data --format table --reports internal   # every bundled file (CWT extracts and monthly workbooks Apr 2023 - Jul 2025, DM01, workforce), then each Alliance's annual report
echo; echo "England, 28-day Faster Diagnosis Standard, by quarter:"
$CW metrics --standard fds --period quarter --from 2023-04 --format table
echo; echo "Cancer Alliances, 62-day combined standard, July 2025:"
$CW metrics --standard 62d --level alliance --from 2025-07 --to 2025-07 --format table
echo; echo "England, 62-day waits in day bands, July 2025:"
$CW metrics --standard 62d --by wait_band --from 2025-07 --to 2025-07 --format table
$CW serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
