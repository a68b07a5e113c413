"""Fixtures for the web and API tests: apps built on copies of the loaded bundled warehouse.

Each app gets its own copy of the warehouse file, so uploads and the read-only connections of
other tests never meet. ``fake_analytics`` stands in for ``cancerwatch.analytics.spc`` and
``.funnel`` with the documented contract, so the pages' SPC icons and funnel plots are tested
whether or not the real modules are installed.
"""

from __future__ import annotations

import itertools
import math
import shutil
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402

from cancerwatch.config import Settings  # noqa: E402
from cancerwatch.web import analytics_adapter  # noqa: E402
from cancerwatch.web.app import create_app  # noqa: E402

API_TOKEN = "test-token-0123456789"


def copy_warehouse(source: Path, target_dir: Path, name: str) -> Path:
    """A copy of the warehouse file (and its WAL, if any) under ``target_dir``."""
    target = target_dir / name
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


def make_client(path: Path, *, public: bool = False, **settings: object) -> TestClient:
    """A TestClient over a new app (server errors come back as 500 responses, not exceptions)."""
    options = {"api_token": API_TOKEN, **settings}
    app = create_app(path, settings=Settings(db_path=path, **options), public=public)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="session")
def web_db(warehouse_path, tmp_path_factory) -> Path:
    """A read-mostly copy of the bundled warehouse shared by the session's apps."""
    return copy_warehouse(warehouse_path, tmp_path_factory.mktemp("web"), "web.duckdb")


@pytest.fixture(scope="session")
def client(web_db) -> TestClient:
    """The internal (unsuppressed) app."""
    with make_client(web_db) as c:
        yield c


@pytest.fixture(scope="session")
def public_client(web_db) -> TestClient:
    """The public app: nhsd_2018 suppression, no uploads."""
    with make_client(web_db, public=True) as c:
        yield c


@pytest.fixture
def upload_client(warehouse_path, tmp_path) -> TestClient:
    """An internal app over its own copy, for tests that write."""
    with make_client(copy_warehouse(warehouse_path, tmp_path, "upload.duckdb")) as c:
        yield c


def _fake_spc(dates, values, *, improvement_direction, target, rebase=(), **_):
    n = len(values)
    mean = sum(values) / n
    ranges = [abs(b - a) for a, b in itertools.pairwise(values)] or [0.0]
    spread = 2.66 * sum(ranges) / len(ranges)
    rows = []
    for d, v in zip(dates, values, strict=True):
        if v > mean + spread:
            kind = "special_cause_improvement" if improvement_direction == "increase" else "special_cause_concern"
        elif v < mean - spread:
            kind = "special_cause_concern" if improvement_direction == "increase" else "special_cause_improvement"
        else:
            kind = "common_cause"
        rows.append(
            {
                "period_start": d,
                "value": v,
                "mean": mean,
                "lpl": mean - spread,
                "upl": mean + spread,
                "point_type": kind,
                "target": target,
            }
        )
    if target is None:
        assurance = None
    elif mean - spread > target:
        assurance = "consistent_pass"
    elif mean + spread < target:
        assurance = "consistent_fail"
    else:
        assurance = "inconsistent"
    summary = [{"rebase_group": 0, "variation_type": rows[-1]["point_type"], "assurance_type": assurance}]
    return SimpleNamespace(to_rows=lambda: rows, summary=summary)


def _fake_funnel(units, *, target, overdispersion=False):
    out = []
    for u in units:
        n, p = u["denominator"], target
        se = math.sqrt(p * (1 - p) / n)
        row = {
            **u,
            "performance": u["numerator"] / n,
            "lower95": p - 1.96 * se,
            "upper95": p + 1.96 * se,
            "lower998": p - 3.09 * se,
            "upper998": p + 3.09 * se,
        }
        row["outlier"] = (
            "high" if row["performance"] > row["upper998"] else ("low" if row["performance"] < row["lower998"] else "")
        )
        out.append(row)
    return out


FAKE_MODULES = {
    "spc": SimpleNamespace(compute_spc=_fake_spc),
    "funnel": SimpleNamespace(compute_funnel=_fake_funnel),
}


@pytest.fixture
def fake_analytics(monkeypatch):
    """Make the adapter use the fake SPC and funnel modules."""
    monkeypatch.setattr(analytics_adapter, "_module", lambda name: FAKE_MODULES.get(name))
    return FAKE_MODULES


@pytest.fixture
def analytics_client(fake_analytics, warehouse_path, tmp_path) -> TestClient:
    """An internal app whose SPC and funnel come from the fake modules."""
    with make_client(copy_warehouse(warehouse_path, tmp_path, "analytics.duckdb")) as c:
        yield c
