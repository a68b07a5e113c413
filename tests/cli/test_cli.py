"""The CLI contract: commands, field names, formats and exit codes (docs/architecture.md)."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from cancerwatch.cli.app import app

runner = CliRunner()
CONTRACT_FIELDS = [
    "period_start",
    "period_label",
    "standard",
    "level",
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
]


def test_metrics_csv_has_contract_fields(warehouse_path):
    res = runner.invoke(
        app,
        [
            "metrics",
            "--standard",
            "62d",
            "--level",
            "alliance",
            "--period",
            "quarter",
            "--db",
            str(warehouse_path),
            "--format",
            "csv",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0])[: len(CONTRACT_FIELDS)] == CONTRACT_FIELDS
    assert rows[0]["period_label"] == "2023/24 Q1"


def test_metrics_json_national(warehouse_path):
    res = runner.invoke(
        app,
        [
            "metrics",
            "--standard",
            "fds",
            "--from",
            "2023-04",
            "--to",
            "2023-04",
            "--db",
            str(warehouse_path),
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0
    [row] = json.loads(res.stdout)
    assert (row["org_code"], row["org_name"], row["total"], row["within_standard"]) == (
        "ENG",
        "England",
        215274.0,
        153593.0,
    )


def test_bad_usage_exits_2(warehouse_path):
    res = runner.invoke(app, ["metrics", "--standard", "fds", "--level", "ward", "--db", str(warehouse_path)])
    assert res.exit_code == 2


def test_load_reports_counts_and_no_op(tmp_path):
    from tests.conftest import DATA

    db = str(tmp_path / "w.duckdb")
    f = str(DATA / "geo" / "Sub_ICB_Locations_to_ICB_to_NHS_England_Region_Jul_2022_Lookup.csv")
    res = runner.invoke(app, ["load", f, "--db", db, "--format", "json"])
    assert res.exit_code == 0
    [r] = json.loads(res.stdout)
    assert (r["rows_read"], r["rows_loaded"], r["rows_quarantined"], r["status"]) == (106, 106, 0, "loaded")
    again = runner.invoke(app, ["load", f, "--db", db, "--format", "json"])
    assert json.loads(again.stdout)[0]["status"] == "unchanged"


def test_standards_lists_catalogue():
    res = runner.invoke(app, ["standards", "--format", "json"])
    ids = {r["standard"] for r in json.loads(res.stdout)}
    assert {"fds", "31d", "62d", "2ww", "62d_upgrade"} <= ids


def test_excel_export(warehouse_path, tmp_path):
    out = tmp_path / "m.xlsx"
    res = runner.invoke(
        app,
        [
            "metrics",
            "--standard",
            "fds",
            "--level",
            "region",
            "--period",
            "quarter",
            "--db",
            str(warehouse_path),
            "--format",
            "csv",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0
    import fastexcel

    sheet = fastexcel.read_excel(str(out)).load_sheet(0, header_row=2).to_arrow()
    # 7 regions and the not-mapped row, in ten quarters: 2023/24 Q1 to 2025/26 Q2 (July 2025 only)
    assert sheet.num_rows == 80 and "performance" in sheet.column_names


def test_escalate_says_when_a_quarterly_rule_has_too_few_quarters(warehouse_path):
    """Sub-ICB locations have two quarters (April – September 2023; later months come by ICB): the
    3-of-4-quarters rule judges nobody, and says so rather than print an empty table in silence."""
    args = ["escalate", "--standard", "62d", "--level", "sub_icb", "--rule", "below_threshold_3_of_4_quarters"]
    res = runner.invoke(app, [*args, "--db", str(warehouse_path), "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == ""  # nobody escalated
    assert "106 organisations assessed, 0 escalated" in res.stderr
    assert "not judged (106): too few quarters: 2 of 4" in res.stderr
    listed = runner.invoke(app, [*args, "--all", "--db", str(warehouse_path), "--format", "json"])
    rows = json.loads(listed.stdout)
    assert len(rows) == 106 and {(r["status"], r["summary"]) for r in rows} == {
        ("too few periods", "too few quarters: 2 of 4")
    }


def test_escalate_mdc_rule_needs_thirteen_months(warehouse_path):
    """Six months of sub-ICB figures: trial limits, nobody escalated, and the reason printed."""
    res = runner.invoke(
        app,
        [
            "escalate",
            "--standard",
            "62d",
            "--level",
            "sub_icb",
            "--rule",
            "mdc_consistently_failing",
            "--db",
            str(warehouse_path),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "0 escalated" in res.stderr and "too few months: 6 of 13 (trial limits)" in res.stderr


def test_quality_premium_says_which_measure_it_approximates(warehouse_path):
    res = runner.invoke(app, ["quality-premium", "--db", str(warehouse_path), "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert "Case-mix adjusted percentage of cancers diagnosed at stages 1 and 2" in res.stderr
    assert "not case-mix adjusted" in res.stderr


def test_funding_names_its_base_share(warehouse_path):
    res = runner.invoke(
        app, ["funding", "--pot", "1000000", "--summary", "--db", str(warehouse_path), "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert {s["base"] for s in summary} == {
        "FDS patient volume: share of 28-day FDS patients resident in the Alliance (commissioner basis); "
        "referral volume, not population"
    }
    assert not any("population share" in s["description"].lower() for s in summary)
