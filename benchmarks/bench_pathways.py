"""Record-level engine benchmark: all standards × all levels × all months from synthetic pathways.

What is timed (engine): the pathways already loaded in a DuckDB warehouse (the ``pathways`` table,
as ``cancerwatch load`` leaves it) → the record-level ``facts`` (FDS, 31-day and 62-day, provider
and commissioner basis, every published breakdown; ``metrics.pathways.record_facts``) written to a
table → every standard (FDS, 31-day, 62-day) at every organisation level of both bases (provider
basis: national, region, Alliance, ICB, provider; commissioner basis: national, region, Alliance,
ICB, sub-ICB), month by month (``metrics.performance.metric_counts``), fetched as one Arrow table.
Each engine run is a fresh process (cold start, 2 DuckDB threads); its peak resident memory is read
from the operating system when it ends (``os.wait4``), so it includes the interpreter, Ibis and
DuckDB.

Baseline: a straightforward pandas implementation of the same rules (FDS, 31-day, 62-day waits,
breach allocation, roll-up through ``org_rollup`` by month), from the pathways as a DataFrame in
memory (also a fresh process, reading not timed) to the same table of standards × levels × months.
It runs on a size pandas holds comfortably (``--pandas-rows``); rates are compared per row. Both
sides are run on that size too, and their outputs must be equal (an independent check of the engine).

Data: ``cancerwatch.synth.generate(N, seed=2024)`` over ten years (April 2014 to March 2024; 40 M
pathways is about ten years of England's volume), cached in ``$CW_BENCH_DIR`` (default
``/tmp/cw-bench``) as ``pathways_N.parquet``, with a warehouse per size (``warehouse_N.duckdb``).
Files are written under a temporary name and renamed, so concurrent runs can share the cache.

Targets (issue 4): 40 M pathways in ≤ 5 s, ≥ 20× pandas' per-row rate, peak memory ≤ 4 GiB.
Run: ``flock /tmp/cw-bench.lock python benchmarks/bench_pathways.py [--sizes 1000000 10000000 40000000]``.
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
TARGET_RATIO = 20.0
TARGET_MEMORY = 4 * GIB
OUT_COLUMNS = ["standard", "basis", "level", "period_start", "unit_code", "total", "within_standard"]


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


# --- engine: Ibis expressions on the embedded warehouse ---------------------------------------


def level_combinations() -> list[tuple[str, str]]:
    from cancerwatch.metrics.pathways.levels import level_combinations as combos

    return combos()


def run_engine(n: int, source: str, threads: int, memory_limit: str | None, out_path: str | None) -> dict:
    """The timed engine run (in a fresh process): pathways → facts table → standards × levels × months."""
    import duckdb
    import pyarrow.parquet as pq

    from cancerwatch.metrics.pathways.levels import level_counts
    from cancerwatch.metrics.pathways.record_facts import FACT_COLUMNS, record_facts
    from cancerwatch.warehouse.connect import ibis_backend

    con = duckdb.connect(str(warehouse_file(n)), read_only=True)
    con.execute(f"SET threads = {threads}")
    con.execute(f"SET temp_directory = '{CACHE / f'spill-{os.getpid()}'}'")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    backend = ibis_backend(con)
    t0 = time.perf_counter()
    p = backend.table("pathways") if source == "warehouse" else backend.read_parquet(str(pathways_file(n)))
    f = record_facts(p)
    counts = ("total", "within_standard", "breaches")
    f = f.select(**{c: f[c].cast("decimal(14, 1)") if c in counts else f[c] for c in FACT_COLUMNS})
    facts = backend.create_table("bench_facts", f, temp=True)
    t1 = time.perf_counter()
    levels = level_counts(facts, backend.table("org_rollup"))
    out = levels.mutate(total=levels.total.cast("float64"), within_standard=levels.within_standard.cast("float64"))
    out = out.to_pyarrow()
    t2 = time.perf_counter()
    fact_rows = con.execute("SELECT count(*) FROM bench_facts").fetchone()[0]
    if out_path:
        pq.write_table(out.select(OUT_COLUMNS), out_path)
    return {
        "facts_s": t1 - t0,
        "levels_s": t2 - t1,
        "total_s": t2 - t0,
        "fact_rows": fact_rows,
        "out_rows": out.num_rows,
    }


# --- baseline: the same rules in plain pandas ----------------------------------------------------

FDS_ROUTES = ["urgent_suspected_cancer", "screening", "breast_symptomatic"]
D62_ROUTES = [*FDS_ROUTES, "consultant_upgrade"]


def pandas_events(df):
    """One row per counted clock stop and accountable organisation: standard, period, provider,
    commissioner, weight (62-day shares: 1 or 0.5), within (CWT guidance; breach allocation 2016)."""
    import numpy as np
    import pandas as pd

    ref, dtt, treat, ipt = df.referral_date, df.decision_to_treat_date, df.treatment_date, df.ipt_date
    adj = df.adjustment_days.fillna(0)
    kind, route = df.treatment_kind, df.route
    first = df.first_provider_code.fillna("UNKNOWN")
    commissioner = df.commissioner_code.fillna("UNKNOWN")

    def events(mask, standard, stop, provider, within, weight=1.0):
        return pd.DataFrame(
            {
                "standard": standard,
                "period": stop[mask].dt.to_period("M").dt.to_timestamp(),
                "provider": provider[mask],
                "commissioner": commissioner[mask],
                "weight": weight if np.isscalar(weight) else weight[mask],
                "within": within[mask],
            }
        )

    # FDS: USC, screening, breast symptomatic referrals (not subsequent-treatment rows); the clock
    # stops at the earlier of the FDS end and the decision to treat; within when wait − adjustment ≤ 28.
    fds_stop = df[["fds_end_date", "decision_to_treat_date"]].min(axis=1)
    fds = route.isin(FDS_ROUTES) & (kind != "subsequent") & fds_stop.notna()
    fds_wait = ((fds_stop - ref).dt.days - adj).clip(lower=0)
    parts = [events(fds, "fds", fds_stop, first, fds_wait <= 28)]

    # 31 days: every first or subsequent treatment with a decision to treat; the treating provider.
    d31 = kind.isin(["first", "subsequent"]) & dtt.notna() & treat.notna()
    treating = df.treating_provider_code.fillna(first)
    parts.append(events(d31, "31d", treat, treating, (treat - dtt).dt.days <= 31))

    # 62 days: first treatments on the four urgent routes; breach allocation between providers.
    d62 = (kind == "first") & route.isin(D62_ROUTES) & treat.notna()
    within = ((treat - ref).dt.days - adj).clip(lower=0) <= 62
    transfer = (
        ipt.notna()
        & df.treating_provider_code.notna()
        & (df.treating_provider_code != df.first_provider_code.fillna(""))
    )
    treating_org = df.treating_provider_code.fillna("UNKNOWN")
    receipt_day = (ipt - ref).dt.days
    after_receipt = (treat - ipt).dt.days
    first_share = pd.Series(
        np.select(
            [~transfer, within, receipt_day <= 38, after_receipt <= 24],
            [1.0, 0.5, 0.0, 1.0],
            0.5,
        ),
        index=df.index,
    )
    parts.append(events(d62 & (first_share > 0), "62d", treat, first, within, first_share))
    parts.append(events(d62 & (first_share < 1), "62d", treat, treating_org, within, 1 - first_share))
    return pd.concat(parts, ignore_index=True)


def pandas_levels(df, rollup):
    """Every standard × (basis, level) × month from the pathway rows (``OUT_COLUMNS``)."""
    import pandas as pd

    e = pandas_events(df)
    e["within_w"] = e.weight.where(e.within, 0.0)
    out = []
    for basis, level in level_combinations():
        org = "provider" if basis == "provider" else "commissioner"
        g = e.groupby(["standard", "period", org], as_index=False)[["weight", "within_w"]].sum()
        g = g.rename(columns={org: "org_code"})
        if level == "national":
            g["unit_code"] = "ENG"
        elif level == "provider":
            g["unit_code"] = g.org_code
        else:
            r = rollup[(rollup.basis == basis) & (rollup.level == level)]
            m = g.merge(r, on="org_code")
            m = m[(m.period >= m.valid_from) & (m.valid_to.isna() | (m.period <= m.valid_to))]
            mapped = m.assign(unit_code=m.parent_code)[[*g.columns, "unit_code"]]
            keys = mapped[["standard", "period", "org_code"]].drop_duplicates()
            rest = g.merge(keys, how="left", indicator=True)
            rest = rest[rest["_merge"] == "left_only"].drop(columns="_merge").assign(unit_code="UNMAPPED")
            g = pd.concat([mapped, rest], ignore_index=True)
        s = g.groupby(["standard", "period", "unit_code"], as_index=False)[["weight", "within_w"]].sum()
        out.append(
            pd.DataFrame(
                {
                    "standard": s.standard,
                    "basis": basis,
                    "level": level,
                    "period_start": s.period.dt.date,
                    "unit_code": s.unit_code,
                    "total": s.weight,
                    "within_standard": s.within_w,
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def run_pandas(n: int, out_path: str | None) -> dict:
    """The timed baseline run (in a fresh process): pathways DataFrame → standards × levels × months."""
    import duckdb
    import pandas as pd

    df = pd.read_parquet(pathways_file(n))
    for c in ("referral_date", "fds_end_date", "decision_to_treat_date", "treatment_date", "ipt_date"):
        df[c] = pd.to_datetime(df[c])
    con = duckdb.connect(str(warehouse_file(n)), read_only=True)
    rollup = con.execute("SELECT * FROM org_rollup").df()
    con.close()
    for c in ("valid_from", "valid_to"):
        rollup[c] = pd.to_datetime(rollup[c])
    t0 = time.perf_counter()
    out = pandas_levels(df, rollup)
    t1 = time.perf_counter()
    if out_path:
        out.to_parquet(out_path, index=False)
    return {"total_s": t1 - t0, "out_rows": len(out)}


# --- driver --------------------------------------------------------------------------------------


def measure(args: list[str]) -> dict:
    """Run one measurement in a fresh process; add its peak resident memory (bytes)."""
    cmd = [sys.executable, __file__, "_child", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"measurement failed: {' '.join(cmd)}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss"] = usage.ru_maxrss * 1024  # KiB on Linux
    return result


def repeated(args: list[str], repeat: int) -> dict:
    runs = [measure(args) for _ in range(repeat)]
    best = {k: statistics.median(r[k] for r in runs) for k in runs[0] if isinstance(runs[0][k], float)}
    return {**runs[0], **best, "peak_rss": max(r["peak_rss"] for r in runs), "runs": len(runs)}


def same_output(a: str, b: str) -> tuple[bool, int]:
    import pandas as pd

    def load(path):
        t = pd.read_parquet(path)
        t["period_start"] = pd.to_datetime(t.period_start)
        t[["total", "within_standard"]] = t[["total", "within_standard"]].round(1)
        return t.sort_values(OUT_COLUMNS[:5]).reset_index(drop=True)[OUT_COLUMNS]

    x, y = load(a), load(b)
    return bool(x.shape == y.shape and x.equals(y)), len(x)


def _mib(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000, 40_000_000])
    parser.add_argument("--pandas-rows", type=int, default=1_000_000, help="size of the pandas baseline run")
    parser.add_argument("--repeat", type=int, default=3, help="engine runs per size (median)")
    parser.add_argument("--pandas-repeat", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 3GB (default: DuckDB's)")
    parser.add_argument("--source", choices=("warehouse", "parquet"), default="warehouse")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    sizes = sorted(set(args.sizes))
    for n in sorted({*sizes, args.pandas_rows}):
        warehouse_file(n)
    common = ["--threads", str(args.threads), "--source", args.source]
    if args.memory_limit:
        common += ["--memory-limit", args.memory_limit]

    check_e, check_p = (str(CACHE / f"check-{os.getpid()}-{k}.parquet") for k in ("engine", "pandas"))
    base = repeated(["pandas", str(args.pandas_rows), "--out", check_p], args.pandas_repeat)
    measure(["engine", str(args.pandas_rows), *common, "--out", check_e])
    equal, groups = same_output(check_e, check_p)
    for f in (check_e, check_p):
        os.remove(f)

    results = {}
    for n in sizes:
        results[n] = repeated(["engine", str(n), *common], args.repeat)

    base_rate = args.pandas_rows / base["total_s"]
    print(
        f"record-level engine: DuckDB, {args.threads} threads, source: {args.source}; "
        f"{MONTHS} months from {START:%Y-%m}; engine median of {args.repeat}, pandas {args.pandas_repeat}"
    )
    print(
        f"{'pathways':>12} {'facts s':>8} {'levels s':>9} {'total s':>8} {'rows/s':>12} {'peak':>10} "
        f"{'fact rows':>10} {'out rows':>9}"
    )
    for n, r in results.items():
        print(
            f"{n:>12,} {r['facts_s']:>8.2f} {r['levels_s']:>9.2f} {r['total_s']:>8.2f} {n / r['total_s']:>12,.0f} "
            f"{_mib(r['peak_rss']):>10} {r['fact_rows']:>10,} {r['out_rows']:>9,}"
        )
    print(
        f"pandas baseline {args.pandas_rows:,}: {base['total_s']:.2f} s ({base_rate:,.0f} rows/s), "
        f"peak {_mib(base['peak_rss'])}"
    )
    print(
        f"check at {args.pandas_rows:,}: engine and pandas outputs {'EQUAL' if equal else 'DIFFER'} "
        f"({groups:,} standard × level × org × month rows)"
    )
    big = max(sizes)
    r = results[big]
    ratio = (big / r["total_s"]) / base_rate
    same = args.pandas_rows in results and base["total_s"] / results[args.pandas_rows]["total_s"]
    print(
        f"ratio per row (engine at {big:,} / pandas at {args.pandas_rows:,}): {ratio:.1f}x "
        f"(target >= {TARGET_RATIO:.0f}x)"
    )
    if same:
        print(f"ratio at the same size ({args.pandas_rows:,}): {same:.1f}x")
    print(
        f"engine at {big:,}: {r['total_s']:.2f} s (target <= {TARGET_SECONDS:.0f} s), "
        f"peak {_mib(r['peak_rss'])} (target <= {_mib(TARGET_MEMORY)})"
    )
    met = r["total_s"] <= TARGET_SECONDS and ratio >= TARGET_RATIO and r["peak_rss"] <= TARGET_MEMORY and equal
    print("targets: " + ("met" if met else "MISSED"))
    if args.json:
        args.json.write_text(
            json.dumps({"engine": results, "pandas": base, "ratio": ratio, "equal": equal}, indent=2, default=str)
        )
    if not equal:
        sys.exit(1)


def child() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("engine", "pandas"))
    parser.add_argument("n", type=int)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit")
    parser.add_argument("--source", default="warehouse")
    parser.add_argument("--out")
    a = parser.parse_args(sys.argv[2:])
    if a.what == "engine":
        result = run_engine(a.n, a.source, a.threads, a.memory_limit, a.out)
    else:
        result = run_pandas(a.n, a.out)
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["_child"]:
        child()
    elif sys.argv[1:2] == ["prepare"]:
        for size in map(int, sys.argv[2:]):
            warehouse_file(size)
    else:
        main()
