"""Reference lookups: the ONS sub-ICB → ICB → region lookup, the ODS trust file, and NHS
England's technical note on tumour classifications."""

from __future__ import annotations

import re
from datetime import date

import pyarrow as pa

from cancerwatch.errors import InputError
from cancerwatch.ingest.grid import Grid
from cancerwatch.ingest.parsed import ParsedFile, Rejection
from cancerwatch.ingest.values import ValueProblem, check_org_code, clean

ONS_COLUMNS = (
    "SICBL22CD",
    "SICBL22CDH",
    "SICBL22NM",
    "ICB22CD",
    "ICB22CDH",
    "ICB22NM",
    "NHSER22CD",
    "NHSER22CDH",
    "NHSER22NM",
)
ONS_VALID_FROM = date(2021, 4, 1)  # the 106 CCGs of April 2021 became the 106 sub-ICB locations
ODS_HEADER = ("Organisation Code", "Name", "National Grouping", "Higher Level Health Geography")


def is_ons_lookup(first_row: list) -> bool:
    """Header of the ONS July 2022 sub-ICB lookup."""
    return [clean(c) for c in first_row[:3]] == list(ONS_COLUMNS[:3])


def is_ods_trusts(first_row: list) -> bool:
    """Header of the ODS etr file (with column names)."""
    return tuple(clean(c) for c in first_row[:4]) == ODS_HEADER


def is_tumour_note(rows: list[list]) -> bool:
    """The technical note's title cell."""
    if not rows or not rows[0]:  # an empty first row (a CSV starting with a blank line, say)
        return False
    return clean(rows[0][0]).lower().startswith("technical note on tumour classifications")


def read_ons_lookup(parsed: ParsedFile, rows: list[list]) -> None:
    """Rows of the ONS lookup; the sub-ICB code is the ODS code (``SICBL22CDH``)."""
    header = [clean(c) for c in rows[0]]
    idx = {c: header.index(c) for c in ONS_COLUMNS if c in header}
    missing = [c for c in ONS_COLUMNS if c not in idx]
    if missing:
        raise InputError(f"missing column {missing[0]!r}", file=parsed.path.name, row=1, column=missing[0])
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(clean(c) for c in row):
            continue
        parsed.rows_read += 1
        vals = {c: clean(row[i]) if i < len(row) else "" for c, i in idx.items()}
        problem = _code_problem(vals, ("SICBL22CDH", "ICB22CDH", "NHSER22CDH"))
        if problem:
            parsed.rejections.append(Rejection(n, problem[0], problem[1], row))
            continue
        out.append(
            (
                vals["SICBL22CDH"],
                vals["SICBL22CD"],
                vals["SICBL22NM"],
                vals["ICB22CDH"],
                vals["ICB22CD"],
                vals["ICB22NM"],
                vals["NHSER22CDH"],
                vals["NHSER22CD"],
                vals["NHSER22NM"],
                ONS_VALID_FROM,
            )
        )
    names = [
        "sub_icb_code",
        "sub_icb_ons",
        "sub_icb_name",
        "icb_code",
        "icb_ons",
        "icb_name",
        "region_code",
        "region_ons",
        "region_name",
        "valid_from",
    ]
    parsed.reference["ref_sub_icb_lookup"] = pa.table(
        {
            n: pa.array([r[i] for r in out], type=pa.date32() if n == "valid_from" else pa.string())
            for i, n in enumerate(names)
        }
    )


def _code_problem(values: dict[str, str], columns: tuple[str, ...]) -> tuple[str, str] | None:
    """The first of ``columns`` that is not an ODS code (empty, or with a NUL byte, space or punctuation)."""
    for column in columns:
        try:
            check_org_code(values[column].upper(), column)
        except ValueProblem as problem:
            return column, str(problem)
    return None


def _ods_date(text: str) -> date | None:
    text = clean(text)
    if not text:
        return None
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def read_ods_trusts(parsed: ParsedFile, rows: list[list]) -> None:
    """Trusts with their region (National Grouping) and ICB (Higher Level Health Geography)."""
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(clean(c) for c in row):
            continue
        parsed.rows_read += 1
        code = clean(row[0]) if row else ""
        if not code or len(row) < 12:
            parsed.rejections.append(Rejection(n, "Organisation Code", "missing code or too few columns", row))
            continue
        codes = dict(zip(ODS_HEADER, [code, "", clean(row[2]), clean(row[3])], strict=True))
        problem = _code_problem(codes, (ODS_HEADER[0], *(c for c in ODS_HEADER[2:] if codes[c])))
        if problem:
            parsed.rejections.append(Rejection(n, problem[0], problem[1], row))
            continue
        try:
            opened, closed = _ods_date(row[10]), _ods_date(row[11])
        except (ValueError, TypeError):
            parsed.rejections.append(Rejection(n, "Open Date", "open/close date is not YYYYMMDD", row))
            continue
        out.append((code.upper(), clean(row[1]), clean(row[2]) or None, clean(row[3]) or None, opened, closed))
    names = ["org_code", "org_name", "region_code", "icb_code", "open_date", "close_date"]
    parsed.reference["ref_trusts"] = pa.table(
        {
            n: pa.array([r[i] for r in out], type=pa.date32() if n.endswith("date") else pa.string())
            for i, n in enumerate(names)
        }
    )


def read_tumour_note(parsed: ParsedFile, grid: Grid) -> None:
    """The two-column mapping table under the 'Tumour classfication from Oct 2023' header."""
    rows = grid.rows(0)
    start = next(
        (
            i
            for i, r in enumerate(rows)
            if clean(r[0]).lower().startswith("tumour classfication from")
            or clean(r[0]).lower().startswith("tumour classification from")
        ),
        None,
    )
    if start is None:
        raise InputError("no mapping table header 'Tumour classification from Oct 2023'", file=parsed.path.name)
    out = []
    for n in range(start + 1, len(rows)):
        row = rows[n]
        new, old = clean(row[0]), clean(row[1]) if len(row) > 1 else ""
        if not new:
            break
        parsed.rows_read += 1
        if not old:
            parsed.rejections.append(Rejection(n + 1, "mapping", "no Apr 2022 – Sep 2023 group given", row))
            continue
        out.append((new, old))
    parsed.reference["tumour_map"] = pa.table(
        {
            "group_2023": [r[0] for r in out],
            "group_2022": [r[1] for r in out],
            "source": [f"{parsed.path.name}"] * len(out),
        }
    )


ALLIANCE_HEADER = ("alliance_code", "alliance_name")
ALLIANCE_CODE_RE = re.compile(r"^E56\d{6}$")


def is_ons_alliances(first_row: list) -> bool:
    """Header of the ONS Cancer Alliance codes list (``alliance_code``, ``alliance_name``)."""
    return tuple(clean(c).lower() for c in first_row[:2]) == ALLIANCE_HEADER


def read_ons_alliances(parsed: ParsedFile, rows: list[list]) -> None:
    """The Cancer Alliances of one ONS vintage: code (``E56…``) and name.

    Names are checked against the catalogue's Alliances when the organisations are rebuilt;
    membership (which ICB belongs to which Alliance, and when) stays in the catalogue, because
    no public file gives it.
    """
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(clean(c) for c in row):
            continue
        parsed.rows_read += 1
        code = clean(row[0]).upper() if row else ""
        name = clean(row[1]) if len(row) > 1 else ""
        if not ALLIANCE_CODE_RE.match(code):
            parsed.rejections.append(
                Rejection(n, "alliance_code", "not an ONS Cancer Alliance code (E56 and six digits)", row)
            )
            continue
        if not name:
            parsed.rejections.append(Rejection(n, "alliance_name", "alliance_name is empty", row))
            continue
        out.append((code, name))
    parsed.reference["ref_cancer_alliances"] = pa.table(
        {"alliance_code": [r[0] for r in out], "alliance_name": [r[1] for r in out]}
    )
