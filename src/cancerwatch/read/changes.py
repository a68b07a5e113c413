"""What changed: the digest of a load (or of the months since a given month), per organisation.

NHS England publishes the Cancer Waiting Times monthly, and each month's workbooks also revise
earlier months (the provisional months of the previous vintage). The digest compares the latest
month with the month the warehouse held before (the baseline) and lists, per organisation:

- ``signal``: a new Making Data Count special-cause signal (the variation icon of the monthly
  series to the latest month is special cause, and differs from that of the series to the
  baseline), and ``assurance``: the assurance icon changed (NHS England, "Making data count", 2019;
  the variation policy of :mod:`cancerwatch.variation`);
- ``met`` / ``missed``: the operational standard met in the latest month and not in the baseline,
  or the reverse;
- ``escalated`` / ``de_escalated``: a monthly escalation rule (``catalogue/escalation_rules.toml``)
  fires on the figures to the latest month and did not to the baseline, or the reverse;
- ``mover``: the largest changes in performance on the same month a year before, per standard
  and level (months with fewer patients than the rules' minimum denominator are not compared);
- ``revision``: a month already published whose England figures a later file revised (the
  revisions of :func:`cancerwatch.warehouse.status.revision_rows`).

``since`` a source id: the changes the loads after that source brought (baseline: the latest month
held up to it); ``since`` a month: the changes since that month; by default, the latest load.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date

from cancerwatch.accountability.escalation import get_rule
from cancerwatch.catalogue.organisations import NATIONAL_CODE, NATIONAL_NAME, UNMAPPED_CODE
from cancerwatch.catalogue.standards import get_standard, headline_standards
from cancerwatch.errors import NoData, UsageError
from cancerwatch.periods import add_months, parse_month
from cancerwatch.read.context import Reader
from cancerwatch.read.escalation import escalated_until
from cancerwatch.read.figures import level_rows, spc_for
from cancerwatch.read.links import REVISIONS_PAGE, organisation_page
from cancerwatch.read.prepared import key_text, lookup, plain
from cancerwatch.variation import ASSURANCE_TEXT, VARIATION_TEXT, SpcView, spc_or_note
from cancerwatch.warehouse.loads import last_month_held, published_loads
from cancerwatch.warehouse.status import revision_rows

DIGEST_LEVELS = ("national", "region", "alliance", "icb", "provider")
"""Levels the digest looks at (sub-ICB locations have no figures after October 2023)."""
HOME_LEVELS = ("national", "region", "alliance")
"""Levels of the home page's digest (the full digest, with ICBs and providers: ``/api/v1/changes``)."""
ESCALATION_RULES = ("below_threshold_5_of_6_months", "mdc_consistently_failing")
"""The monthly escalation rules whose verdicts the digest follows."""
MOVERS_PER_LEVEL = 3
"""Largest movers listed per standard and level."""
KINDS = {
    "signal": "New special-cause signal",
    "assurance": "Assurance changed",
    "met": "Standard newly met",
    "missed": "Standard newly missed",
    "escalated": "Newly escalated",
    "de_escalated": "No longer escalated",
    "mover": "Largest mover on the same month last year",
    "revision": "Published month revised",
}
"""Kinds of entry, in the order they are listed."""


@dataclass
class Change:
    """One entry: what changed, for which organisation and standard, and the page that shows it."""

    kind: str
    org_code: str
    org_name: str
    level: str
    standard: str | None
    month: str
    summary: str
    before: str | float | None
    after: str | float | None
    href: str


@dataclass
class OrganisationChanges:
    """Every entry of one organisation."""

    org_code: str
    org_name: str
    level: str
    href: str
    changes: list[Change]


@dataclass
class Digest:
    """What changed between the baseline month and the latest one, and which loads brought it."""

    since: str
    month: str | None
    baseline: str | None
    loads: list[dict]
    organisations: list[OrganisationChanges]
    counts: dict[str, int]
    note: str | None = None
    kinds: dict[str, str] = field(default_factory=lambda: dict(KINDS))

    @property
    def changes(self) -> list[Change]:
        """Every entry, organisation by organisation."""
        return [c for o in self.organisations for c in o.changes]


def _month(d: date | str | None) -> str | None:
    return None if d is None else str(d)[:7]


def _name(month: str) -> str:
    d = parse_month(month)
    return f"{d:%B %Y}"


def _pct(value: float | None) -> str:
    return "no figure" if value is None else f"{value * 100:.1f}%"


def _count(value: float | None) -> str:
    """Patients with thousands separators, keeping half patients (NHS England counts halves)."""
    if value is None:
        return "no figure"
    v = float(value)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"


def _points(value: float) -> str:
    return f"{'up' if value >= 0 else 'down'} {abs(value) * 100:.1f} points"


def _compared(now: dict, then: dict, baseline: str) -> str:
    return f"{_pct(now['performance'])} ({_pct(then['performance'])} in {_name(baseline)})"


def _spc_until(reader: Reader, sid: str, level: str, code: str, rows: list[dict], until: str) -> SpcView:
    return reader.memo(
        ("spc_until", sid, level, code, until),
        lambda: spc_or_note(sid, [r for r in rows if str(r["period_start"])[:7] <= until]),
    )


def _by_org(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        if r["org_code"] != UNMAPPED_CODE:
            out.setdefault(r["org_code"], []).append(r)
    return out


def _row_in(rows: list[dict], month: str) -> dict | None:
    return next((r for r in rows if str(r["period_start"])[:7] == month), None)


def _figure_changes(reader: Reader, sid: str, level: str, month: str, baseline: str) -> list[Change]:
    """Signals, assurance, met and missed of every organisation at ``level`` on standard ``sid``."""
    out: list[Change] = []
    short = get_standard(sid).short_name
    for code, rows in _by_org(level_rows(reader, sid, level)).items():
        now, then = _row_in(rows, month), _row_in(rows, baseline)
        if now is None:
            continue
        name, href = now["org_name"], organisation_page(level, code, sid)

        def entry(kind: str, summary: str, before: str | float | None, after: str | float | None) -> Change:
            return Change(kind, code, name, level, sid, month, summary, before, after, href)  # noqa: B023

        latest_spc = spc_for(reader, sid, level, code)
        earlier_spc = _spc_until(reader, sid, level, code, rows, baseline)
        if latest_spc.available and earlier_spc.available:
            v_now, v_then = latest_spc.variation_type, earlier_spc.variation_type
            if v_now and v_now.startswith("special_cause") and v_now != v_then:
                text = VARIATION_TEXT.get(v_now, v_now)
                out.append(entry("signal", f"{short}: {text} ({_name(month)})", v_then, v_now))
            a_now, a_then = latest_spc.assurance_type, earlier_spc.assurance_type
            if a_now != a_then:
                text = ASSURANCE_TEXT.get(a_now or "", "no assurance")
                out.append(entry("assurance", f"{short}: now {text[0].lower()}{text[1:]}", a_then, a_now))
        if then is not None and now.get("met") is not None and then.get("met") is not None:
            if now["met"] and not then["met"]:
                summary = f"{short} met in {_name(month)}: {_compared(now, then, baseline)}"
                out.append(entry("met", summary, then["performance"], now["performance"]))
            elif then["met"] and not now["met"]:
                summary = f"{short} missed in {_name(month)}: {_compared(now, then, baseline)}"
                out.append(entry("missed", summary, then["performance"], now["performance"]))
    return out


def _movers(reader: Reader, sid: str, level: str, month: str, least: float) -> list[Change]:
    """The organisations at ``level`` whose performance moved most on the same month a year before."""
    year_before = _month(add_months(parse_month(month), -12)) or ""
    short = get_standard(sid).short_name
    moved: list[tuple[float, Change]] = []
    for code, rows in _by_org(level_rows(reader, sid, level)).items():
        now, then = _row_in(rows, month), _row_in(rows, year_before)
        if now is None or then is None or now.get("performance") is None or then.get("performance") is None:
            continue
        if (now.get("total") or 0) < least or (then.get("total") or 0) < least:
            continue
        delta = float(now["performance"]) - float(then["performance"])
        summary = (
            f"{short} {_points(delta)} on {_name(year_before)}: "
            f"{_pct(now['performance'])} against {_pct(then['performance'])}"
        )
        href = organisation_page(level, code, sid)
        moved.append(
            (
                abs(delta),
                Change(
                    "mover",
                    code,
                    now["org_name"],
                    level,
                    sid,
                    month,
                    summary,
                    then["performance"],
                    now["performance"],
                    href,
                ),
            )
        )
    moved.sort(key=lambda m: (-m[0], m[1].org_code))
    return [c for _, c in moved[:MOVERS_PER_LEVEL]]


def _escalation_changes(
    reader: Reader, sid: str, level: str, month: str, baseline: str, names: dict[str, str]
) -> list[Change]:
    out: list[Change] = []
    short = get_standard(sid).short_name
    for rule_id in ESCALATION_RULES:
        rule = get_rule(rule_id)
        now = escalated_until(reader, sid, level, rule_id, parse_month(month))
        then = escalated_until(reader, sid, level, rule_id, parse_month(baseline))
        moves = (
            ("escalated", now - then, "escalated under", ("not escalated", "escalated")),
            ("de_escalated", then - now, "no longer escalated under", ("escalated", "not escalated")),
        )
        for kind, codes, phrase, (before, after) in moves:
            for code in sorted(codes):
                summary = f"{short}: {phrase} “{rule.description}”"
                page = organisation_page(level, code, sid)
                out.append(Change(kind, code, names.get(code, code), level, sid, month, summary, before, after, page))
    return out


def _revisions(reader: Reader, files: set[str], months_up_to: str | None, levels: tuple[str, ...]) -> list[Change]:
    """England's revised months brought by ``files`` (only those whose figures changed)."""
    out: list[Change] = []
    for r in revision_rows(reader.con):
        if (
            r["current_file"] not in files
            or "national" not in levels
            or (months_up_to is not None and r["month"] > months_up_to)
        ):
            continue
        if not (r["change_total"] or r["change_within"]):
            continue
        try:
            short = get_standard(r["standard"]).short_name
        except (KeyError, UsageError, ValueError):
            short = r["standard"]
        summary = (
            f"{short}, {_name(r['month'])} ({r['basis']} basis) revised by {r['current_file']}: "
            f"{_count(r['old_total'])} → {_count(r['current_total'])} patients, "
            f"{_count(r['old_within'])} → {_count(r['current_within'])} within the standard"
        )
        out.append(
            Change(
                "revision",
                NATIONAL_CODE,
                NATIONAL_NAME,
                "national",
                r["standard"],
                r["month"],
                summary,
                _number(r["old_total"]),
                _number(r["current_total"]),
                REVISIONS_PAGE,
            )
        )
    return out


def _number(value: object) -> float | None:
    """A count as a float (the warehouse gives DECIMAL; half patients are exact in a float)."""
    return None if value is None else float(value)  # type: ignore[arg-type]


def _latest_month(reader: Reader) -> str | None:
    months = [_month(r["period_start"]) for sid in headline_standards() for r in level_rows(reader, sid, "national")]
    return max((m for m in months if m), default=None)


def changes(
    reader: Reader,
    *,
    since: str | None = None,
    org: str | None = None,
    levels: tuple[str, ...] = DIGEST_LEVELS,
) -> Digest:
    """The digest (see the module) at ``levels``: ``since`` a source id or a ``YYYY-MM`` month,
    ``org`` one organisation's code. UsageError for a ``since`` that is neither, or a source not
    loaded. Kept per warehouse version (the organisation chosen from the kept digest)."""
    unknown = [lv for lv in levels if lv not in DIGEST_LEVELS]
    if unknown:
        raise UsageError(f"unknown level {unknown[0]!r}: use {', '.join(DIGEST_LEVELS)}")
    text = (since or "").strip()
    digest = reader.memo(
        ("changes", text, levels), lambda: _prepared(reader, text, levels) or _compute(reader, text, levels)
    )
    if not org or digest.month is None:
        return digest
    wanted = org.strip().upper()
    return _digest(
        digest.since,
        digest.month,
        digest.baseline,
        digest.loads,
        [c for c in digest.changes if c.org_code.upper() == wanted],
        digest.note,
    )


def encode_digest(digest: Digest) -> str | None:
    """Payload of a digest (None when it holds anything but plain values)."""
    body = asdict(digest)
    return json.dumps(body) if plain(body) else None


def digest_key(levels: tuple[str, ...]) -> str:
    """Key of the prepared digest of the latest load at ``levels``."""
    return key_text(("changes", *levels))


def _prepared(reader: Reader, text: str, levels: tuple[str, ...]) -> Digest | None:
    """The digest of the latest load prepared at load time (``cancerwatch.read.preparation``)."""
    payload = lookup(reader, "changes", digest_key(levels)) if reader.prepared and not text else None
    if payload is None:
        return None
    body = json.loads(payload)
    organisations = [
        OrganisationChanges(**{**o, "changes": [Change(**c) for c in o["changes"]]}) for o in body.pop("organisations")
    ]
    return Digest(**body, organisations=organisations)


def _compute(reader: Reader, text: str, levels: tuple[str, ...]) -> Digest:
    loads = published_loads(reader.con)
    month = _latest_month(reader)
    if month is None or not loads:
        return Digest(text or "the latest load", None, None, [], [], dict.fromkeys(KINDS, 0), "No figures are loaded.")
    baseline: str | None
    if not text:
        brought = [r for r in loads if _month(r["last_month"]) == month]
        earlier = [_month(r["last_month"]) or "" for r in loads if _month(r["last_month"]) != month]
        baseline = max((m for m in earlier if m < month), default=None)
        label = f"the latest load (the {len(brought)} file{'' if len(brought) == 1 else 's'} holding {_name(month)})"
    elif text.isdigit():
        after = int(text)
        if after not in {r["source_id"] for r in loads}:
            raise UsageError(f"since {text}: no loaded file of figures has source id {after}")
        brought = [r for r in loads if r["source_id"] > after]
        baseline = _month(last_month_held(loads, after))
        label = f"the loads after source {after}"
    else:
        try:
            baseline = _month(parse_month(text))
        except (ValueError, UsageError):
            raise UsageError(f"since {text!r}: give a source id or a month as YYYY-MM") from None
        if baseline is not None and baseline >= month:
            raise NoData(f"since {text}: the latest month is {month}, so nothing is newer")
        brought = [r for r in loads if (_month(r["last_month"]) or "") > (baseline or "")]
        label = f"since {_name(baseline or month)}"
    brought = [{k: (_month(v) if k in ("first_month", "last_month") else v) for k, v in r.items()} for r in brought]
    note = None
    entries: list[Change] = []
    if baseline is not None and baseline >= month:
        note = f"The loads brought no month after {_name(month)}: only revisions are listed."
    elif baseline is None:
        note = f"Nothing was loaded before {_name(month)}: there is no earlier month to compare with."
    else:
        least = max(get_rule(r).min_denominator for r in ESCALATION_RULES)
        for level in levels:
            for sid in headline_standards():
                entries += _figure_changes(reader, sid, level, month, baseline)
                if level != "national":
                    names = {r["org_code"]: r["org_name"] for r in level_rows(reader, sid, level)}
                    entries += _escalation_changes(reader, sid, level, month, baseline, names)
                    entries += _movers(reader, sid, level, month, least)
    entries += _revisions(
        reader, {r["file_name"] for r in brought}, baseline if text and not text.isdigit() else None, levels
    )
    return _digest(label, month, baseline, brought, entries, note)


def _digest(
    label: str, month: str, baseline: str | None, brought: list[dict], entries: list[Change], note: str | None
) -> Digest:
    order = {k: i for i, k in enumerate(KINDS)}
    levels = {lv: i for i, lv in enumerate(DIGEST_LEVELS)}
    grouped: dict[tuple[str, str], OrganisationChanges] = {}
    for c in sorted(
        entries, key=lambda c: (levels.get(c.level, 99), c.org_name.lower(), order[c.kind], c.standard or "")
    ):
        key = (c.level, c.org_code)
        if key not in grouped:
            grouped[key] = OrganisationChanges(
                c.org_code, c.org_name, c.level, organisation_page(c.level, c.org_code), []
            )
        grouped[key].changes.append(c)
    counts = {k: sum(1 for c in entries if c.kind == k) for k in KINDS}
    return Digest(label, month, baseline, brought, list(grouped.values()), counts, note)


def change_rows(digest: Digest) -> list[dict]:
    """Flat rows for table, CSV and JSON output."""
    return [
        {
            "kind": c.kind,
            "level": c.level,
            "org_code": c.org_code,
            "org_name": c.org_name,
            "standard": c.standard,
            "month": c.month,
            "summary": c.summary,
            "before": c.before,
            "after": c.after,
            "href": c.href,
        }
        for c in digest.changes
    ]


__all__ = ["KINDS", "Change", "Digest", "OrganisationChanges", "change_rows", "changes"]
