"""The Jinja environment: our templates first, then the NHS.UK frontend macros; display filters."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi.templating import Jinja2Templates
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from markupsafe import Markup

from cancerwatch.catalogue.organisations import LEVEL_NAMES, LEVEL_PLURALS
from cancerwatch.periods import month_name as format_month
from cancerwatch.read.names import nhs_title
from cancerwatch.variation import ASSURANCE_TEXT, VARIATION_TEXT
from cancerwatch.web.figures import sparkline_figure

TEMPLATES = Path(__file__).parent / "templates"
ICONS = Path(__file__).parent / "static" / "icons"
ROUTE_NAMES = {
    "urgent_suspected_cancer": "Urgent suspected cancer referral",
    "breast_symptomatic": "Breast symptomatic referral",
    "screening": "Screening referral",
    "consultant_upgrade": "Consultant upgrade",
    "first_treatment": "First treatment",
    "subsequent_treatment": "Subsequent treatment",
    "other": "Other",
}


def pct(value: float | None, digits: int = 1) -> str:
    """0.7534 → ``75.3%``; None → an en dash."""
    if value is None:
        return "–"
    return f"{value * 100:.{digits}f}%"


def num(value: float | None) -> str:
    """Counts with thousands separators, keeping half patients (1,234.5); None → en dash."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def month_name(value: str | date | None) -> str:
    """``2023-09-01`` or ``2023-09`` → ``September 2023`` (:func:`cancerwatch.periods.month_name`)."""
    if not value:
        return ""
    if isinstance(value, date):
        return format_month(value)
    text = str(value)[:10]
    return format_month(date.fromisoformat(text if len(text) == 10 else f"{text[:7]}-01"))


def plural_text(level: str) -> str:
    """Organisations of a level in running text: ``sub-ICB locations``, ``Cancer Alliances``, ``England``."""
    text = LEVEL_PLURALS[level]
    return text if level in ("national", "alliance") else text[0].lower() + text[1:]


def loaded_at(value: object) -> str:
    """A load time to the minute: ``2025-09-12 14:03``."""
    return str(value)[:16].replace("T", " ") if value else "–"


def cell(row: dict, field: str, kind: str = "num") -> Markup:
    """A table cell's text: ``*`` (with hidden explanation) when suppressed, else formatted."""
    if field in (row.get("suppressed") or []):
        return Markup('*<span class="nhsuk-u-visually-hidden"> (suppressed: small number)</span>')
    value = row.get(field)
    return Markup.escape(pct(value) if kind == "pct" else num(value))


def query_string(params: dict, **changes: object) -> str:
    """``params`` with ``changes`` applied (None removes a key), as ``?a=b``."""
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else ""


def to_json(value: object) -> Markup:
    """JSON safe inside ``<script type="application/json">`` (no closing tags)."""
    text = json.dumps(value, separators=(",", ":"), default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def month_cell(row: dict) -> str:
    """Row label of a monthly table: the month's name, with the note of a month summed from
    predecessor organisations (East of England North and South before April 2024)."""
    name = month_name(row.get("period_start"))
    return f"{name} ({row['combined_note']})" if row.get("combined_note") else name


def route_cell(row: dict) -> str:
    """Row label of a by-route table: the route's name."""
    route = row.get("route")
    return ROUTE_NAMES.get(route, route) if route else "Not known"


def org_href(level: str, code: str) -> str:
    """The page of an organisation: ``/alliance/CODE``, ``/org/LEVEL/CODE`` or ``/`` for England."""
    if level == "national":
        return "/"
    if level == "alliance":
        return f"/alliance/{quote(code)}"
    return f"/org/{quote(level)}/{quote(code)}"


def variation_icon(variation_type: str | None, direction: str) -> dict | None:
    """Icon file and text of a Making Data Count variation type (high/low from the direction)."""
    if not variation_type:
        return None
    name = variation_type
    if name in ("special_cause_improvement", "special_cause_concern"):
        improving_high = direction != "decrease"
        high = improving_high if name.endswith("improvement") else not improving_high
        name = f"{name}_{'high' if high else 'low'}"
    if not (ICONS / "variation" / f"{name}.svg").exists():
        return None
    alt = VARIATION_TEXT.get(variation_type) or VARIATION_TEXT.get(name) or name.replace("_", " ")
    return {"src": f"/static/icons/variation/{name}.svg", "alt": alt}


def assurance_icon(assurance_type: str | None) -> dict | None:
    """Icon file and text of a Making Data Count assurance type."""
    if not assurance_type or not (ICONS / "assurance" / f"{assurance_type}.svg").exists():
        return None
    return {"src": f"/static/icons/assurance/{assurance_type}.svg", "alt": ASSURANCE_TEXT.get(assurance_type, "")}


def build_templates() -> Jinja2Templates:
    """Templates with the NHS.UK frontend Jinja macros on the search path."""
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(TEMPLATES)), PackageLoader("nhsuk_frontend_jinja")]),
        undefined=ChainableUndefined,
        autoescape=select_autoescape(["html", "jinja", "xml"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        {
            "pct": pct,
            "num": num,
            "month_name": month_name,
            "to_json": to_json,
            "org_title": nhs_title,
            "plural_text": plural_text,
            "loaded_at": loaded_at,
        }
    )
    env.globals.update(
        {
            "cell": cell,
            "org_href": org_href,
            "month_cell": month_cell,
            "route_cell": route_cell,
            "variation_icon": variation_icon,
            "assurance_icon": assurance_icon,
            "sparkline": sparkline_figure,
            "query_string": query_string,
            "LEVEL_NAMES": LEVEL_NAMES,
            "LEVEL_PLURALS": LEVEL_PLURALS,
            "VARIATION_TEXT": VARIATION_TEXT,
            "ASSURANCE_TEXT": ASSURANCE_TEXT,
            "ROUTE_NAMES": ROUTE_NAMES,
        }
    )
    return Jinja2Templates(env=env)
