"""Views prepared at load time equal the views computed on demand, and loads/unloads renew them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cancerwatch.catalogue.organisations import LEVELS, NATIONAL_CODE, UNMAPPED_CODE
from cancerwatch.errors import NoData
from cancerwatch.ingest.load import load_files
from cancerwatch.ingest.unload import unload_source
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import funnel_for, level_rows, rows_of, spc_for
from cancerwatch.read.preparation import SHAPES, prepare_views
from cancerwatch.read.prepared import plain
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.warehouse.pool import DictMemo
from cancerwatch.warehouse.prepared import bump_version, data_version, has_prepared, lookup, store

DATA = Path(__file__).resolve().parents[2] / "data"


def _prepared_copy(warehouse_path: Path, path: Path, standards: list[str] | None) -> int:
    """Copy the bundled warehouse to ``path`` and prepare its views as a load would; how many."""
    shutil.copyfile(warehouse_path, path)
    con = open_duckdb(path)
    con.execute("BEGIN TRANSACTION")
    bump_version(con)
    done = prepare_views(con, standards)
    con.execute("COMMIT")
    con.close()
    return done.views


@pytest.fixture(scope="module")
def prepared_path(warehouse_path, tmp_path_factory) -> Path:
    """A copy of the bundled warehouse with the FDS views prepared (as a load would)."""
    path = tmp_path_factory.mktemp("prepared") / "prepared.duckdb"
    views = _prepared_copy(warehouse_path, path, ["fds"])
    assert views > 300  # rows per level and shape, an SPC per organisation, funnels
    return path


@pytest.fixture(scope="module")
def prepared_con(prepared_path):
    con = open_duckdb(prepared_path, read_only=True)
    yield con
    con.close()


def _readers(con):
    return Reader(con, cache=DictMemo()), Reader(con, cache=DictMemo(), prepared=False)


def test_prepared_rows_equal_the_metric_expression(prepared_con):
    kept, computed = _readers(prepared_con)
    for level in LEVELS:
        for by, period, _headline_only in SHAPES:
            query = MetricQuery("fds", level, period, by=by)
            try:
                expected = metrics(prepared_con, query.validated())
            except NoData:
                with pytest.raises(NoData):
                    rows_of(kept, query)
                continue
            got = rows_of(kept, query)
            assert got == expected and [list(r) for r in got] == [list(r) for r in expected]
    assert rows_of(kept, MetricQuery("fds", "alliance")) == rows_of(computed, MetricQuery("fds", "alliance"))


def test_prepared_spc_and_funnels_equal_the_policy(prepared_con):
    kept, computed = _readers(prepared_con)
    assert spc_for(kept, "fds", "national", None) == spc_for(computed, "fds", "national", None)
    for level in ("alliance", "icb", "provider"):
        codes = sorted({r["org_code"] for r in level_rows(computed, "fds", level)} - {UNMAPPED_CODE})
        for code in codes:
            assert spc_for(kept, "fds", level, code) == spc_for(computed, "fds", level, code), (level, code)
        assert funnel_for(kept, "fds", level) == funnel_for(computed, "fds", level)


def test_prepared_views_are_read_not_recomputed(prepared_con):
    """A prepared view is served from its stored row: a warehouse without it computes instead."""
    reader = Reader(prepared_con, cache=DictMemo())
    stored = lookup(prepared_con, "spc", json.dumps(["spc", "fds", "national", NATIONAL_CODE, "published"]))
    assert stored is not None
    assert json.loads(stored)["variation_type"] == spc_for(reader, "fds", "national", None).variation_type
    assert data_version(prepared_con) == 2  # the bundle's load, then the fixture's bump


def test_only_plain_values_are_prepared():
    from datetime import date

    assert plain({"a": [1, 2.5, None, True, "x"]})
    assert not plain({"a": date(2024, 4, 1)}) and not plain({"a": (1, 2)}) and not plain({1: "x"})


def test_a_load_and_an_unload_renew_the_version_and_the_prepared_views(tmp_path):
    con = open_duckdb(tmp_path / "w.duckdb")
    try:
        calls: list[int | None] = []
        lookup = DATA / "geo" / "ods_etr_nhs_trusts.csv"
        (result,) = load_files(con, [lookup], prepare=lambda c: calls.append(data_version(c)))
        assert data_version(con) == 1 and calls == [1]
        con.execute("INSERT INTO prepared_views VALUES (1, 'metrics', 'stale', '{}')")
        unload_source(con, result.source_id, prepare=lambda c: calls.append(data_version(c)))
        assert data_version(con) == 2 and calls == [1, 2]
        assert con.execute("SELECT count(*) FROM prepared_views").fetchone()[0] == 0
        # an identical file changes nothing: no new version
        load_files(con, [lookup])
        load_files(con, [lookup])
        assert data_version(con) == 3
    finally:
        con.close()


def test_a_failed_preparation_rolls_the_load_back(tmp_path):
    con = open_duckdb(tmp_path / "w.duckdb")
    try:

        def fail(_con):
            raise RuntimeError("disk full")

        with pytest.raises(RuntimeError):
            load_files(con, [DATA / "geo" / "ods_etr_nhs_trusts.csv"], prepare=fail)
        assert con.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
        assert data_version(con) == 0
    finally:
        con.close()


def test_a_payload_of_another_version_is_not_read(tmp_path):
    """A payload is found by its key, and only for the warehouse's current data version."""
    con = open_duckdb(tmp_path / "w.duckdb")
    try:
        version = data_version(con)
        assert store(con, version, [("spc", "k", "current")]) == 1
        assert lookup(con, "spc", "k") == "current" and has_prepared(con)
        assert lookup(con, "spc", "other") is None and lookup(con, "funnel", "k") is None
        con.execute("UPDATE warehouse_version SET version = version + 1")  # a version bump that kept the row
        assert lookup(con, "spc", "k") is None and not has_prepared(con)
    finally:
        con.close()


def test_payloads_are_stored_compressed(prepared_con):
    """What is stored is a tenth or less of the JSON it decompresses to (a lookup reads fewer bytes)."""
    stored, plain_bytes = prepared_con.execute(
        "SELECT sum(octet_length(payload)), count(*) FROM prepared_views WHERE kind = 'metrics'"
    ).fetchone()
    keys = [k for (k,) in prepared_con.execute("SELECT key FROM prepared_views WHERE kind = 'metrics'").fetchall()]
    json_bytes = sum(len(lookup(prepared_con, "metrics", k).encode()) for k in keys)
    assert plain_bytes == len(keys) and stored * 5 < json_bytes


@pytest.fixture(scope="module")
def fully_prepared(warehouse_path, tmp_path_factory) -> Path:
    """A copy of the bundled warehouse with every view prepared, as ``cancerwatch load`` leaves it."""
    path = tmp_path_factory.mktemp("fully-prepared") / "prepared.duckdb"
    _prepared_copy(warehouse_path, path, None)
    return path


def test_an_annual_report_after_a_load_runs_no_metric_expression(fully_prepared, monkeypatch):
    """Every figure of an Alliance's annual report (standards, breakdowns, peers, escalation) is
    read from the views prepared at load time: no metric expression is compiled or run."""
    import cancerwatch.accountability.escalation as escalation
    import cancerwatch.read.figures as figures
    from cancerwatch.read.report import annual_report

    def refuse(con, query, **kw):
        raise AssertionError(f"computed, not prepared: {query}")

    monkeypatch.setattr(figures, "metrics", refuse)
    monkeypatch.setattr(escalation, "metrics", refuse)
    con = open_duckdb(fully_prepared, read_only=True)
    try:
        report = annual_report(Reader(con, cache=DictMemo()), "E56000005", "2024/25")
        assert {r.id for r in report.headline} == {"fds", "31d", "62d"} and report.legacy
        assert all(r.by_cancer_type and r.by_route for r in report.headline)
    finally:
        con.close()


PANEL_MONTHS = ("2023-09-01", "2023-10-01", "2024-03-01", "2024-04-01", "2025-07-01")
"""Before the wait bands were published, their first month, East of England's predecessors' last
month and its first, and the latest month."""


def _org_sample(con) -> dict[str, list[str]]:
    out = {}
    for level in ("region", "alliance", "icb", "sub_icb", "provider"):
        codes = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT parent_code FROM org_rollup WHERE level = ? ORDER BY 1", [level]
            ).fetchall()
        ]
        # every region and Alliance; a spread of the others (every third ICB, every tenth of the rest)
        out[level] = codes if level in ("region", "alliance") else codes[::3] if level == "icb" else codes[::10][:15]
    return out


def test_prepared_panels_equal_one_organisations_queries(prepared_con):
    """The wait-band and DM01 panels read from level-wide prepared rows equal what the queries for
    one organisation give (wait_table with the successor rule; diagnostics filtered by org)."""
    from datetime import date

    from cancerwatch.diagnostics_queries import DiagnosticsQuery
    from cancerwatch.errors import UsageError
    from cancerwatch.read.diagnostics import diagnostics_table, org_diagnostics
    from cancerwatch.read.prepared import prepared_month_rows
    from cancerwatch.read.waits import org_month_waits, wait_table
    from cancerwatch.wait_queries import WaitQuery

    kept, computed = _readers(prepared_con)
    assert prepared_month_rows(kept, "waits", ("fds", "icb"), "2025-07-01")
    assert prepared_month_rows(kept, "waits", ("fds", "icb"), "2023-09-01") == []  # known to have none
    assert prepared_month_rows(kept, "diagnostics", ("provider",), "2025-07-01")
    compared = non_empty = 0
    for month in map(date.fromisoformat, PANEL_MONTHS):
        for level, codes in _org_sample(prepared_con).items():
            for code in codes:
                for sid in ("fds", "62d"):
                    try:
                        expected = wait_table(computed, WaitQuery(sid, level, code, "month", False, month, month)).rows
                    except UsageError:
                        expected = []
                    assert org_month_waits(kept, sid, level, code, month) == expected, (month, level, code, sid)
                    compared += 1
                    non_empty += bool(expected)
                if level == "sub_icb":
                    continue
                for tests in ((), ("all",)):
                    query = DiagnosticsQuery(level=level, org=code, tests=tests, date_from=month, date_to=month)
                    try:
                        expected = diagnostics_table(computed, query).rows
                    except UsageError:
                        expected = []
                    assert org_diagnostics(kept, query) == expected, (month, level, code, tests)
                    compared += 1
                    non_empty += bool(expected)
    assert compared > 900 and non_empty > 300


def test_the_report_wait_section_reads_the_prepared_bands(prepared_con):
    """The annual report's 62-day wait bands read month by month from the prepared rows equal the
    query for the two years (wait_table, East of England's predecessors summed before its start)."""
    from datetime import date

    from cancerwatch.errors import NoData, UnknownOrg
    from cancerwatch.read.report_sections import waits_section
    from cancerwatch.read.waits import prepared_wait_rows, wait_table
    from cancerwatch.wait_queries import WaitQuery
    from cancerwatch.warehouse.organisations import get_organisation

    kept, computed = _readers(prepared_con)
    sample = _org_sample(prepared_con)
    orgs = [("national", None)] + [(level, c) for level in ("region", "alliance", "icb") for c in sample[level]]
    compared = non_empty = 0
    for start in (date(2023, 4, 1), date(2024, 4, 1), date(2025, 4, 1)):
        for level, code in orgs:
            query = WaitQuery(
                "62d", level, code, "month", False, date(start.year - 1, 4, 1), date(start.year + 1, 3, 1)
            )
            try:
                expected = wait_table(computed, query).rows
            except (NoData, UnknownOrg):
                expected = []
            assert prepared_wait_rows(kept, query) == expected, (start, level, code)
            compared += 1
            non_empty += bool(expected)
    assert compared > 100 and non_empty > 80
    assert prepared_wait_rows(computed, query) is None  # a reader told not to read prepared views
    assert prepared_wait_rows(kept, WaitQuery("62d", "alliance", "E56000029", "month", True)) is None  # by route
    for code in ("E56000035", "E56000029", NATIONAL_CODE):  # East of England: its predecessors' bands
        org = get_organisation(prepared_con, code)
        section = waits_section(kept, org, date(2024, 4, 1), date(2025, 3, 1))
        assert section == waits_section(computed, org, date(2024, 4, 1), date(2025, 3, 1)) and section["available"]


def test_the_workforce_panel_reads_the_kept_dm01_rows(prepared_con):
    from datetime import date

    from cancerwatch.read.diagnostics import org_diagnostics
    from cancerwatch.read.figures import rows_of
    from cancerwatch.workforce_queries import performance_beside

    kept, _ = _readers(prepared_con)
    month = date(2025, 5, 1)
    for level, code in (("provider", "RGT"), ("provider", "RRK"), ("alliance", "E56000005"), ("national", None)):
        expected = performance_beside(prepared_con, code, level=level, month=month)
        got = performance_beside(
            prepared_con,
            code,
            level=level,
            month=month,
            fetch=lambda q: rows_of(kept, q),
            fetch_diagnostics=lambda q: org_diagnostics(kept, q),
        )
        assert got == expected and expected[-1]["denominator"], (level, code)


def test_the_prepared_digest_equals_the_computed_one(prepared_con):
    from cancerwatch.read.changes import DIGEST_LEVELS, HOME_LEVELS, changes, digest_key

    kept, computed = _readers(prepared_con)
    for levels in (HOME_LEVELS, DIGEST_LEVELS):
        assert lookup(prepared_con, "changes", digest_key(levels)) is not None
        got, expected = changes(kept, levels=levels), changes(computed, levels=levels)
        assert got == expected and expected.month is not None
    assert changes(kept, org="E56000005", levels=HOME_LEVELS) == changes(computed, org="E56000005", levels=HOME_LEVELS)
    # a digest since a given month is computed, never read from the latest load's
    assert changes(kept, since="2025-01", levels=HOME_LEVELS) == changes(computed, since="2025-01", levels=HOME_LEVELS)


def test_a_reader_reads_every_prepared_payload_once(prepared_con):
    from cancerwatch.read.prepared import lookup as read_lookup

    kept, _ = _readers(prepared_con)
    key = json.dumps(["spc", "fds", "national", NATIONAL_CODE, "published"])
    assert read_lookup(kept, "spc", key) == lookup(prepared_con, "spc", key)
    held = kept.cache.memo(("prepared-payloads",), dict)
    assert ("spc", key) in held and len(held) > 300


def test_the_common_views_hold_what_the_home_page_reads(prepared_con, monkeypatch):
    """After ``hold_common_views`` the home page's view and digest need no query at all."""
    import cancerwatch.read.figures as figures
    import cancerwatch.read.prepared as prepared
    from cancerwatch.read.changes import HOME_LEVELS, changes
    from cancerwatch.read.common_views import hold_common_views
    from cancerwatch.read.overview import overview

    kept, computed = _readers(prepared_con)
    hold_common_views(kept)
    expected_view, expected_digest = overview(computed), changes(computed, levels=HOME_LEVELS)

    def no_query(*_args, **_kwargs):
        raise AssertionError("a query ran")

    monkeypatch.setattr(figures, "metrics", no_query)
    monkeypatch.setattr(prepared, "payloads", no_query)
    monkeypatch.setattr(kept, "con", None)
    assert overview(kept) == expected_view
    assert changes(kept, levels=HOME_LEVELS) == expected_digest
