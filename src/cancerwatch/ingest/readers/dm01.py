"""NHS England's monthly Diagnostics Waiting Times and Activity file by provider (DM01).

Source: https://www.england.nhs.uk/statistics/statistical-work-areas/diagnostics-waiting-times-and-activity/
("Monthly Diagnostics Web File Provider", legacy ``.xls``). Two sheets are read, both found by
their content:

- **Provider** (every test together) and **Provider by Test** (one row per provider and test,
  plus each provider's ``Total`` row). Each has a title block (``Period:``, ``Basis:``,
  ``Published:``, ``Revised:``, ``Status:``), a header row located by its column names (not its
  position), an England ``Total`` row, then one row per provider.
- Per row: NHS England region code and name, provider code and name, total waiting list, number
  waiting 6+ and 13+ weeks, the percentage waiting 6+ weeks, the weekly wait bands, and activity
  in the month (planned, unscheduled and waiting-list tests).

Checks (a month is refused with one line when a check fails; a bad row is quarantined):

- every row: counts are whole and non-negative, 13+ ≤ 6+ ≤ waiting list, the weekly bands add up
  to the waiting list and to the 6+ and 13+ counts, the published percentage equals 6+ ÷ waiting
  list, the test is one of the catalogue's (``catalogue/diagnostic_tests.csv``), no provider or
  provider × test appears twice;
- England: the provider rows of each sheet add up exactly to its ``Total`` row;
- each provider's tests add up to its ``Total`` row in "Provider by Test", and that row equals
  its row in "Provider".

Rows read = provider rows of "Provider" + provider × test rows of "Provider by Test"; the England
``Total`` rows and each provider's ``Total`` row in "Provider by Test" are checks, not data.

Vintage: the file's ``Revised:`` date, else its ``Published:`` date. For a month, the latest vintage
is current whatever the load order; an earlier one stays queryable (``superseded_by``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

import duckdb
import pyarrow as pa

from cancerwatch.catalogue.diagnostics import ALL_TESTS, dm01_name_to_test, normalise_test_name
from cancerwatch.errors import InputError
from cancerwatch.ingest.grid import Grid
from cancerwatch.ingest.parsed import ParsedFile, Rejection
from cancerwatch.ingest.values import MAX_COUNT, ValueProblem, check_org_code, clean

KIND = "dm01"
TITLE = "monthly diagnostics"
HEADER_SEARCH_ROWS = 40
PERCENT_TOLERANCE = 1e-6  # DM01 prints the share to nine decimal places

# canonical column → header texts accepted (compared lower case, spaces collapsed)
COLUMNS: dict[str, tuple[str, ...]] = {
    "region_code": ("regional team code", "region code", "commissioning region code"),
    "region_name": ("regional team name", "region name", "commissioning region name"),
    "org_code": ("provider code",),
    "org_name": ("provider name",),
    "test_name": ("diagnostic test name",),
    "waiting_list": ("total waiting list",),
    "waiting_6plus": ("number waiting 6+ weeks",),
    "waiting_13plus": ("number waiting 13+ weeks",),
    "share_6plus": ("percentage waiting 6+ weeks",),
    "planned_activity": ("planned tests / procedures",),
    "unscheduled_activity": ("unscheduled tests / procedures",),
    "waiting_list_activity": ("waiting list tests / procedures (excluding planned)",),
}
REQUIRED = (
    "region_code",
    "org_code",
    "org_name",
    "waiting_list",
    "waiting_6plus",
    "waiting_13plus",
    "planned_activity",
    "unscheduled_activity",
    "waiting_list_activity",
)
OPTIONAL = ("region_name", "share_6plus")
MEASURES = (
    "waiting_list",
    "waiting_6plus",
    "waiting_13plus",
    "planned_activity",
    "unscheduled_activity",
    "waiting_list_activity",
)
BAND_RE = re.compile(r"^(\d+) ?< ?(\d+) weeks$")
LAST_BAND = "13+ weeks"
REGION_RE = re.compile(r"^Y\d{2}$")

FACT_SCHEMA = pa.schema(
    [
        ("period", pa.date32()),
        ("org_code", pa.string()),
        ("test", pa.string()),
        *[(m, pa.int64()) for m in MEASURES],
        ("vintage", pa.date32()),
    ]
)
PROVIDER_SCHEMA = pa.schema(
    [
        ("period", pa.date32()),
        ("org_code", pa.string()),
        ("org_name", pa.string()),
        ("region_code", pa.string()),
        ("region_name", pa.string()),
    ]
)


def _norm(text: object) -> str:
    return " ".join(clean(text).lower().split())


@dataclass
class TitleBlock:
    """What the title block says: the month, basis, dates and status."""

    period: date
    basis: str
    published: date | None
    revised: date | None
    status: str

    @property
    def vintage(self) -> date:
        """The revision date, else the publication date."""
        return self.revised or self.published  # type: ignore[return-value]


@dataclass
class Layout:
    """A sheet's header row (0-based index) and its columns by canonical name."""

    header_row: int
    columns: dict[str, int]
    bands: list[tuple[int, int | None, int]]  # (from week, to week or None for 13+, column)
    header: list[str]

    @cached_property
    def measure_columns(self) -> tuple[tuple[int, str], ...]:
        """(column, header text) of each of :data:`MEASURES`, in that order."""
        return tuple((self.columns[m], _header_name(self, m)) for m in MEASURES)

    @cached_property
    def measure_names(self) -> dict[str, str]:
        """Header text of each of :data:`MEASURES` the sheet has, else the canonical name."""
        return {m: _header_name(self, m) for m in MEASURES}

    @cached_property
    def band_columns(self) -> tuple[tuple[int, int, str], ...]:
        """(from week, column, header text) of each weekly band."""
        return tuple((lo, i, self.header[i]) for lo, _, i in self.bands)

    @cached_property
    def band_cells(self) -> tuple[tuple[int, str], ...]:
        """(column, header text) of each weekly band, in :attr:`band_columns` order."""
        return tuple((i, name) for _, i, name in self.band_columns)

    @cached_property
    def bands_from(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Positions in :attr:`band_columns` of the bands from 6 weeks, and from 13 weeks."""
        lows = [lo for lo, _, _ in self.band_columns]
        return tuple(k for k, lo in enumerate(lows) if lo >= 6), tuple(k for k, lo in enumerate(lows) if lo >= 13)


@dataclass
class SheetRows:
    """The rows of one sheet read and checked: loaded values, the England Total, quarantine."""

    name: str
    title: TitleBlock
    layout: Layout
    total: dict[str, int]
    total_row: int
    loaded: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    names: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # org → (name, region, region name)
    provider_totals: dict[str, tuple[int, tuple[int, ...]]] = field(default_factory=dict)  # org → (row, values)
    rejected_orgs: set[str] = field(default_factory=set)
    rejections: int = 0


def _title_cells(rows: list[list]) -> dict[str, str]:
    """``Key:`` → the first non-empty cell after it, for the rows of a title block."""
    out: dict[str, str] = {}
    for row in rows:
        cells = [clean(c) for c in row]
        for i, c in enumerate(cells):
            if c.endswith(":") and len(c) < 30:
                out[c[:-1].strip().lower()] = next((v for v in cells[i + 1 :] if v), "")
                break
    return out


_ORDINAL_RE = re.compile(r"(\d+)(st|nd|rd|th)\b", re.IGNORECASE)


def _title_date(text: str, key: str, file: str, sheet: str) -> date | None:
    """``11th September 2025`` (or an ISO or Excel-style date) → a date; None when empty."""
    text = text.strip()
    if not text:
        return None
    plain = _ORDINAL_RE.sub(r"\1", text)
    for fmt in ("%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y"):
        try:
            return datetime.strptime(plain, fmt).date()
        except ValueError:
            continue
    raise InputError(f"title block {key.title()!r} {text[:40]!r} is not a date", file=file, sheet=sheet)


def _title_month(text: str, file: str, sheet: str) -> date:
    for fmt in ("%B %Y", "%b %Y", "%B-%Y", "%b-%y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            d = datetime.strptime(text.strip(), fmt).date()
            return date(d.year, d.month, 1)
        except ValueError:
            continue
    raise InputError(f"title block 'Period' {text[:40]!r} is not a month such as 'July 2025'", file=file, sheet=sheet)


def read_title(rows: list[list], file: str, sheet: str) -> TitleBlock:
    """The month, basis and dates from the rows above a sheet's header."""
    cells = _title_cells(rows)
    if TITLE not in _norm(cells.get("title", "")):
        raise InputError("title block has no 'Title: Monthly Diagnostics' line", file=file, sheet=sheet)
    if not cells.get("period"):
        raise InputError("title block has no 'Period:' line", file=file, sheet=sheet)
    basis = cells.get("basis", "")
    if _norm(basis) != "provider":
        raise InputError(
            f"title block 'Basis' is {basis[:40]!r}: only the provider-based DM01 file is supported",
            file=file,
            sheet=sheet,
        )
    published = _title_date(cells.get("published", ""), "published", file, sheet)
    revised = _title_date(cells.get("revised", ""), "revised", file, sheet)
    if published is None and revised is None:
        raise InputError("title block gives neither a 'Published:' nor a 'Revised:' date", file=file, sheet=sheet)
    return TitleBlock(_title_month(cells["period"], file, sheet), basis, published, revised, cells.get("status", ""))


def find_layout(rows: list[list], file: str, sheet: str, *, by_test: bool) -> Layout:
    """The header row: the first row naming every required column (by text, in any order)."""
    required = (*REQUIRED, "test_name") if by_test else REQUIRED
    best: tuple[int, int, str] = (-1, -1, required[0])
    for n, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        texts = [_norm(c) for c in row]
        columns = {}
        for name, accepted in COLUMNS.items():
            idx = next((i for i, t in enumerate(texts) if t in accepted), None)
            if idx is not None:
                columns[name] = idx
        found = sum(c in columns for c in required)
        if found > best[1]:
            best = (n, found, next((c for c in required if c not in columns), ""))
        if found == len(required):
            bands: list[tuple[int, int | None, int]] = []
            for i, t in enumerate(texts):
                m = BAND_RE.match(t)
                if m:
                    bands.append((int(m.group(1)), int(m.group(2)), i))
                elif t == LAST_BAND:
                    bands.append((13, None, i))
            return Layout(n, columns, bands, [clean(c) for c in row])
    missing = COLUMNS[best[2]][0] if best[2] else "Provider Code"
    raise InputError(
        f"no DM01 header row: missing column {missing!r}",
        file=file,
        sheet=sheet,
        row=best[0] + 1 if best[0] >= 0 else None,
        column=missing,
    )


class RowProblem(ValueError):
    """A row that cannot be loaded: the column at fault and the reason kept in quarantine."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _header_name(layout: Layout, name: str) -> str:
    return layout.header[layout.columns[name]] if name in layout.columns else name


def _count(row: list, index: int, column: str) -> int:
    return _count_text(clean(row[index]) if index < len(row) else "", column)


def _count_text(text: str, column: str) -> int:
    """A trimmed cell's count, or a :class:`RowProblem` naming what is wrong."""
    if text.isdigit() and text.isascii() and len(text) < 8:  # the usual cell: a plain count below MAX_COUNT
        return int(text)
    if not text:
        raise RowProblem(column, f"{column} is empty")
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise RowProblem(column, f"{column} {text[:40]!r} is not a number") from None
    if value != value or value < 0:
        raise RowProblem(column, f"{column} {text[:40]!r} is not a count (negative or not a number)")
    if value > MAX_COUNT:
        raise RowProblem(column, f"{column} {value:g} is implausibly large (over {MAX_COUNT:,})")
    if not value.is_integer():
        raise RowProblem(column, f"{column} {value:g} is not a whole number")
    return int(value)


def _counts(cells: list, columns: tuple[tuple[int, str], ...]) -> list[int]:
    """The counts of ``columns`` ((column, header text)) in a row of trimmed text cells."""
    n = len(cells)
    return [_count_text(cells[i] if i < n else "", name) for i, name in columns]


def _measures(row: list, layout: Layout) -> tuple[int, ...]:
    """The row's :data:`MEASURES`; ``row`` is trimmed text cells (:func:`_cleaned`)."""
    return tuple(_counts(row, layout.measure_columns))


def _cleaned(row: list) -> list[str]:
    """A row's cells as :func:`clean` gives them."""
    return [clean(c) for c in row]


def _check_row(row: list, layout: Layout, values: tuple[int, ...]) -> None:
    """Internal consistency of one row's waiting list, bands and percentage (``row``: trimmed text cells)."""
    wl, w6, w13 = values[0], values[1], values[2]
    col = layout.measure_names
    if w6 > wl:
        raise RowProblem(col["waiting_6plus"], f"{col['waiting_6plus']} {w6:,} exceeds {col['waiting_list']} {wl:,}")
    if w13 > w6:
        raise RowProblem(
            col["waiting_13plus"], f"{col['waiting_13plus']} {w13:,} exceeds {col['waiting_6plus']} {w6:,}"
        )
    if layout.bands:
        bands = _counts(row, layout.band_cells)
        if sum(bands) != wl:
            raise RowProblem(col["waiting_list"], f"the weekly bands add up to {sum(bands):,}, not {wl:,}")
        from6, from13 = layout.bands_from
        beyond6 = sum([bands[k] for k in from6])
        if beyond6 != w6:
            raise RowProblem(col["waiting_6plus"], f"the bands from 6 weeks add up to {beyond6:,}, not {w6:,}")
        beyond13 = sum([bands[k] for k in from13])
        if beyond13 != w13:
            raise RowProblem(col["waiting_13plus"], f"the 13+ weeks band is {beyond13:,}, not {w13:,}")
    if "share_6plus" in layout.columns:
        name = _header_name(layout, "share_6plus")
        text = clean(row[layout.columns["share_6plus"]]) if layout.columns["share_6plus"] < len(row) else ""
        if text:
            try:
                share = float(text)
            except ValueError:
                raise RowProblem(name, f"{name} {text[:40]!r} is not a number") from None
            expected = w6 / wl if wl else 0.0
            if abs(share - expected) > PERCENT_TOLERANCE:
                raise RowProblem(name, f"{name} {share:.6f} is not waiting 6+ weeks ÷ waiting list ({expected:.6f})")


def _raw(row: list, layout: Layout) -> dict:
    return {h or f"column {i + 1}": (row[i] if i < len(row) else None) for i, h in enumerate(layout.header)}


def _is_total(cells: list[str], layout: Layout) -> bool:
    """The England ``Total`` row: no provider code, and ``Total`` in the name columns."""
    code = cells[layout.columns["org_code"]] if layout.columns["org_code"] < len(cells) else ""
    if code:
        return False
    upto = max(layout.columns["org_name"], layout.columns["org_code"]) + 1
    return any(c.lower() == "total" for c in cells[:upto])


def read_sheet(parsed: ParsedFile, grid: Grid, sheet: str, *, by_test: bool) -> SheetRows:
    """Read one DM01 sheet: title, header, England Total and the provider (× test) rows."""
    file = parsed.path.name
    rows = grid.rows(sheet)
    layout = find_layout(rows, file, sheet, by_test=by_test)
    title = read_title(rows[: layout.header_row], file, sheet)
    total_at = next(
        (n for n in range(layout.header_row + 1, len(rows)) if _is_total([clean(c) for c in rows[n]], layout)),
        None,
    )
    if total_at is None:
        raise InputError("no England 'Total' row below the header", file=file, sheet=sheet)
    try:
        total = dict(zip(MEASURES, _measures(_cleaned(rows[total_at]), layout), strict=True))
    except RowProblem as p:
        raise InputError(f"England 'Total' row: {p.reason}", file=file, sheet=sheet, row=total_at + 1) from None
    out = SheetRows(sheet, title, layout, total, total_at + 1)
    tests = dm01_name_to_test()
    for n in range(layout.header_row + 1, len(rows)):
        row = rows[n]
        cells = _cleaned(row)
        if n == total_at or not any(cells):
            continue
        code = cells[layout.columns["org_code"]].upper() if layout.columns["org_code"] < len(cells) else ""
        test_cell = cells[layout.columns["test_name"]] if by_test and layout.columns["test_name"] < len(cells) else ""
        if by_test and code and test_cell.lower() == "total":
            try:
                out.provider_totals[code] = (n + 1, _measures(cells, layout))
            except RowProblem as p:
                raise InputError(
                    f"{code}'s 'Total' row: {p.reason}", file=file, sheet=sheet, row=n + 1, column=p.column
                ) from None
            continue
        parsed.rows_read += 1
        try:
            org = check_org_code(code, _header_name(layout, "org_code"))
        except ValueProblem as exc:
            parsed.rejections.append(
                Rejection(n + 1, _header_name(layout, "org_code"), str(exc), _raw(row, layout), sheet)
            )
            out.rejections += 1
            continue
        try:
            region = cells[layout.columns["region_code"]].upper()
            if not REGION_RE.match(region):
                name = _header_name(layout, "region_code")
                raise RowProblem(name, f"{name} {region[:20]!r} is not an NHS England region code (Y56…Y63)")
            test = ALL_TESTS
            if by_test:
                test = tests.get(normalise_test_name(test_cell), "")
                if not test:
                    raise RowProblem(
                        _header_name(layout, "test_name"), f"not a DM01 test in the catalogue: {test_cell[:60]!r}"
                    )
            values = _measures(cells, layout)
            _check_row(cells, layout, values)
            if (org, test) in out.loaded:
                raise RowProblem(
                    _header_name(layout, "org_code"), f"{org} appears twice" + (f" for {test_cell}" if by_test else "")
                )
        except RowProblem as p:
            parsed.rejections.append(Rejection(n + 1, p.column, p.reason, _raw(row, layout), sheet))
            out.rejections += 1
            out.rejected_orgs.add(org)
            continue
        out.loaded[(org, test)] = values
        region_name = cells[layout.columns["region_name"]] if "region_name" in layout.columns else ""
        out.names.setdefault(org, (cells[layout.columns["org_name"]], region, region_name))
    return out


def _fmt(measure: str) -> str:
    return measure.replace("_", " ").replace("6plus", "6+ weeks").replace("13plus", "13+ weeks")


def check_england(sheet: SheetRows, file: str) -> None:
    """The provider rows add up exactly to the England ``Total`` row, measure by measure."""
    for i, m in enumerate(MEASURES):
        if sheet.provider_totals:  # "Provider by Test": England = the providers' own Total rows
            computed = sum(v[i] for _, v in sheet.provider_totals.values())
            what = "providers' 'Total' rows"
        else:
            computed = sum(v[i] for v in sheet.loaded.values())
            what = "provider rows"
        if computed != sheet.total[m]:
            n = sheet.rejections
            note = f" ({n} row{'s' if n != 1 else ''} quarantined)" if n else ""
            raise InputError(
                f"England {_fmt(m)} from the {what} is {computed:,} but the 'Total' row says {sheet.total[m]:,}"
                f"{note}: {sheet.title.period:%B %Y} refused",
                file=file,
                sheet=sheet.name,
                row=sheet.total_row,
                column=_header_name(sheet.layout, m),
            )


def check_by_test(providers: SheetRows, by_test: SheetRows, file: str) -> None:
    """Each provider's tests add up to its Total row, which equals its row in "Provider"."""
    month = f"{providers.title.period:%B %Y}"
    sums: dict[str, list[int]] = {}
    for (org, _), values in by_test.loaded.items():
        acc = sums.setdefault(org, [0] * len(MEASURES))
        for i, v in enumerate(values):
            acc[i] += v
    tested = set(sums) | by_test.rejected_orgs
    for org in sorted(tested - set(by_test.provider_totals)):
        raise InputError(f"{org} has tests but no 'Total' row: {month} refused", file=file, sheet=by_test.name)
    for org, (row, totals) in sorted(by_test.provider_totals.items()):
        own = providers.loaded.get((org, ALL_TESTS))
        if own is None and org not in providers.rejected_orgs:
            raise InputError(
                f"{org} is in {by_test.name!r} but not in {providers.name!r}: {month} refused",
                file=file,
                sheet=by_test.name,
                row=row,
            )
        if own is not None and own != totals:
            m = next(MEASURES[i] for i in range(len(MEASURES)) if own[i] != totals[i])
            raise InputError(
                f"{org}'s 'Total' row does not match its row in {providers.name!r} ({_fmt(m)}): {month} refused",
                file=file,
                sheet=by_test.name,
                row=row,
                column=_header_name(by_test.layout, m),
            )
        if org in by_test.rejected_orgs:
            continue  # its quarantined rows explain the gap
        summed = sums.get(org, [0] * len(MEASURES))
        for i, m in enumerate(MEASURES):
            if summed[i] != totals[i]:
                raise InputError(
                    f"{org}'s tests add up to {summed[i]:,} {_fmt(m)} but its 'Total' row says {totals[i]:,}: "
                    f"{month} refused",
                    file=file,
                    sheet=by_test.name,
                    row=row,
                    column=_header_name(by_test.layout, m),
                )
    for (org, _), values in providers.loaded.items():
        if org not in by_test.provider_totals and any(values):
            raise InputError(
                f"{org} has figures in {providers.name!r} but no rows in {by_test.name!r}: {month} refused",
                file=file,
                sheet=by_test.name,
            )


def dm01_sheets(grid: Grid) -> tuple[str, str] | None:
    """The names of the "Provider" and "Provider by Test" sheets, recognised by their headers."""
    provider = by_test = None
    for sheet in grid.sheet_names:
        head = grid.head(sheet, HEADER_SEARCH_ROWS)
        titled = any(TITLE in _norm(c) for r in head[:12] for c in r)
        texts = [{_norm(c) for c in r} for r in head]
        if not titled or not any("provider code" in t and "total waiting list" in t for t in texts):
            continue
        if any("diagnostic test name" in t for t in texts):
            by_test = by_test or sheet
        else:
            provider = provider or sheet
    if provider is None and by_test is None:
        return None
    return provider or "", by_test or ""


def read_dm01(parsed: ParsedFile, grid: Grid) -> None:
    """Read both sheets of a DM01 provider file into ``parsed`` (facts and provider names)."""
    file = parsed.path.name
    sheets = dm01_sheets(grid)
    assert sheets is not None
    for name, label in zip(sheets, ("Provider", "Provider by Test"), strict=True):
        if not name:
            raise InputError(
                f"a DM01 file needs its {label!r} sheet (found by its header row); it is missing", file=file
            )
    providers = read_sheet(parsed, grid, sheets[0], by_test=False)
    by_test = read_sheet(parsed, grid, sheets[1], by_test=True)
    if providers.title.period != by_test.title.period:
        raise InputError(
            f"the sheets disagree on the month ({providers.title.period:%B %Y} and {by_test.title.period:%B %Y})",
            file=file,
        )
    check_england(providers, file)
    check_england(by_test, file)
    check_by_test(providers, by_test, file)
    title = providers.title
    month, vintage = title.period, title.vintage
    facts = [
        (month, org, test, *values, vintage)
        for sheet in (providers, by_test)
        for (org, test), values in sheet.loaded.items()
    ]
    cols: list = list(zip(*facts, strict=True)) if facts else [[] for _ in FACT_SCHEMA]
    parsed.diagnostics = pa.table({f.name: pa.array(c, type=f.type) for f, c in zip(FACT_SCHEMA, cols, strict=True)})
    names = {**by_test.names, **providers.names}
    prov = [(month, org, n, r, rn or None) for org, (n, r, rn) in sorted(names.items())]
    cols = list(zip(*prov, strict=True)) if prov else [[] for _ in PROVIDER_SCHEMA]
    parsed.diagnostic_providers = pa.table(
        {f.name: pa.array(c, type=f.type) for f, c in zip(PROVIDER_SCHEMA, cols, strict=True)}
    )
    parsed.months = [month]
    parts = [f"published {title.published.isoformat()}" if title.published else None]
    parts.append(f"revised {title.revised.isoformat()}" if title.revised else None)
    parsed.publication = (
        f"DM01 {month:%B %Y}, " + ", ".join(p for p in parts if p) + (f" ({title.status})" if title.status else "")
    )


def write_diagnostics(con: duckdb.DuckDBPyConnection, source_id: int, parsed: ParsedFile) -> int:
    """Insert a DM01 month; the latest vintage of a month is current. Returns rows superseded.

    Current figures of the same month from an earlier vintage are marked ``superseded_by`` this
    source; if a later vintage is already loaded, this file's figures are stored already
    superseded by it. Two different files with the same vintage for one month are refused: which
    one is current cannot be told from what they say.
    """
    facts = parsed.diagnostics
    assert facts is not None
    if not facts.num_rows:
        return 0
    month, vintage = parsed.months[0], facts.column("vintage")[0].as_py()
    current = con.execute(
        """SELECT DISTINCT d.source_id, d.vintage, s.file_name FROM diagnostics_facts d JOIN sources s USING (source_id)
           WHERE d.period = ? AND d.superseded_by IS NULL""",
        [month],
    ).fetchall()
    same = [f for _, v, f in current if v == vintage]
    if same:
        raise InputError(
            f"DM01 {month:%B %Y} of the same date ({vintage.isoformat()}) is already loaded from {same[0]}: "
            "cannot tell which is current",
            file=parsed.path.name,
        )
    later = max((s for s, v, _ in current if v > vintage), default=None)
    superseded = con.execute(
        "UPDATE diagnostics_facts SET superseded_by = ? WHERE superseded_by IS NULL AND period = ? AND vintage < ?",
        [source_id, month, vintage],
    ).fetchone()[0]  # type: ignore[index]
    con.register("new_diagnostics", facts)
    con.register("new_dm01_providers", parsed.diagnostic_providers)
    try:
        con.execute(
            f"""INSERT INTO diagnostics_facts SELECT ?, period, org_code, test, {", ".join(MEASURES)}, vintage, ?
                FROM new_diagnostics""",  # noqa: S608 - constant column names
            [source_id, later],
        )
        con.execute(
            """INSERT INTO ref_providers_dm01 SELECT ?, period, org_code, org_name, region_code, region_name
               FROM new_dm01_providers""",
            [source_id],
        )
    finally:
        con.unregister("new_diagnostics")
        con.unregister("new_dm01_providers")
    return int(superseded)
