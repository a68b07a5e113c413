"""The record-level pathway contract (docs/record-level.md) and its validation, as one DuckDB query.

Every row is checked in SQL; the first problem found (in the order of :func:`check_sql`) names the
column and the rule broken, and the row goes to quarantine. Reasons never quote a cell: a
record-level file holds pathway identifiers, dates and, where a cell was mistyped, free text, and
none of that may reach a message (the raw row is kept apart, in the quarantine table). The SQL is
assembled only from the contract's own column names below; the file's column names never enter it
(the reader renames columns in Arrow first) and enum lists, bounds, dates and JSON keys are passed
as parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa

from cancerwatch.catalogue.record_level import record_rules

ROUTES = ("urgent_suspected_cancer", "breast_symptomatic", "screening", "consultant_upgrade", "other")
FDS_OUTCOMES = ("cancer_confirmed", "cancer_ruled_out")
TREATMENT_KINDS = ("first", "subsequent")
MODALITIES = ("surgery", "anti_cancer_drug", "radiotherapy", "other")
STAGES = ("1", "2", "3", "4", "unknown")
ENUMS = {
    "route": ROUTES,
    "fds_outcome": FDS_OUTCOMES,
    "treatment_kind": TREATMENT_KINDS,
    "treatment_modality": MODALITIES,
    "stage": STAGES,
}
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")

FIRST_SEEN_ADJUSTMENT = "first_seen_adjustment_days"
TREATMENT_ADJUSTMENT = "treatment_adjustment_days"
ADJUSTMENTS = (FIRST_SEEN_ADJUSTMENT, TREATMENT_ADJUSTMENT)
#: The single adjustment column of older files, read as :data:`FIRST_SEEN_ADJUSTMENT` (catalogue).
LEGACY_ADJUSTMENT = record_rules().legacy_column
#: Longest adjustment accepted, in days (catalogue ``record_level.toml``; docs/record-level.md).
MAX_ADJUSTMENT_DAYS = record_rules().max_adjustment_days
#: Earliest plausible date: the first month of the CWT national time series (catalogue).
EARLIEST_DATE: date = record_rules().earliest_date

# (column, kind): kind says how the cell is cleaned and checked.
COLUMNS = (
    ("pathway_id", "text"),
    ("patient_id", "text"),
    ("route", "enum"),
    ("referral_date", "date"),
    ("commissioner_code", "code"),
    ("first_provider_code", "code"),
    ("tumour_group", "text"),
    ("fds_end_date", "date"),
    ("fds_outcome", "enum"),
    ("decision_to_treat_date", "date"),
    ("treatment_date", "date"),
    ("treatment_kind", "enum"),
    ("treatment_modality", "enum"),
    ("treating_provider_code", "code"),
    ("ipt_date", "date"),
    (FIRST_SEEN_ADJUSTMENT, "int"),
    (TREATMENT_ADJUSTMENT, "int"),
    ("stage", "enum"),
    ("emergency_presentation", "bool"),
)
KINDS = dict(COLUMNS)
#: Columns a file may leave out: a default (adjustments 0) or enrichment only. Every other contract
#: column must be present (its cells may be empty where the contract says optional), so that a
#: misspelt header is an error rather than a silently empty clock.
OPTIONAL_COLUMNS = frozenset({*ADJUSTMENTS, "stage", "emergency_presentation"})
REQUIRED_COLUMNS = tuple(c for c, _ in COLUMNS if c not in OPTIONAL_COLUMNS)
DATE_COLUMNS = tuple(c for c, k in COLUMNS if k == "date")
#: Dates that cannot precede the clock start (docs/record-level.md), checked in this order.
AFTER_REFERRAL = ("fds_end_date", "decision_to_treat_date", "treatment_date", "ipt_date")
#: Cells that must hold no control character (a NUL byte, a line break): free text and identifiers.
PLAIN_TEXT = tuple(c for c, k in COLUMNS if k == "text")

_TYPES = {"text": pa.string(), "code": pa.string(), "enum": pa.string(), "date": pa.date32()}
_TYPES.update({"int": pa.int32(), "bool": pa.bool_()})
#: Arrow schema of ``ParsedFile.pathways``: the ``pathways`` table without ``source_id``.
PATHWAY_SCHEMA = pa.schema([(c, _TYPES[k]) for c, k in COLUMNS] + [("extra", pa.string())])

DATE_RE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
INT_RE = "-?[0-9]{1,9}"
#: An organisation code: ODS and sub-ICB location codes are letters and digits (NHS Data Dictionary).
CODE_RE = "[A-Za-z0-9]{1,12}"
CONTROL_RE = "[\\x00-\\x1f\\x7f]"

#: Names of the two row-shape flags the CSV reader adds (true when the row is longer or shorter
#: than the header).
LONG_ROW, SHORT_ROW = "__long", "__short"


@dataclass(frozen=True)
class CheckContext:
    """What the checks need besides the file's columns.

    ``labels`` maps a contract column to the name the file gives it, where they differ (the legacy
    adjustment column); ``future_from`` is the first day after the month of the load, from which a
    date is in the future; ``shape`` is true when the file can have rows of the wrong length (CSV).
    """

    future_from: date
    labels: dict[str, str] = field(default_factory=dict)
    shape: bool = False

    def label(self, col: str) -> str:
        """The column as the file names it."""
        return self.labels.get(col, col)


def _q(name: str) -> str:
    return f'"{name}"'


def _is_text(t: pa.DataType | None) -> bool:
    return t is None or pa.types.is_string(t) or pa.types.is_large_string(t)


def _raw(col: str, kind: str, present: dict[str, pa.DataType]) -> str:
    """Trimmed text of a cell, NULL when empty or the column is absent.

    A typed (Parquet) date column cannot be malformed and its text is never shown, so only its
    presence is recorded: formatting millions of dates as text for nothing would be slow.
    """
    t = present.get(col)
    if col not in present:
        return "NULL::VARCHAR"
    if kind == "date" and (pa.types.is_date(t) or pa.types.is_timestamp(t)):
        return f"CASE WHEN {_q(col)} IS NOT NULL THEN 'date' END"
    if _is_text(t):
        return f"nullif(trim({_q(col)}), '')"
    return f"nullif(trim(CAST({_q(col)} AS VARCHAR)), '')"


def _typed(col: str, kind: str, present: dict[str, pa.DataType]) -> tuple[str, str]:
    """(typed value, condition that the cell is malformed) for one column."""
    t = present.get(col)
    r, v = f"r_{col}", f"v_{col}"
    unparsed = f"{r} IS NOT NULL AND {v} IS NULL"
    if kind == "text":
        return r, f"regexp_matches({r}, '{CONTROL_RE}')" if col in PLAIN_TEXT and col in present else "false"
    if kind == "code":
        return f"upper({r})", f"{r} IS NOT NULL AND NOT regexp_full_match({r}, '{CODE_RE}')"
    if kind == "enum":
        return f"lower({r})", f"{r} IS NOT NULL AND NOT list_contains(${col}_values, lower({r}))"
    if kind == "date":
        if not _is_text(t):
            return f"CAST({_q(col)} AS DATE)", "false"
        return f"CASE WHEN regexp_full_match({r}, '{DATE_RE}') THEN TRY_CAST({r} AS DATE) END", unparsed
    if kind == "int":
        if t is not None and pa.types.is_integer(t):
            return f"TRY_CAST({_q(col)} AS INTEGER)", unparsed
        return f"CASE WHEN regexp_full_match({r}, '{INT_RE}') THEN CAST({r} AS INTEGER) END", unparsed
    if t is not None and pa.types.is_boolean(t):
        return _q(col), "false"
    words = (
        f"CASE WHEN list_contains($true_words, lower({r})) THEN true "
        f"WHEN list_contains($false_words, lower({r})) THEN false END"
    )
    return words, unparsed


def _problem(col: str | None, reason: str, *, row: str | None = None) -> str:
    """A struct naming the column (NULL for a rule about the whole row) and the reason.

    ``reason`` is constant text; ``row`` an optional SQL fragment giving a row number to append
    (the first row of a duplicated identifier). No cell value ever enters a reason.
    """
    text = _lit(reason) if row is None else f"{_lit(reason)} || {row} || ')'"
    return f"{{'col': {_lit(col) if col else 'NULL::VARCHAR'}, 'reason': {text}}}"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _checks(bad: dict[str, str], ctx: CheckContext) -> list[tuple[str, str]]:
    """(condition, problem) pairs in priority order: the first true one is the row's reason."""
    out = []
    if ctx.shape:
        out += [
            (LONG_ROW, _problem(None, "row has more fields than the header")),
            (SHORT_ROW, _problem(None, "row has fewer fields than the header")),
        ]
    out += [
        ("r_pathway_id IS NULL", _problem("pathway_id", "pathway_id is empty")),
        ("r_referral_date IS NULL", _problem("referral_date", "referral_date is empty (no clock start)")),
    ]
    for col in PLAIN_TEXT:
        out.append((bad[col], _problem(col, f"{col} contains a control character (such as a NUL byte)")))
    for col in (c for c, k in COLUMNS if k == "code"):
        out.append((bad[col], _problem(col, f"{col} is not an organisation code (letters and digits only)")))
    for col in DATE_COLUMNS:
        out.append((bad[col], _problem(col, f"{col} is not a date (expected YYYY-MM-DD)")))
    earliest = f"{EARLIEST_DATE:%B %Y}"
    for col in DATE_COLUMNS:
        reason = f"{col} is before {earliest}, when the Cancer Waiting Times national series begins"
        out.append((f"v_{col} < $earliest_date", _problem(col, reason)))
        out.append((f"v_{col} >= $future_from", _problem(col, f"{col} is in a month after the month of loading")))
    out.append(("r_route IS NULL", _problem("route", "route is empty")))
    for col, values in ENUMS.items():
        out.append((bad[col], _problem(col, f"{col} is not one of the contract's values ({', '.join(values)})")))
    for col in ADJUSTMENTS:
        name = ctx.label(col)
        out += [
            (bad[col], _problem(name, f"{name} is not a whole number of days")),
            (f"v_{col} < 0", _problem(name, f"{name} is negative")),
            (f"v_{col} > $max_adjustment", _problem(name, f"{name} is over {MAX_ADJUSTMENT_DAYS} days, the bound")),
        ]
    emergency = "emergency_presentation"
    out.append((bad[emergency], _problem(emergency, f"{emergency} is not true or false")))
    out.append(("__row > first_row", _problem("pathway_id", "duplicate pathway_id (first at row ", row="first_row")))
    for col, earlier in [(c, "referral_date") for c in AFTER_REFERRAL] + [("treatment_date", "decision_to_treat_date")]:
        out.append((f"v_{col} < v_{earlier}", _problem(col, f"{col} is before {earlier}")))
    return out


def check_sql(present: dict[str, pa.DataType], extras: list[str], ctx: CheckContext) -> tuple[str, dict]:
    """SQL creating temp table ``checked`` from registered table ``src``, and its parameters.

    ``present`` maps each contract column found in the file to its Arrow type; ``extras`` are the
    renamed extra columns (``__x0`` …) whose original names are passed as JSON-key parameters.
    """
    params: dict[str, object] = {f"{c}_values": list(v) for c, v in ENUMS.items()}
    params.update(true_words=list(TRUE_WORDS), false_words=list(FALSE_WORDS))
    params.update(earliest_date=EARLIEST_DATE, future_from=ctx.future_from, max_adjustment=MAX_ADJUSTMENT_DAYS)
    raws = ", ".join(f"{_raw(c, k, present)} AS r_{c}" for c, k in COLUMNS)
    typed, bad = [], {}
    for col, kind in COLUMNS:
        val, bad[col] = _typed(col, kind, present)
        typed.append(f"{val} AS v_{col}")
    if extras:
        pairs = []
        for i, name in enumerate(extras):
            params[f"k{i}"] = name
            pairs.append(f"$k{i}, nullif(CAST({_q(f'__x{i}')} AS VARCHAR), '')")
        extra = f"CAST(json_object({', '.join(pairs)}) AS VARCHAR)"
    else:
        extra = "NULL::VARCHAR"
    cases = "\n".join(f"WHEN {cond} THEN {problem}" for cond, problem in _checks(bad, ctx))
    outputs = ", ".join(f"coalesce(v_{c}, 0) AS {c}" if c in ADJUSTMENTS else f"v_{c} AS {c}" for c, _ in COLUMNS)
    sql = f"""
        CREATE TEMP TABLE checked AS
        WITH r AS (SELECT *, {raws}, {extra} AS extra FROM src),
        v AS (SELECT *, {", ".join(typed)},
                     min(__row) OVER (PARTITION BY r_pathway_id) AS first_row
              FROM r),
        c AS (SELECT *, CASE {cases} END AS problem FROM v)
        SELECT __row, problem.col AS problem_column, problem.reason AS problem_reason, {outputs}, extra FROM c
    """  # noqa: S608 - built from the contract's column names only; file values are never inlined
    # DuckDB refuses unused parameters: pass only those the query names (typed columns need none).
    return sql, {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
