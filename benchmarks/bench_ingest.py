"""Ingest benchmark: cancerwatch's reader (fastexcel/calamine) against pandas + openpyxl.

Reads the April–September 2023 provider extract (51,509 rows) both ways in the same run and
prints the ratio. cancerwatch's side includes validation of every row; pandas only reads.
Target (issue 2): at least 10× faster. Run: ``python benchmarks/bench_ingest.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd

from cancerwatch.ingest.load import parse_file

EXTRACT = Path(__file__).resolve().parents[1] / "data/nhse/CWT-CRS-Apr-2023-to-Sep-2023-Data-Extract-Provider.xlsx"


def _time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ours = _time(lambda: parse_file(EXTRACT), args.repeat)
    baseline = _time(lambda: pd.read_excel(EXTRACT, engine="openpyxl"), max(1, args.repeat // 2))
    rows = parse_file(EXTRACT).rows_read
    print(f"rows: {rows:,}")
    print(f"cancerwatch parse+validate: {ours:.3f} s ({rows / ours:,.0f} rows/s)")
    print(f"pandas + openpyxl read:     {baseline:.3f} s ({rows / baseline:,.0f} rows/s)")
    print(f"ratio (baseline / cancerwatch): {baseline / ours:.1f}x  (target >= 10x)")


if __name__ == "__main__":
    main()
