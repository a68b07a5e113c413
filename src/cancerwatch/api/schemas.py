"""Public response shapes of the JSON API (field names of the CLI contract, docs/cli.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from cancerwatch.http import (
    MAX_OFFSET,
    MONTH_OR_EMPTY,
    MONTH_PATTERN,
    Basis,
    By,
    Dataset,
    Level,
    OrgLevel,
    Period,
    StandardId,
)

__all__ = [
    "MAX_OFFSET",
    "MONTH_OR_EMPTY",
    "MONTH_PATTERN",
    "Basis",
    "By",
    "Dataset",
    "Level",
    "OrgLevel",
    "Period",
    "StandardId",
]


class ErrorBody(BaseModel):
    """What went wrong."""

    code: str = Field(description="machine-readable error code, e.g. validation_error, unknown_org, no_data")
    message: str = Field(description="one-line reason for a person")


class ErrorEnvelope(BaseModel):
    """Every error response of the API has this shape."""

    error: ErrorBody


class Page(BaseModel):
    """Pagination fields of every list response."""

    total_rows: int = Field(description="rows matching the query before limit and offset")
    limit: int
    offset: int


class ThresholdOut(BaseModel):
    """A dated operational threshold or planning ambition."""

    kind: str
    value: float
    effective_from: str
    effective_to: str | None
    applies_to_month: str | None
    source: str
    confidence: str


class StandardOut(BaseModel):
    """One Cancer Waiting Times standard from the catalogue."""

    id: str
    name: str
    short_name: str
    family: str
    days: int
    clock_start: str
    clock_stop: str
    improvement_direction: str
    first_data: str
    source: str
    thresholds: list[ThresholdOut]


class StandardsResponse(BaseModel):
    """The standards catalogue."""

    rows: list[StandardOut]


class OrganisationOut(BaseModel):
    """An organisation with its level."""

    org_code: str
    org_name: str
    level: str
    ons_code: str | None = None


class OrganisationsResponse(Page):
    """Organisations matching a level and search text."""

    rows: list[OrganisationOut]


class MetricRow(BaseModel):
    """Performance of one organisation in one period (docs/architecture.md, ``cancerwatch metrics`` fields)."""

    model_config = ConfigDict(extra="allow")

    period_start: str
    period_label: str
    standard: str
    level: str
    org_code: str
    org_name: str
    cancer_type: str | None = None
    route: str | None = None
    modality: str | None = None
    total: float | None
    within_standard: float | None
    breaches: float | None
    performance: float | None
    ci_low: float | None
    ci_high: float | None
    threshold: float | None
    met: bool | None
    threshold_changed: bool = Field(
        default=False, description="the period's months had different operational thresholds (no single one)"
    )
    threshold_note: str | None = Field(default=None, description="which thresholds applied to which months")
    ambition: float | None = None
    ambition_month: str | None = None
    england_performance: float | None = None
    compared_with_england: str | None = None
    rank: int | None = None
    peers: int | None = None
    basis: str
    source: str
    suppressed: list[str] = Field(default_factory=list, description="fields withheld by disclosure control")
    combined_from: list[str] | None = Field(
        default=None,
        description="an Alliance's month before it was formed: the predecessors whose patients are summed",
    )
    combined_note: str | None = Field(
        default=None, description='e.g. "East of England North and South combined" (months before April 2024)'
    )


class MetricsResponse(Page):
    """Rows of ``cancerwatch metrics`` with the query as understood."""

    query: dict
    suppression: str
    rows: list[MetricRow]


class SpcPoint(BaseModel):
    """One point of an SPC chart (docs/architecture.md, ``cancerwatch spc`` fields)."""

    model_config = ConfigDict(extra="allow")

    period_start: str
    value: float | None
    mean: float | None = None
    lpl: float | None = None
    upl: float | None = None
    point_type: str | None = None


class SpcSummary(BaseModel):
    """Making Data Count icons of the current rebase group."""

    variation_type: str | None
    assurance_type: str | None
    trial_limits: bool = Field(default=False, description="some group has too few points for settled limits")
    rebased_at: list[str] = Field(default_factory=list, description="months starting a new group of limits")
    current_trial: bool = Field(default=False, description="the current group has too few points for settled limits")
    gap_note: str | None = Field(
        default=None,
        description="set when the series has gaps: the chart covers its latest run of consecutive months only",
    )


class SpcResponse(BaseModel):
    """SPC chart data of one organisation and standard."""

    standard: str
    level: str
    org_code: str
    org_name: str
    suppression: str
    points: list[SpcPoint]
    summary: SpcSummary


class FunnelRow(BaseModel):
    """One organisation on a funnel plot (docs/architecture.md, ``cancerwatch funnel`` fields)."""

    model_config = ConfigDict(extra="allow")

    org_code: str
    org_name: str
    numerator: float | None = None
    denominator: float | None = None
    performance: float | None = None
    lower95: float | None = None
    upper95: float | None = None
    lower998: float | None = None
    upper998: float | None = None
    outlier: str | None = None


class FunnelResponse(BaseModel):
    """Funnel plot data for all organisations at a level in one period."""

    standard: str
    level: str
    period: str
    period_start: str
    period_label: str
    target: float | None
    target_kind: str = Field(description="england (its performance in the period) or threshold")
    phi: float | None = Field(description="overdispersion ratio (winsorised z-scores)")
    tau2: float | None = Field(description="between-organisation variance (DerSimonian-Laird)")
    adjusted: bool = Field(description="limits adjusted for overdispersion (variation policy)")
    suppression: str
    hidden: list[str] = Field(description="organisations left out (no patients)")
    rows: list[FunnelRow]


class SourceOut(BaseModel):
    """A loaded file."""

    model_config = ConfigDict(extra="allow")

    source_id: int
    file_name: str
    kind: str
    basis: str | None
    first_month: str | None
    last_month: str | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    facts_superseded: int
    loaded_at: str | None


class SourcesResponse(BaseModel):
    """Loaded files, newest first, and quarantined rows per file and reason."""

    rows: list[SourceOut]
    quarantine: list[dict]


class ChangeOut(BaseModel):
    """One entry of the digest of changes."""

    kind: str = Field(
        description="signal, assurance, met, missed, escalated, de_escalated, mover or revision (see `kinds`)"
    )
    org_code: str
    org_name: str
    level: str
    standard: str | None = Field(description="standard id, e.g. 62d")
    month: str = Field(description="the month the entry is about, YYYY-MM")
    summary: str = Field(description="one line for a person")
    before: str | float | None = Field(description="the value in the baseline month (or before the revision)")
    after: str | float | None = Field(description="the value now")
    href: str = Field(description="the dashboard page that shows it")


class OrganisationChangesOut(BaseModel):
    """The entries of one organisation."""

    org_code: str
    org_name: str
    level: str
    href: str = Field(description="the organisation's page")
    changes: list[ChangeOut]


class LoadOut(BaseModel):
    """A loaded file the digest covers."""

    source_id: int
    file_name: str
    status: str
    first_month: str | None
    last_month: str | None


class ChangesResponse(BaseModel):
    """What changed between the baseline month and the latest one, per organisation."""

    since: str = Field(description="what the digest covers, e.g. the latest load")
    month: str | None = Field(description="the latest month, YYYY-MM")
    baseline: str | None = Field(description="the month compared with, YYYY-MM")
    loads: list[LoadOut] = Field(description="the loads whose changes are listed")
    organisations: list[OrganisationChangesOut]
    counts: dict[str, int] = Field(description="entries of each kind")
    kinds: dict[str, str] = Field(description="kind → what it means")
    note: str | None = None


class WaitBandRow(BaseModel):
    """Patients of one organisation and month in one published wait band (``cancerwatch metrics --by band``)."""

    model_config = ConfigDict(extra="allow")

    period_start: str
    period_label: str
    standard: str
    level: str
    org_code: str
    org_name: str
    band: str
    from_day: int
    to_day: int | None = Field(description="last day of the band; null for the open band (e.g. after 104 days)")
    patients: float
    share: float | None = Field(description="share of the organisation's patients that month")
    over_104_days: float | None = Field(description="62-day standard: patients treated after day 104")
    basis: str
    combined_from: list[str] | None = Field(
        default=None, description="an Alliance's month before it was formed: the predecessors summed"
    )


class WaitsResponse(Page):
    """Wait distributions as NHS England's monthly workbooks publish them (October 2023 on)."""

    query: dict
    suppression: str
    rows: list[WaitBandRow]


class DiagnosticsRow(BaseModel):
    """DM01 figures of one organisation, test and month, against the DM01 standard."""

    model_config = ConfigDict(extra="allow")

    period_start: str
    period_label: str
    level: str
    org_code: str
    org_name: str
    test: str
    test_name: str
    waiting_list: int
    waiting_6plus: int
    waiting_13plus: int
    share_6plus: float | None
    share_13plus: float | None
    threshold: float | None = Field(description="DM01 standard in force: the largest share waiting 6+ weeks")
    met: bool | None


class DiagnosticsResponse(Page):
    """DM01 Monthly Diagnostics rows (provider-based levels only)."""

    query: dict
    suppression: str
    rows: list[DiagnosticsRow]


class WorkforceRow(BaseModel):
    """Headcount and FTE of one main staff group (NHS Workforce Statistics)."""

    model_config = ConfigDict(extra="allow")

    period_start: str
    staff_group: str
    staff_group_name: str
    parent_group: str | None
    headcount: float | None = Field(description="null for an Alliance: headcount does not add up across trusts")
    fte: float | None
    fte_share: float | None


class WorkforceResponse(BaseModel):
    """FTE by staff group of one organisation and month, beside its performance that month."""

    level: str
    org_code: str
    org_name: str
    month: str
    rows: list[WorkforceRow]
    performance: list[dict] = Field(description="FDS, 31-day, 62-day and DM01 figures of the same month")
