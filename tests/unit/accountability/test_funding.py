"""Funding policies: allocations sum to the pot, decoupled = base share, conditionality moves money,
targets in force each quarter, and the ONS population file as the alternative base."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancerwatch.accountability import funding
from cancerwatch.accountability.funding import AllianceQuarter, Target, allocate, load_policies
from cancerwatch.accountability.funding_report import funding_rows
from cancerwatch.accountability.population import read_population
from cancerwatch.catalogue.organisations import packaged_rows
from cancerwatch.errors import InputError
from cancerwatch.periods import parse_fy
from cancerwatch.queries import MetricQuery, metrics

POLICIES = load_policies()


def _units(n=3, met=(True, False, False), pops=(0.5, 0.3, 0.2), imp=(0.0, 0.02, -0.01)):
    return [AllianceQuarter(f"A{i}", f"Alliance {i}", pops[i], met[i], 0.7, imp[i]) for i in range(n)]


def test_decoupled_is_the_base_share():
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


def test_real_data_20_alliances_each_quarter_of_2024_25(warehouse):
    """2024/25: a full year, four quarters of 25 million each, 20 Alliances (East of England one)."""
    rows, summary = funding_rows(warehouse, pot=Decimal("100000000"), year_start=parse_fy("2024/25"), policies=POLICIES)
    for pid in POLICIES:
        for q in ("2024/25 Q1", "2024/25 Q2", "2024/25 Q3", "2024/25 Q4"):
            part = [r for r in rows if r["policy"] == pid and r["quarter"] == q]
            assert len(part) == 20 and "E56000035" in {r["alliance_code"] for r in part}
            assert sum(Decimal(str(r["allocation"])) for r in part) == 25_000_000
        assert summary[pid]["total_allocated"] == 100_000_000
    decoupled = [r for r in rows if r["policy"] == "decoupled"]
    assert all(abs(r["allocation"] - 25_000_000 * r["base_share"]) < 0.02 for r in decoupled)
    assert (
        summary["decoupled"]["base"].startswith("FDS patient volume")
        and "not population" in summary["decoupled"]["base"]
    )


@pytest.mark.parametrize(
    ("target", "quarter", "value", "how"),
    [
        # 62-day: no planning ambition for 2023/24, so the 85% operational threshold (not the March 2025 ambition)
        (Target("62d", "ambition"), date(2023, 4, 1), 0.85, "62d 85% (operational threshold)"),
        (Target("62d", "ambition"), date(2024, 4, 1), 0.70, "62d 70% (planning ambition for March 2025)"),
        (Target("62d", "ambition"), date(2025, 1, 1), 0.70, "62d 70% (planning ambition for March 2025)"),
        (Target("62d", "ambition"), date(2025, 4, 1), 0.75, "62d 75% (planning ambition for March 2026)"),
        (Target("62d", "threshold"), date(2024, 4, 1), 0.85, "62d 85% (operational threshold)"),
        # FDS: 75% from October 2021 (Q3 2021/22); before, no threshold, so the target cannot be met
        (Target("fds"), date(2021, 7, 1), None, "fds: no threshold in force"),
        (Target("fds"), date(2021, 10, 1), 0.75, "fds 75% (operational threshold)"),
        (Target("fds", "ambition"), date(2024, 7, 1), 0.77, "fds 77% (planning ambition for March 2025)"),
        (Target("62d", value=0.70), date(2023, 4, 1), 0.70, "62d 70% (fixed)"),
    ],
)
def test_targets_are_those_in_force_in_each_quarter(target, quarter, value, how):
    assert target.for_quarter(quarter) == (value, how)


def test_a_threshold_that_changes_within_a_quarter_takes_the_strictest(monkeypatch):
    monkeypatch.setattr(funding, "threshold_in_force", lambda s, on: 0.80 if on < date(2030, 2, 1) else 0.90)
    assert Target("62d").for_quarter(date(2030, 1, 1)) == (0.90, "62d 90% (operational threshold)")


def test_conditional_policy_on_real_data_uses_the_2023_24_thresholds(warehouse):
    rows, _ = funding_rows(
        warehouse,
        pot=Decimal("100000000"),
        year_start=parse_fy("2023/24"),
        policies={"conditional": POLICIES["conditional"]},
    )
    perf = {}
    for s in ("fds", "62d"):
        for r in metrics(warehouse, MetricQuery(standard=s, level="alliance", period="quarter")):
            perf[(r["period_label"], r["org_code"], s)] = r["performance"]
    conditional = [r for r in rows if r["policy"] == "conditional"]
    assert len(conditional) == 4 * 21  # four quarters, 21 Alliances in 2023/24
    for r in conditional:
        assert r["targets"] == "fds 75% (operational threshold); 62d 85% (operational threshold)"
        q, code = r["quarter"], r["alliance_code"]
        assert r["met_targets"] == (perf[(q, code, "fds")] >= 0.75 and perf[(q, code, "62d")] >= 0.85)


def test_policy_files_with_the_old_population_names_still_load(tmp_path):
    old = tmp_path / "old.toml"
    old.write_text(
        '[policies.a]\nkind = "population"\n[policies.b]\nkind = "weighted"\nstandards = ["fds"]\n'
        "weights = { population = 0.5, performance = 0.5 }\n"
    )
    policies = load_policies(old)
    assert policies["a"].kind == "base" and dict(policies["b"].weights) == {"base": 0.5, "performance": 0.5}


def test_conditional_target_validation(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('[policies.x]\nkind = "conditional"\ntargets = [{ standard = "62d", target = "hope" }]\n')
    with pytest.raises(InputError, match="target 'hope' is not one of threshold, ambition"):
        load_policies(bad)
    bad.write_text('[policies.x]\nkind = "conditional"\ntargets = [{ standard = "99d" }]\n')
    with pytest.raises(InputError, match="unknown standard '99d'"):
        load_policies(bad)


# A hand-made population file: the 21 Alliances of 2023/24, 1,000,000 residents each except
# Greater Manchester (E56000032) with 3,000,000, given by its ONS code: 23,000,000 in all.
def _population_file(tmp_path, skip=None, extra=""):
    lines = ["alliance_code,population,source"]
    for r in packaged_rows("alliances.csv"):
        if r["alliance_code"] == skip or r["valid_to"]:  # the 20 Alliances of 2024/25
            continue
        people = 3_000_000 if r["alliance_code"] == "E56000032" else 1_000_000
        lines.append(f"{r['alliance_code']},{people},hand-made test figures")
    path = tmp_path / "population.csv"
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def test_population_file_is_the_alternative_base(warehouse, tmp_path):
    path = _population_file(tmp_path)
    population = read_population(path)
    # 19 Alliances of 1 million and Greater Manchester (E56000032) of 3 million: 22 million
    assert population.shares()["E56000032"] == pytest.approx(3 / 22) and population.source == "hand-made test figures"
    rows, summary = funding_rows(
        warehouse, pot=Decimal("100000000"), year_start=parse_fy("2024/25"), policies=POLICIES, population_csv=path
    )
    decoupled = {(r["quarter"], r["alliance_code"]): r["allocation"] for r in rows if r["policy"] == "decoupled"}
    assert decoupled[("2024/25 Q1", "E56000032")] == pytest.approx(25_000_000 * 3 / 22, abs=0.01)
    assert decoupled[("2024/25 Q2", "E56000005")] == pytest.approx(25_000_000 / 22, abs=0.01)
    assert summary["decoupled"]["base"] == "ONS population from population.csv (hand-made test figures)"


def test_population_file_missing_an_alliance_is_refused(warehouse, tmp_path):
    path = _population_file(tmp_path, skip="E56000016")
    with pytest.raises(InputError, match=r"population\.csv: no population for E56000016"):
        funding_rows(
            warehouse, pot=Decimal("1000"), year_start=parse_fy("2024/25"), policies=POLICIES, population_csv=path
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alliance_code,people\nE56000005,1\n", "population.csv, row 1: missing column population"),
        (
            "alliance_code,population\nE56000099,1\n",
            "population.csv, row 2, column 'alliance_code': not a Cancer Alliance code",
        ),
        (
            "alliance_code,population\nE56000005,1\nE56000005,2\n",
            "row 3, column 'alliance_code': E56000005 appears twice",
        ),
        ("alliance_code,population\nE56000005,-1\n", "row 2, column 'population': need a non-negative number"),
        ("alliance_code,population\nE56000005,lots\n", "row 2, column 'population': need a non-negative number"),
        (
            "alliance_code,population,source\nE56000005,1,ONS 2021\nE56000007,1,ONS 2022\n",
            "rows give different sources",
        ),
        ("alliance_code,population\nE56000005,0\n", "the total is zero"),
    ],
)
def test_population_file_errors_name_the_row_and_column(tmp_path, text, message):
    path = tmp_path / "population.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        read_population(path)
