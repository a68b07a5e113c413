"""Record-level commands: ``synth`` (synthetic pathways), ``ptl`` (patient tracking list),
``record-metrics`` (standards straight from a pathway file or dataset) and ``reconcile``
(record-level figures against published ones). Patient identifiers are never printed.

``ptl`` and ``record-metrics`` take ``--engine duckdb|spark``: the same Ibis rules run on either.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import ibis
import typer

from cancerwatch.cli.commands.metrics import (
    TABLE_COLUMNS,
    Basis,
    By,
    Engine,
    EngineOption,
    Level,
    Period,
    SparkMasterOption,
    check_out,
    cli_query,
    write_out,
)
from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import Format, default_format, emit
from cancerwatch.errors import NoData, UnknownOrg, UsageError
from cancerwatch.metrics.pathways import ptl
from cancerwatch.metrics.pathways.clocks import RECORD_STANDARDS
from cancerwatch.metrics.pathways.reconcile import DIFFERS, MATCH, RECONCILE_COLUMNS, reconcile_counts
from cancerwatch.periods import parse_month
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.warehouse.connect import ibis_backend, open_duckdb

PathwaysOption = Annotated[
    Path | None,
    typer.Option(
        "--pathways",
        help="read pathways from a Parquet file or folder (Hive partitions allowed) instead of the warehouse",
    ),
]
DATE_COLUMNS = ("referral_date", "fds_end_date", "decision_to_treat_date", "treatment_date", "ipt_date")


class Show(StrEnum):
    """Which part of the PTL to print."""

    all = "all"
    summary = "summary"
    weeks = "weeks"
    pathways = "pathways"


def _iso(rows: list[dict]) -> list[dict]:
    return [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()} for r in rows]


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of {text!r} is not a date (YYYY-MM-DD)") from None


def latest_date(pathways: ibis.Table) -> date | None:
    """The latest event date in the pathways: the date the data run to (default ``--as-of``)."""
    return pathways.aggregate(d=ibis.greatest(*[pathways[c].max() for c in DATE_COLUMNS])).to_pyarrow()["d"][0].as_py()


def register(app: typer.Typer) -> None:
    """Add the record-level commands to the app."""

    @app.command("synth")
    def synth_command(
        pathways: Annotated[int, typer.Option("--pathways", min=1, help="number of pathways to generate")],
        out: Annotated[Path, typer.Option("--out", help="Parquet file to write (.parquet)")],
        seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same file")] = 0,
        start: Annotated[str, typer.Option(help="first month of clock stops, YYYY-MM")] = "2023-04",
        months: Annotated[int, typer.Option(min=1, max=120, help="months of clock stops")] = 12,
        db: Annotated[
            Path | None,
            typer.Option("--db", help="take organisation codes from this warehouse (default: bundled files)"),
        ] = None,
    ) -> None:
        """Write England-shaped synthetic record-level pathways (no real patients) to Parquet."""
        from cancerwatch.synth import generate

        if out.suffix.lower() != ".parquet":
            raise UsageError(f"--out {out.name!r}: write a .parquet file (cancerwatch load reads it as pathways)")
        con = open_duckdb(db, read_only=True) if db is not None else None
        try:
            generate(pathways, seed, out, con=con, start=parse_month(start), months=months)
        finally:
            if con is not None:
                con.close()
        typer.echo(f"wrote {pathways:,} synthetic pathways to {out}", err=True)

    @app.command("ptl")
    def ptl_command(
        provider: Annotated[str, typer.Option(help="provider ODS code (first or treating provider)")],
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="date of the list, YYYY-MM-DD (default: latest date in the data)")
        ] = None,
        weeks: Annotated[int, typer.Option(min=1, max=104, help="weeks of backlog history")] = 8,
        show: Annotated[Show, typer.Option(help="all, summary, weeks or pathways (CSV holds one table)")] = Show.all,
        pathways: PathwaysOption = None,
        engine: EngineOption = Engine.duckdb,
        spark_master: SparkMasterOption = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Patient tracking list: open pathways, 62-day backlog and 104+ day waiters (no patient identifiers)."""
        from cancerwatch.warehouse.engines import close_engine, open_pathways

        code = provider.strip().upper()
        con = open_duckdb(db_path(db), read_only=True)
        backend = None
        try:
            backend = open_pathways(engine.value, con, pathways, spark_master=spark_master)
            p = backend.table("pathways")
            if "source_id" in p.columns:  # the warehouse: each pathway as its latest file gives it
                p = ptl.latest_pathways(p)
            day = _parse_day(as_of) if as_of else latest_date(p)
            if day is None:
                raise NoData("no record-level pathways loaded: load a pathway file first")
            mine = p.filter((p.first_provider_code == code) | (p.treating_provider_code == code))
            if not mine.count().to_pyarrow().as_py():
                raise UnknownOrg(f"no record-level pathways for provider {code!r}")
            rows = ptl.ptl_rows(mine, day).order_by([ibis.desc("days_waiting"), "pathway_id"])
            pathways_out = _iso(rows.to_pyarrow().to_pylist())
            summary = _iso(ptl.ptl_summary(ptl.ptl_rows(mine, day)).to_pyarrow().to_pylist())
            weekly = _iso(ptl.backlog_by_week(mine, ptl.week_ends(day, weeks)).to_pyarrow().to_pylist())
        finally:
            if backend is not None:
                close_engine(backend)
            con.close()
        _emit_ptl(code, day, show, fmt, summary, weekly, pathways_out)

    @app.command("record-metrics")
    def record_metrics_command(
        pathways: Annotated[
            Path, typer.Option("--pathways", help="pathways: a Parquet file or folder (Hive partitions allowed)")
        ],
        standard: Annotated[
            list[str] | None, typer.Option(help="fds, 31d or 62d; repeat for several (default: all three)")
        ] = None,
        level: Annotated[Level, typer.Option(help="level of the NHS hierarchy")] = Level.national,
        period: Annotated[Period, typer.Option(help="month, or NHS financial quarter / year")] = Period.month,
        org: Annotated[str | None, typer.Option(help="one organisation code")] = None,
        by: Annotated[By | None, typer.Option(help="breakdown")] = None,
        from_: Annotated[str | None, typer.Option("--from", help="first month, YYYY-MM")] = None,
        to: Annotated[str | None, typer.Option("--to", help="last month, YYYY-MM")] = None,
        basis: Annotated[
            Basis | None, typer.Option(help="default: provider for provider/national, commissioner for sub_icb/icb")
        ] = None,
        engine: EngineOption = Engine.duckdb,
        spark_master: SparkMasterOption = None,
        out: Annotated[
            Path | None, typer.Option("--out", help="also write the rows to an Excel workbook (.xlsx) or Parquet")
        ] = None,
        facts_out: Annotated[
            Path | None,
            typer.Option("--facts-out", help="also keep the record-level facts in DIR/facts/period=YYYY-MM-01/"),
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Record-level standards computed straight from pathways (not loaded), rows as `metrics` gives them.

        Organisation structure and names come from the warehouse (--db).
        """
        from cancerwatch.metrics.pathways.record_facts import warehouse_fact_rows
        from cancerwatch.warehouse.engines import close_engine, open_record_engine

        chosen = tuple(standard or RECORD_STANDARDS)
        unknown = [s for s in chosen if s not in RECORD_STANDARDS]
        if unknown:
            raise UsageError(f"--standard {unknown[0]!r}: record-level standards are {', '.join(RECORD_STANDARDS)}")
        queries = [
            cli_query(
                s, level=level, period=period, org=org, by=by, from_=from_, to=to, basis=basis, dataset="record"
            ).validated()
            for s in chosen
        ]
        check_out(out)
        con = open_duckdb(db_path(db), read_only=True)
        try:
            backend = open_record_engine(
                engine.value, con, pathways, rules=warehouse_fact_rows, spark_master=spark_master, facts_dir=facts_out
            )
            try:
                rows = [row for q in queries for row in metrics(con, q, backend=backend)]
            finally:
                close_engine(backend)
        finally:
            con.close()
        title = f"record-level {', '.join(chosen)} by {level.value} and {period.value}"
        if out is not None:
            write_out(rows, out, title)
        cols = ["standard", *TABLE_COLUMNS]
        if by:
            cols.insert(4, by.value)
        emit(rows, fmt, title=title, columns=cols)

    @app.command("reconcile")
    def reconcile_command(
        from_: Annotated[str, typer.Option("--from", help="first month, YYYY-MM")],
        to: Annotated[str, typer.Option("--to", help="last month, YYYY-MM")],
        level: Annotated[Level, typer.Option(help="level of the NHS hierarchy")] = Level.provider,
        differences_only: Annotated[bool, typer.Option("--differences-only", help="only rows that differ")] = False,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Record-level FDS, 31-day and 62-day figures against the published ones, month by organisation."""
        queries = [
            MetricQuery(s, level=level.value, dataset="record", date_from=parse_month(from_), date_to=parse_month(to))
            for s in RECORD_STANDARDS
        ]
        resolved = [q.resolve() for q in queries]
        con = open_duckdb(db_path(db), read_only=True)
        try:
            backend = ibis_backend(con)
            facts, rollup = backend.table("facts"), backend.table("org_rollup")
            rows = []
            for r in resolved:
                q = r.query
                expr = reconcile_counts(
                    facts, rollup, r.standard, level=q.level, basis=r.spec.basis,
                    date_from=q.date_from, date_to=q.date_to,
                )  # fmt: skip
                rows.extend(_iso(expr.to_pyarrow().to_pylist()))
        finally:
            con.close()
        if not rows:
            raise NoData(f"no record-level figures from {from_} to {to}: load a pathway file first")
        if differences_only:
            rows = [r for r in rows if r["status"] != MATCH]
        emit(rows, fmt, title=f"record-level against published, {level.value}", columns=RECONCILE_COLUMNS)
        differing = sum(r["status"] == DIFFERS for r in rows)
        typer.echo(f"{differing} of {len(rows)} month × organisation × standard rows differ", err=True)


SUMMARY_TITLE = "PTL summary by provider holding the patient"


def _emit_ptl(code, day, show, fmt, summary, weekly, pathways_out) -> None:
    fmt = fmt or default_format()
    if fmt is Format.json and show is Show.all:
        emit(pathways_out, fmt, extra={"provider": code, "as_of": day.isoformat(), "summary": summary, "weeks": weekly})
        return
    if fmt is Format.csv and show is Show.all:
        show = Show.pathways
    parts = {
        Show.summary: (summary, f"{SUMMARY_TITLE}, {day.isoformat()}"),
        Show.weeks: (weekly, f"62-day backlog and 104+ day waiters by week, pathways of {code}"),
        Show.pathways: (pathways_out, f"Open pathways of {code} on {day.isoformat()} (longest wait first)"),
    }
    for part in (Show.summary, Show.weeks, Show.pathways):
        if show in (Show.all, part):
            rows, title = parts[part]
            cols = ptl.PTL_COLUMNS if part is Show.pathways else None
            emit(rows, fmt, title=title, columns=cols)
