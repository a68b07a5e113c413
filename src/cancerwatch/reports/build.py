"""Collect the annual progress report's figures for one organisation (or England) and one year.

Every figure comes from :func:`cancerwatch.queries.metrics` (the same rows as ``cancerwatch
metrics``), the accountability modules (escalation, early diagnosis) and
:mod:`cancerwatch.warehouse.status`; the only SQL here is the look-up of an organisation's level
in the ``organisations`` table. Small numbers are suppressed (``public=True``) after aggregation
and before anything is shown or charted (domain brief 8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from cancerwatch.analytics.intervals import wilson_interval
from cancerwatch.catalogue.organisations import NATIONAL_CODE, NATIONAL_NAME, UNMAPPED_CODE, default_basis
from cancerwatch.catalogue.standards import Standard, standards, threshold_in_force
from cancerwatch.errors import NoData, UnknownOrg, UsageError
from cancerwatch.periods import add_months, fy_label, months_between, parse_fy, period_label
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.reports import analytics_view as av
from cancerwatch.reports.sections import HEADLINE, data_quality, early_diagnosis_section, escalation_section, suppressor

ORG_TYPES = ("alliance", "region", "icb", "sub_icb", "provider")
LEVEL_LABELS = {
    "national": "England",
    "region": "NHS England region",
    "alliance": "Cancer Alliance",
    "icb": "integrated care board",
    "sub_icb": "sub-ICB location",
    "provider": "provider",
}
PEER_LABELS = {
    "alliance": "Cancer Alliances",
    "region": "regions",
    "icb": "ICBs",
    "sub_icb": "sub-ICB locations",
    "provider": "providers",
}
SPC_HISTORY_MONTHS = 24  # months before the report year drawn on the SPC charts


@dataclass(frozen=True)
class Organisation:
    """The organisation the report is about."""

    code: str
    name: str
    level: str
    basis: str

    @property
    def level_label(self) -> str:
        """``Cancer Alliance``, ``provider`` …"""
        return LEVEL_LABELS[self.level]

    @property
    def peer_level(self) -> str:
        """Level of the organisations it is compared with (Alliances for England)."""
        return "alliance" if self.level == "national" else self.level


@dataclass
class StandardReport:
    """One standard's figures for the year, its trend and its position against peers."""

    standard: Standard
    year: dict | None
    months: list[dict]
    previous: dict
    threshold: float | None
    retired: bool
    months_met: int
    months_assessed: int
    ambition: dict | None
    spc: av.SpcView
    series: list[dict]
    funnel: av.FunnelView | None = None
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
        if self.year is None or self.year.get("performance") is None:
            return "no_data"
        if self.year.get("met") is None:
            return "no_threshold"
        return "met" if self.year["met"] else "not_met"


def find_organisation(con: duckdb.DuckDBPyConnection, code: str, level: str | None = None) -> Organisation:
    """The organisation with ``code`` (``ENG`` for England), from the ``organisations`` table."""
    code = code.strip().upper()
    if code in (NATIONAL_CODE, "ENGLAND"):
        return Organisation(NATIONAL_CODE, NATIONAL_NAME, "national", "provider")
    found = dict(
        con.execute("SELECT org_type, org_name FROM organisations WHERE upper(org_code) = ?", [code]).fetchall()
    )
    choices = [t for t in ORG_TYPES if t in found and (level is None or t == level)]
    if not choices:
        raise UnknownOrg(f"no organisation {code!r}{f' at level {level}' if level else ''} in the warehouse")
    lvl = choices[0]
    return Organisation(code, found[lvl], lvl, default_basis(lvl))


def _query(con: duckdb.DuckDBPyConnection, **kw: object) -> list[dict]:
    try:
        return metrics(con, MetricQuery(**kw))  # type: ignore[arg-type]
    except (NoData, UnknownOrg):
        return []


@dataclass
class ReportBuilder:
    """Build the report context for ``org`` and the financial year starting ``start``."""

    con: duckdb.DuckDBPyConnection
    org: Organisation
    start: date
    public: bool = False

    def __post_init__(self) -> None:
        self.end = add_months(self.start, 11)
        self.label = fy_label(self.start.year)
        self.show, self.policy = suppressor(self.public)

    def _q(self, standard: str, period: str, *, org: bool = True, date_from: date, by: str | None = None) -> list[dict]:
        national = self.org.level == "national"
        return _query(
            self.con,
            standard=standard,
            level=self.org.level,
            period=period,
            org=self.org.code if (org and not national) else None,
            by=by,
            date_from=date_from,
            date_to=self.end,
            basis=None if national else self.org.basis,
        )

    def standard_report(self, std: Standard) -> StandardReport | None:
        """Figures of one standard, or ``None`` when it has none for this organisation and year."""
        headline = std.id in HEADLINE
        monthly = self._q(std.id, "month", date_from=add_months(self.start, -SPC_HISTORY_MONTHS))
        both_years = self._q(std.id, "year", org=not headline, date_from=add_months(self.start, -12))
        year_rows = [r for r in both_years if r["period_start"] == self.start.isoformat()]
        year = next((r for r in year_rows if r["org_code"] == self.org.code), None)
        if year is None:
            year = self._year_from_months(std, [r for r in monthly if r["period_start"] >= self.start.isoformat()])
        if year is None:
            return None
        months = self.show([r for r in monthly if r["period_start"] >= self.start.isoformat()])
        assessed = [r for r in months if r["threshold"] is not None and r["met"] is not None]
        last_threshold = assessed[-1]["threshold"] if assessed else None
        rep = StandardReport(
            standard=std,
            year=self.show([year])[0],
            months=months,
            previous=self.previous(year, monthly, both_years),
            threshold=year["threshold"] if year["threshold"] is not None else last_threshold,
            retired=year["threshold"] is None and bool(assessed),
            months_met=sum(1 for r in assessed if r["met"]),
            months_assessed=len(assessed),
            ambition=self.ambition(year, months),
            spc=av.SpcView(False),
            series=self.show(monthly),
            peers_year=year_rows,
        )
        rep.spc = self.spc(std, rep.series)
        if headline:
            self.peers(rep, year_rows)
            rep.by_cancer_type = self._breakdown(std.id, "cancer_type")
            rep.by_route = self._breakdown(std.id, "route")
        return rep

    def _year_from_months(self, std: Standard, months: list[dict]) -> dict | None:
        """The year so far summed from its months, when no annual figure is published (the
        national time series gives a retired measure's last part year as "YTD" only)."""
        mine = [r for r in months if r["org_code"] == self.org.code]
        if not mine:
            return None
        total, within = sum(r["total"] for r in mine), sum(r["within_standard"] for r in mine)
        low, high = wilson_interval(within, total) if total else (None, None)
        threshold = threshold_in_force(std.id, self.end)
        perf = within / total if total else None
        return {
            **{k: mine[-1][k] for k in ("standard", "level", "org_code", "org_name", "basis")},
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
            "months": len(mine),
            "source": "months",
        }

    def previous(self, year: dict, monthly: list[dict], both_years: list[dict]) -> dict:
        """The previous financial year, like for like: the same months when this year is incomplete,
        else the whole year; ``available`` is False when any of those months has no figures."""
        prev_start = add_months(self.start, -12).isoformat()
        mine = [r for r in monthly if r["org_code"] == self.org.code]
        current = [r["period_start"] for r in mine if r["period_start"] >= self.start.isoformat()]
        wanted = {add_months(date.fromisoformat(m), -12).isoformat() for m in current}
        out: dict = {"label": fy_label(self.start.year - 1), "available": False, "same_months": len(wanted) < 12}
        if out["same_months"]:
            rows = [r for r in mine if r["period_start"] in wanted]
            if wanted:
                out["period_text"] = f"{_month_text(min(wanted))} to {_month_text(max(wanted))}"
        else:
            rows = [r for r in both_years if r["period_start"] == prev_start and r["org_code"] == self.org.code]
        if not rows or len(rows) != (len(wanted) if out["same_months"] else 1):
            return out
        if not out["same_months"] and rows[0].get("months", 12) < 12:
            return out
        total, within = sum(r["total"] for r in rows), sum(r["within_standard"] for r in rows)
        row = {"org_code": self.org.code, "total": total, "within_standard": within, "breaches": total - within}
        shown = self.show([{**row, "performance": within / total if total else None}])[0]
        current_perf = self.show([year])[0]["performance"]
        change = None
        if shown["performance"] is not None and current_perf is not None:
            change = current_perf - shown["performance"]
        return {**out, **shown, "available": True, "change": change}

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

    def spc(self, std: Standard, series: list[dict]) -> av.SpcView:
        """The SPC view of the monthly series (suppressed months left out)."""
        points = [r for r in series if r["performance"] is not None]
        return av.spc_view(
            [date.fromisoformat(r["period_start"]) for r in points],
            [r["performance"] for r in points],
            standard=std.id,
            improvement_direction=std.improvement_direction,
            targets=[r["threshold"] for r in points],
        )

    def peers(self, rep: StandardReport, year_rows: list[dict]) -> None:
        """Funnel of the peers for the year, with this organisation's position."""
        if self.org.level == "national":
            year_rows = _query(
                self.con,
                standard=rep.id,
                level="alliance",
                period="year",
                date_from=self.start,
                date_to=self.end,
                basis="provider",
            )
            rep.peers_year = year_rows
            target = rep.year["performance"] if rep.year else None
        else:
            target = rep.year.get("england_performance") if rep.year else None
        shown = self.show([r for r in year_rows if r["org_code"] not in (UNMAPPED_CODE, NATIONAL_CODE)])
        units = [
            (r["org_code"], r["org_name"], r["within_standard"], r["total"])
            for r in shown
            if r["performance"] is not None and r["total"]
        ]
        rep.funnel = av.funnel_view(units, target=target)
        rep.position = _position(rep, self.org)

    def _breakdown(self, standard: str, by: str) -> list[dict]:
        rows = self._q(standard, "year", by=by, date_from=self.start)
        rows = [r for r in rows if r["org_code"] == (self.org.code if self.org.level != "national" else NATIONAL_CODE)]
        return sorted(self.show(rows), key=lambda r: -(r["total"] or 0))

    def _code(self) -> str | None:
        return None if self.org.level == "national" else self.org.code

    def _basis(self) -> str | None:
        return None if self.org.level == "national" else self.org.basis

    def build(self) -> dict:
        """The whole report context for the template."""
        headline, legacy = [], []
        for std in standards().values():
            rep = self.standard_report(std)
            if rep is not None:
                (headline if std.id in HEADLINE else legacy).append(rep)
        if not headline and not legacy:
            raise NoData(f"no figures for {self.org.name} ({self.org.code}) in {self.label}")
        covered = sorted({r["period_start"] for rep in headline + legacy for r in rep.months})
        context = {
            "org": self.org,
            "year": {
                "label": self.label,
                "start": self.start,
                "end": self.end,
                "months": [period_label(m, "month") for m in months_between(self.start, self.end)],
            },
            "coverage": {
                "months": len(covered),
                "first": covered[0] if covered else None,
                "last": covered[-1] if covered else None,
                "text": _coverage_text(covered),
            },
            "public": self.public,
            "policy": self.policy,
            "headline": headline,
            "legacy": legacy,
            "escalations": escalation_section(self.con, self.org, [r.id for r in headline]),
            "early_diagnosis": early_diagnosis_section(self.con, self.org, self.start, self.show),
            "data_quality": data_quality(self.con, self.org, self.start, self.end, headline + legacy, self.show),
            "peer_label": PEER_LABELS[self.org.peer_level],
            "analytics": {"spc": av.spc_available(), "funnel": av.funnel_available()},
            "generated": date.today(),
        }
        return context


def _month_text(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%B %Y")


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
    out = {
        "rank": rep.year.get("rank") if rep.year else None,
        "peers": rep.year.get("peers") if rep.year else None,
        "low": [r for r in rows if r.get("outlier") == "low"],
        "high": [r for r in rows if r.get("outlier") == "high"],
    }
    mine = next((r for r in rows if r["org_code"] == org.code), None)
    if mine is None:
        out["text"] = None
    elif mine.get("outlier") == "low":
        out["text"] = "below the 99.8% limit: significantly lower than England (low outlier)"
    elif mine.get("outlier") == "high":
        out["text"] = "above the 99.8% limit: significantly higher than England (high outlier)"
    elif mine["performance"] < mine["lower95"]:
        out["text"] = "between the lower 95% and 99.8% limits: lower than England, worth watching"
    elif mine["performance"] > mine["upper95"]:
        out["text"] = "between the upper 95% and 99.8% limits: higher than England"
    else:
        out["text"] = "within the 95% limits: consistent with England"
    return out


def build_report(
    con: duckdb.DuckDBPyConnection, org: str, year: str, *, public: bool = False, level: str | None = None
) -> dict:
    """The report context for organisation code ``org`` (or ``ENG``) and financial year ``year``."""
    start = parse_fy(year)
    organisation = find_organisation(con, org, level)
    if level is not None and organisation.level != level and organisation.level != "national":
        raise UsageError(f"{org} is not a {level}")
    return ReportBuilder(con, organisation, start, public).build()
