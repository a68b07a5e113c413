"""Legacy Excel 97-2003 workbooks (.xls) are read through calamine; anything else named .xls is refused."""

from __future__ import annotations

import pytest

from cancerwatch.errors import InputError
from cancerwatch.ingest.detect import detect
from cancerwatch.ingest.grid import XLS_MAGIC, Grid
from tests.conftest import DM01_FILES


def test_a_bundled_dm01_file_is_read_and_recognised():
    grid = Grid(DM01_FILES[0])
    assert grid.sheet_names[:2] == ["Provider", "Provider by Test"]
    assert grid.rows("Provider", n_rows=4)[3][:2] == ["Period:", "April 2025"]
    assert detect(grid)[0] == "dm01"


def test_a_text_file_named_xls_is_refused(tmp_path):
    path = tmp_path / "fake.xls"
    path.write_text("not a workbook")
    with pytest.raises(InputError) as err:
        Grid(path)
    assert str(err.value) == "fake.xls: not a readable workbook (the content is not an xlsx archive)"


def test_a_truncated_xls_is_refused_in_one_line(tmp_path):
    path = tmp_path / "cut.xls"
    path.write_bytes(XLS_MAGIC + b"\x00" * 600)
    with pytest.raises(InputError) as err:
        Grid(path).rows(0)
    assert str(err.value).startswith("cut.xls") and "not a readable xls workbook" in str(err.value)
    assert "\n" not in str(err.value)
