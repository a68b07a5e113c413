"""Record-level pathways end to end: file → loader → facts → ``queries.metrics``.

1. A small trust-shaped CSV whose 62-day figures are worked by hand (half patients included).
2. A synthetic national sample aggregated by an independent, plain-Python reading of the rules
   (CWT guidance v12.1; Breach Allocation Guidance), which must equal the engine's facts exactly.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cancerwatch.ingest.load import load_files
from cancerwatch.ingest.readers.pathway_checks import COLUMNS
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.synth import generate
from cancerwatch.warehouse.connect import open_duckdb

HEADER = [c for c, _ in COLUMNS]
TREATED = date(2023, 5, 15)


def pathway(pid, route, first, wait, *, ipt_day=None, treating=None, kind="first", commissioner="00L"):
    """A pathway treated on TREATED after ``wait`` days, transferred on ``ipt_day`` if given."""
    referral = TREATED - timedelta(days=wait)
    return {
        "pathway_id": pid,
        "patient_id": f"N{pid}",
        "route": route,
        "referral_date": referral.isoformat(),
        "commissioner_code": commissioner,
        "first_provider_code": first,
        "tumour_group": "Lung",
        "fds_end_date": (referral + timedelta(days=min(wait, 10))).isoformat(),
        "fds_outcome": "cancer_confirmed",
        "decision_to_treat_date": (TREATED - timedelta(days=5)).isoformat(),
        "treatment_date": TREATED.isoformat(),
        "treatment_kind": kind,
        "treatment_modality": "surgery",
        "treating_provider_code": treating or first,
        "ipt_date": (referral + timedelta(days=ipt_day)).isoformat() if ipt_day is not None else "",
        "first_seen_adjustment_days": "0",
        "treatment_adjustment_days": "0",
        "stage": "2",
        "emergency_presentation": "false",
    }


TRUST_ROWS = [
    pathway("1", "urgent_suspected_cancer", "RBK", 40),  # RBK 1 within
    pathway("2", "urgent_suspected_cancer", "RBK", 50, ipt_day=20, treating="RAL"),  # ½ + ½ within
    pathway("3", "urgent_suspected_cancer", "RBK", 80, ipt_day=30, treating="RAL"),  # RAL 1 breach (≤ day 38)
    pathway("4", "screening", "RBK", 70, ipt_day=50, treating="RAL"),  # RBK 1 breach (treated 20 days after)
    pathway("5", "consultant_upgrade", "RXK", 90, ipt_day=45, treating="RAL"),  # ½ + ½ breach (45 days after)
    pathway("6", "breast_symptomatic", "RXK", 62, commissioner="15N"),  # RXK 1 within (day 62)
    pathway("7", "other", "RBK", 30),  # not a 62-day route
    pathway("8", "urgent_suspected_cancer", "RBK", 200, kind="subsequent"),  # subsequent treatment
    pathway("9", "urgent_suspected_cancer", "RAL", 70, ipt_day=10, treating="RAL"),  # same provider: RAL 1 breach
]


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER)
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def trust_warehouse(tmp_path):
    con = open_duckdb(tmp_path / "trust.duckdb")
    [result] = load_files(con, [write_csv(tmp_path / "trust_pathways.csv", TRUST_ROWS)])
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (9, 9, 0)
    yield con
    con.close()


def _figures(rows):
    return {r["org_code"]: (r["total"], r["within_standard"], r["breaches"]) for r in rows}


def test_62_day_provider_figures_by_hand(trust_warehouse):
    rows = metrics(trust_warehouse, MetricQuery(standard="62d", level="provider", dataset="record"))
    assert {r["period_start"] for r in rows} == {"2023-05-01"}
    assert _figures(rows) == {"RBK": (2.5, 1.5, 1.0), "RAL": (3.0, 0.5, 2.5), "RXK": (1.5, 1.0, 0.5)}
    [england] = metrics(trust_warehouse, MetricQuery(standard="62d", level="national", dataset="record"))
    assert (england["total"], england["within_standard"], england["breaches"]) == (7.0, 3.0, 4.0)
    assert england["total"] == sum(r["total"] for r in rows)
    assert england["within_standard"] == sum(r["within_standard"] for r in rows)


def test_other_standards_and_the_commissioner_basis(trust_warehouse):
    d31 = metrics(trust_warehouse, MetricQuery(standard="31d", level="national", dataset="record"))
    assert [(r["total"], r["within_standard"]) for r in d31] == [(9.0, 9.0)]
    con = trust_warehouse
    by_commissioner = con.execute(
        """SELECT org_code, sum(total), sum(within_standard) FROM facts
           WHERE dataset = 'record' AND basis = 'commissioner' AND standard = '62d' AND breakdown = 'cancer_type'
           GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    assert [(c, float(t), float(w)) for c, t, w in by_commissioner] == [("00L", 6.0, 2.0), ("15N", 1.0, 1.0)]
    by_modality = con.execute(
        """SELECT sum(total) FROM facts WHERE dataset = 'record' AND standard = '62d' AND basis = 'provider'
           AND breakdown = 'modality'"""
    ).fetchone()[0]
    assert float(by_modality) == 7.0


def test_a_later_file_supersedes_the_months_it_covers(trust_warehouse, tmp_path):
    revised = [r for r in TRUST_ROWS if r["pathway_id"] != "3"]
    [res] = load_files(trust_warehouse, [write_csv(tmp_path / "revised.csv", revised)])
    assert res.superseded > 0
    [england] = metrics(trust_warehouse, MetricQuery(standard="62d", level="national", dataset="record"))
    assert (england["total"], england["within_standard"]) == (6.0, 3.0)


# --- an independent reading of the rules, in plain Python -------------------------------------

FDS_ROUTES = {"urgent_suspected_cancer", "screening", "breast_symptomatic"}
D62_ROUTES = FDS_ROUTES | {"consultant_upgrade"}


def _wait(start, stop, adjustment=0):
    return max(0, (stop - start).days - adjustment)


def _shares(p, within):
    """The National Cancer Breach Allocation Guidance table, written out as the guidance reads."""
    first, treating = p["first_provider_code"] or "UNKNOWN", p["treating_provider_code"]
    if p["ipt_date"] is None or treating is None or treating == first:
        return [(first, 1.0)]
    if within:
        return [(first, 0.5), (treating, 0.5)]
    if (p["ipt_date"] - p["referral_date"]).days <= 38:
        return [(treating, 1.0)]
    if (p["treatment_date"] - p["ipt_date"]).days <= 24:
        return [(first, 1.0)]
    return [(first, 0.5), (treating, 0.5)]


def python_facts(rows):
    """{(basis, period, standard, org, route, cancer_type): [total, within]} for the FDS and the
    cancer-type breakdown of 31 and 62 days."""
    out = defaultdict(lambda: [0.0, 0.0])

    def add(key, weight, within):
        out[key][0] += weight
        out[key][1] += weight if within else 0.0

    for p in rows:
        comm = p["commissioner_code"] or "UNKNOWN"
        stops = [d for d in (p["fds_end_date"], p["decision_to_treat_date"]) if d is not None]
        if p["route"] in FDS_ROUTES and p["treatment_kind"] != "subsequent" and stops:
            stop = min(stops)
            ok = _wait(p["referral_date"], stop, p["first_seen_adjustment_days"]) <= 28  # never the treatment pause
            for basis, org in (("provider", p["first_provider_code"]), ("commissioner", comm)):
                add((basis, stop.replace(day=1), "fds", org, p["route"], p["tumour_group"]), 1.0, ok)
        treat, dtt = p["treatment_date"], p["decision_to_treat_date"]
        if p["treatment_kind"] in ("first", "subsequent") and treat and dtt:
            ok = _wait(dtt, treat, p["treatment_adjustment_days"]) <= 31
            route = f"{p['treatment_kind']}_treatment"
            provider = p["treating_provider_code"] or p["first_provider_code"]
            for basis, org in (("provider", provider), ("commissioner", comm)):
                add((basis, treat.replace(day=1), "31d", org, route, p["tumour_group"]), 1.0, ok)
        if p["treatment_kind"] == "first" and p["route"] in D62_ROUTES and treat:
            adjust = p["first_seen_adjustment_days"] + p["treatment_adjustment_days"]
            ok = _wait(p["referral_date"], treat, adjust) <= 62
            month = treat.replace(day=1)
            for org, share in _shares(p, ok):
                add(("provider", month, "62d", org, p["route"], p["tumour_group"]), share, ok)
            add(("commissioner", month, "62d", comm, p["route"], p["tumour_group"]), 1.0, ok)
    return {k: tuple(v) for k, v in out.items()}


def test_synthetic_sample_matches_an_independent_implementation(tmp_path):
    path = generate(20_000, 11, tmp_path / "synthetic.parquet", chunk_rows=7_000)
    con = open_duckdb(tmp_path / "synthetic.duckdb")
    try:
        [res] = load_files(con, [path])
        assert (res.rows_read, res.rows_quarantined) == (20_000, 0)
        engine = {
            (b, p, s, o, r, c): (float(t), float(w))
            for b, p, s, o, r, c, t, w in con.execute(
                """SELECT basis, period, standard, org_code, route, cancer_type, total, within_standard
                   FROM facts WHERE dataset = 'record' AND breakdown IN ('fds', 'cancer_type')"""
            ).fetchall()
        }
        by_modality = con.execute(
            """SELECT basis, standard, sum(total) FROM facts WHERE dataset = 'record' GROUP BY ALL
               HAVING sum(total) FILTER (WHERE breakdown = 'modality')
                      <> sum(total) FILTER (WHERE breakdown = 'cancer_type')"""
        ).fetchall()
    finally:
        con.close()
    expected = python_facts(pq.read_table(path).to_pylist())
    assert engine == expected
    assert by_modality == []  # both breakdowns count every pathway once
    halves = [k for k, (t, _) in expected.items() if t != int(t)]
    assert halves and all(k[0] == "provider" and k[2] == "62d" for k in halves)
