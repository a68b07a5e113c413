"""Ingest benchmark: loading everything bundled, against pandas + openpyxl reading the same sheets.

cancerwatch's side is ``load_files`` into a fresh warehouse, timed from the call to its return
(the commit included; opening the warehouse not): every file read and validated in parallel
worker processes (one per CPU), each written inside the one transaction as soon as it and the
files before it are read, every row checked (in DuckDB, one scratch database per process), the
England checks of the monthly workbooks and DM01, the vintage rules, the organisation rebuild and
the reconciliation of rows read, loaded and quarantined. Prepared views are not computed:
``load_files`` computes them only when given ``prepare``, as the command line's ``load`` does.

The baseline only reads: ``pandas.read_excel(sheet_name=None, header=None)`` of every sheet of
every workbook (openpyxl for .xlsx; xlrd for the legacy .xls DM01 files, which openpyxl cannot
open) and ``pandas.read_csv`` of the CSV lookups; no checks, no writing. Those are the sheets
cancerwatch reads too: every sheet of the monthly workbooks, extracts, legacy commissioner
workbooks and workforce file, and of each DM01 file its two provider sheets (whose notes sheets,
5 to 7 rows, both sides read: cancerwatch to recognise the file). The one sheet the baseline
reads and cancerwatch does not is the national series' cover (a few rows).

Both are timed in the same run; medians are printed. Target (issue 18): at least 10x.
Measured 2 December 2026 on the shared 2-core machine: see docs/performance.md (Ingest).

Run: ``python benchmarks/bench_ingest.py [--repeat 3] [--baseline-repeat 1]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from cancerwatch.ingest.load import load_files
from cancerwatch.warehouse.connect import open_duckdb

DATA = Path(__file__).resolve().parents[1] / "data"


def bundled() -> list[Path]:
    """Every file the demo loads."""
    published = sorted(p for p in DATA.glob("nhse/**/*") if p.suffix.lower() in (".xlsx", ".xls"))
    return sorted(DATA.glob("geo/*.csv")) + published


def ours(files: list[Path]) -> float:
    with tempfile.TemporaryDirectory() as d:
        con = open_duckdb(Path(d) / "bench.duckdb")
        start = time.perf_counter()
        load_files(con, files)
        elapsed = time.perf_counter() - start
        con.close()
    return elapsed


def baseline(files: list[Path]) -> float:
    start = time.perf_counter()
    for f in files:
        if f.suffix.lower() == ".csv":
            pd.read_csv(f, header=None, dtype=str, encoding_errors="replace")
        else:
            pd.read_excel(f, sheet_name=None, header=None, engine="openpyxl" if f.suffix.lower() == ".xlsx" else "xlrd")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of cancerwatch's load (median)")
    parser.add_argument("--baseline-repeat", type=int, default=1, help="runs of the pandas baseline (median)")
    args = parser.parse_args()
    files = bundled()
    size = sum(f.stat().st_size for f in files)
    print(f"files: {len(files)} ({size / 2**20:.1f} MiB): lookups, CWT extracts and workbooks, DM01, workforce")
    mine = statistics.median(ours(files) for _ in range(args.repeat))
    theirs = statistics.median(baseline(files) for _ in range(args.baseline_repeat))
    print(f"cancerwatch load (read, validate, check, write): median {mine:.1f} s over {args.repeat} runs")
    print(f"pandas + openpyxl/xlrd read only:                median {theirs:.1f} s over {args.baseline_repeat} runs")
    ratio = theirs / mine
    print(f"ratio (baseline / cancerwatch): {ratio:.1f}x  (target >= 10x: {'met' if ratio >= 10 else 'missed'})")


if __name__ == "__main__":
    main()
