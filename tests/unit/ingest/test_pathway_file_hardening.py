"""Record-level pathway files that are hostile or merely odd (issue 20), and the adjustment columns
(issue 19): each test fails on a reader that leaks values into reasons, accepts implausible dates
or adjustments, refuses a file for one bad row, or reads only UTF-8."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cancerwatch.cli.app import app, main
from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files, parse_file
from cancerwatch.ingest.readers.pathway_checks import COLUMNS

from .test_pathways_reader import HEADER, row, write

LEGACY_HEADER = [c for c in HEADER if not c.endswith("adjustment_days")] + ["adjustment_days"]


def text(rows: list[dict], header: list[str] = HEADER) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def reasons(parsed) -> dict[int, tuple[str | None, str]]:
    return {r.row_number: (r.column, r.reason) for r in parsed.rejections}


# --- reasons name the row, column and rule, never the value -------------------------------------

SECRETS = {
    "pathway_id": "PWY-SECRET-77",
    "route": "Jane Doe 1961-02-03",
    "referral_date": "3rd of May",
    "treatment_date": "1900-01-01",
    "stage": "Jane Doe",
    "treatment_modality": "NHS 943 476 5919",
    "first_provider_code": "R-SECRET",
    "first_seen_adjustment_days": "12 days (J. Doe)",
    "emergency_presentation": "ask Jane",
    "tumour_group": "Lung\x00Jane",
}


def test_no_reason_quotes_a_cell(tmp_path):
    rows = [row(pathway_id="PWY-SECRET-77")]
    rows += [row(pathway_id=f"B{i}", **{c: v}) for i, (c, v) in enumerate(SECRETS.items()) if c != "pathway_id"]
    rows += [row(pathway_id="PWY-SECRET-77", patient_id="N2")]  # a duplicate of the first row
    rows += [row(pathway_id="ORDER", treatment_date="2023-04-01")]  # before the referral date
    parsed = parse_file(write(tmp_path / "p.csv", rows))
    assert len(parsed.rejections) == len(rows) - 1
    fragments = {*SECRETS.values(), "SECRET", "Jane", "1900", "2023-04-01", "2023-04-03", "943"}
    for r in parsed.rejections:
        assert not any(f in r.reason for f in fragments), r.reason
    assert reasons(parsed)[len(rows)] == ("pathway_id", "duplicate pathway_id (first at row 2)")


def test_quarantine_rows_keep_the_values_but_not_the_patient(empty_warehouse, tmp_path):
    path = write(tmp_path / "p.csv", [row(pathway_id="OK"), row(pathway_id="X", route="Jane Doe")])
    load_files(empty_warehouse, [path])
    reason, raw = empty_warehouse.execute("SELECT reason, raw_row FROM quarantine").fetchone()
    assert "Jane" not in reason
    assert json.loads(raw)["route"] == "Jane Doe"
    assert json.loads(raw)["patient_id"] == "[withheld]"


# --- plausible dates: the CWT national series begins in October 2009; no future months -----------

EARLY = "is before October 2009, when the Cancer Waiting Times national series begins"
FUTURE = "is in a month after the month of loading"


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


@pytest.mark.parametrize(
    ("cells", "column", "rule"),
    [
        ({"referral_date": "2009-09-30", "fds_end_date": "2009-10-20"}, "referral_date", EARLY),
        ({"referral_date": "1900-01-01"}, "referral_date", EARLY),
        ({"treatment_date": "2100-01-01"}, "treatment_date", FUTURE),
        ({"treatment_date": "9999-12-31"}, "treatment_date", FUTURE),
        ({"ipt_date": "0001-01-01"}, "ipt_date", EARLY),
        ({"fds_end_date": "_next_month"}, "fds_end_date", FUTURE),
    ],
)
def test_implausible_dates_are_quarantined(tmp_path, cells, column, rule):
    cells = {k: (_next_month(date.today()).isoformat() if v == "_next_month" else v) for k, v in cells.items()}
    parsed = parse_file(write(tmp_path / "p.csv", [row(pathway_id="OK"), row(pathway_id="BAD", **cells)]))
    assert reasons(parsed) == {3: (column, f"{column} {rule}")}
    assert parsed.months == [date(2023, 4, 1), date(2023, 5, 1)]  # no fact month from the bad row


def test_dates_at_the_edges_of_the_window_load(tmp_path):
    today = date.today()
    last_day = _next_month(today) - timedelta(days=1)
    rows = [
        row(pathway_id="FIRST", referral_date="2009-10-01", fds_end_date="2009-10-01", decision_to_treat_date="",
            treatment_date="", treatment_kind="", treatment_modality=""),
        row(pathway_id="LAST", referral_date=today.isoformat(), fds_end_date=last_day.isoformat(),
            decision_to_treat_date="", treatment_date="", treatment_kind="", treatment_modality=""),
    ]  # fmt: skip
    parsed = parse_file(write(tmp_path / "p.csv", rows))
    assert parsed.rejections == []
    assert parsed.months == [date(2009, 10, 1), date(today.year, today.month, 1)]


def test_typed_parquet_dates_are_range_checked_too(tmp_path):
    path = tmp_path / "p.parquet"
    good = parse_file(write(tmp_path / "p.csv", [row(), row(pathway_id="P2")])).pathways.drop_columns(["extra"])
    dates = good.column("treatment_date").to_pylist()
    dates[1] = date(1900, 1, 1)
    column = good.schema.get_field_index("treatment_date")
    table = good.set_column(column, "treatment_date", pa.array(dates, pa.date32()))
    pq.write_table(table, path)
    parsed = parse_file(path)
    assert reasons(parsed) == {2: ("treatment_date", f"treatment_date {EARLY}")}


# --- adjustments: bounded, per clock, legacy column flagged, ambiguity refused -------------------


@pytest.mark.parametrize("column", ["first_seen_adjustment_days", "treatment_adjustment_days"])
def test_adjustments_over_the_bound_are_quarantined(tmp_path, column):
    rows = [row(pathway_id="A", **{column: "365"}), row(pathway_id="B", **{column: "366"}),
            row(pathway_id="C", **{column: "999999"}), row(pathway_id="D", **{column: "99999999999"})]  # fmt: skip
    parsed = parse_file(write(tmp_path / "p.csv", rows))
    over = (column, f"{column} is over 365 days, the bound")
    assert reasons(parsed) == {3: over, 4: over, 5: (column, f"{column} is not a whole number of days")}
    assert parsed.pathways.column(column).to_pylist() == [365]


def test_the_two_adjustments_are_stored_apart(tmp_path):
    parsed = parse_file(write(tmp_path / "p.csv", [row(first_seen_adjustment_days="3", treatment_adjustment_days="5")]))
    [r] = parsed.pathways.to_pylist()
    assert (r["first_seen_adjustment_days"], r["treatment_adjustment_days"]) == (3, 5)
    assert parsed.notes == []


def test_legacy_adjustment_column_is_read_as_first_seen_and_flagged(empty_warehouse, tmp_path):
    legacy = write(tmp_path / "legacy.csv", [row(adjustment_days="4"), row(pathway_id="P2", adjustment_days="-1")],
                   header=LEGACY_HEADER)  # fmt: skip
    [res] = load_files(empty_warehouse, [legacy])
    assert res.notes and "legacy column 'adjustment_days'" in res.notes[0]
    assert empty_warehouse.execute(
        "SELECT first_seen_adjustment_days, treatment_adjustment_days FROM pathways"
    ).fetchall() == [(4, 0)]
    # a rejected legacy cell is named as the file names it
    assert empty_warehouse.execute("SELECT column_name, reason FROM quarantine").fetchall() == [
        ("adjustment_days", "adjustment_days is negative")
    ]


def test_cli_load_shows_the_legacy_note(tmp_path):
    legacy = write(tmp_path / "legacy.csv", [row(adjustment_days="4")], header=LEGACY_HEADER)
    res = CliRunner().invoke(app, ["load", str(legacy), "--db", str(tmp_path / "w.duckdb"), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert "legacy.csv: legacy column 'adjustment_days' read as 'first_seen_adjustment_days'" in res.stderr


@pytest.mark.parametrize("new", ["first_seen_adjustment_days", "treatment_adjustment_days"])
def test_legacy_beside_a_new_adjustment_column_is_refused(tmp_path, new):
    header = [*[c for c in HEADER if not c.endswith("adjustment_days")], new, "Adjustment_Days"]
    path = write(tmp_path / "p.csv", [{**row(), "Adjustment_Days": "1"}], header=header)
    with pytest.raises(InputError) as err:
        parse_file(path)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("p.csv, column 'adjustment_days': ambiguous adjustments")


def test_cli_refuses_the_ambiguous_file_in_one_line(tmp_path, monkeypatch, capsys):
    header = [*HEADER, "adjustment_days"]
    path = write(tmp_path / "p.csv", [{**row(), "adjustment_days": "1"}], header=header)
    monkeypatch.setattr(sys, "argv", ["cancerwatch", "load", str(path), "--db", str(tmp_path / "w.duckdb")])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert "p.csv, column 'adjustment_days': ambiguous adjustments" in err


# --- encodings and row shapes -------------------------------------------------------------------


def _cells():
    return [row(tumour_group="Lung"), row(pathway_id="P2", tumour_group="Café – Other")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "cp1252", "utf-8-sig"])
def test_pathway_csv_in_the_encodings_extracts_use(tmp_path, encoding):
    body = text(_cells())
    data = body.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # with their byte-order mark, as "Unicode text" is saved
        data = ("\ufeff" + body).encode(encoding)
    path = tmp_path / "p.csv"
    path.write_bytes(data)
    parsed = parse_file(path)
    assert parsed.kind == "pathways"
    assert parsed.rejections == []
    assert parsed.pathways.column("tumour_group").to_pylist() == ["Lung", "Café – Other"]
    assert parsed.pathways.column("pathway_id").to_pylist() == ["P1", "P2"]


def test_undecodable_text_is_refused_in_one_line(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(text(_cells()).encode("cp1252") + b"P3,\x81\x8d\x8f\r\n")
    with pytest.raises(InputError, match="neither UTF-8, UTF-16"):
        parse_file(path)


def test_a_row_with_more_fields_than_the_header_is_quarantined(empty_warehouse, tmp_path):
    lines = text([row(pathway_id="P1"), row(pathway_id="P2"), row(pathway_id="P3")]).splitlines()
    lines[2] += ",surplus,more"
    lines[3] = ",".join(lines[3].split(",")[:-2])  # P3 has two fields fewer than the header
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_file(path)
    assert reasons(parsed) == {
        3: (None, "row has more fields than the header"),
        4: (None, "row has fewer fields than the header"),
    }
    [res] = load_files(empty_warehouse, [path])
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (3, 1, 2)


def test_a_nul_byte_inside_an_org_code_is_quarantined(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(text([row(), row(pathway_id="P2", first_provider_code="R\x00BK"),
                          row(pathway_id="P3", commissioner_code="00 L"), row(pathway_id="P\x004")]),
                    encoding="utf-8")  # fmt: skip
    parsed = parse_file(path)
    assert reasons(parsed) == {
        3: ("first_provider_code", "first_provider_code is not an organisation code (letters and digits only)"),
        4: ("commissioner_code", "commissioner_code is not an organisation code (letters and digits only)"),
        5: ("pathway_id", "pathway_id contains a control character (such as a NUL byte)"),
    }
    assert parsed.pathways.num_rows == 1


def test_quoted_line_breaks_and_quotes_are_cells_not_rows(tmp_path):
    path = tmp_path / "p.csv"
    header = [*HEADER, "note"]
    path.write_text(text([{**row(), "note": 'two\nlines, "quoted"'}, {**row(pathway_id="P2"), "note": ""}], header),
                    encoding="utf-8")  # fmt: skip
    parsed = parse_file(path)
    assert parsed.rejections == []
    assert [json.loads(e)["note"] for e in parsed.pathways.column("extra").to_pylist()] == [
        'two\nlines, "quoted"',
        None,
    ]


def test_every_contract_column_is_checked():
    assert {c for c, _ in COLUMNS} >= {"first_seen_adjustment_days", "treatment_adjustment_days"}
    assert "adjustment_days" not in {c for c, _ in COLUMNS}
