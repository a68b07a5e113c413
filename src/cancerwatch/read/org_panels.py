"""The panels of an organisation's page for one chosen month: the wait distributions (FDS and
62-day, with the number treated after day 104), DM01 diagnostics for the tests cancer pathways
depend on, and a trust's workforce beside its performance.

Each panel says why it is empty rather than disappearing: the wait bands are published from
October 2023, DM01 is provider-based (no sub-ICB figures) and bundled from August 2024, and
NHS Workforce Statistics are published for trusts (an Alliance's FTE is its trusts' sum).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from cancerwatch.catalogue.diagnostics import DM01, get_diagnostic_standard, threshold_for
from cancerwatch.catalogue.organisations import PROVIDER_LEVELS
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.diagnostics_queries import DiagnosticsQuery
from cancerwatch.errors import NoData, UsageError
from cancerwatch.periods import period_label
from cancerwatch.read.context import Reader
from cancerwatch.read.diagnostics import WorkforceView, org_diagnostics, workforce_view
from cancerwatch.read.waits import org_month_waits
from cancerwatch.wait_queries import LONG_WAIT_DAYS

WAIT_STANDARDS = ("fds", "62d")
"""The wait distributions shown: FDS (within 14 / 15–28 / 29–42 / 43–62 / over 62 days) and
62-day (to over 104 days), as NHS England's monthly workbooks publish them."""

WORKFORCE_LEVELS = ("provider", "alliance")
"""Published per trust; an Alliance's FTE is the sum of its trusts' (``workforce_queries``)."""


@dataclass
class WaitPanel:
    """One standard's wait bands of the organisation in the chosen month."""

    standard: str
    standard_name: str
    month: str
    bands: list[dict] = field(default_factory=list)
    patients: float | None = None
    over_104_days: float | None = None
    combined_note: str | None = None
    note: str | None = None


@dataclass
class DiagnosticsPanel:
    """DM01 figures of the cancer-pathway tests in the chosen month, against the DM01 standard."""

    month: str
    rows: list[dict] = field(default_factory=list)
    standard: str = ""
    threshold: float | None = None
    note: str | None = None


@dataclass
class WorkforcePanel:
    """FTE by main staff group (latest published month) beside the same month's performance."""

    view: WorkforceView | None = None
    note: str | None = None
    measure_names: dict[str, str] = field(default_factory=dict)


def wait_panel(reader: Reader, standard: str, level: str, code: str, month: date) -> WaitPanel:
    """The wait bands of ``code`` in ``month`` (before an Alliance's start, its predecessors' summed)."""
    label = period_label(month, "month")
    panel = WaitPanel(standard, get_standard(standard).name, label)
    rows = org_month_waits(reader, standard, level, code, month)
    if not rows:
        panel.note = f"No published wait bands for {month:%B %Y} (NHS England publishes them from October 2023)."
        return panel
    panel.combined_note = rows[0].get("combined_note")
    panel.bands = [{k: r[k] for k in ("band", "from_day", "to_day", "patients", "share")} for r in rows]
    panel.patients = sum(b["patients"] for b in panel.bands)
    if standard == "62d":
        panel.over_104_days = sum(
            b["patients"] for b in panel.bands if b["to_day"] is None and b["from_day"] > LONG_WAIT_DAYS
        )
    return panel


def diagnostics_panel(reader: Reader, level: str, code: str, month: date) -> DiagnosticsPanel:
    """DM01 rows of the cancer-pathway tests for ``code`` in ``month``."""
    label = period_label(month, "month")
    std = get_diagnostic_standard(DM01)
    threshold = threshold_for(DM01, month)
    panel = DiagnosticsPanel(label, standard=std.name, threshold=threshold.value if threshold else None)
    if level not in PROVIDER_LEVELS:
        panel.note = "DM01 diagnostics are published by provider: there are no figures by patients' sub-ICB location."
        return panel
    query = DiagnosticsQuery(level=level, org=code, date_from=month, date_to=month)
    panel.rows = org_diagnostics(reader, query)
    if not panel.rows:
        panel.note = f"No DM01 diagnostics figures for {month:%B %Y}."
    return panel


def workforce_panel(reader: Reader, level: str, code: str) -> WorkforcePanel | None:
    """A trust's (or an Alliance's summed) FTE by staff group; None at other levels."""
    if level not in WORKFORCE_LEVELS:
        return None
    try:
        view = workforce_view(reader, code, level=level)
    except (NoData, UsageError):
        return WorkforcePanel(note="NHS Workforce Statistics publish no figures for this organisation.")
    names = {p["measure"]: get_standard(p["measure"]).short_name for p in view.performance if p["measure"] != "dm01"}
    return WorkforcePanel(view, measure_names={**names, "dm01": "DM01 share waiting 6+ weeks"})
