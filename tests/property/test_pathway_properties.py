"""Invariants of the record-level engine on random pathways (Hypothesis).

- the breach-allocation shares of every 62-day pathway sum to one patient;
- the facts do not depend on the order of the rows;
- moving one clock stop a day across its threshold turns exactly one patient from within to breach.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cancerwatch.ingest.readers.pathway_checks import PATHWAY_SCHEMA
from cancerwatch.metrics.pathways import breach_allocation, clocks
from cancerwatch.metrics.pathways.record_facts import record_facts

START = date(2023, 1, 2)
PROVIDERS = ["RBK", "RAL", "RXK"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def backend():
    return ibis.duckdb.connect()


def _d(offset):
    return None if offset is None else START + timedelta(days=offset)


@st.composite
def pathways(draw, pid: str = "P"):
    referral = draw(st.integers(0, 200))
    treat = draw(st.one_of(st.none(), st.integers(0, 150)))
    dtt = None if treat is None else draw(st.one_of(st.none(), st.integers(0, treat)))
    return {
        "pathway_id": pid,
        "patient_id": "N",
        "route": draw(st.sampled_from(["urgent_suspected_cancer", "screening", "breast_symptomatic",
                                       "consultant_upgrade", "other"])),
        "referral_date": _d(referral),
        "commissioner_code": draw(st.sampled_from(["00L", "15N", None])),
        "first_provider_code": draw(st.sampled_from([*PROVIDERS, None])),
        "tumour_group": draw(st.sampled_from(["Lung", "Breast"])),
        "fds_end_date": _d(referral + draw(st.integers(0, 60))) if draw(st.booleans()) else None,
        "fds_outcome": None,
        "decision_to_treat_date": None if dtt is None else _d(referral + dtt),
        "treatment_date": None if treat is None else _d(referral + treat),
        "treatment_kind": draw(st.sampled_from(["first", "first", "subsequent", None])),
        "treatment_modality": draw(st.sampled_from(["surgery", "radiotherapy", None])),
        "treating_provider_code": draw(st.sampled_from([*PROVIDERS, None])),
        "ipt_date": _d(referral + draw(st.integers(0, 120))) if draw(st.booleans()) else None,
        "first_seen_adjustment_days": draw(st.integers(0, 10)),
        "treatment_adjustment_days": draw(st.integers(0, 10)),
        "stage": None,
        "emergency_presentation": None,
        "extra": None,
    }  # fmt: skip


def many(n=25):
    return st.lists(pathways(), min_size=1, max_size=n).map(
        lambda rows: [{**r, "pathway_id": f"P{i}"} for i, r in enumerate(rows)]
    )


def table(rows):
    return ibis.memtable(pa.table({f.name: pa.array([r[f.name] for r in rows], type=f.type) for f in PATHWAY_SCHEMA}))


def facts(backend, rows):
    out = backend.to_pyarrow(record_facts(table(rows))).to_pylist()
    return Counter((tuple(v for k, v in r.items() if k not in ("total", "within_standard", "breaches")),
                    r["total"], r["within_standard"], r["breaches"]) for r in out)  # fmt: skip


@SETTINGS
@given(rows=many())
def test_allocation_shares_sum_to_one_per_pathway(backend, rows):
    t = table(rows)
    eligible = t.filter(clocks.d62_in_scope(t))
    allocated = backend.to_pyarrow(breach_allocation.allocate_pathways(eligible).select("pathway_id", "share"))
    sums = defaultdict(float)
    for r in allocated.to_pylist():
        assert r["share"] in (0.5, 1.0)
        sums[r["pathway_id"]] += r["share"]
    expected = {r["pathway_id"] for r in backend.to_pyarrow(eligible.select("pathway_id")).to_pylist()}
    assert set(sums) == expected
    assert all(s == 1.0 for s in sums.values())


@SETTINGS
@given(rows=many(), data=st.data())
def test_facts_do_not_depend_on_row_order(backend, rows, data):
    shuffled = data.draw(st.permutations(rows))
    assert facts(backend, shuffled) == facts(backend, rows)


def _national(fact_rows, standard, basis):
    """(total, within) over every period and organisation, each patient once."""
    rows = [f for f in fact_rows if f[0][2] == standard and f[0][0] == basis and f[0][8] != "modality"]
    return sum(f[1] for f in rows), sum(f[2] for f in rows)


CROSSING = {  # standard: (threshold, the pathway at the threshold, how to move its stop a day later)
    "fds": (28, {"route": "urgent_suspected_cancer", "fds_end_date": 28}, "fds_end_date"),
    "31d": (31, {"treatment_kind": "subsequent", "decision_to_treat_date": 10, "treatment_date": 41}, "treatment_date"),
    "62d": (62, {"treatment_kind": "first", "decision_to_treat_date": 40, "treatment_date": 62}, "treatment_date"),
}  # fmt: skip


@SETTINGS
@given(rows=many(15), standard=st.sampled_from(sorted(CROSSING)), adj=st.integers(0, 5), tadj=st.integers(0, 5),
       ipt=st.integers(0, 60), basis=st.sampled_from(["provider", "commissioner"]))  # fmt: skip
def test_one_day_across_the_threshold_flips_exactly_one_breach(backend, rows, standard, adj, tadj, ipt, basis):
    days, cells, stop = CROSSING[standard]
    edge = {**rows[0], "pathway_id": "EDGE", "route": "urgent_suspected_cancer", "fds_outcome": None,
            "fds_end_date": None, "decision_to_treat_date": None, "treatment_date": None, "treatment_kind": None,
            "first_provider_code": "RBK", "treating_provider_code": "RAL", "ipt_date": None,
            "first_seen_adjustment_days": adj if standard != "31d" else 0,
            "treatment_adjustment_days": tadj if standard != "fds" else 0}  # fmt: skip
    base = edge["referral_date"]
    # The first-seen adjustment moves every later date; the treatment adjustment only the treatment.
    shift = {k: (adj if standard != "31d" else 0) + (tadj if k == "treatment_date" else 0) for k in cells}
    edge.update({k: (base + timedelta(days=v + shift[k]) if isinstance(v, int) else v)
                 for k, v in cells.items()})  # fmt: skip
    if standard == "62d":
        edge["ipt_date"] = base + timedelta(days=ipt)
    moved = {**edge, stop: edge[stop] + timedelta(days=1)}
    before = _national(facts(backend, [*rows, edge]), standard, basis)
    after = _national(facts(backend, [*rows, moved]), standard, basis)
    assert after[0] == before[0]
    assert before[1] - after[1] == 1.0
    assert days == {"fds": clocks.FDS_DAYS, "31d": clocks.D31_DAYS, "62d": clocks.D62_DAYS}[standard]
