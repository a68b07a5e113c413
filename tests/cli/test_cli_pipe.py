"""The CLI in a pipe: CSV by default off a terminal (docs/cli.md), tables never folded into 80
columns, and ``load`` closing with one line a person reads. CliRunner's output is not a terminal."""

from __future__ import annotations

import csv
import io
import re
import shlex

from typer.testing import CliRunner

from cancerwatch.cli.app import app
from tests.conftest import REPO
from tests.unit.ingest.conftest import provider_row, write_csv

runner = CliRunner()


def _tour() -> list[list[str]]:
    """The ``cancerwatch metrics`` commands of the demo's tour (scripts/demo.sh)."""
    lines = (REPO / "scripts" / "demo.sh").read_text(encoding="utf-8").splitlines()
    tour = [shlex.split(line.split("#")[0])[1:] for line in lines if line.startswith("$CW metrics")]
    assert len(tour) == 3
    return tour


def _table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]


def test_the_tour_reads_cleanly_in_a_pipe(warehouse_path):
    """Every row of every table of the tour is one line, as wide as the table's border: the same
    number of rows as the command gives as CSV, none folded."""
    for argv in _tour():
        table = runner.invoke(app, [*argv, "--db", str(warehouse_path)])
        assert table.exit_code == 0, table.output
        as_csv = runner.invoke(app, [*[a if a != "table" else "csv" for a in argv], "--db", str(warehouse_path)])
        rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
        lines = _table_lines(table.stdout)
        border = lines[0]
        assert all(len(line) == len(border) for line in lines), argv
        body = [line for line in lines if line.startswith("│")]
        assert len(body) == len(rows) > 0, argv
        header = next(line for line in lines if line.startswith("┃"))
        columns = [c.strip() for c in header.strip("┃").split("┃")]
        assert set(columns) <= set(rows[0]) and "org_name" in columns  # the table's columns, whole
        for line, row in zip(body, rows, strict=True):
            cells = [c.strip() for c in line.strip("│").split("│")]
            assert cells[columns.index("org_name")] == row["org_name"]  # names whole, on one line
        assert len(border) > 80  # wider than the 80 columns Rich assumes off a terminal
        title = table.stdout.splitlines()[0]
        assert title == title.strip()  # the title is its own line, not padded to the table


def test_data_commands_print_csv_when_piped(warehouse_path):
    res = runner.invoke(app, ["metrics", "--standard", "fds", "--from", "2025-07", "--db", str(warehouse_path)])
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows and rows[0]["period_label"] == "2025-07" and rows[0]["org_code"] == "ENG"


def test_load_ends_with_one_line_for_a_person(tmp_path):
    """4 rows read, 2 loaded, 2 quarantined (a count that is not a number, a standard that does
    not exist): the last line says so and where to look."""
    f = write_csv(
        tmp_path / "p.csv",
        [
            provider_row(),
            provider_row(period="2023-05-01"),
            provider_row(org="RAE", total="x"),
            provider_row(org="RAS", standard="14-day thing"),
        ],
    )
    db = str(tmp_path / "w.duckdb")
    table = runner.invoke(app, ["load", str(f), "--db", db, "--format", "table"])
    assert table.exit_code == 0, table.output
    last = table.stdout.rstrip("\n").splitlines()[-1]
    assert last == "4 rows read, 2 loaded, 2 quarantined: see `cancerwatch quarantine`"
    again = runner.invoke(app, ["load", str(f), "--db", db])  # piped: CSV on stdout, the line on stderr
    assert again.exit_code == 0
    [row] = csv.DictReader(io.StringIO(again.stdout))
    assert row["status"] == "unchanged"
    assert (
        again.stderr.rstrip("\n").splitlines()[-1]
        == "0 rows read, 0 loaded, 0 quarantined; 1 file already loaded, skipped"
    )
    assert not re.search(r"rows read", again.stdout)
