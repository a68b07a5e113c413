"""The annual progress report of England or one organisation for one financial year.

Every figure comes from the same functions as the pages (:mod:`.figures`): the year's rows, the
months, the breakdowns, the peers. SPC and funnels follow the variation policy, so the report's
verdicts are the pages' verdicts; disclosure control follows the viewer's policy (figures
computed from record-level data only for a viewer who may see them). Sections that come from
outside the metric rows are in :mod:`.report_sections`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from cancerwatch.analytics.intervals import wilson_interval
from cancerwatch.catalogue.organisations import NATIONAL_CODE, PEER_LABELS
from cancerwatch.catalogue.standards import (
    Standard,
    get_standard,
    headline_standards,
    standards,
    threshold_in_force,
)
from cancerwatch.errors import NoData, UsageError
from cancerwatch.periods import add_months, financial_year_start, fy_label, months_between, parse_fy, period_label
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import level_rows, series, shown
from cancerwatch.read.report_sections import data_quality, early_diagnosis_section, escalation_section, waits_section
from cancerwatch.read.report_summary import Sentence, board_summary
from cancerwatch.variation import FunnelView, SpcView, funnel_or_note, spc_or_note
from cancerwatch.warehouse.organisations import Organisation, get_organisation

SPC_HISTORY_MONTHS = 24  # months before the report year drawn on the SPC charts
POSITION_SHORT = {
    "low": "significantly lower than England",
    "high": "significantly higher than England",
    "below_95": "lower than England (between the 95% and 99.8% limits)",
    "above_95": "higher than England (between the 95% and 99.8% limits)",
    "within": "consistent with England",
}
"""The funnel position in a phrase: the report's one comparison of an organisation with England."""


@dataclass
class StandardReport:
    """One standard's figures for the year, its trend and its position against peers."""

    standard: Standard
    year: dict
    months: list[dict]
    previous: dict
    threshold: float | None
    retired: bool
    months_met: int
    months_assessed: int
    ambition: dict | None
    spc: SpcView
    series: list[dict]
    funnel: FunnelView | None = None
    position: dict = field(default_factory=dict)
    by_cancer_type: list[dict] = field(default_factory=list)
    by_route: list[dict] = field(default_factory=list)
    peers_year: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The standard id."""
        return self.standard.id

    @property
    def status(self) -> str:
        """``met``, ``not_met``, ``no_threshold`` or ``no_data``."""
        if self.year.get("performance") is None:
            return "no_data"
        if self.year.get("met") is None:
            return "no_threshold"
        return "met" if self.year["met"] else "not_met"

    @property
    def chart_points(self) -> list[dict]:
        """The SPC points drawn: from 24 months before the year to its end."""
        first = self.months[0]["period_start"] if self.months else None
        if first is None:
            return self.spc.points
        since = add_months(date.fromisoformat(first), -SPC_HISTORY_MONTHS).isoformat()
        return [p for p in self.spc.points if p["period_start"] >= since]


@dataclass
class AnnualReport:
    """Everything the report shows (the template renders it; its JSON is the same object)."""

    org: Organisation
    year: dict
    coverage: dict
    public: bool
    policy: str | None
    record_access: bool
    headline: list[StandardReport]
    legacy: list[StandardReport]
    escalations: list[dict]
    early_diagnosis: dict
    data_quality: dict
    peer_label: str
    generated: date
    waits: dict = field(default_factory=dict)
    continued: list[dict] = field(default_factory=list)
    summary: list[Sentence] = field(default_factory=list)


@dataclass
class ReportBuilder:
    """Build the report of ``org`` for the financial year starting ``start``."""

    reader: Reader
    org: Organisation
    start: date

    def __post_init__(self) -> None:
        self.end = add_months(self.start, 11)
        self.label = fy_label(self.start.year)
        self.code = NATIONAL_CODE if self.org.level == "national" else self.org.code

    def show(self, rows: list[dict]) -> list[dict]:
        """Rows as the viewer may see them (published figures: as published)."""
        return shown(self.reader, rows)

    def _year_rows(self, standard: str, level: str, start: date, by: str | None = None) -> list[dict]:
        rows = level_rows(self.reader, standard, level, "year", by=by)
        return [r for r in rows if r["period_start"] == start.isoformat()]

    def standard_report(self, std: Standard) -> StandardReport | None:
        """Figures of one standard, or ``None`` when it has none for this organisation and year."""
        whole = [
            r
            for r in series(self.reader, std.id, self.org.level, self.code)
            if r["period_start"] <= self.end.isoformat()
        ]
        months = [r for r in whole if r["period_start"] >= self.start.isoformat()]
        peers = self._year_rows(std.id, self.org.level, self.start)
        year = next((r for r in peers if r["org_code"] == self.code), None) or self._year_from_months(std, months)
        if year is None:
            return None
        previous_year = self._year_rows(std.id, self.org.level, add_months(self.start, -12))
        assessed = [r for r in months if r["threshold"] is not None and r["met"] is not None]
        rep = StandardReport(
            standard=std,
            year=self.show([year])[0],
            months=self.show(months),
            previous=self.previous(year, whole, previous_year),
            threshold=year["threshold"]
            if year["threshold"] is not None
            else (assessed[-1]["threshold"] if assessed else None),
            retired=year["threshold"] is None and bool(assessed),
            months_met=sum(1 for r in assessed if r["met"]),
            months_assessed=len(assessed),
            ambition=self.ambition(year, months),
            spc=spc_or_note(std.id, whole),
            series=self.show(whole),
            peers_year=peers,
        )
        if std.id in headline_standards():
            self.peers(rep)
            rep.by_cancer_type = self._breakdown(std.id, "cancer_type")
            rep.by_route = self._breakdown(std.id, "route")
        return rep

    def _year_from_months(self, std: Standard, months: list[dict]) -> dict | None:
        """The year so far summed from its months, when no annual figure is published (the
        national time series gives a retired measure's last part year as "YTD" only)."""
        if not months:
            return None
        total, within = sum(r["total"] for r in months), sum(r["within_standard"] for r in months)
        low, high = wilson_interval(within, total) if total else (None, None)
        thresholds = {threshold_in_force(std.id, date.fromisoformat(r["period_start"])) for r in months}
        threshold = thresholds.pop() if len(thresholds) == 1 else None
        perf = within / total if total else None
        return {
            **{k: months[-1][k] for k in ("standard", "level", "org_code", "org_name", "basis")},
            "period_start": self.start.isoformat(),
            "period_label": self.label,
            "total": total,
            "within_standard": within,
            "breaches": total - within,
            "performance": perf,
            "ci_low": low,
            "ci_high": high,
            "threshold": threshold,
            "met": None if threshold is None or perf is None else perf >= threshold,
            "ambition": None,
            "england_performance": None,
            "compared_with_england": None,
            "rank": None,
            "peers": None,
            "months": len(months),
            "source": "months",
        }

    def previous(self, year: dict, monthly: list[dict], previous_year: list[dict]) -> dict:
        """The previous financial year, like for like: the whole year when both years are complete,
        else the months both years have (the same calendar months a year apart), summed as counts.

        ``available`` is False, with a ``reason``, when the two years share no month with figures.
        ``current_*`` is this year over the months compared (the whole year when both are complete);
        ``met``, ``rank`` and ``months_met`` are the previous year's own verdicts."""
        this_fy = [r for r in monthly if r["period_start"] >= self.start.isoformat()]
        prev_start = add_months(self.start, -12).isoformat()
        last_fy = [r for r in monthly if prev_start <= r["period_start"] < self.start.isoformat()]
        label = fy_label(self.start.year - 1)
        out: dict = {"label": label, "available": False, "same_months": True}
        assessed = [r for r in last_fy if r["threshold"] is not None and r["met"] is not None]
        out.update(months=len(last_fy), months_met=sum(1 for r in assessed if r["met"]), months_assessed=len(assessed))
        whole = next((r for r in previous_year if r["org_code"] == self.code), None)
        if len(this_fy) == 12 and len(last_fy) == 12 and whole is not None and whole.get("months", 12) == 12:
            out["same_months"] = False
            rows, current = [whole], [year]
            out.update(threshold=whole.get("threshold"), met=whole.get("met"), rank=whole.get("rank"))
            out["peers"] = whole.get("peers")
        else:
            by_month = {r["period_start"]: r for r in last_fy}
            pairs = [
                (by_month[m], r)
                for r in this_fy
                if (m := add_months(date.fromisoformat(r["period_start"]), -12).isoformat()) in by_month
            ]
            if not pairs:
                out["reason"] = f"no figures for {label}" if not last_fy else f"no month of {label} matches this year's"
                return out
            rows, current = [p for p, _ in pairs], [c for _, c in pairs]
            out["period_text"] = _span_text([r["period_start"] for r in rows])
            out["current_period_text"] = _span_text([r["period_start"] for r in current])
            first, last = (_month_text(m, "%b") for m in (rows[0]["period_start"], rows[-1]["period_start"]))
            out["period_short"] = f"{len(rows)} months, {first}–{last}"
            if len(last_fy) < 12:
                out["reason"] = f"{label} has figures for {len(last_fy)} of its 12 months"
        total, within = sum(r["total"] for r in rows), sum(r["within_standard"] for r in rows)
        row = {"org_code": self.code, "total": total, "within_standard": within, "breaches": total - within}
        prev = self.show([{**row, "performance": within / total if total else None}])[0]
        c_total, c_within = sum(r["total"] for r in current), sum(r["within_standard"] for r in current)
        now = {"org_code": self.code, "total": c_total, "within_standard": c_within, "breaches": c_total - c_within}
        shown_now = self.show([{**now, "performance": c_within / c_total if c_total else None}])[0]
        change = None
        if prev["performance"] is not None and shown_now["performance"] is not None:
            change = shown_now["performance"] - prev["performance"]
        return {
            **out,
            **prev,
            "current_total": shown_now["total"],
            "current_performance": shown_now["performance"],
            "available": True,
            "change": change,
        }

    def ambition(self, year: dict, months: list[dict]) -> dict | None:
        """The planning ambition being worked towards, and the target month's figure if loaded."""
        if year.get("ambition") is None:
            return None
        month = year["ambition_month"]
        row = next((r for r in months if r["period_label"] == month), None)
        perf = row["performance"] if row else None
        return {
            "value": year["ambition"],
            "month": month,
            "performance": perf,
            "met": None if perf is None else perf >= year["ambition"],
        }

    def peers(self, rep: StandardReport) -> None:
        """Funnel of the peers for the year (the policy's), with this organisation's position."""
        if self.org.level == "national":
            rep.peers_year = self._year_rows(rep.id, "alliance", self.start)
        rep.funnel = funnel_or_note(rep.peers_year)
        rep.position = _position(rep, self.org)

    def _breakdown(self, standard: str, by: str) -> list[dict]:
        rows = [r for r in self._year_rows(standard, self.org.level, self.start, by=by) if r["org_code"] == self.code]
        return sorted(self.show(rows), key=lambda r: -(r["total"] or 0))

    def build(self) -> AnnualReport:
        """The whole report."""
        headline: list[StandardReport] = []
        legacy: list[StandardReport] = []
        continued: list[dict] = []
        for std in standards().values():
            successor = continued_as(std, self.start)
            if successor is not None:
                ended = max(t.effective_to for t in std.thresholds if t.effective_to is not None)
                continued.append({"standard": std, "as": get_standard(successor), "ended": ended})
                continue
            rep = self.standard_report(std)
            if rep is not None:
                (headline if std.id in headline_standards() else legacy).append(rep)
        if not headline and not legacy:
            raise NoData(f"no figures for {self.org.name} ({self.org.code}) in {self.label}")
        covered = sorted({r["period_start"] for rep in headline + legacy for r in rep.months})
        disclosure = self.reader.disclosure
        report = AnnualReport(
            org=self.org,
            year={
                "label": self.label,
                "start": self.start,
                "end": self.end,
                "months": [period_label(m, "month") for m in months_between(self.start, self.end)],
            },
            coverage={
                "months": len(covered),
                "first": covered[0] if covered else None,
                "last": covered[-1] if covered else None,
                "text": _coverage_text(covered),
            },
            public=disclosure.public,
            policy=disclosure.label("record") if disclosure.record_access and disclosure.steps() else None,
            record_access=disclosure.record_access,
            headline=headline,
            legacy=legacy,
            escalations=escalation_section(self.reader, self.org, [r.id for r in headline]),
            early_diagnosis=early_diagnosis_section(self.reader, self.org, self.start),
            data_quality=data_quality(self.reader, self.org, self.start, self.end, headline + legacy),
            peer_label=PEER_LABELS[self.org.peer_level],
            generated=date.today(),
            waits=waits_section(self.reader, self.org, self.start, self.end),
            continued=[c for c in continued if any(r.id == c["as"].id for r in legacy)],
        )
        report.summary = board_summary(report)
        return report


def continued_as(std: Standard, start: date) -> str | None:
    """The measure a retired standard continues as, for a year that starts after its last
    threshold ended: the standard built, from then on, wholly from another measure's figures.

    The two-week waits ceased to be standards on 30 September 2023; NHS England goes on
    publishing the same waits as the first-appointment measures (standards.toml), so a later
    report shows them once, under their current names.
    """
    if not std.thresholds or any(t.effective_to is None or t.effective_to >= start for t in std.thresholds):
        return None
    for c in std.components:
        whole = not c.routes and not c.modalities
        if whole and c.source_standard != std.id and c.effective_from is not None and c.effective_from <= start:
            return c.source_standard
    return None


def _month_text(iso: str, fmt: str = "%B %Y") -> str:
    return date.fromisoformat(iso).strftime(fmt)


def _span_text(months: list[str]) -> str:
    """``October 2023 to March 2024`` (or one month's name)."""
    first, last = _month_text(min(months)), _month_text(max(months))
    return first if first == last else f"{first} to {last}"


def _coverage_text(covered: list[str]) -> str:
    if not covered:
        return "no months"
    first, last = _month_text(covered[0]), _month_text(covered[-1])
    span = first if first == last else f"{first} to {last}"
    return f"{span} ({len(covered)} of 12 months)"


def _position(rep: StandardReport, org: Organisation) -> dict:
    """Rank and funnel position of the organisation (or the outliers, for England)."""
    view = rep.funnel
    rows = view.rows if view and view.available else []
    where = view.position(org.code) if view and view.available else None
    return {
        "rank": rep.year.get("rank"),
        "peers": rep.year.get("peers"),
        "low": [r for r in rows if r.get("outlier") == "low"],
        "high": [r for r in rows if r.get("outlier") == "high"],
        "where": where,
        "short": POSITION_SHORT.get(where or ""),
        "text": view.position_text(org.code) if view and view.available else None,
    }


def report_year(months: list[str]) -> str | None:
    """The financial year whose annual report an organisation's page offers: the latest complete
    one (its March loaded), else the year of the latest month; None without figures.

    >>> report_year(["2024-03-01", "2024-04-01", "2025-03-01", "2025-07-01"])
    '2024/25'
    >>> report_year(["2023-04-01", "2023-09-01"])
    '2023/24'
    """
    if not months:
        return None
    complete = [m for m in months if m[5:7] == "03"]
    last = date.fromisoformat(max(complete) if complete else max(months))
    return fy_label(financial_year_start(last))


def latest_report_year(reader: Reader, level: str, code: str) -> str:
    """The financial year an organisation's report is about by default: the latest complete one
    with FDS figures (:func:`report_year`, the year the organisation's page offers); NoData without figures."""
    chosen = report_year([r["period_start"] for r in series(reader, "fds", level, code)])
    if chosen is None:
        raise NoData(f"no figures for {code}: no annual report")
    return chosen


def annual_report(reader: Reader, org: str, year: str, *, level: str | None = None) -> AnnualReport:
    """The report of organisation code ``org`` (or ``ENG``) for financial year ``year`` (``2023/24``)."""
    start = parse_fy(year)
    organisation = get_organisation(reader.con, org, None if level == "national" else level)
    if level is not None and organisation.level not in (level, "national"):
        raise UsageError(f"{org} is not a {level}")
    return ReportBuilder(reader, organisation, start).build()
