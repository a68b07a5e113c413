"""``cancerwatch indicators`` and ``cancerwatch indicator``: fields, formats and exit codes."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest
from typer.testing import CliRunner

from cancerwatch.cli.app import app, main

runner = CliRunner()


def test_catalogue_lists_every_indicator_with_targets():
    res = runner.invoke(app, ["indicators", "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    smoking = [(r["kind"], r["target"], r["target_date"]) for r in rows if r["indicator"] == "smoking_prevalence"]
    assert smoking == [
        ("target", "0.13", "2020-12-31"),
        ("target", "0.12", "2022-12-31"),
        ("ambition", "0.05", "2030-12-31"),
    ]
    assert {r["indicator"] for r in rows} >= {"cpes_overall_rating", "cns_vacancy_rate", "cancer_spend_per_head"}
    assert all(r["definition"] and r["source"] for r in rows)


def test_indicator_csv(indicator_db_path):
    res = runner.invoke(
        app,
        [
            "indicator",
            "--id",
            "smoking_prevalence",
            "--level",
            "icb",
            "--org",
            "QF7",
            "--db",
            str(indicator_db_path),
            "--format",
            "csv",
        ],
    )
    assert res.exit_code == 0, res.output
    [row] = list(csv.DictReader(io.StringIO(res.stdout)))
    assert (row["period_label"], row["org_code"], row["value"], row["compared_with_england"], row["met"]) == (
        "2022",
        "QF7",
        "0.158",
        "worse",
        "False",
    )


def test_indicator_json_with_price_base(indicator_db_path):
    res = runner.invoke(
        app,
        [
            "indicator",
            "--id",
            "cancer_spend_per_head",
            "--level",
            "national",
            "--base-year",
            "2012/13",
            "--db",
            str(indicator_db_path),
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["period_label"], r["value"], r["prices"]) for r in rows] == [
        ("2011/12", 105.0, "2012/13 prices"),
        ("2012/13", 105.0, "2012/13 prices"),
    ]


def test_unknown_indicator_exits_2_with_one_line(indicator_db_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["cancerwatch", "indicator", "--id", "nope", "--db", str(indicator_db_path)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("cancerwatch: unknown indicator 'nope': use one of smoking_prevalence, obesity_prevalence")
    assert err.count("\n") == 1


def test_level_not_reported_exits_2(indicator_db_path, monkeypatch, capsys):
    argv = [
        "cancerwatch",
        "indicator",
        "--id",
        "cpes_overall_rating",
        "--level",
        "sub_icb",
        "--db",
        str(indicator_db_path),
    ]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    assert capsys.readouterr().err == (
        "cancerwatch: cpes_overall_rating is reported at national, alliance, icb, provider, not 'sub_icb'\n"
    )
