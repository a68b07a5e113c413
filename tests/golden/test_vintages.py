"""Vintages on the bundled files: an extract and a workbook covering the same month agree unless
one revises the other, and the current figures never depend on the order files are loaded in."""

from __future__ import annotations

import duckdb

from cancerwatch.ingest.load import load_files
from cancerwatch.warehouse.status import revision_rows
from tests.conftest import DATA, WORKBOOKS

EXTRACTS = {
    "final": DATA / "nhse" / "CWT-CRS-Apr-2024-to-Sep-2024-Data-Extract-Provider-Final.xlsx",
    "2024-25": DATA / "nhse" / "CWT-CRS-Oct-2024-to-Mar-2025-Data-Extract-Provider.xlsx",
    "2025-26": DATA / "nhse" / "CWT-CRS-Apr-2025-to-Jul-2025-Data-Extract-Provider.xlsx",
}
KEY = "f.period, f.standard, f.org_code, f.route, f.modality, f.cancer_type, f.breakdown"


def _by_source(con: duckdb.DuckDBPyConnection, file_name: str) -> dict[tuple, tuple]:
    rows = con.execute(
        f"""SELECT {KEY}, f.total, f.within_standard FROM facts f JOIN sources s USING (source_id)
            WHERE s.file_name = ? AND f.standard IN ('fds', '31d', '62d')""",
        [file_name],
    ).fetchall()
    return {r[:7]: r[7:] for r in rows}


def test_every_overlapping_month_equal_or_a_reported_revision(warehouse):
    """Each month in both a provider extract and a provider workbook: the same figures row for row
    where the extract is the Final vintage; otherwise the difference is reported as a revision,
    and the workbook (the later, Final vintage) is current."""
    revisions = {(r["month"], r["standard"]): r for r in revision_rows(warehouse) if r["basis"] == "provider"}
    checked = 0
    for kind, extract in EXTRACTS.items():
        ext = _by_source(warehouse, extract.name)
        for month in sorted({k[0] for k in ext}):
            book = WORKBOOKS / f"{month:%B}-{month:%Y}-CWT-CRS-PROVIDER-WORKBOOK-FINAL.xlsx".upper().replace(
                ".XLSX", ".xlsx"
            )
            wb = {k: v for k, v in _by_source(warehouse, book.name).items() if k[0] == month}
            mine = {k: v for k, v in ext.items() if k[0] == month}
            for standard in ("fds", "31d", "62d"):
                e = {k: v for k, v in mine.items() if k[1] == standard}
                w = {k: v for k, v in wb.items() if k[1] == standard}
                e_total = sum(v[0] for k, v in e.items() if k[6] != "modality")
                w_total = sum(v[0] for k, v in w.items() if k[6] != "modality")
                rev = revisions.get((f"{month:%Y-%m}", standard))
                if kind == "final":
                    assert e == w, f"{month} {standard}: the Final extract must equal the workbook"
                    assert rev is None or rev["change_total"] == 0
                else:
                    assert e != w
                    assert rev is not None, f"{month} {standard}: revision not reported"
                    assert rev["current_file"] == book.name
                    assert (rev["old_total"], rev["current_total"]) == (e_total, w_total)
                checked += 1
    assert checked == 16 * 3


def test_fds_revisions_are_the_published_differences(warehouse):
    """England FDS: the 2024-25 and 2025-26 extracts are 2,371 to 4,589 patients a month below the
    Final workbooks of the same months (the figures of the issue that reported it)."""
    changes = [
        r["change_total"]
        for r in revision_rows(warehouse, standard="fds")
        if r["basis"] == "provider" and r["month"] >= "2024-10"
    ]
    assert len(changes) == 10
    assert min(changes) == 2371 and max(changes) == 4589


def _current(con: duckdb.DuckDBPyConnection) -> set[tuple]:
    return set(
        con.execute(
            f"""SELECT s.file_name, {KEY} FROM facts f JOIN sources s USING (source_id)
                WHERE f.superseded_by IS NULL"""
        ).fetchall()
    )


def test_load_order_never_decides(tmp_path):
    """The same files loaded in three orders (and in one command or two) give the same current
    figures: the Final workbook is current for October 2024, whichever came first."""
    geo = sorted(DATA.glob("geo/*.csv"))
    book = WORKBOOKS / "OCTOBER-2024-CWT-CRS-PROVIDER-WORKBOOK-FINAL.xlsx"
    extract = EXTRACTS["2024-25"]
    results = []
    for i, plan in enumerate(([[*geo, book, extract]], [[*geo, extract, book]], [[*geo, extract], [book]])):
        con = duckdb.connect(str(tmp_path / f"w{i}.duckdb"))
        from cancerwatch.warehouse.schema import apply_migrations

        apply_migrations(con)
        for files in plan:
            load_files(con, files)
        current = _current(con)
        results.append(current)
        assert any(r[0] == book.name for r in current)
        assert not any(r[0] == extract.name and str(r[1]) == "2024-10-01" for r in current)
        con.close()
    assert results[0] == results[1] == results[2]
