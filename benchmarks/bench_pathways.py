"""Record-level engine benchmark: all standards × all levels × all months from synthetic pathways,
against pandas and Polars implementations of the same rules, in one run.

What is timed (engine): the pathways already loaded in a DuckDB warehouse (the ``pathways`` table,
as ``cancerwatch load`` leaves it) → the record-level ``facts`` (FDS, 31-day and 62-day, provider
and commissioner basis, every published breakdown; ``metrics.pathways.record_facts``) written to a
table → every standard at every organisation level of both bases (provider basis: national, region,
Alliance, ICB, provider; commissioner basis: national, region, Alliance, ICB, sub-ICB), month by
month (``metrics.pathways.levels.level_counts``), fetched as one Arrow table. Building and compiling
the Ibis expressions is inside the timing.

Baselines (``benchmarks/pathway_baselines.py``): the same rules written independently in pandas
(vectorised, categorical and integer keys) and in Polars, from the pathways already in memory
(reading them is not timed) to the same two outputs: the facts and the levels. At every size both
baselines run, their outputs and the engine's are compared row by row (facts and levels), and the
run fails if any differs.

Each run is a fresh process (cold start) limited to ``--threads`` threads (DuckDB and Polars; pandas
uses one); its peak resident memory is read from the operating system when it ends (``os.wait4``),
so it includes the interpreter and the libraries. Times are medians of ``--repeat`` runs, taken in
rotation (engine, pandas, Polars, engine, ...) so that a change in the machine's load falls on all
three alike; ratios are of medians from the same run.

Data: ``cancerwatch.synth.generate(N, seed=2024)`` over ten years (April 2014 to March 2024; 40 M
pathways is about ten years of England's volume), cached in ``$CW_BENCH_DIR`` (default
``/tmp/cw-bench``) as ``pathways_N.parquet``, with a warehouse per size (``warehouse_N.duckdb``).
Files are written under a temporary name and renamed, so concurrent runs can share the cache.

Targets (issue 18): at 1 M and 10 M pathways the engine ≥ 10× pandas and faster than Polars; 40 M
pathways in ≤ 5 s with a peak of ≤ 4 GiB.
Run: ``flock /tmp/cw-bench.lock python benchmarks/bench_pathways.py [--sizes 1000000 10000000]
[--big 40000000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

CACHE = Path(os.environ.get("CW_BENCH_DIR", "/tmp/cw-bench"))
SEED = 2024
START = date(2014, 4, 1)
MONTHS = 120
GEO = Path(__file__).resolve().parents[1] / "data" / "geo"
SOURCE_ID = 1
GIB = 1024**3
TARGET_SECONDS = 5.0
TARGET_PANDAS = 10.0
TARGET_POLARS = 1.0
TARGET_MEMORY = 4 * GIB
SIDES = ("engine", "pandas", "polars")
FACT_KEY = ["basis", "breakdown", "standard", "period", "org_code", "route", "cancer_type", "modality"]
LEVEL_KEY = ["standard", "basis", "level", "period_start", "unit_code"]
COUNTS = ("total", "within_standard", "breaches")


# --- data -------------------------------------------------------------------------------------


def _spec(n: int) -> dict:
    return {"n": n, "seed": SEED, "start": START.isoformat(), "months": MONTHS}


def pathways_file(n: int) -> Path:
    """The cached synthetic file of ``n`` pathways (generated on first use)."""
    from cancerwatch.synth import generate, generated_with

    path = CACHE / f"pathways_{n}.parquet"
    if path.exists():
        got = generated_with(path) or {}
        if {k: got.get(k) for k in _spec(n)} != _spec(n):
            sys.exit(f"{path} was not generated as {_spec(n)} (found {got}); move it away or set CW_BENCH_DIR")
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = CACHE / f".pathways_{n}.parquet.{os.getpid()}.tmp"
    t0 = time.perf_counter()
    generate(n, SEED, tmp, start=START, months=MONTHS)
    os.replace(tmp, path)
    print(f"generated {path} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def warehouse_file(n: int) -> Path:
    """A warehouse with the reference organisations and the ``n`` pathways loaded (built on first use)."""
    import duckdb

    from cancerwatch.ingest.load import load_files
    from cancerwatch.ingest.readers.pathway_checks import PATHWAY_SCHEMA
    from cancerwatch.warehouse.connect import open_duckdb

    path = CACHE / f"warehouse_{n}.duckdb"
    if path.exists():
        return path
    source = pathways_file(n)
    tmp = CACHE / f".warehouse_{n}.duckdb.{os.getpid()}.tmp"
    t0 = time.perf_counter()
    con = open_duckdb(tmp)
    try:
        load_files(con, sorted(GEO.glob("*.csv")))
        cols = ", ".join(c for c in PATHWAY_SCHEMA.names if c != "extra")
        con.execute(
            f"INSERT INTO pathways (source_id, {cols}) SELECT ?, {cols} FROM read_parquet(?)",  # noqa: S608
            [SOURCE_ID, str(source)],
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    duckdb.connect(str(tmp)).close()
    os.replace(tmp, path)
    print(f"built {path} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


# --- the three sides (each in a fresh process) --------------------------------------------------


def run_engine(n: int, source: str, threads: int, memory_limit: str | None, out: str | None) -> dict:
    """The timed engine run: pathways → facts table → standards × levels × months (Arrow)."""
    import duckdb
    import pyarrow.parquet as pq

    from cancerwatch.metrics.pathways.levels import level_counts
    from cancerwatch.metrics.pathways.record_facts import FACT_COLUMNS, record_facts
    from cancerwatch.warehouse.connect import ibis_backend, to_arrow

    con = duckdb.connect(str(warehouse_file(n)), read_only=True)
    con.execute(f"SET threads = {threads}")
    con.execute(f"SET temp_directory = '{CACHE / f'spill-{os.getpid()}'}'")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    backend = ibis_backend(con)
    rollup = backend.table("org_rollup")
    t0 = time.perf_counter()
    p = backend.table("pathways") if source == "warehouse" else backend.read_parquet(str(pathways_file(n)))
    f = record_facts(p)
    # The warehouse's exact decimal counts (halves are exact in binary, so the cast loses nothing).
    f = f.select(**{c: f[c].cast("decimal(14, 1)") if c in COUNTS else f[c] for c in FACT_COLUMNS})
    facts = backend.create_table("bench_facts", f, temp=True)
    t1 = time.perf_counter()
    levels = to_arrow(backend, level_counts(facts, rollup))
    t2 = time.perf_counter()
    fact_rows = con.execute("SELECT count(*) FROM bench_facts").fetchone()[0]
    if out:
        pq.write_table(facts.to_pyarrow(), f"{out}.facts.parquet")
        pq.write_table(levels, f"{out}.levels.parquet")
    return {"facts_s": t1 - t0, "levels_s": t2 - t1, "total_s": t2 - t0, "fact_rows": fact_rows,
            "out_rows": levels.num_rows}  # fmt: skip


def _inputs(n: int):
    import duckdb
    import pyarrow.parquet as pq

    table = pq.read_table(pathways_file(n))
    con = duckdb.connect(str(warehouse_file(n)), read_only=True)
    rollup = con.table("org_rollup").to_arrow_table()
    con.close()
    return table, rollup


def run_pandas(n: int, out: str | None) -> dict:
    """The timed pandas run: pathways DataFrame (in memory) → facts and levels DataFrames."""
    import pandas as pd
    import pathway_baselines as pb

    table, rollup_arrow = _inputs(n)
    df = pb.pandas_frame(table)
    rollup = rollup_arrow.to_pandas()
    for c in ("valid_from", "valid_to"):
        rollup[c] = pd.to_datetime(rollup[c])
    del table
    t0 = time.perf_counter()
    facts, levels = pb.pandas_record(df, rollup)
    t1 = time.perf_counter()
    if out:
        facts.to_parquet(f"{out}.facts.parquet", index=False)
        levels.to_parquet(f"{out}.levels.parquet", index=False)
    return {"total_s": t1 - t0, "fact_rows": len(facts), "out_rows": len(levels)}


def run_polars(n: int, out: str | None) -> dict:
    """The timed Polars run: pathways DataFrame (in memory) → facts and levels DataFrames."""
    import pathway_baselines as pb
    import polars as pl

    table, rollup_arrow = _inputs(n)
    df = pb.polars_frame(table)
    rollup = pl.from_arrow(rollup_arrow)
    del table
    t0 = time.perf_counter()
    facts, levels = pb.polars_record(df, rollup)
    t1 = time.perf_counter()
    if out:
        facts.write_parquet(f"{out}.facts.parquet")
        levels.write_parquet(f"{out}.levels.parquet")
    return {"total_s": t1 - t0, "fact_rows": facts.height, "out_rows": levels.height}


# --- driver --------------------------------------------------------------------------------------


def measure(args: list[str], threads: int) -> dict:
    """Run one measurement in a fresh process; add its peak resident memory (bytes)."""
    cmd = [sys.executable, __file__, "_child", *args]
    env = {**os.environ, "POLARS_MAX_THREADS": str(threads)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"measurement failed: {' '.join(cmd)}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss"] = usage.ru_maxrss * 1024  # KiB on Linux
    return result


def summary(runs: list[dict]) -> dict:
    """Medians of the timings (peak memory: the largest), with every run's total kept."""
    times = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k.endswith("_s")}
    return {**runs[0], **times, "peak_rss": max(r["peak_rss"] for r in runs),
            "totals": [round(r["total_s"], 3) for r in runs]}  # fmt: skip


def _normalised(prefix: str, part: str, keys: list[str]):
    import pandas as pd

    t = pd.read_parquet(f"{prefix}.{part}.parquet")
    for c in t.columns:
        if c in COUNTS:
            t[c] = t[c].astype(float).round(1)
        elif c in ("period", "period_start"):
            t[c] = pd.to_datetime(t[c]).astype("datetime64[s]")
        else:
            t[c] = t[c].astype(object).where(t[c].notna(), None)
    columns = sorted(t.columns)
    return t.sort_values(keys).reset_index(drop=True)[columns]


def same_outputs(prefixes: dict[str, str]) -> dict[str, dict]:
    """Row-by-row comparison of each side's facts and levels with the engine's."""
    result = {}
    for part, keys in (("facts", FACT_KEY), ("levels", LEVEL_KEY)):
        engine = _normalised(prefixes["engine"], part, keys)
        for side in SIDES[1:]:
            other = _normalised(prefixes[side], part, keys)
            equal = list(engine.columns) == list(other.columns) and engine.equals(other)
            result.setdefault(side, {})[part] = (equal, len(engine), len(other))
    for prefix in prefixes.values():
        for part in ("facts", "levels"):
            os.remove(f"{prefix}.{part}.parquet")
    return result


def _mib(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000],
                        help="sizes compared with pandas and Polars")  # fmt: skip
    parser.add_argument("--big", type=int, default=40_000_000, help="size timed for the engine alone (0: none)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side and size (median)")
    parser.add_argument("--big-repeat", type=int, default=2, help="engine runs at the --big size (median)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 3GB (default: DuckDB's)")
    parser.add_argument("--source", choices=("warehouse", "parquet"), default="warehouse")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    sizes = sorted(set(args.sizes))
    for n in [*sizes, *([args.big] if args.big else [])]:
        warehouse_file(n)
    engine_args = ["--threads", str(args.threads), "--source", args.source]
    if args.memory_limit:
        engine_args += ["--memory-limit", args.memory_limit]
    side_args = {"engine": engine_args, "pandas": [], "polars": []}

    results: dict[int, dict] = {}
    checks: dict[int, dict] = {}
    for n in sizes:
        runs: dict[str, list[dict]] = {side: [] for side in SIDES}
        prefixes = {side: str(CACHE / f"check-{os.getpid()}-{n}-{side}") for side in SIDES}
        for i in range(args.repeat):
            for side in SIDES:
                out = ["--out", prefixes[side]] if i == 0 else []
                runs[side].append(measure([side, str(n), *side_args[side], *out], args.threads))
        results[n] = {side: summary(r) for side, r in runs.items()}
        checks[n] = same_outputs(prefixes)
    big = None
    if args.big:
        big = summary([measure(["engine", str(args.big), *engine_args], args.threads) for _ in range(args.big_repeat)])

    print(
        f"record-level engine: DuckDB, {args.threads} threads, source: {args.source}; {MONTHS} months from "
        f"{START:%Y-%m}; medians of {args.repeat} runs per side (fresh processes, in rotation)"
        + (f", {args.big_repeat} at {args.big:,}" if args.big else "")
    )
    print(f"{'pathways':>12} {'side':>7} {'facts s':>8} {'levels s':>9} {'total s':>8} {'runs (s)':>22} "
          f"{'peak':>10} {'fact rows':>10} {'level rows':>10}")  # fmt: skip
    for n, by_side in results.items():
        for side, r in by_side.items():
            facts_s = f"{r['facts_s']:>8.2f}" if "facts_s" in r else f"{'':>8}"
            levels_s = f"{r['levels_s']:>9.2f}" if "levels_s" in r else f"{'':>9}"
            print(f"{n:>12,} {side:>7} {facts_s} {levels_s} {r['total_s']:>8.2f} "
                  f"{' '.join(f'{t:.2f}' for t in r['totals']):>22} {_mib(r['peak_rss']):>10} "
                  f"{r['fact_rows']:>10,} {r['out_rows']:>10,}")  # fmt: skip
    equal = True
    for n, check in checks.items():
        for side, parts in check.items():
            for part, (same, rows, other_rows) in parts.items():
                equal &= same
                print(f"check at {n:,}: {part} of engine and {side} {'EQUAL' if same else 'DIFFER'} "
                      f"({rows:,} and {other_rows:,} rows)")  # fmt: skip
    met = equal
    for n, by_side in results.items():
        e = by_side["engine"]["total_s"]
        vs_pandas, vs_polars = by_side["pandas"]["total_s"] / e, by_side["polars"]["total_s"] / e
        ok_pandas, ok_polars = vs_pandas >= TARGET_PANDAS, vs_polars > TARGET_POLARS
        met &= ok_pandas and ok_polars
        print(f"at {n:,}: engine {vs_pandas:.1f}x pandas (target >= {TARGET_PANDAS:.0f}x: "
              f"{'met' if ok_pandas else 'MISSED'}), {vs_polars:.2f}x Polars (target > 1x: "
              f"{'met' if ok_polars else 'MISSED'})")  # fmt: skip
    if big:
        ok_time, ok_memory = big["total_s"] <= TARGET_SECONDS, big["peak_rss"] <= TARGET_MEMORY
        met &= ok_time and ok_memory
        print(f"engine at {args.big:,}: {big['total_s']:.2f} s (facts {big['facts_s']:.2f}, levels "
              f"{big['levels_s']:.2f}; runs {' '.join(f'{t:.2f}' for t in big['totals'])}; target <= "
              f"{TARGET_SECONDS:.0f} s: {'met' if ok_time else 'MISSED'}), peak {_mib(big['peak_rss'])} "
              f"(target <= {_mib(TARGET_MEMORY)}: {'met' if ok_memory else 'MISSED'}), "
              f"{big['fact_rows']:,} fact rows")  # fmt: skip
    print("targets: " + ("all met" if met else "NOT all met"))
    if args.json:
        args.json.write_text(json.dumps({"sizes": results, "big": big, "checks": checks, "equal": equal},
                                        indent=2, default=str))  # fmt: skip
    if not equal:
        sys.exit(1)


def child() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=SIDES)
    parser.add_argument("n", type=int)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit")
    parser.add_argument("--source", default="warehouse")
    parser.add_argument("--out")
    a = parser.parse_args(sys.argv[2:])
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if a.what == "engine":
        result = run_engine(a.n, a.source, a.threads, a.memory_limit, a.out)
    elif a.what == "pandas":
        result = run_pandas(a.n, a.out)
    else:
        result = run_polars(a.n, a.out)
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["_child"]:
        child()
    elif sys.argv[1:2] == ["prepare"]:
        for size in map(int, sys.argv[2:]):
            warehouse_file(size)
    else:
        main()
