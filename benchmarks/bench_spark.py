"""Scale-out benchmark: the record-level job on Spark local[2] against DuckDB, on the same Parquet data.

The job (the same Ibis expressions on both engines, ``warehouse.engines``):

1. ``facts``: pathways, read from a Parquet dataset partitioned by referral month → the record-level
   rules (``record_facts``: FDS, 31-day, 62-day with breach allocation; provider and commissioner
   basis; every published breakdown) → written back as a Parquet dataset partitioned by month
   (``--parquet`` layout, ``engines.write_parquet``);
2. ``standards``: those facts → every standard × (basis, level) × month (``pathways.levels.level_counts``,
   roll-up through ``org_rollup``), collected to the driver as one Arrow table.

The baseline is DuckDB (2 threads, the cores Spark local[2] gets) on the same files in the same run;
printed: seconds per stage, Spark ÷ DuckDB ratios and pathways per second. The two engines' standards
must be identical (checked). Spark runs with its event log on; the stages of each job (tasks, input,
shuffle written and read) are read from it and printed, for docs/scale-out.md.

Data: ``cancerwatch.synth.generate(N, seed=2024)``, April 2014 to March 2024, cached in
``$CW_BENCH_DIR`` (default ``/tmp/cw-bench``) as ``pathways_N.parquet`` (shared with
``bench_pathways.py``), and its month-partitioned copy ``pathways_N_by_month/``. Files are written
under temporary names and renamed, so concurrent runs can share the cache.

Run (the machine is shared, so hold the benchmark lock)::

    flock /tmp/cw-bench.lock .venv/bin/python benchmarks/bench_spark.py --sizes 10000000 40000000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

# the record-level benchmark's cached synthetic files (same seed, ten years), so both read one copy
from bench_pathways import CACHE, GEO, pathways_file

THREADS = 2
MIB = 1024**2


# --- data -------------------------------------------------------------------------------------


def pathways_by_month(n: int) -> Path:
    """The same pathways as a Hive dataset partitioned by referral month (``referral_month=YYYY-MM-01/``)."""
    import duckdb

    path = CACHE / f"pathways_{n}_by_month"
    if path.is_dir():
        return path
    source = pathways_file(n)
    tmp = CACHE / f".pathways_{n}_by_month.{os.getpid()}.tmp"
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {THREADS}")
    con.execute(
        f"COPY (SELECT *, CAST(date_trunc('month', referral_date) AS DATE) AS referral_month "  # noqa: S608
        f"FROM read_parquet('{source}')) TO '{tmp}' "
        "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (referral_month), ROW_GROUP_SIZE 250000)"
    )
    con.close()
    os.replace(tmp, path)
    print(f"partitioned {path} by referral month in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def reference_warehouse(directory: Path) -> Path:
    """A warehouse with the bundled organisation reference files only (for ``org_rollup``)."""
    from cancerwatch.ingest.load import load_files
    from cancerwatch.warehouse.connect import open_duckdb

    path = directory / "reference.duckdb"
    con = open_duckdb(path)
    try:
        load_files(con, sorted(GEO.glob("*.csv")))
    finally:
        con.close()
    return path


# --- the job ----------------------------------------------------------------------------------


def run_job(backend, con, source: Path, out: Path) -> tuple[dict, object]:
    """Time the two stages on ``backend``; return the timings and the standards (Arrow, sorted)."""
    from cancerwatch.metrics.pathways.levels import level_counts
    from cancerwatch.metrics.pathways.record_facts import warehouse_fact_rows
    from cancerwatch.warehouse.connect import ibis_backend
    from cancerwatch.warehouse.engines import read_facts, read_pathways, write_parquet

    schema = ibis_backend(con).table("facts").schema()
    t0 = time.perf_counter()
    p = read_pathways(backend, source)
    write_parquet(backend, warehouse_fact_rows(p, schema), out / "facts", partition_by="period")
    t1 = time.perf_counter()
    facts = read_facts(backend, out / "facts", schema)
    result = backend.to_pyarrow(level_counts(facts, backend.table("org_rollup")))
    t2 = time.perf_counter()
    keys = [(c, "ascending") for c in ("standard", "basis", "level", "period_start", "unit_code")]
    return {"facts": t1 - t0, "standards": t2 - t1, "total": t2 - t0}, result.sort_by(keys)


def duckdb_backend(con):
    import duckdb

    from cancerwatch.warehouse.connect import ibis_backend
    from cancerwatch.warehouse.engines.duckdb_engine import copy_tables

    mem = duckdb.connect()
    mem.execute(f"SET threads = {THREADS}")
    mem.execute(f"SET temp_directory = '{CACHE / f'spill-{os.getpid()}'}'")
    copy_tables(con, mem, ["org_rollup"])
    return ibis_backend(mem)


def spark_backend(con, event_dir: Path):
    from cancerwatch.warehouse import engines
    from cancerwatch.warehouse.engines.spark_engine import SparkEngine

    events = {
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": event_dir.as_uri(),
        "spark.eventLog.compress": "false",
        "spark.eventLog.rolling.enabled": "false",
    }
    engines.spark_session("local[2]", conf=events)
    return SparkEngine(engines.EngineSettings(spark_master="local[2]")).backend(con, {}, tables=["org_rollup"])


# --- Spark event log: stages, shuffle sizes ---------------------------------------------------


def stage_report(event_dir: Path) -> dict[str, list[dict]]:
    """Per job group (one per size and stage of the job): the Spark stages with tasks, input and shuffle bytes."""
    files = sorted(p for p in event_dir.rglob("*") if p.is_file() and not p.name.startswith("."))
    groups: dict[int, str] = {}
    stages: dict[int, dict] = {}
    for file in files:
        with open(file, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.startswith("{"):
                    continue
                e = json.loads(line)
                kind = e.get("Event")
                if kind == "SparkListenerJobStart":
                    group = (e.get("Properties") or {}).get("spark.jobGroup.id")
                    for sid in e.get("Stage IDs", []):
                        groups[sid] = group
                elif kind == "SparkListenerStageCompleted":
                    info = e["Stage Info"]
                    acc = {a["Name"]: a.get("Value") for a in info.get("Accumulables", [])}

                    def num(name, acc=acc):
                        return int(acc.get(name) or 0)

                    stages[info["Stage ID"]] = {
                        "stage": info["Stage ID"],
                        "name": info["Stage Name"].split(" at ")[0],
                        "tasks": info["Number of Tasks"],
                        "input_mib": num("internal.metrics.input.bytesRead") / MIB,
                        "shuffle_read_mib": (
                            num("internal.metrics.shuffle.read.localBytesRead")
                            + num("internal.metrics.shuffle.read.remoteBytesRead")
                        )
                        / MIB,
                        "shuffle_write_mib": num("internal.metrics.shuffle.write.bytesWritten") / MIB,
                        "output_mib": num("internal.metrics.output.bytesWritten") / MIB,
                        "seconds": (info.get("Completion Time", 0) - info.get("Submission Time", 0)) / 1000,
                    }
    out: dict[str, list[dict]] = {}
    for sid in sorted(stages):
        out.setdefault(groups.get(sid) or "?", []).append(stages[sid])
    return out


def print_stages(report: dict[str, list[dict]]) -> None:
    for group, rows in report.items():
        print(f"\nSpark stages of {group}")
        head = ("stage", "tasks", "input MiB", "shuffle w MiB", "shuffle r MiB", "out MiB", "s")
        print(" ".join(f"{h:>{w}}" for h, w in zip(head, (5, 5, 10, 13, 13, 8, 7), strict=True)))
        for r in rows:
            print(
                f"{r['stage']:>5} {r['tasks']:>5} {r['input_mib']:>10.1f} {r['shuffle_write_mib']:>13.1f} "
                f"{r['shuffle_read_mib']:>13.1f} {r['output_mib']:>8.1f} {r['seconds']:>7.1f}"
            )
        tot = {k: sum(r[k] for r in rows) for k in ("input_mib", "shuffle_write_mib", "shuffle_read_mib")}
        print(
            f"  {len(rows)} stages; input {tot['input_mib']:.0f} MiB, shuffle written "
            f"{tot['shuffle_write_mib']:.0f} MiB, read {tot['shuffle_read_mib']:.0f} MiB"
        )


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000_000, 40_000_000])
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--events", type=Path, help="keep Spark's event log in this folder (default: deleted)")
    args = parser.parse_args()

    from cancerwatch.warehouse.connect import open_duckdb

    work = Path(tempfile.mkdtemp(prefix="cw-bench-spark-", dir=CACHE if CACHE.is_dir() else None))
    event_dir = args.events or work / "events"
    event_dir.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        con = open_duckdb(reference_warehouse(work), read_only=True)
        t0 = time.perf_counter()
        spark = spark_backend(con, event_dir)
        spark_start = time.perf_counter() - t0
        print(f"Spark session (local[2], JVM start) {spark_start:.1f} s; not included below", flush=True)
        duck = duckdb_backend(con)
        for n in args.sizes:
            source = pathways_by_month(n)
            files = sum(1 for _ in source.rglob("*.parquet"))
            print(f"\n{n:,} pathways: {source} ({files} files)", flush=True)
            times, outputs = {}, {}
            for name, backend in (("duckdb", duck), ("spark", spark)):
                if name == "spark":
                    backend._session.sparkContext.setJobGroup(f"{n:,} pathways", f"{n} pathways")
                out = work / f"{name}_{n}"
                times[name], outputs[name] = run_job(backend, con, source, out)
                t = times[name]
                print(
                    f"  {name:<6} facts {t['facts']:7.1f} s   standards {t['standards']:6.1f} s   "
                    f"total {t['total']:7.1f} s   {n / t['total']:>12,.0f} pathways/s",
                    flush=True,
                )
                shutil.rmtree(out, ignore_errors=True)
            same = outputs["duckdb"].to_pylist() == outputs["spark"].to_pylist()
            ratio = {k: times["spark"][k] / times["duckdb"][k] for k in times["duckdb"]}
            print(
                f"  Spark ÷ DuckDB: facts {ratio['facts']:.2f}×, standards {ratio['standards']:.2f}×, "
                f"total {ratio['total']:.2f}×; {outputs['duckdb'].num_rows:,} standard rows, identical: {same}",
                flush=True,
            )
            if not same:
                sys.exit("the engines' standards differ")
            results.append({"pathways": n, "seconds": times, "ratio": ratio, "rows": outputs["duckdb"].num_rows})
        spark._session.sparkContext.stop()  # flush the event log
        report = stage_report(event_dir)
        print_stages(report)
        if args.json:
            args.json.write_text(json.dumps({"spark_start": spark_start, "runs": results, "stages": report}, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(CACHE / f"spill-{os.getpid()}", ignore_errors=True)


if __name__ == "__main__":
    main()
