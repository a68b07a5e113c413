"""``cancerwatch metrics``: performance of a standard at a level and period (docs/architecture.md).

``--engine spark`` runs the same metric expressions on PySpark (``warehouse.engines``); ``--parquet``
reads the facts from a month-partitioned Parquet dataset instead of the warehouse.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import emit
from cancerwatch.errors import UsageError
from cancerwatch.periods import parse_month
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.warehouse.engines import close_engine, open_engine, write_results


class Level(StrEnum):
    """Levels of the NHS hierarchy."""

    national = "national"
    region = "region"
    alliance = "alliance"
    icb = "icb"
    sub_icb = "sub_icb"
    provider = "provider"


class Period(StrEnum):
    """NHS financial periods."""

    month = "month"
    quarter = "quarter"
    year = "year"
    rolling12 = "rolling12"


class By(StrEnum):
    """Breakdowns."""

    cancer_type = "cancer_type"
    route = "route"
    modality = "modality"
    wait_band = "wait_band"


class Basis(StrEnum):
    """Provider-based or commissioner-based statistics."""

    provider = "provider"
    commissioner = "commissioner"


class Engine(StrEnum):
    """Where the Ibis expressions run."""

    duckdb = "duckdb"
    spark = "spark"


EngineOption = Annotated[
    Engine, typer.Option(help="duckdb, or spark (PySpark: local[2] unless --spark-master)", case_sensitive=False)
]
SparkMasterOption = Annotated[
    str | None,
    typer.Option(
        "--spark-master", help="Spark master URL, e.g. spark://host:7077 (default: $CANCERWATCH_SPARK_MASTER, local[2])"
    ),
]
OUT_SUFFIXES = (".xlsx", ".parquet")


def check_out(out: Path | None) -> None:
    """``--out`` must name an Excel workbook or a Parquet file."""
    if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
        raise UsageError(f"--out {out.name!r}: write a .xlsx workbook or a .parquet file")


def cli_query(
    standard: str,
    *,
    level: Level,
    period: Period,
    org: str | None,
    by: By | None,
    from_: str | None,
    to: str | None,
    basis: Basis | None,
    **more: str,
) -> MetricQuery:
    """The ``MetricQuery`` of the options that ``metrics`` and ``record-metrics`` share."""
    return MetricQuery(
        standard=standard,
        level=level.value,
        period=period.value,
        org=org,
        by=by.value if by else None,
        date_from=parse_month(from_) if from_ else None,
        date_to=parse_month(to) if to else None,
        basis=basis.value if basis else None,
        **more,
    )


def write_out(rows: list[dict], out: Path, title: str) -> None:
    """Write result rows to ``out``: an Excel workbook (.xlsx) or a Parquet file (.parquet)."""
    if out.suffix.lower() == ".parquet":
        write_results(rows, out)
    else:
        from cancerwatch.exports import write_xlsx

        write_xlsx(rows, out, title=title)


TABLE_COLUMNS = (
    "period_label",
    "org_code",
    "org_name",
    "total",
    "within_standard",
    "breaches",
    "performance",
    "ci_low",
    "ci_high",
    "threshold",
    "met",
    "compared_with_england",
    "rank",
)


WAIT_COLUMNS = ("period_label", "org_code", "org_name", "band", "patients", "share", "over_104_days")


def _wait_bands(query: MetricQuery, db: Path | None, engine: Engine) -> list[dict]:
    """``--by wait_band``: the published wait distribution (read layer over ``wait_queries``)."""
    from cancerwatch.read.context import Reader
    from cancerwatch.read.waits import wait_table
    from cancerwatch.wait_queries import WaitQuery

    if engine is not Engine.duckdb:
        raise UsageError("--by wait_band reads the warehouse: use --engine duckdb")
    if query.period == "rolling12" or query.dataset != "published":
        raise UsageError("--by wait_band gives published months, quarters or years only")
    con = open_duckdb(db_path(db), read_only=True)
    try:
        wanted = WaitQuery(
            query.standard, query.level, query.org, query.period, False, query.date_from, query.date_to, query.basis
        )
        return wait_table(Reader(con), wanted).rows
    finally:
        con.close()


def register(app: typer.Typer) -> None:
    """Add the command to the app."""

    @app.command("metrics")
    def metrics_command(
        standard: Annotated[str, typer.Option(help="fds, 31d, 62d, or a legacy standard (see `standards`)")],
        level: Annotated[Level, typer.Option(help="level of the NHS hierarchy")] = Level.national,
        period: Annotated[Period, typer.Option(help="month, or NHS financial quarter / year")] = Period.month,
        org: Annotated[str | None, typer.Option(help="one organisation code")] = None,
        by: Annotated[
            By | None,
            typer.Option(
                help="breakdown; wait_band: the published distribution of waits in day bands (monthly workbooks, "
                "October 2023 on), with the share and, for 62 days, over_104_days"
            ),
        ] = None,
        from_: Annotated[str | None, typer.Option("--from", help="first month, YYYY-MM")] = None,
        to: Annotated[str | None, typer.Option("--to", help="last month, YYYY-MM")] = None,
        basis: Annotated[
            Basis | None, typer.Option(help="default: provider for provider/national, commissioner for sub_icb/icb")
        ] = None,
        tumour_scheme: Annotated[
            str, typer.Option(help="as_published, or legacy: Oct 2023 tumour groups rolled up to the 2022 ones")
        ] = "as_published",
        dataset: Annotated[str, typer.Option(help="published (NHS England files) or record (pathways)")] = "published",
        out: Annotated[
            Path | None, typer.Option("--out", help="also write the rows to an Excel workbook (.xlsx) or Parquet")
        ] = None,
        engine: EngineOption = Engine.duckdb,
        spark_master: SparkMasterOption = None,
        parquet: Annotated[
            Path | None,
            typer.Option(
                "--parquet", help="read facts from DIR/facts/period=YYYY-MM-01/*.parquet (see docs/scale-out.md)"
            ),
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Performance, 95% Wilson interval, threshold in force and comparison with England."""
        query = cli_query(
            standard,
            level=level,
            period=period,
            org=org,
            by=by,
            from_=from_,
            to=to,
            basis=basis,
            tumour_scheme=tumour_scheme,
            dataset=dataset,
        )
        check_out(out)
        if by is By.wait_band:
            rows = _wait_bands(query, db, engine)
            if out is not None:
                write_out(rows, out, f"{standard} wait bands {level.value} {period.value}")
            emit(rows, fmt, title=f"{standard}: waits in day bands", columns=WAIT_COLUMNS)
            return
        con = open_duckdb(db_path(db), read_only=True)
        try:
            backend = open_engine(engine.value, con, spark_master=spark_master, parquet_dir=parquet)
            try:
                rows = metrics(con, query, backend=backend)
            finally:
                close_engine(backend)
        finally:
            con.close()
        if out is not None:
            write_out(rows, out, f"{standard} {level.value} {period.value}")
        cols = list(TABLE_COLUMNS)
        if by:
            cols.insert(3, by.value)
        emit(rows, fmt, title=f"{standard} by {level.value} and {period.value}", columns=cols)
