"""The record-level pathway contract (docs/record-level.md) and its validation, as one DuckDB query.

Every row is checked in SQL; the first problem found (in the order of :func:`check_sql`) names the
column and the reason, and the row goes to quarantine. The SQL is assembled only from the contract's
own column names below; the file's column names never enter it (the reader renames columns in
Arrow first) and enum lists and JSON keys are passed as parameters.
"""

from __future__ import annotations

import re

import pyarrow as pa

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
    ("adjustment_days", "int"),
    ("stage", "enum"),
    ("emergency_presentation", "bool"),
)
KINDS = dict(COLUMNS)
#: Columns a file may leave out: a default (adjustment 0) or enrichment only. Every other contract
#: column must be present (its cells may be empty where the contract says optional), so that a
#: misspelt header is an error rather than a silently empty clock.
OPTIONAL_COLUMNS = frozenset({"adjustment_days", "stage", "emergency_presentation"})
REQUIRED_COLUMNS = tuple(c for c, _ in COLUMNS if c not in OPTIONAL_COLUMNS)
DATE_COLUMNS = tuple(c for c, k in COLUMNS if k == "date")
#: Dates that cannot precede the clock start (docs/record-level.md, input contract; docs/cwt-rules.md, clock rules),
#: checked in this order.
AFTER_REFERRAL = ("fds_end_date", "decision_to_treat_date", "treatment_date", "ipt_date")

_TYPES = {"text": pa.string(), "code": pa.string(), "enum": pa.string(), "date": pa.date32()}
_TYPES.update({"int": pa.int32(), "bool": pa.bool_()})
#: Arrow schema of ``ParsedFile.pathways``: the ``pathways`` table without ``source_id``.
PATHWAY_SCHEMA = pa.schema([(c, _TYPES[k]) for c, k in COLUMNS] + [("extra", pa.string())])

DATE_RE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
INT_RE = "-?[0-9]{1,6}"


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
        return r, "false"
    if kind == "code":
        return f"upper({r})", "false"
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


def _text(expr: str) -> str:
    """A SQL fragment quoting a cell value in a message, as Python's repr would: 'value'."""
    quote = _lit("'")
    return f"{quote} || left({expr}, 40) || {quote}"


def _problem(col: str, *parts: str) -> str:
    """A struct naming the column and the reason; ``parts`` are SQL fragments joined with ``||``."""
    return f"{{'col': '{col}', 'reason': {' || '.join(parts)}}}"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _checks(bad: dict[str, str]) -> list[tuple[str, str]]:
    """(condition, problem) pairs in priority order: the first true one is the row's reason."""
    out = [
        ("r_pathway_id IS NULL", _problem("pathway_id", _lit("pathway_id is empty"))),
        ("r_referral_date IS NULL", _problem("referral_date", _lit("referral_date is empty (no clock start)"))),
    ]
    for col in DATE_COLUMNS:
        reason = (_lit(f"{col} "), _text(f"r_{col}"), _lit(" is not a date (expected YYYY-MM-DD)"))
        out.append((bad[col], _problem(col, *reason)))
    out.append(("r_route IS NULL", _problem("route", _lit("route is empty"))))
    for col in ENUMS:
        out.append((bad[col], _problem(col, _lit(f"unknown {col} "), _text(f"r_{col}"))))
    adj = "adjustment_days"
    out += [
        (bad[adj], _problem(adj, _lit(f"{adj} "), _text(f"r_{adj}"), _lit(" is not a whole number of days"))),
        (f"v_{adj} < 0", _problem(adj, _lit(f"{adj} "), f"v_{adj}", _lit(" is negative"))),
    ]
    emergency = "emergency_presentation"
    out.append(
        (
            bad[emergency],
            _problem(emergency, _lit(f"{emergency} "), _text(f"r_{emergency}"), _lit(" is not true or false")),
        )
    )
    duplicate = (_lit("duplicate pathway_id "), _text("r_pathway_id"), _lit(" (first at row "), "first_row", _lit(")"))
    out.append(("__row > first_row", _problem("pathway_id", *duplicate)))
    for col, earlier in [(c, "referral_date") for c in AFTER_REFERRAL] + [("treatment_date", "decision_to_treat_date")]:
        reason = (_lit(f"{col} "), f"v_{col}", _lit(f" is before {earlier} "), f"v_{earlier}")
        out.append((f"v_{col} < v_{earlier}", _problem(col, *reason)))
    return out


def check_sql(present: dict[str, pa.DataType], extras: list[str]) -> tuple[str, dict]:
    """SQL creating temp table ``checked`` from registered table ``src``, and its parameters.

    ``present`` maps each contract column found in the file to its Arrow type; ``extras`` are the
    renamed extra columns (``__x0`` …) whose original names are passed as JSON-key parameters.
    """
    params: dict[str, object] = {f"{c}_values": list(v) for c, v in ENUMS.items()}
    params.update(true_words=list(TRUE_WORDS), false_words=list(FALSE_WORDS))
    raws = ", ".join(f"{_raw(c, k, present)} AS r_{c}" for c, k in COLUMNS)
    typed, bad = [], {}
    for col, kind in COLUMNS:
        val, bad[col] = _typed(col, kind, present)
        typed.append(f"{val} AS v_{col}")
    if extras:
        pairs = []
        for i, name in enumerate(extras):
            params[f"k{i}"] = name
            pairs.append(f"$k{i}, CAST({_q(f'__x{i}')} AS VARCHAR)")
        extra = f"CAST(json_object({', '.join(pairs)}) AS VARCHAR)"
    else:
        extra = "NULL::VARCHAR"
    cases = "\n".join(f"WHEN {cond} THEN {problem}" for cond, problem in _checks(bad))
    outputs = ", ".join(
        "coalesce(v_adjustment_days, 0) AS adjustment_days" if c == "adjustment_days" else f"v_{c} AS {c}"
        for c, _ in COLUMNS
    )
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
