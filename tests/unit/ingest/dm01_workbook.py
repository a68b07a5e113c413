"""Hand-made DM01 provider workbooks in the published layout (title block, header, Total, rows).

Totals are worked here from the published definition: a provider's waiting list is the sum of its
weekly bands, 6+ weeks the bands from 6 weeks, 13+ the last band; the "Provider" sheet row is the
sum of the provider's tests; England is the sum of the providers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

BANDS = [f"{i:02d} <{i + 1:02d} weeks" if i else "0 <01 weeks" for i in range(13)] + ["13+ weeks"]
MEASURES = ["Total Waiting List", "Number waiting 6+ Weeks", "Number waiting 13+ Weeks", "Percentage waiting 6+ weeks"]
ACTIVITY = [
    "Planned tests / procedures",
    "Unscheduled tests / procedures",
    "Waiting list tests / procedures (excluding planned)",
]
TEST_IDS = {"Magnetic Resonance Imaging": 1, "Computed Tomography": 2, "Colonoscopy": 12, "Cystoscopy": 14}


@dataclass
class Figures:
    """One provider × test: 14 weekly bands and the three activity counts."""

    bands: list[int]
    planned: int = 0
    unscheduled: int = 0
    waiting_list_tests: int = 0

    def measures(self) -> list:
        wl, w6, w13 = sum(self.bands), sum(self.bands[6:]), self.bands[13]
        return [wl, w6, w13, (w6 / wl) if wl else 0]

    def activity(self) -> list[int]:
        return [self.planned, self.unscheduled, self.waiting_list_tests]


@dataclass
class Provider:
    """A provider with its region and tests."""

    code: str
    name: str
    region: str = "Y56"
    region_name: str = "London Commissioning Region"
    tests: dict[str, Figures] = field(default_factory=dict)

    def total(self) -> Figures:
        rows = list(self.tests.values())
        return Figures(
            [sum(r.bands[i] for r in rows) for i in range(14)],
            sum(r.planned for r in rows),
            sum(r.unscheduled for r in rows),
            sum(r.waiting_list_tests for r in rows),
        )


def england(providers: list[Provider]) -> Figures:
    """England: the sum of every provider's total."""
    totals = [p.total() for p in providers]
    return Figures(
        [sum(t.bands[i] for t in totals) for i in range(14)],
        sum(t.planned for t in totals),
        sum(t.unscheduled for t in totals),
        sum(t.waiting_list_tests for t in totals),
    )


def _values(t: Figures) -> list:
    return [*t.measures(), *t.bands, None, *t.activity()]


def _title(ws, month: str, published: str, revised: str | None, basis: str, above: int) -> None:
    for _ in range(above):
        ws.append(["Inserted line above the title block"])
    ws.append(["Title:", "Monthly Diagnostics"])
    ws.append(["Summary:", "Waiting times and activity for Diagnostic tests and procedures"])
    ws.append([])
    ws.append(["Period:", month])
    ws.append(["Source:", "DM01, collected via SDCS"])
    ws.append(["Basis:", basis])
    ws.append(["Published:", published])
    ws.append(["Revised:", revised])
    ws.append(["Status:", "Published"])
    ws.append(["Contact:", "diagnostics data team"])
    ws.append([])
    ws.append(["Provider level data"])


def _reorder(row: list, order: list[int] | None) -> list:
    return row if order is None else [row[i] for i in order]


def write_dm01(
    path: Path,
    providers: list[Provider],
    *,
    month: str = "July 2025",
    published: str = "11th September 2025",
    revised: str | None = None,
    basis: str = "Provider",
    rows_above: int = 0,
    provider_order: list[int] | None = None,
    england_total: Figures | None = None,
    edit=None,
) -> Path:
    """Write a two-sheet DM01 workbook; ``edit(sheet_name, rows)`` may alter the body rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Provider"
    _title(ws, month, published, revised, basis, rows_above)
    header = [
        "Regional Team Code",
        "Regional Team Name",
        "Provider Code",
        "Provider Name",
        *MEASURES,
        *BANDS,
        None,
        *ACTIVITY,
    ]
    total = england_total or england(providers)
    body = [[None, None, None, "Total", *_values(total)], []]
    body += [[p.region, p.region_name, p.code, p.name, *_values(p.total())] for p in providers]
    if edit:
        edit("Provider", body)
    ws.append(_reorder(header, provider_order))
    for r in body:
        ws.append(_reorder(r, provider_order) if r else [])
    wt = wb.create_sheet("Provider by Test")
    _title(wt, month, published, revised, basis, rows_above)
    wt.append(
        [
            "Regional Team Code",
            "Regional Team Name",
            "Provider Code",
            "Provider Name",
            "Diagnostic ID",
            "Diagnostic Test Name",
            *MEASURES,
            *BANDS,
            None,
            *ACTIVITY,
        ]
    )
    body = [[None, None, None, "Total", None, None, *_values(england(providers))], []]
    for p in providers:
        for name, t in p.tests.items():
            body.append([p.region, p.region_name, p.code, p.name, TEST_IDS.get(name, 99), name, *_values(t)])
        body.append([p.region, p.region_name, p.code, p.name, 16, "Total", *_values(p.total())])
    if edit:
        edit("Provider by Test", body)
    for r in body:
        wt.append(r)
    notes = wb.create_sheet("Notes")
    notes.append(["Notes"])
    wb.save(path)
    return path


def two_providers() -> list[Provider]:
    """Two providers, hand-picked numbers: a trust with two tests, an independent provider with one."""
    return [
        Provider(
            "RF4",
            "Barking, Havering and Redbridge University Hospitals NHS Trust",
            tests={
                "Magnetic Resonance Imaging": Figures([10, 8, 6, 5, 4, 3, 2, 2, 1, 1, 0, 0, 0, 1], 5, 12, 40),
                "Computed Tomography": Figures([7, 6, 5, 4, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 3, 30, 22),
            },
        ),
        Provider(
            "NT405",
            "Bishops Wood Hospital",
            tests={"Colonoscopy": Figures([3, 2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 0, 0, 9)},
        ),
    ]
