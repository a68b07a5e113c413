"""Several standards in one metric expression give each standard's rows exactly as it alone would."""

from __future__ import annotations

import pytest

from cancerwatch.errors import CancerwatchError, NoData, UsageError
from cancerwatch.queries import MetricQuery, metrics, metrics_of_standards

STANDARDS = ("fds", "31d", "62d", "62d_gp", "31d_sub_surgery", "usc_foa", "31d_first")
SHAPES = [
    ("national", "month", None),  # months before the extracts come from the national time series
    ("national", "year", None),  # published years with the thresholds of all their months
    ("national", "rolling12", None),
    ("alliance", "quarter", None),
    ("icb", "month", "route"),
    ("provider", "year", "cancer_type"),
]


@pytest.mark.parametrize(("level", "period", "by"), SHAPES)
def test_each_standard_equals_its_own_expression(warehouse, level, period, by):
    queries = []
    for sid in STANDARDS:
        try:
            queries.append(MetricQuery(sid, level, period, by=by).validated())
        except CancerwatchError:
            continue
    together = metrics_of_standards(warehouse, queries)
    assert list(together) == queries
    answered = 0
    for q in queries:
        try:
            alone: list[dict] | NoData = metrics(warehouse, q)
        except NoData as exc:
            alone = exc
        got = together[q]
        if isinstance(alone, NoData):
            assert isinstance(got, NoData) and str(got) == str(alone)
        else:
            answered += 1
            assert got == alone and [list(r) for r in got] == [list(r) for r in alone], q
    assert answered >= 2


def test_only_queries_that_differ_in_their_standard_go_together(warehouse):
    with pytest.raises(UsageError):
        metrics_of_standards(warehouse, [MetricQuery("fds", "alliance"), MetricQuery("31d", "icb")])
    with pytest.raises(UsageError):
        metrics_of_standards(warehouse, [MetricQuery("fds", "alliance", org="E56000005")])
    assert metrics_of_standards(warehouse, []) == {}
