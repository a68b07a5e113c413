"""Hand-made NHS Workforce Statistics workbooks ("England and Organisation" layout).

Leaf staff groups are given per organisation; every parent group, ICS, region and England FTE
is worked here as the sum of what is below it (the published definition for FTE). Headcount is
written as FTE rounded up to whole people: it is not additive, so nothing is summed from it.
"""

from __future__ import annotations

import math
from pathlib import Path

from openpyxl import Workbook

from cancerwatch.catalogue.workforce import staff_groups

IDENT = [
    "NHS England region code",
    "NHS England region name",
    "ICS code",
    "ICS name",
    "Organisation name",
    "Organisation code",
]
RJ1 = {"consultant": 100.5, "nurses_health_visitors": 300.25}
RJZ = {"consultant": 80.0, "central_functions": 12.0}
REN = {"consultant": 30.0, "scientific_therapeutic_technical": 55.5}
TREE = {  # region → ICS → organisations (code, name, leaf FTE)
    ("Y56", "London"): {
        ("QKK", "South East London"): [
            ("RJ1", "Guy's and St Thomas' NHS Foundation Trust", RJ1),
            ("RJZ", "King's College Hospital NHS Foundation Trust", RJZ),
            ("QKK", "NHS South East London ICB", {"managers": 20.0}),
        ]
    },
    ("Y62", "North West"): {
        ("QYG", "Cheshire and Merseyside"): [("REN", "The Clatterbridge Cancer Centre NHS Foundation Trust", REN)]
    },
}


def with_parents(leaves: dict[str, float]) -> dict[str, float]:
    """Every staff group's FTE: leaves as given, each parent the sum of its sub-groups."""
    out = {g: leaves.get(g, 0.0) for g in staff_groups()}
    for g in reversed(list(staff_groups().values())):  # sub-groups are listed after their parent
        if g.parent:
            out[g.parent] += out[g.id]
    return out


def _sum(rows: list[dict[str, float]]) -> dict[str, float]:
    return {g: sum(r[g] for r in rows) for g in staff_groups()}


def figures() -> dict[tuple[str, str], dict[str, float]]:
    """(level, code) → FTE by staff group."""
    out: dict[tuple[str, str], dict[str, float]] = {}
    regions = []
    for (rc, _), icss in TREE.items():
        ics_rows = []
        for (ic, _), orgs in icss.items():
            for code, _, leaves in orgs:
                out[("organisation", code)] = with_parents(leaves)
            out[("icb", ic)] = _sum([out[("organisation", c)] for c, _, _ in orgs])
            ics_rows.append(out[("icb", ic)])
        out[("region", rc)] = _sum(ics_rows)
        regions.append(out[("region", rc)])
    out[("national", "ENG")] = _sum(regions)
    return out


def headcount(fte: float) -> float:
    """Whole people: FTE rounded up."""
    return float(math.ceil(fte))


def _cells(values: dict[str, float], measure: str) -> list:
    out = []
    for g in staff_groups():
        v = values[g] if measure == "fte" else headcount(values[g])
        out.append("-" if v == 0 else v)  # the publication prints zero as '-'
    return out


def _org_table(wb: Workbook, measure: str, month: str, edit) -> None:
    label = "Headcount" if measure == "headcount" else "Full Time Equivalent"
    ws = wb.create_sheet(f"{'2' if measure == 'headcount' else '3'}. NHSE, Org & SG - {measure.upper()[:3]}")
    ws.append([f"Table: HCHS staff by NHS England region, ICS, Organisation and main staff group - {label}"])
    ws.append(["Staff in NHS Trusts and other core organisations"])
    ws.append([])
    ws.append([f"{month} monthly data"])
    ws.append([*IDENT, *[g.published_name for g in staff_groups().values()]])
    ws.append([])
    fig = figures()
    body = [[None, "England", None, None, None, None, *_cells(fig[("national", "ENG")], measure)], []]
    for (rc, rn), icss in TREE.items():
        body.append([rc, rn, None, None, None, None, *_cells(fig[("region", rc)], measure)])
        for (ic, iname), orgs in icss.items():
            body.append([None, None, ic, iname, None, None, *_cells(fig[("icb", ic)], measure)])
            for code, name, _ in orgs:
                body.append([None, None, None, None, name, code, *_cells(fig[("organisation", code)], measure)])
    if edit:
        edit(measure, body)
    for r in body:
        ws.append(r)
    ws.append([])
    ws.append(["Source: NHS Hospital & Community Health Service (HCHS) monthly workforce statistics, NHS England"])


def write_workforce(path: Path, *, month: str = "May 2025", month_end: str = "2025-05-31", edit=None) -> Path:
    """Title sheet, Table 1 (England, twelve months ending ``month_end``), Tables 2 and 3.

    Table 1's earlier months are the month's England figure minus one FTE (or person) a month.
    ``edit(measure, body)`` may alter the organisation tables' rows; ``edit("england", rows)`` Table 1's.
    """
    wb = Workbook()
    wb.active.title = "Title sheet"
    wb.active.append(["NHS Hospital & Community Health Service (HCHS) monthly workforce statistics"])
    t1 = wb.create_sheet("1. England")
    t1.append(["Table 1: HCHS staff for England by main staff groups - Headcount and Full Time Equivalent"])
    t1.append([])
    t1.append(["England"])
    year, mon = int(month_end[:4]), int(month_end[5:7])
    months = [(year * 12 + mon - 1 - k) for k in range(11, -1, -1)]
    t1.append([None, None, *[f"{m // 12}-{m % 12 + 1:02d}-28 00:00:00" for m in months], "Latest Monthly Change"])
    eng = figures()[("national", "ENG")]
    rows = []
    for section, measure in (("HEADCOUNT", "headcount"), ("FULL TIME EQUIVALENT (FTE)", "fte")):
        rows.append([section])
        for g in staff_groups().values():
            now = eng[g.id] if measure == "fte" else headcount(eng[g.id])
            rows.append([None, g.published_name, *[max(now - (11 - k), 0.0) for k in range(12)], 0.01])
        rows.append([])
    if edit:
        edit("england", rows)
    for r in rows:
        t1.append(r)
    t1.append(["Source: NHS Hospital & Community Health Service (HCHS) monthly workforce statistics, NHS England"])
    _org_table(wb, "headcount", month, edit)
    _org_table(wb, "fte", month, edit)
    wb.save(path)
    return path
