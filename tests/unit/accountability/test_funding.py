"""Funding policies: allocations sum to the pot, decoupled = population share, conditionality moves money."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancerwatch.accountability.funding import AllianceQuarter, allocate, load_policies
from cancerwatch.accountability.funding_report import funding_rows
from cancerwatch.errors import InputError
from cancerwatch.periods import parse_fy

POLICIES = load_policies()


def _units(n=3, met=(True, False, False), pops=(0.5, 0.3, 0.2), imp=(0.0, 0.02, -0.01)):
    return [AllianceQuarter(f"A{i}", f"Alliance {i}", pops[i], met[i], 0.7, imp[i]) for i in range(n)]


def test_decoupled_is_population_share():
    alloc = allocate(POLICIES["decoupled"], Decimal("1000.00"), _units())
    assert alloc == {"A0": Decimal("500.00"), "A1": Decimal("300.00"), "A2": Decimal("200.00")}


def test_conditional_moves_withheld_money_to_those_meeting_targets():
    alloc = allocate(POLICIES["conditional"], Decimal("1000.00"), _units())
    # A1 and A2 lose 30% of 300 and 200 = 150, all to A0 (the only one meeting the targets)
    assert alloc == {"A0": Decimal("650.00"), "A1": Decimal("210.00"), "A2": Decimal("140.00")}


def test_conditional_with_nobody_meeting_targets_withholds_nothing():
    alloc = allocate(POLICIES["conditional"], Decimal("1000.00"), _units(met=(False, False, False)))
    assert alloc == {"A0": Decimal("500.00"), "A1": Decimal("300.00"), "A2": Decimal("200.00")}


def test_improvement_rewards_only_improvers():
    alloc = allocate(POLICIES["improvement"], Decimal("1000.00"), _units())
    assert alloc["A1"] == Decimal("510.00")  # 70% of 300 + all 300 of the improvement pool
    assert alloc["A0"] == Decimal("350.00") and alloc["A2"] == Decimal("140.00")


@given(
    pot=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2),
    pops=st.lists(st.floats(0, 1e7, allow_nan=False), min_size=1, max_size=21),
    data=st.data(),
)
def test_every_policy_sums_to_the_pot(pot, pops, data):
    units = [
        AllianceQuarter(
            f"A{i}", "", p, data.draw(st.booleans()), data.draw(st.floats(0, 1)), data.draw(st.floats(-0.2, 0.2))
        )
        for i, p in enumerate(pops)
    ]
    for policy in POLICIES.values():
        alloc = allocate(policy, pot, units)
        assert sum(alloc.values()) == pot
        assert all(v >= 0 for v in alloc.values())


def test_policy_file_validation(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('[policies.x]\nkind = "lottery"\n')
    with pytest.raises(InputError, match=r"p\.toml: policies\.x\.kind 'lottery' is not one of"):
        load_policies(bad)
    bad.write_text('[policies.x]\nkind = "weighted"\nweights = { population = 0.5 }\n')
    with pytest.raises(InputError, match="weights must be non-negative and sum to 1"):
        load_policies(bad)


def test_real_data_21_alliances_each_quarter(warehouse):
    rows, summary = funding_rows(warehouse, pot=Decimal("100000000"), year_start=parse_fy("2023/24"), policies=POLICIES)
    for pid in POLICIES:
        for q in ("2023/24 Q1", "2023/24 Q2"):
            part = [r for r in rows if r["policy"] == pid and r["quarter"] == q]
            assert len(part) == 21
        assert summary[pid]["total_allocated"] == 100_000_000
    decoupled = [r for r in rows if r["policy"] == "decoupled"]
    assert all(abs(r["allocation"] - 50_000_000 * r["population_share"]) < 0.02 for r in decoupled)
