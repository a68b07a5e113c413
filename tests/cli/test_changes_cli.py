"""``cancerwatch changes``: table, CSV and JSON like every data command; errors as one line."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cancerwatch.cli.app import app

runner = CliRunner()
FIELDS = ["kind", "level", "org_code", "org_name", "standard", "month", "summary", "before", "after", "href"]


def test_changes_json_of_one_alliance_since_a_month(warehouse_path):
    res = runner.invoke(
        app,
        [
            "changes",
            "--db",
            str(warehouse_path),
            "--since",
            "2025-05",
            "--org",
            "E56000035",
            "--level",
            "alliance",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert (payload["month"], payload["baseline"]) == ("2025-07", "2025-05")
    assert payload["rows"] and {r["org_code"] for r in payload["rows"]} == {"E56000035"}
    assert all(r["href"].startswith("/alliance/E56000035") for r in payload["rows"])
    assert set(payload["counts"]) >= {"signal", "met", "missed", "escalated", "mover", "revision"}


def test_changes_csv_of_the_latest_load(warehouse_path):
    res = runner.invoke(app, ["changes", "--db", str(warehouse_path), "--level", "national", "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0]) == FIELDS
    revised = [r for r in rows if r["kind"] == "revision"]
    assert revised and all(r["org_code"] == "ENG" and r["href"] == "/data#revisions" for r in revised)
    assert "2025-07 against 2025-06" in res.stderr


def test_changes_table_names_the_columns(warehouse_path):
    res = runner.invoke(app, ["changes", "--db", str(warehouse_path), "--level", "region", "--format", "table"])
    assert res.exit_code == 0, res.output
    assert "summary" in res.stdout and "org_name" in res.stdout


def test_a_bad_since_is_one_line_exit_2(warehouse_path):
    src = Path(__file__).resolve().parents[2] / "src"
    res = subprocess.run(
        [sys.executable, "-m", "cancerwatch", "changes", "--db", str(warehouse_path), "--since", "last week"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(src)},
        check=False,
    )
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == ["cancerwatch: since 'last week': give a source id or a month as YYYY-MM"]
