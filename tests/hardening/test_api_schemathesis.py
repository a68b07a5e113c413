"""Schemathesis against cancerwatch's own OpenAPI schema: no server errors, one error envelope.

Bounded in time: a fixed number of generated cases per operation, in-process (no network).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from cancerwatch.config import Settings
from cancerwatch.ingest.load import load_files
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.web.app import create_app
from tests.conftest import bundled_files

EXAMPLES_PER_OPERATION = 30
#: The digest of changes computes every level's figures for each baseline it is asked for (tens of
#: seconds on a busy machine): fewer generated requests, and time to answer each; the check is
#: still that none ends in a 5xx.
SLOW_OPERATIONS = {"/api/v1/changes": 5}
CALL_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    db = tmp_path_factory.mktemp("schemathesis") / "w.duckdb"
    con = open_duckdb(db)
    load_files(con, bundled_files())
    con.close()
    app = create_app(db, settings=Settings(db_path=db, api_token="t0ken-for-tests-123456"))
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


def test_every_operation_survives_generated_requests(api_schema):
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) >= 6
    failures = []
    for op in operations:

        @given(case=op.as_strategy())
        @settings(
            max_examples=SLOW_OPERATIONS.get(op.path, EXAMPLES_PER_OPERATION),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case):
            response = case.call(timeout=CALL_TIMEOUT_S)
            if response.status_code >= 500:
                failures.append(
                    (case.path, case.query, case.path_parameters, response.status_code, response.text[:200])
                )
            elif response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body

        run()
    assert not failures, failures[:5]
