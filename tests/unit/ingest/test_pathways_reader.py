"""Record-level pathway files: validation reasons, reconciliation of rows, columns, Parquet."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files, parse_file
from cancerwatch.ingest.readers.pathway_checks import COLUMNS, PATHWAY_SCHEMA

HEADER = [c for c, _ in COLUMNS]


def row(**cells) -> dict:
    """A valid treated USC pathway; override cells by column name."""
    base = {
        "pathway_id": "P1",
        "patient_id": "N1",
        "route": "urgent_suspected_cancer",
        "referral_date": "2023-04-03",
        "commissioner_code": "00L",
        "first_provider_code": "RBK",
        "tumour_group": "Lung",
        "fds_end_date": "2023-04-20",
        "fds_outcome": "cancer_confirmed",
        "decision_to_treat_date": "2023-05-02",
        "treatment_date": "2023-05-20",
        "treatment_kind": "first",
        "treatment_modality": "surgery",
        "treating_provider_code": "RBK",
        "ipt_date": "",
        "first_seen_adjustment_days": "0",
        "treatment_adjustment_days": "0",
        "stage": "2",
        "emergency_presentation": "false",
    }
    base.update(cells)
    return base


def write(path: Path, rows: list[dict], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


ISO = " is not a date (expected YYYY-MM-DD)"
ENUM = " is not one of the contract's values "
# (cells that break the row, column named, exact reason): reasons name the column and the rule,
# never the value (issue 20: record-level values must not reach a message).
BAD_ROWS = [
    ({"pathway_id": ""}, "pathway_id", "pathway_id is empty"),
    ({"referral_date": ""}, "referral_date", "referral_date is empty (no clock start)"),
    ({"referral_date": "03/04/2023"}, "referral_date", "referral_date" + ISO),
    ({"referral_date": "2023-02-30"}, "referral_date", "referral_date" + ISO),
    ({"fds_end_date": "soon"}, "fds_end_date", "fds_end_date" + ISO),
    ({"decision_to_treat_date": "2023-5-2"}, "decision_to_treat_date", "decision_to_treat_date" + ISO),
    ({"treatment_date": "20230520"}, "treatment_date", "treatment_date" + ISO),
    ({"ipt_date": "x"}, "ipt_date", "ipt_date" + ISO),
    ({"route": ""}, "route", "route is empty"),
    ({"route": "two_week_wait"}, "route",
     "route" + ENUM + "(urgent_suspected_cancer, breast_symptomatic, screening, consultant_upgrade, other)"),
    ({"fds_outcome": "maybe"}, "fds_outcome", "fds_outcome" + ENUM + "(cancer_confirmed, cancer_ruled_out)"),
    ({"treatment_kind": "second"}, "treatment_kind", "treatment_kind" + ENUM + "(first, subsequent)"),
    ({"treatment_modality": "chemo"}, "treatment_modality",
     "treatment_modality" + ENUM + "(surgery, anti_cancer_drug, radiotherapy, other)"),
    ({"stage": "5"}, "stage", "stage" + ENUM + "(1, 2, 3, 4, unknown)"),
    ({"first_seen_adjustment_days": "2.5"}, "first_seen_adjustment_days",
     "first_seen_adjustment_days is not a whole number of days"),
    ({"first_seen_adjustment_days": "-3"}, "first_seen_adjustment_days", "first_seen_adjustment_days is negative"),
    ({"treatment_adjustment_days": "x"}, "treatment_adjustment_days",
     "treatment_adjustment_days is not a whole number of days"),
    ({"treatment_adjustment_days": "-1"}, "treatment_adjustment_days", "treatment_adjustment_days is negative"),
    ({"emergency_presentation": "perhaps"}, "emergency_presentation",
     "emergency_presentation is not true or false"),
    ({"fds_end_date": "2023-04-01"}, "fds_end_date", "fds_end_date is before referral_date"),
    ({"decision_to_treat_date": "2023-04-02", "treatment_date": "2023-04-05"}, "decision_to_treat_date",
     "decision_to_treat_date is before referral_date"),
    ({"treatment_date": "2023-03-31"}, "treatment_date", "treatment_date is before referral_date"),
    ({"ipt_date": "2023-04-02"}, "ipt_date", "ipt_date is before referral_date"),
    ({"treatment_date": "2023-05-01"}, "treatment_date", "treatment_date is before decision_to_treat_date"),
]  # fmt: skip


@pytest.mark.parametrize(("cells", "column", "reason"), BAD_ROWS, ids=[b[2][:40] for b in BAD_ROWS])
def test_each_rejection_reason(tmp_path, cells, column, reason):
    f = write(tmp_path / "pathways.csv", [row(pathway_id="OK1"), row(**{"pathway_id": "BAD", **cells})])
    parsed = parse_file(f)
    assert (parsed.rows_read, parsed.pathways.num_rows, len(parsed.rejections)) == (2, 1, 1)
    [r] = parsed.rejections
    assert (r.row_number, r.column, r.reason) == (3, column, reason)


def test_duplicates_after_the_first_are_rejected(tmp_path):
    f = write(tmp_path / "p.csv", [row(), row(patient_id="N2"), row(pathway_id="P2"), row(patient_id="N3")])
    parsed = parse_file(f)
    assert [(r.row_number, r.column, r.reason) for r in parsed.rejections] == [
        (3, "pathway_id", "duplicate pathway_id (first at row 2)"),
        (5, "pathway_id", "duplicate pathway_id (first at row 2)"),
    ]
    assert parsed.pathways.column("pathway_id").to_pylist() == ["P1", "P2"]


def test_first_problem_in_a_row_wins(tmp_path):
    f = write(tmp_path / "p.csv", [row(referral_date="bad", route="nope", stage="9")])
    [r] = parse_file(f).rejections
    assert r.column == "referral_date"


def test_rows_read_equal_loaded_plus_quarantined(empty_warehouse, tmp_path):
    rows = [row(pathway_id=f"P{i}") for i in range(6)]
    rows[1]["route"] = "bogus"
    rows[4]["treatment_date"] = "2022-01-01"
    rows.append(row(pathway_id="P0"))
    [res] = load_files(empty_warehouse, [write(tmp_path / "p.csv", rows)])
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (7, 4, 3)
    db = empty_warehouse
    assert db.execute("SELECT count(*) FROM pathways").fetchone()[0] == 4
    assert db.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 3
    assert db.execute("SELECT rows_read, rows_loaded, rows_quarantined FROM sources").fetchone() == (7, 4, 3)
    raw = json.loads(db.execute("SELECT raw_row FROM quarantine ORDER BY row_number LIMIT 1").fetchone()[0])
    assert raw["route"] == "bogus"
    assert raw["patient_id"] == "[withheld]"


@pytest.mark.parametrize("missing", ["patient_id", "route", "first_provider_code", "treatment_date", "ipt_date"])
def test_missing_required_column(tmp_path, missing):
    f = write(tmp_path / "p.csv", [row()], header=[c for c in HEADER if c != missing])
    with pytest.raises(InputError) as err:
        parse_file(f)
    assert err.value.file == "p.csv"
    assert err.value.column == missing
    assert str(err.value) == (
        f"p.csv, column {missing!r}: missing required column {missing!r} "
        "(record-level pathway contract, docs/record-level.md)"
    )


def test_missing_clock_start_column_in_parquet(tmp_path):
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({c: pa.array(["x"]) for c in HEADER if c != "referral_date"}), path)
    with pytest.raises(InputError) as err:
        parse_file(path)
    assert (err.value.file, err.value.column) == ("p.parquet", "referral_date")


def test_optional_columns_may_be_left_out(tmp_path):
    optional = {"first_seen_adjustment_days", "treatment_adjustment_days", "stage", "emergency_presentation"}
    f = write(tmp_path / "p.csv", [row()], header=[c for c in HEADER if c not in optional])
    parsed = parse_file(f)
    t = parsed.pathways
    assert t.column("first_seen_adjustment_days").to_pylist() == [0]
    assert t.column("treatment_adjustment_days").to_pylist() == [0]
    assert t.column("stage").to_pylist() == [None]


def test_values_are_cleaned_and_extra_columns_kept(tmp_path):
    header = ["Pathway_ID", *HEADER[1:], "local_ref", "Clinic"]
    cells = row(route=" Screening ", commissioner_code="00l", first_provider_code=" rbk", stage="UNKNOWN")
    cells.update({"Pathway_ID": "P9", "local_ref": "A-1", "Clinic": ""})
    parsed = parse_file(write(tmp_path / "p.csv", [cells], header=header))
    [r] = parsed.pathways.to_pylist()
    assert (r["pathway_id"], r["route"], r["commissioner_code"], r["first_provider_code"], r["stage"]) == (
        "P9",
        "screening",
        "00L",
        "RBK",
        "unknown",
    )
    assert r["emergency_presentation"] is False
    assert r["referral_date"] == date(2023, 4, 3)
    assert json.loads(r["extra"]) == {"local_ref": "A-1", "Clinic": None}
    assert parsed.pathways.schema == PATHWAY_SCHEMA
    assert parsed.months == [date(2023, 4, 1), date(2023, 5, 1)]


def test_column_named_twice(tmp_path):
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({c: pa.array(["x"]) for c in [*HEADER, "Route"]}), path)
    with pytest.raises(InputError, match="column 'route' appears twice"):
        parse_file(path)


def test_parquet_with_typed_columns(tmp_path):
    rows = [row(), row(pathway_id="P2", treatment_date="2023-03-01")]
    data = {
        f.name: pa.array(
            [
                (date.fromisoformat(r[f.name]) if r[f.name] else None)
                if pa.types.is_date(f.type)
                else (int(r[f.name]) if pa.types.is_integer(f.type) else (r[f.name] == "true"))
                if not pa.types.is_string(f.type)
                else (r[f.name] or None)
                for r in rows
            ],
            type=f.type,
        )
        for f in PATHWAY_SCHEMA
        if f.name != "extra"
    }
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table(data), path)
    parsed = parse_file(path)
    assert (parsed.rows_read, parsed.pathways.num_rows) == (2, 1)
    [r] = parsed.rejections
    assert (r.row_number, r.column, r.reason) == (2, "treatment_date", "treatment_date is before referral_date")


def test_not_a_parquet_file(tmp_path):
    path = tmp_path / "p.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        parse_file(path)
