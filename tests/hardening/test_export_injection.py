"""Exported CSV and Excel never hand a spreadsheet a formula (OWASP CSV injection), for any text."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import fastexcel
from hypothesis import given, settings
from hypothesis import strategies as st

from cancerwatch.cli.output import FORMULA_PREFIXES, to_csv
from cancerwatch.exports import xlsx_bytes

hostile = st.one_of(
    st.text(max_size=40),
    st.tuples(st.sampled_from(FORMULA_PREFIXES), st.text(max_size=30)).map("".join),
    st.sampled_from(['=CMD("calc")', "@SUM(A1:A9)", "+1+1", "-2+3", '=HYPERLINK("http://x","y")']),
)


@given(names=st.lists(hostile, min_size=1, max_size=10))
def test_csv_cells_never_start_a_formula(names):
    rows = [{"org_name": n, "total": 10} for n in names]
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows), newline="")))
    assert len(parsed) == len(rows)
    for original, cell in zip(names, (r["org_name"] for r in parsed), strict=True):
        assert not cell.startswith(FORMULA_PREFIXES)
        assert cell in (original, "'" + original)  # nothing else altered


@settings(max_examples=30, deadline=None)
@given(names=st.lists(hostile.filter(lambda s: s.isprintable() or s[:1] in ("\t", "\r")), min_size=1, max_size=5))
def test_excel_cells_are_text_never_formulas(names):
    rows = [{"org_name": n} for n in names]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.xlsx"
        path.write_bytes(xlsx_bytes(rows, title="t"))
        sheet = fastexcel.read_excel(str(path)).load_sheet(0, header_row=2, dtypes="string").to_arrow().to_pylist()
    for original, row in zip(names, sheet, strict=True):
        cell = row["org_name"] or ""
        assert not cell.startswith(FORMULA_PREFIXES)
        if original.startswith(FORMULA_PREFIXES):
            assert cell.startswith("'")
