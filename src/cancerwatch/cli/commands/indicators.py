"""``cancerwatch indicators`` (the indicator catalogue) and ``cancerwatch indicator`` (its figures)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cancerwatch.catalogue.indicators import indicators, source_text
from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import emit
from cancerwatch.indicator_queries import indicator_metrics
from cancerwatch.periods import parse_month
from cancerwatch.warehouse.connect import open_duckdb


class Level(StrEnum):
    """Levels of the NHS hierarchy."""

    national = "national"
    region = "region"
    alliance = "alliance"
    icb = "icb"
    sub_icb = "sub_icb"
    provider = "provider"


CATALOGUE_COLUMNS = ("indicator", "name", "unit", "polarity", "levels", "kind", "target", "target_date", "confidence")
TABLE_COLUMNS = (
    "period_label",
    "org_code",
    "org_name",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "target",
    "met",
    "england_value",
    "compared_with_england",
)


def catalogue_rows() -> list[dict]:
    """One row per target (an indicator with none gets one row with no target)."""
    rows = []
    for i in indicators().values():
        base = {
            "indicator": i.id,
            "name": i.name,
            "family": i.family,
            "definition": i.definition,
            "numerator": i.numerator,
            "denominator": i.denominator,
            "unit": i.unit,
            "polarity": i.polarity,
            "levels": " ".join(i.levels),
            "period_type": i.period_type,
            "ci_method": i.ci_method,
            "source": source_text(i.source),
        }
        for t in i.targets or (None,):
            rows.append(
                {
                    **base,
                    "kind": t.kind if t else None,
                    "target": t.value if t else None,
                    "effective_from": t.effective_from.isoformat() if t else None,
                    "effective_to": t.effective_to.isoformat() if t and t.effective_to else None,
                    "target_date": t.target_date.isoformat() if t and t.target_date else None,
                    "confidence": t.confidence if t else None,
                    "note": t.note if t else "",
                    "target_source": source_text(t.source) if t else None,
                }
            )
    return rows


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""

    @app.command("indicators")
    def indicators_command(fmt: FormatOption = None) -> None:
        """List every indicator: definition, unit, polarity, levels, targets with dates and sources."""
        emit(catalogue_rows(), fmt, title="Indicator catalogue", columns=CATALOGUE_COLUMNS)

    @app.command("indicator")
    def indicator_command(
        id_: Annotated[str, typer.Option("--id", help="indicator id (see `cancerwatch indicators`)")],
        level: Annotated[Level, typer.Option(help="level of the NHS hierarchy")] = Level.national,
        org: Annotated[str | None, typer.Option(help="one organisation code (ODS, or ONS E-code)")] = None,
        from_: Annotated[str | None, typer.Option("--from", help="first period starting on or after, YYYY-MM")] = None,
        to: Annotated[str | None, typer.Option("--to", help="last period starting on or before, YYYY-MM")] = None,
        base_year: Annotated[
            str | None, typer.Option(help="price base for real-terms spend, e.g. 2022/23 (default: latest)")
        ] = None,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """An indicator's value, 95% interval, target in force, and comparison with England."""
        con = open_duckdb(db_path(db), read_only=True)
        try:
            rows = indicator_metrics(
                con,
                id_,
                level.value,
                org,
                date_from=parse_month(from_) if from_ else None,
                date_to=parse_month(to) if to else None,
                base_year=base_year,
            )
        finally:
            con.close()
        emit(rows, fmt, title=f"{id_} by {level.value}", columns=TABLE_COLUMNS)
