"""``cancerwatch escalate``, ``cancerwatch funding`` and ``cancerwatch quality-premium``."""

from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from cancerwatch.cli.options import DbOption, FormatOption, db_path
from cancerwatch.cli.output import Format, emit
from cancerwatch.errors import UsageError
from cancerwatch.periods import parse_fy
from cancerwatch.warehouse.connect import open_duckdb


def _report_not_judged(items: list, rule: str) -> None:
    """On standard error: how many organisations were assessed, fired, and could not be judged, and why."""
    from cancerwatch.accountability.escalation import not_judged

    fired = sum(1 for e in items if e.fired)
    reasons = not_judged(items)
    lines = [f"{rule}: {len(items)} organisations assessed, {fired} escalated"]
    shown = list(reasons.items())
    lines += [f"  not judged ({count}): {summary}" for summary, count in shown[:5]]
    if len(shown) > 5:
        lines.append(f"  not judged ({sum(c for _, c in shown[5:])}): {len(shown) - 5} other reasons (see --all)")
    sys.stderr.write("\n".join(lines) + "\n")


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""

    @app.command("escalate")
    def escalate_command(
        standard: Annotated[str, typer.Option(help="standard id, e.g. 62d")],
        level: Annotated[str, typer.Option(help="provider, sub_icb, icb, alliance or region")] = "provider",
        rule: Annotated[str, typer.Option(help="escalation rule id (see catalogue/escalation_rules.toml)")] = (
            "below_threshold_5_of_6_months"
        ),
        basis: Annotated[str | None, typer.Option(help="provider or commissioner")] = None,
        include_all: Annotated[
            bool, typer.Option("--all", help="also list organisations the rule does not fire for")
        ] = False,
        letters: Annotated[Path | None, typer.Option(help="write one escalation letter per organisation here")] = None,
        letter_format: Annotated[str, typer.Option(help="md or html")] = "md",
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Organisations that consistently fail a standard, with the evidence and the rule that fired.

        Organisations the rule cannot judge (too few periods, too few patients, no threshold) are
        counted on standard error with the reason, e.g. "too few quarters: 2 of 4"; --all lists them."""
        from cancerwatch.accountability.escalation import escalate, escalation_rows
        from cancerwatch.accountability.letter import render_letter

        if letter_format not in ("md", "html"):
            raise UsageError("--letter-format must be md or html")
        con = open_duckdb(db_path(db), read_only=True)
        try:
            everyone = escalate(con, standard=standard, level=level, rule_id=rule, basis=basis, include_all=True)
        finally:
            con.close()
        items = everyone if include_all else [e for e in everyone if e.fired]
        if letters is not None:
            letters.mkdir(parents=True, exist_ok=True)
            for e in items:
                if e.fired:
                    (letters / f"escalation-{e.standard}-{e.org_code}.{letter_format}").write_text(
                        render_letter(e, fmt=letter_format), encoding="utf-8"
                    )
        rows = escalation_rows(items)
        if (fmt or None) is Format.json:
            sys.stdout.write(
                json.dumps(
                    [{**r, "evidence": e.evidence} for r, e in zip(rows, items, strict=True)], indent=2, default=str
                )
                + "\n"
            )
            _report_not_judged(everyone, rule)
            return
        emit(
            rows,
            fmt,
            title=f"Escalation: {standard} at {level} level, rule {rule}",
            columns=(
                "org_code",
                "org_name",
                "status",
                "failures",
                "periods_considered",
                "latest_period",
                "latest_performance",
                "trend",
            ),
        )
        sys.stdout.flush()
        _report_not_judged(everyone, rule)

    @app.command("funding")
    def funding_command(
        pot: Annotated[str, typer.Option(help="annual Alliance transformation pot in pounds, e.g. 100000000")],
        year: Annotated[str, typer.Option(help="financial year, e.g. 2023/24")] = "2023/24",
        policy: Annotated[list[str] | None, typer.Option(help="policy id (repeatable); default: every policy")] = None,
        policies_file: Annotated[Path | None, typer.Option("--policies", help="a policies TOML file")] = None,
        population: Annotated[
            Path | None,
            typer.Option(
                help="ONS population CSV (alliance_code,population[,source]) as the base share; "
                "default: share of FDS patients, i.e. referral volume, not population"
            ),
        ] = None,
        summary: Annotated[bool, typer.Option("--summary", help="print the per-policy summary")] = False,
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Quarterly allocation of the Alliance pot under each policy: who gains and who loses.

        Every policy starts from each Alliance's base share: its share of FDS patients (referral
        volume) unless --population gives ONS population figures. Targets are the thresholds or
        planning ambitions in force in each quarter."""
        from cancerwatch.accountability.funding import load_policies
        from cancerwatch.accountability.funding_report import funding_rows

        try:
            amount = Decimal(pot.replace(",", "").replace("£", ""))
        except InvalidOperation:
            raise UsageError(f"--pot {pot!r} is not an amount of money") from None
        if amount <= 0:
            raise UsageError("--pot must be positive")
        policies = load_policies(policies_file)
        if policy:
            unknown = [p for p in policy if p not in policies]
            if unknown:
                raise UsageError(f"unknown policy {unknown[0]!r}: use one of {', '.join(policies)}")
            policies = {k: v for k, v in policies.items() if k in policy or k == "decoupled"}
        con = open_duckdb(db_path(db), read_only=True)
        try:
            rows, summ = funding_rows(
                con, pot=amount, year_start=parse_fy(year), policies=policies, population_csv=population
            )
        finally:
            con.close()
        base = next(iter(summ.values()))["base"] if summ else ""
        if summary:
            emit(list(summ.values()), fmt, title=f"Funding policies — base share: {base}")
        else:
            emit(
                rows,
                fmt,
                title=f"Alliance allocations {year} — base share: {base}",
                columns=(
                    "policy",
                    "quarter",
                    "alliance_code",
                    "alliance_name",
                    "met_targets",
                    "allocation",
                    "difference",
                ),
            )

    @app.command("quality-premium")
    def quality_premium_command(
        level: Annotated[str, typer.Option(help="sub_icb, icb or alliance")] = "sub_icb",
        db: DbOption = None,
        fmt: FormatOption = None,
    ) -> None:
        """Early diagnosis (stage 1–2), stage completeness, emergency presentations and eligibility.

        The early-diagnosis rate is the crude share of staged cancers at stage 1 or 2: it approximates
        NDRS's "Case-mix adjusted percentage of cancers diagnosed at stages 1 and 2" but is not
        case-mix adjusted as that official statistic is."""
        from cancerwatch.accountability.quality_premium import MEASURE, early_diagnosis, eligibility

        con = open_duckdb(db_path(db), read_only=True)
        try:
            rows = eligibility(early_diagnosis(con, level=level))
        finally:
            con.close()
        emit(
            rows,
            fmt,
            title=f"Quality Premium: early diagnosis by {level} ({MEASURE})",
            columns=(
                "org_code",
                "org_name",
                "year",
                "staged",
                "early_diagnosis_rate",
                "stage_completeness",
                "emergency_presentation_rate",
                "eligible",
                "reason",
            ),
        )
        sys.stdout.flush()
        sys.stderr.write(f"early_diagnosis_rate: {MEASURE}\n")
