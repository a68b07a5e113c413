"""One query for every parent's members equals the per-parent query, month by month."""

from __future__ import annotations

from datetime import date

from cancerwatch.warehouse.organisations import member_codes, members_by_parent


def test_members_by_parent_equal_each_parents_members(warehouse):
    compared = 0
    for basis, level in (("commissioner", "icb"), ("provider", "alliance"), ("provider", "region")):
        parents = [
            r[0]
            for r in warehouse.execute(
                "SELECT DISTINCT parent_code FROM org_rollup WHERE basis = ? AND level = ?", [basis, level]
            ).fetchall()
        ]
        for on in (date(2023, 4, 1), date(2024, 3, 1), date(2024, 4, 1), date(2025, 7, 1)):
            every = members_by_parent(warehouse, basis=basis, level=level, on=on)
            assert set(every) <= set(parents)
            for parent in parents:
                expected = member_codes(warehouse, basis=basis, level=level, parent_code=parent, on=on)
                assert every.get(parent, []) == expected, (basis, level, parent, on)
                compared += bool(expected)
    assert compared > 150
