"""``cancerwatch diagnostics`` and ``cancerwatch workforce``: fields, formats, exit code 2 on bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from typer.testing import CliRunner

from cancerwatch.cli.app import app

runner = CliRunner()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cancerwatch", *args], capture_output=True, text=True, timeout=300)


def test_diagnostics_json_for_an_alliance_and_test(warehouse_path):
    args = ["--level", "alliance", "--org", "E56000005", "--test", "ct", "--test", "all", "--from", "2025-07"]
    res = runner.invoke(app, ["diagnostics", *args, "--to", "2025-07", "--db", str(warehouse_path), "--format", "json"])
    assert res.exit_code == 0, res.stdout
    rows = json.loads(res.stdout)
    assert [(r["org_code"], r["test"], r["period_label"]) for r in rows] == [
        ("E56000005", "ct", "2025-07"),
        ("E56000005", "all", "2025-07"),
    ]
    ct = rows[0]
    assert ct["share_6plus"] == ct["waiting_6plus"] / ct["waiting_list"]
    assert ct["threshold"] == 0.01 and ct["met"] is (ct["share_6plus"] <= 0.01)
    assert ct["total_activity"] == ct["planned_activity"] + ct["unscheduled_activity"] + ct["waiting_list_activity"]


def test_diagnostics_defaults_to_the_cancer_pathway_tests(warehouse_path):
    res = runner.invoke(app, ["diagnostics", "--from", "2025-07", "--db", str(warehouse_path), "--format", "csv"])
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["test"] for r in rows] == [
        "mri",
        "ct",
        "non_obstetric_ultrasound",
        "colonoscopy",
        "flexi_sigmoidoscopy",
        "cystoscopy",
        "gastroscopy",
    ]


def test_diagnostics_bad_input_exits_2_with_one_line(warehouse_path):
    db = ["--db", str(warehouse_path)]
    for args, reason in (
        (["--test", "capsule"], "unknown diagnostic test 'capsule'"),
        (["--from", "2025-13"], "'2025-13' is not a month"),
        (["--level", "provider", "--org", "ZZZ"], "no provider organisation 'ZZZ' with DM01 figures"),
        (["--from", "2020-01", "--to", "2020-02"], "no DM01 diagnostics figures are loaded"),
    ):
        done = _cli("diagnostics", *args, *db)
        assert done.returncode == 2, args
        assert len(done.stderr.strip().splitlines()) == 1 and reason in done.stderr, done.stderr
    assert _cli("diagnostics", "--level", "sub_icb", *db).returncode == 2  # DM01 is provider-based


def test_workforce_beside_performance(warehouse_path):
    res = runner.invoke(app, ["workforce", "--org", "RJ1", "--db", str(warehouse_path), "--format", "json"])
    assert res.exit_code == 0, res.stdout
    out = json.loads(res.stdout)
    total = next(r for r in out["rows"] if r["staff_group"] == "total")
    assert (total["org_code"], total["period_label"], total["headcount"]) == ("RJ1", "2025-05", 23252)
    assert [p["measure"] for p in out["performance"]] == ["fds", "31d", "62d", "dm01"]
    res = runner.invoke(app, ["workforce", "--org", "RJ1", "--db", str(warehouse_path), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {"fte", "headcount", "fds_performance", "dm01_share_6plus"} <= set(rows[0])


def test_workforce_unknown_organisation_exits_2(warehouse_path):
    done = _cli("workforce", "--org", "ZZZ", "--db", str(warehouse_path))
    assert done.returncode == 2
    assert done.stderr.strip() == "cancerwatch: no NHS Workforce Statistics for provider 'ZZZ' in 2025-05"
