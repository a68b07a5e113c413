"""NHS Workforce Statistics (NHS England), "England and Organisation" main staff group tables.

Source: https://digital.nhs.uk/data-and-information/publications/statistical/nhs-workforce-statistics
(the monthly "NHS Workforce Statistics, <Month Year> England and Organisation.xlsx"). Tables are
recognised by their content, not their position or sheet name:

- **Tables 2 and 3** (headcount, full-time equivalent): staff in NHS trusts and other core
  organisations by NHS England region, ICS and organisation, one column per main staff group
  (``catalogue/workforce_staff_groups.csv``), for the month named above the header
  ("May 2025 monthly data"). Rows: England, each region (Y-code), each ICS (Q-code), and each
  organisation under its ICS.
- **Table 1**: the England series by staff group, headcount and FTE, monthly since September 2009.

Tables 4 and 5 (total staff only, by organisation, as a time series) are not loaded.

Checks: every value is a non-negative number (``-`` is zero, ``.`` is not applicable); in each FTE
row a staff group equals the sum of its sub-groups; the FTE of the organisations adds up to their
ICS, the ICSs to their region and the regions to England, for every staff group; and Table 1's
England figures for the month equal Tables 2 and 3's England row. A table that fails a check is
refused with one line. Headcount is not additive (someone in two roles, or two organisations,
counts in each), so headcount totals are not summed.

Rows read = the data rows of Tables 2 and 3 (England, region, ICS and organisation rows) plus the
staff-group rows of Table 1. Vintage: a file whose month is later is the later vintage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import pyarrow as pa

from cancerwatch.catalogue.indicators import indicators
from cancerwatch.catalogue.organisations import NATIONAL_CODE
from cancerwatch.catalogue.workforce import staff_group_name, staff_groups
from cancerwatch.errors import InputError
from cancerwatch.ingest.grid import Grid
from cancerwatch.ingest.parsed import ParsedFile, Rejection
from cancerwatch.ingest.readers.indicator_rows import indicator_table
from cancerwatch.ingest.values import clean

KIND = "nhs_workforce_statistics"
HEADER_SEARCH_ROWS = 25
IDENTIFIERS = {
    "region_code": "nhs england region code",
    "region_name": "nhs england region name",
    "ics_code": "ics code",
    "ics_name": "ics name",
    "org_name": "organisation name",
    "org_code": "organisation code",
}
ROUNDING = 0.5e-5  # FTE is published to five decimal places
REGION_RE = re.compile(r"^Y\d{2}$")
CODE_RE = re.compile(r"^[A-Z0-9]{2,10}$")
NOT_APPLICABLE, ZERO = ".", "-"

SCHEMA = pa.schema(
    [
        ("period", pa.date32()),
        ("org_level", pa.string()),
        ("org_code", pa.string()),
        ("org_name", pa.string()),
        ("parent_code", pa.string()),
        ("staff_group", pa.string()),
        ("headcount", pa.float64()),
        ("fte", pa.float64()),
    ]
)


def _norm(text: object) -> str:
    return " ".join(clean(text).lower().split())


def _group_by_name() -> dict[str, str]:
    return {_norm(g.published_name): g.id for g in staff_groups().values()}


def looks_like_workforce_statistics(grid: Grid) -> bool:
    """A sheet with the region / ICS / organisation header and staff-group columns."""
    names = _group_by_name()
    for sheet in grid.sheet_names:
        for row in grid.head(sheet, HEADER_SEARCH_ROWS):
            texts = {_norm(c) for c in row}
            if {IDENTIFIERS["region_code"], IDENTIFIERS["org_code"]} <= texts and len(texts & set(names)) >= 5:
                return True
    return False


@dataclass
class OrgTable:
    """Table 2 or 3: one measure by organisation and staff group for one month."""

    sheet: str
    measure: str  # headcount | fte
    month: date
    header_row: int
    rows: dict[tuple[str, str], dict] = field(default_factory=dict)  # (level, code) → row
    rejections: int = 0


def _measure_of(title: str) -> str | None:
    t = _norm(title)
    if t.endswith("full time equivalent") or "full time equivalent" in t.rsplit(" - ", 1)[-1]:
        return "fte"
    if t.endswith("headcount"):
        return "headcount"
    return None


_MONTH_RE = re.compile(r"^([a-z]+ \d{4}) monthly data$")


def _month_label(rows: list[list], upto: int) -> date | None:
    for row in rows[:upto]:
        for c in row:
            m = _MONTH_RE.match(_norm(c))
            if m:
                return datetime.strptime(m.group(1), "%B %Y").date()
    return None


def _value(text: str, column: str) -> float | None:
    if text == NOT_APPLICABLE:
        return None
    if text in (ZERO, ""):
        return 0.0
    try:
        v = float(text.replace(",", ""))
    except ValueError:
        raise ValueError(f"{column} {text[:40]!r} is not a number") from None
    if v != v or v < 0 or v > 1e8:
        raise ValueError(f"{column} {text[:40]!r} is not a staff count")
    return v


def _check_fte_groups(values: dict[str, float | None]) -> str | None:
    """Each staff group's FTE equals the sum of its sub-groups (to the published rounding)."""
    children: dict[str, list[str]] = {}
    for g in staff_groups().values():
        if g.parent:
            children.setdefault(g.parent, []).append(g.id)
    for parent, kids in children.items():
        if values.get(parent) is None or any(k not in values for k in kids):
            continue  # a table without every sub-group column cannot be checked this way
        total = sum(values[k] or 0.0 for k in kids)
        if abs(total - values[parent]) > ROUNDING * (len(kids) + 1):  # type: ignore[operator]
            return f"{staff_group_name(parent)} {values[parent]:,.5f} is not the sum of its sub-groups ({total:,.5f})"
    return None


def read_org_table(parsed: ParsedFile, rows: list[list], sheet: str) -> OrgTable | None:
    """Table 2 or 3 if this sheet is one (else None): every data row checked."""
    file = parsed.path.name
    groups = _group_by_name()
    header_at = None
    for n, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        texts = [_norm(c) for c in row]
        if {IDENTIFIERS["region_code"], IDENTIFIERS["org_code"]} <= set(texts) and len(set(texts) & set(groups)) >= 5:
            header_at = n
            break
    if header_at is None:
        return None
    header = [clean(c) for c in rows[header_at]]
    texts = [_norm(c) for c in header]
    measure = next((_measure_of(clean(r[0])) for r in rows[:header_at] if r and _measure_of(clean(r[0]))), None)
    if measure is None:
        raise InputError("title does not say Headcount or Full Time Equivalent", file=file, sheet=sheet, row=1)
    month = _month_label(rows, header_at)
    if month is None:
        raise InputError("no 'Month YYYY monthly data' line above the header", file=file, sheet=sheet)
    ident = {k: texts.index(v) for k, v in IDENTIFIERS.items() if v in texts}
    missing = [v for k, v in IDENTIFIERS.items() if k not in ident]
    if missing:
        raise InputError(f"missing column {missing[0]!r}", file=file, sheet=sheet, row=header_at + 1)
    columns = {}
    for i, t in enumerate(texts):
        if i in ident.values() or not t:
            continue
        if t not in groups:
            raise InputError(
                f"column {header[i]!r} is not a staff group in catalogue/workforce_staff_groups.csv",
                file=file,
                sheet=sheet,
                row=header_at + 1,
                column=header[i],
            )
        columns[groups[t]] = i
    if "total" not in columns:
        raise InputError("missing column 'Total'", file=file, sheet=sheet, row=header_at + 1)
    out = OrgTable(sheet, measure, month, header_at + 1)
    region: str | None = None
    ics: str | None = None
    for n in range(header_at + 1, len(rows)):
        row = rows[n]
        cells = [clean(c) for c in row] + [""] * (len(header) - len(row))
        if not cells[columns["total"]] and not cells[ident["org_code"]]:
            continue  # blank, or the notes below the table
        parsed.rows_read += 1
        raw = {h or f"column {i + 1}": (row[i] if i < len(row) else None) for i, h in enumerate(header)}
        try:
            values = {g: _value(cells[i], header[i]) for g, i in columns.items()}
        except ValueError as exc:
            parsed.rejections.append(Rejection(n + 1, None, str(exc), raw, sheet))
            out.rejections += 1
            continue
        parent: str | None
        if cells[ident["org_code"]]:
            level, code, name, parent = "organisation", cells[ident["org_code"]].upper(), cells[ident["org_name"]], ics
        elif cells[ident["ics_code"]]:
            level, code, name, parent = "icb", cells[ident["ics_code"]].upper(), cells[ident["ics_name"]], region
            ics = code
        elif cells[ident["region_code"]]:
            level, code, name, parent = "region", cells[ident["region_code"]].upper(), cells[ident["region_name"]], None
            region, ics = code, None
        elif _norm(cells[ident["region_name"]]) == "england":
            level, code, name, parent = "national", NATIONAL_CODE, "England", None
        else:
            parsed.rejections.append(
                Rejection(n + 1, header[ident["org_code"]], "no organisation, ICS or region code", raw, sheet)
            )
            out.rejections += 1
            continue
        problem: tuple[str | None, str] | None = None
        if not CODE_RE.match(code):
            problem = (header[ident["org_code"]], f"code {code[:20]!r} is not an ODS code")
        elif level == "region" and not REGION_RE.match(code):
            problem = (header[ident["region_code"]], f"{code!r} is not an NHS England region code")
        elif level in ("icb", "organisation") and (parent is None):
            problem = (
                header[ident["org_code"]],
                f"{code} comes before any {'region' if level == 'icb' else 'ICS'} row",
            )
        elif (level, code) in out.rows:
            problem = (header[ident["org_code"]], f"{code} appears twice")
        elif measure == "fte" and (reason := _check_fte_groups(values)):
            problem = (None, reason)
        if problem:
            parsed.rejections.append(Rejection(n + 1, problem[0], problem[1], raw, sheet))
            out.rejections += 1
            continue
        out.rows[(level, code)] = {"row": n + 1, "name": name, "parent": parent, "values": values}
    return out


def check_fte_sums(table: OrgTable, file: str) -> None:
    """Organisations add up to their ICS, ICSs to their region, regions to England (FTE)."""
    children: dict[tuple[str, str], list[dict]] = {}
    up = {"organisation": "icb", "icb": "region", "region": "national"}
    for (level, _code), r in table.rows.items():
        if level == "national":
            continue
        parent = (up[level], r["parent"] or NATIONAL_CODE)
        children.setdefault(parent, []).append(r)
    n = table.rejections
    note = f" ({n} row{'s' if n != 1 else ''} quarantined)" if n else ""
    for key, r in table.rows.items():
        kids = children.get(key)
        if not kids:
            if key[0] != "organisation":
                raise InputError(
                    f"{key[1]} has no rows below it{note}: table refused", file=file, sheet=table.sheet, row=r["row"]
                )
            continue
        for g, v in r["values"].items():
            if v is None:
                continue
            total = sum(k["values"][g] or 0.0 for k in kids)
            if abs(total - v) > ROUNDING * (len(kids) + 1) + 1e-9:
                raise InputError(
                    f"{staff_group_name(g)} FTE of {key[1]} is {v:,.5f} but the rows below it add up to {total:,.5f}"
                    f"{note}: table refused",
                    file=file,
                    sheet=table.sheet,
                    row=r["row"],
                    column=staff_group_name(g),
                )


def _as_month(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            d = datetime.strptime(text, fmt).date()
            return date(d.year, d.month, 1)
        except ValueError:
            continue
    return None


def read_england_series(parsed: ParsedFile, rows: list[list], sheet: str) -> dict[tuple[date, str], dict] | None:
    """Table 1 if this sheet is it (else None): (month, staff group) → headcount and FTE."""
    groups = _group_by_name()
    date_row = next(
        (n for n, r in enumerate(rows[:HEADER_SEARCH_ROWS]) if sum(_as_month(clean(c)) is not None for c in r) >= 12),
        None,
    )
    if date_row is None:
        return None
    months = {i: m for i, c in enumerate(rows[date_row]) if (m := _as_month(clean(c))) is not None}
    out: dict[tuple[date, str], dict] = {}
    section = None
    seen: set[tuple[str, str]] = set()
    for n in range(date_row + 1, len(rows)):
        row = rows[n]
        first = _norm(row[0]) if row else ""
        if first.startswith("headcount"):
            section = "headcount"
            continue
        if first.startswith("full time equivalent"):
            section = "fte"
            continue
        label = next((_norm(c) for c in row[:2] if _norm(c) in groups), "")
        if not label or section is None:
            if first.startswith("source"):
                break
            continue
        parsed.rows_read += 1
        raw = list(row[: max(months) + 1])
        group = groups[label]
        if (section, group) in seen:
            parsed.rejections.append(
                Rejection(n + 1, None, f"{label} appears twice in the {section} section", raw, sheet)
            )
            continue
        try:
            values = {m: _value(clean(row[i]) if i < len(row) else "", f"{label} {m:%b %Y}") for i, m in months.items()}
        except ValueError as exc:
            parsed.rejections.append(Rejection(n + 1, None, str(exc), raw, sheet))
            continue
        seen.add((section, group))
        for m, v in values.items():
            out.setdefault((m, group), {"headcount": None, "fte": None})[section] = v
    return out


def _indicator_rows(month: date, org_rows: list[tuple]) -> list[tuple]:
    """``indicator_values`` rows for the catalogue's FTE-in-post indicators."""
    wanted = {
        i.workforce["staff_in_post_group"]: i
        for i in indicators().values()
        if i.unit == "fte" and "staff_in_post_group" in i.workforce
    }
    ics_codes = {r[2] for r in org_rows if r[1] == "icb"}
    level_of = {"national": "national", "region": "region", "icb": "icb", "organisation": "provider"}
    out = []
    for period, level, code, _name, _parent, group, _hc, fte in org_rows:
        ind = wanted.get(group)
        if ind is None or fte is None or period != month:
            continue
        if level == "organisation" and code in ics_codes:
            continue  # an ICB's own staff, not a provider of care
        lv = level_of[level]
        if lv in ind.levels:
            out.append((ind.id, period, "month", code, lv, fte, None, fte, None, None))
    return out


def read_workforce_statistics(parsed: ParsedFile, grid: Grid) -> None:
    """Read Tables 1–3 into ``parsed.workforce`` (and FTE-in-post indicator rows)."""
    file = parsed.path.name
    tables: dict[str, OrgTable] = {}
    england: dict[tuple[date, str], dict] | None = None
    for sheet in grid.sheet_names:
        rows = grid.rows(sheet)
        table = read_org_table(parsed, rows, sheet)
        if table is not None:
            if table.measure in tables:
                raise InputError(
                    f"two {table.measure} tables ({tables[table.measure].sheet!r} too)", file=file, sheet=sheet
                )
            tables[table.measure] = table
            continue
        if england is None and any("england by main staff groups" in _norm(c) for r in rows[:3] for c in r):
            england = read_england_series(parsed, rows, sheet)
    for measure, label in (("headcount", "Headcount"), ("fte", "Full Time Equivalent")):
        if measure not in tables:
            raise InputError(f"no {label} table by organisation and staff group (Table 2 or 3)", file=file)
    hc, fte = tables["headcount"], tables["fte"]
    if hc.month != fte.month:
        raise InputError(
            f"the Headcount and FTE tables are for different months ({hc.month:%B %Y}, {fte.month:%B %Y})", file=file
        )
    check_fte_sums(fte, file)
    month = fte.month
    out = []
    for key in sorted(set(hc.rows) | set(fte.rows)):
        h, f = hc.rows.get(key), fte.rows.get(key)
        base = f or h
        for g in staff_groups():
            out.append(
                (
                    month,
                    key[0],
                    key[1],
                    base["name"],  # type: ignore[index]
                    base["parent"],  # type: ignore[index]
                    g,
                    h["values"].get(g) if h else None,
                    f["values"].get(g) if f else None,
                )
            )
    if england:
        eng_hc = hc.rows.get(("national", NATIONAL_CODE))
        eng_fte = fte.rows.get(("national", NATIONAL_CODE))
        for g in staff_groups():
            series = england.get((month, g))
            for measure, row in (("headcount", eng_hc), ("fte", eng_fte)):
                if series is None or row is None or series[measure] is None:
                    continue
                if abs(series[measure] - (row["values"].get(g) or 0.0)) > 1e-6:
                    raise InputError(
                        f"Table 1 gives England {staff_group_name(g)} {measure} {series[measure]:,} for {month:%B %Y} "
                        f"but the organisation table says {row['values'].get(g):,}: file refused",
                        file=file,
                    )
        for (m, g), v in sorted(england.items()):
            if m != month:
                out.append((m, "national", NATIONAL_CODE, "England", None, g, v["headcount"], v["fte"]))
    cols: list = list(zip(*out, strict=True)) if out else [[] for _ in SCHEMA]
    parsed.workforce = pa.table({s.name: pa.array(c, type=s.type) for s, c in zip(SCHEMA, cols, strict=True)})
    parsed.indicators = indicator_table(_indicator_rows(month, out))
    parsed.months = sorted({r[0] for r in out})
    parsed.publication = f"NHS Workforce Statistics, {month:%B %Y}"


def write_workforce(con: duckdb.DuckDBPyConnection, source_id: int, parsed: ParsedFile) -> int:
    """Insert workforce figures; a file whose month is later is the later vintage.

    Current figures for the same month, organisation and staff group from a file ending no later
    than this one are superseded by it; figures this file repeats for a key a later file already
    covers are stored superseded by that file. Returns how many rows were superseded.
    """
    last = parsed.months[-1] if parsed.months else None
    con.register("new_workforce", parsed.workforce)
    try:
        superseded = con.execute(
            """UPDATE workforce_staff SET superseded_by = ?
               WHERE superseded_by IS NULL
                 AND (period, org_level, org_code, staff_group) IN
                     (SELECT period, org_level, org_code, staff_group FROM new_workforce)
                 AND source_id IN (SELECT source_id FROM sources WHERE last_month <= ?)""",
            [source_id, last],
        ).fetchone()[0]  # type: ignore[index]
        con.execute(
            """INSERT INTO workforce_staff
               SELECT ?, n.period, n.org_level, n.org_code, n.org_name, n.parent_code, n.staff_group,
                      n.headcount, n.fte, later.source_id
               FROM new_workforce n
               LEFT JOIN (SELECT w.period, w.org_level, w.org_code, w.staff_group, max(w.source_id) AS source_id
                          FROM workforce_staff w JOIN sources s USING (source_id)
                          WHERE w.superseded_by IS NULL AND s.last_month > ? GROUP BY ALL) later
                 USING (period, org_level, org_code, staff_group)""",
            [source_id, last],
        )
    finally:
        con.unregister("new_workforce")
    return int(superseded)
