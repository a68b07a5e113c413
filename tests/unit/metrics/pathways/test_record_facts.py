"""Pathways → facts rows: the packed key decodes to the published columns exactly, for any input.

Each case is a pathway or two worked by hand from the rules (docs/record-level.md): which standard,
breakdown, route, month, organisation and weight each clock stop is counted under. The key packs
standard, route, tumour group, modality and month into one integer and is decoded only after the
sums, so these cases cover what a packing could lose: tumour groups and modalities outside the
known lists, missing values, months far from the synthetic data's, and half patients.
"""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.metrics.pathways.record_facts import FACT_COLUMNS, record_facts

from .conftest import pathway, table


def facts(backend, rows) -> list[dict]:
    return backend.to_pyarrow(record_facts(table(rows))).to_pylist()


def pick(rows, **where) -> list[dict]:
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


def treated(treatment: date, *, dtt: date | None = None, **fields) -> dict:
    """A USC first treatment at RBK referred 20 days before ``treatment`` (FDS stopped at the DTT)."""
    ordinal = treatment.toordinal()
    dtt = dtt or date.fromordinal(ordinal - 10)
    values = {"treatment_kind": "first", "treatment_modality": "surgery", **fields}
    return pathway(
        referral_date=date.fromordinal(ordinal - 20), decision_to_treat_date=dtt, treatment_date=treatment, **values
    )


def test_every_row_has_the_published_columns(backend):
    out = facts(backend, [treated(date(2024, 1, 15))])
    assert out and all(tuple(r) == FACT_COLUMNS for r in out)


def test_one_treated_pathway_counts_once_per_standard_basis_and_breakdown(backend):
    out = facts(backend, [treated(date(2024, 1, 15))])
    # FDS (stop on the DTT, 5 Jan) once per basis; 31 and 62 days twice per basis (cancer type, modality).
    assert len(out) == 2 * (1 + 2 + 2)
    (fds,) = pick(out, standard="fds", basis="provider")
    assert fds["period"] == date(2024, 1, 1) and fds["route"] == "urgent_suspected_cancer"
    assert (fds["breakdown"], fds["cancer_type"], fds["modality"]) == ("fds", "Lung", None)
    assert fds["tumour_scheme"] == "fds_suspected"
    d31 = {r["breakdown"]: r for r in pick(out, standard="31d", basis="commissioner")}
    assert d31["cancer_type"]["route"] == "first_treatment" and d31["cancer_type"]["org_code"] == "00L"
    assert (d31["cancer_type"]["cancer_type"], d31["cancer_type"]["modality"]) == ("Lung", None)
    assert (d31["modality"]["cancer_type"], d31["modality"]["modality"]) == (None, "surgery")
    assert d31["modality"]["tumour_scheme"] is None and d31["cancer_type"]["tumour_scheme"] == "2023"


def test_tumour_group_outside_the_catalogue_keeps_its_text(backend):
    rows = [treated(date(2024, 1, 15), tumour_group="Sarcoma"), treated(date(2024, 1, 16), tumour_group="Lung")]
    out = facts(backend, rows)
    assert {r["cancer_type"] for r in pick(out, standard="fds", basis="provider")} == {"Sarcoma", "Lung"}
    by_cancer = pick(out, standard="62d", basis="provider", breakdown="cancer_type")
    assert {r["cancer_type"]: r["total"] for r in by_cancer} == {"Sarcoma": 1.0, "Lung": 1.0}
    # by modality, all cancers: one surgery row of both pathways
    (surgery,) = pick(out, standard="62d", basis="provider", breakdown="modality")
    assert (surgery["modality"], surgery["total"]) == ("surgery", 2.0)


def test_two_unknown_texts_stay_apart(backend):
    rows = [treated(date(2024, 1, 15), tumour_group=g) for g in ("Sarcoma", "Brain/CNS", "Sarcoma")]
    out = pick(facts(backend, rows), standard="31d", basis="provider", breakdown="cancer_type")
    assert {r["cancer_type"]: r["total"] for r in out} == {"Sarcoma": 2.0, "Brain/CNS": 1.0}


def test_modality_outside_the_contract_keeps_its_text(backend):
    """Parquet pathways given to ``cancerwatch record`` are not checked by the CSV reader."""
    rows = [treated(date(2024, 1, 15), treatment_modality="proton_beam"), treated(date(2024, 1, 15))]
    out = pick(facts(backend, rows), standard="31d", basis="provider", breakdown="modality")
    assert {r["modality"]: r["total"] for r in out} == {"proton_beam": 1.0, "surgery": 1.0}


def test_missing_tumour_group_and_modality_are_null_not_other(backend):
    rows = [treated(date(2024, 1, 15), tumour_group=None, treatment_modality=None)]
    out = facts(backend, rows)
    (fds,) = pick(out, standard="fds", basis="provider")
    assert fds["cancer_type"] is None and fds["tumour_scheme"] is None
    (by_modality,) = pick(out, standard="62d", basis="provider", breakdown="modality")
    assert by_modality["modality"] is None and by_modality["cancer_type"] is None


@pytest.mark.parametrize(
    ("treatment", "period", "scheme"),
    [
        (date(2023, 9, 30), date(2023, 9, 1), "2022"),
        (date(2023, 10, 1), date(2023, 10, 1), "2023"),
        (date(1999, 12, 31), date(1999, 12, 1), "2022"),
        (date(2000, 1, 1), date(2000, 1, 1), "2022"),
        (date(2100, 12, 31), date(2100, 12, 1), "2023"),
        (date(9999, 12, 31), date(9999, 12, 1), "2023"),
        (date(1, 1, 31), date(1, 1, 1), "2022"),
    ],
)
def test_any_month_decodes_to_itself(backend, treatment, period, scheme):
    out = pick(facts(backend, [treated(treatment)]), standard="62d", basis="provider", breakdown="cancer_type")
    assert [(r["period"], r["tumour_scheme"]) for r in out] == [(period, scheme)]


def test_shared_62_day_pathway_gives_each_provider_half_and_the_commissioner_one(backend):
    # referral day 0, receipt day 20, treated day 70 (breach, received before day 38): treating
    # provider 1; a second pathway received on day 20 and treated on day 50: within, ½ + ½.
    rows = [
        pathway(pathway_id="A", referral_date=date(2024, 1, 1), decision_to_treat_date=date(2024, 3, 1),
                treatment_date=date(2024, 3, 11), ipt_date=date(2024, 1, 21), treating_provider_code="RAL",
                treatment_kind="first", treatment_modality="surgery"),
        pathway(pathway_id="B", referral_date=date(2024, 1, 22), decision_to_treat_date=date(2024, 3, 1),
                treatment_date=date(2024, 3, 12), ipt_date=date(2024, 2, 11), treating_provider_code="RAL",
                treatment_kind="first", treatment_modality="surgery"),
    ]  # fmt: skip
    out = pick(facts(backend, rows), standard="62d", breakdown="cancer_type")
    provider = {r["org_code"]: (r["total"], r["within_standard"]) for r in pick(out, basis="provider")}
    assert provider == {"RBK": (0.5, 0.5), "RAL": (1.5, 0.5)}
    (commissioner,) = pick(out, basis="commissioner")
    assert (commissioner["org_code"], commissioner["total"], commissioner["within_standard"]) == ("00L", 2.0, 1.0)


def test_missing_organisations_count_as_unknown(backend):
    rows = [treated(date(2024, 1, 15), first_provider_code=None, commissioner_code=None)]
    out = facts(backend, rows)
    assert {r["org_code"] for r in out} == {"UNKNOWN"}
