"""The record-level rules written again, independently, as a careful analyst would in pandas and in Polars.

Both take the pathways in memory (the contract's columns; text columns categorical, dates as
dates) and ``org_rollup``, and return the two outputs of the engine:

- ``facts``: ``FACT_COLUMNS`` of ``metrics.pathways.record_facts`` (provider and commissioner bases;
  the FDS breakdown by route × tumour group, the 31- and 62-day breakdowns by route × tumour group
  and by route × modality);
- ``levels``: ``LEVEL_COLUMNS`` of ``metrics.pathways.levels`` (every standard at every level of
  both bases, month by month, each patient once).

Rules (docs/record-level.md; CWT guidance v12.1; National Cancer Breach Allocation Guidance 2016):
FDS stop = earlier of FDS end and decision to treat, wait − first-seen adjustment ≤ 28; 31 days =
treatment − decision to treat − treatment adjustment ≤ 31; 62 days = treatment − referral − both
adjustments ≤ 62, shared between first and treating provider after a transfer (day 38, 24 days).
Waits never fall below zero. Missing organisations count as ``UNKNOWN``; organisations with no
parent at a level as ``UNMAPPED``.

"Careful" means what an analyst who knows the library would write: dates as integer day numbers,
text as categorical codes (one shared set of organisation codes), every rule vectorised (no Python
loop over rows), group-bys on small integer keys (``observed=True``, no sorting), the events summed
once to the finest grain and the breakdowns and levels rolled up from that small table, and text
decoded only on the results (as categoricals: no Python strings are built). Polars runs lazily, on
every core it is given, with its common-subplan elimination (``collect_all``).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import polars as pl

FDS_ROUTES = ("urgent_suspected_cancer", "screening", "breast_symptomatic")
D62_ROUTES = (*FDS_ROUTES, "consultant_upgrade")
#: Route ids of the facts: the referral routes, then the 31-day sub-categories.
ROUTES = ("urgent_suspected_cancer", "breast_symptomatic", "screening", "consultant_upgrade", "first_treatment",
          "subsequent_treatment")  # fmt: skip
STANDARDS = ("fds", "31d", "62d")
BASES = ("provider", "commissioner")
BREAKDOWNS = ("fds", "cancer_type", "modality")
SCHEMES = ("fds_suspected", "2022", "2023")
RECLASSIFICATION = date(2023, 10, 1)
UNKNOWN, UNMAPPED, ENGLAND = "UNKNOWN", "UNMAPPED", "ENG"
LEVELS = {
    "provider": ("national", "region", "alliance", "icb", "provider"),
    "commissioner": ("national", "region", "alliance", "icb", "sub_icb"),
}
FACT_COLUMNS = [
    "basis", "period", "standard", "org_code", "route", "modality", "cancer_type", "tumour_scheme",
    "breakdown", "total", "within_standard", "breaches",
]  # fmt: skip
LEVEL_COLUMNS = ["standard", "basis", "level", "period_start", "unit_code", "total", "within_standard", "breaches"]
ORGS = ("first_provider_code", "treating_provider_code", "commissioner_code")
CATEGORICAL = ("route", "tumour_group", "treatment_kind", "treatment_modality", *ORGS)
DATES = ("referral_date", "fds_end_date", "decision_to_treat_date", "treatment_date", "ipt_date")
ADJUSTMENTS = ("first_seen_adjustment_days", "treatment_adjustment_days")
COLUMNS = (*CATEGORICAL, *DATES, *ADJUSTMENTS)


# --- pandas --------------------------------------------------------------------------------------

_NONE = np.iinfo(np.int64).min  # a missing date, as a day number
_EPOCH_MONTH = np.datetime64("1970-01", "M")


def pandas_frame(table) -> pd.DataFrame:
    """The pathways (an Arrow table) as the analyst holds them: categorical text, datetime64 dates."""
    df = table.select(list(COLUMNS)).to_pandas()
    for c in CATEGORICAL:
        df[c] = df[c].astype("category")
    for c in DATES:
        df[c] = pd.to_datetime(df[c])
    return df


def _days(s: pd.Series) -> np.ndarray:
    """Day numbers (days since 1970-01-01) of a datetime column; missing → ``_NONE``."""
    return s.to_numpy(dtype="datetime64[D]").view(np.int64)


def _month(days: np.ndarray) -> np.ndarray:
    """Month numbers (months since January 1970) of day numbers (missing days give any month)."""
    return days.view("datetime64[D]").astype("datetime64[M]").view(np.int64).astype(np.int32)


def _codes(s: pd.Series, categories) -> np.ndarray:
    """Codes of a categorical column against ``categories`` (−1 where missing or not listed)."""
    return s.cat.set_categories(categories).cat.codes.to_numpy()


def _sum(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.groupby(keys, sort=False, observed=True)[["total", "within"]].sum().reset_index()


def pandas_record(df: pd.DataFrame, rollup: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(facts, levels) from the pathways, in pandas."""
    orgs = pd.Index(sorted(set().union(*(df[c].cat.categories for c in ORGS), {UNKNOWN})))
    unknown = orgs.get_loc(UNKNOWN)
    first, treating, comm = (_codes(df[c], orgs).astype(np.int16) for c in ORGS)
    first_or_unknown = np.where(first < 0, unknown, first)
    comm = np.where(comm < 0, unknown, comm)
    route = _codes(df.route, ROUTES)
    kind = _codes(df.treatment_kind, ("first", "subsequent"))
    cancer = df.tumour_group.cat.codes.to_numpy().astype(np.int16)
    modality = df.treatment_modality.cat.codes.to_numpy().astype(np.int16)
    ref, end, dtt, treat, ipt = (_days(df[c]) for c in DATES)
    fs, ta = (df[c].fillna(0).to_numpy(np.int64) for c in ADJUSTMENTS)
    fds_routes = np.isin(route, [ROUTES.index(r) for r in FDS_ROUTES])

    # FDS: the FDS routes, not a subsequent-treatment row, clock stopped (earlier of FDS end and DTT).
    stop = np.where(end == _NONE, dtt, np.where(dtt == _NONE, end, np.minimum(end, dtt)))
    fds = fds_routes & (kind != 1) & (stop != _NONE)
    fds_within = np.maximum(stop - ref - fs, 0) <= 28
    # 31 days: every first or subsequent treatment with both dates; the treating provider, else the first.
    d31 = (kind >= 0) & (dtt != _NONE) & (treat != _NONE)
    d31_within = np.maximum(treat - dtt - ta, 0) <= 31
    d31_org = np.where(treating >= 0, treating, first_or_unknown)
    d31_route = np.where(kind == 0, ROUTES.index("first_treatment"), ROUTES.index("subsequent_treatment"))
    # 62 days: first treatments on the four routes; shares between first and treating provider.
    d62 = (kind == 0) & (fds_routes | (route == ROUTES.index("consultant_upgrade"))) & (treat != _NONE)
    d62_within = np.maximum(treat - ref - fs - ta, 0) <= 62
    transfer = (ipt != _NONE) & (treating >= 0) & (treating != first)
    share = np.select([~transfer, d62_within, ipt - ref <= 38, treat - ipt <= 24], [1.0, 0.5, 0.0, 1.0], 0.5)
    treating_or_unknown = np.where(treating >= 0, treating, unknown)
    stop_month, treat_month = _month(stop), _month(treat)

    parts = [  # (mask, standard, route, month, provider, weight, within, modality)
        (fds, 0, route, stop_month, first_or_unknown, 1.0, fds_within, -1),
        (d31, 1, d31_route, treat_month, d31_org, 1.0, d31_within, modality),
        (d62 & (share > 0), 2, route, treat_month, first_or_unknown, share, d62_within, modality),
        (d62 & (share < 1), 2, route, treat_month, treating_or_unknown, 1.0 - share, d62_within, modality),
    ]

    def column(i: int, dtype) -> np.ndarray:
        return np.concatenate([np.broadcast_to(np.asarray(p[i], dtype=dtype), p[0].shape)[p[0]] for p in parts])

    weight = column(5, np.float64)
    events = pd.DataFrame({
        "standard": column(1, np.int8), "route": column(2, np.int8),
        "cancer": np.concatenate([cancer[p[0]] for p in parts]), "modality": column(7, np.int16),
        "month": column(3, np.int32),
        "provider": column(4, np.int16), "commissioner": np.concatenate([comm[p[0]] for p in parts]),
        "total": weight, "within": np.where(column(6, bool), weight, 0.0),
    })  # fmt: skip

    fine_keys = ["standard", "route", "cancer", "modality", "month", "org"]
    facts, cubes = [], []
    for b, basis in enumerate(BASES):
        fine = _sum(events.rename(columns={basis: "org"}), fine_keys)
        fds_rows = fine[fine.standard == 0]
        treated = fine[fine.standard > 0]
        by_cancer = _sum(treated, ["standard", "route", "cancer", "month", "org"]).assign(modality=np.int16(-1))
        by_modality = _sum(treated, ["standard", "route", "modality", "month", "org"]).assign(cancer=np.int16(-1))
        for k, t in enumerate((fds_rows, by_cancer, by_modality)):
            facts.append(t.assign(basis=np.int8(b), breakdown=np.int8(k)))
        headline = pd.concat([fds_rows, by_cancer], ignore_index=True)
        cubes.append(_sum(headline, ["standard", "month", "org"]))

    f = pd.concat(facts, ignore_index=True)
    month = f.month.to_numpy()
    std = f.standard.to_numpy()
    has_cancer = f.cancer.to_numpy() >= 0
    scheme = np.where(~has_cancer, -1, np.where(std == 0, 0, np.where(month >= _month_number(RECLASSIFICATION), 2, 1)))
    facts_out = pd.DataFrame({
        "basis": pd.Categorical.from_codes(f.basis, BASES), "period": _periods(month),
        "standard": pd.Categorical.from_codes(std, STANDARDS), "org_code": pd.Categorical.from_codes(f.org, orgs),
        "route": pd.Categorical.from_codes(f.route, ROUTES),
        "modality": pd.Categorical.from_codes(f.modality, df.treatment_modality.cat.categories),
        "cancer_type": pd.Categorical.from_codes(f.cancer, df.tumour_group.cat.categories),
        "tumour_scheme": pd.Categorical.from_codes(scheme, SCHEMES),
        "breakdown": pd.Categorical.from_codes(f.breakdown, BREAKDOWNS),
        "total": f.total, "within_standard": f.within, "breaches": f.total - f.within,
    })  # fmt: skip
    return facts_out, _pandas_levels(cubes, orgs, rollup)


def _month_number(d: date) -> int:
    return (d.year - 1970) * 12 + d.month - 1


def _periods(months: np.ndarray) -> np.ndarray:
    return (months.astype(np.int64).view("datetime64[M]")).astype("datetime64[D]")


def _pandas_levels(cubes: list[pd.DataFrame], orgs: pd.Index, rollup: pd.DataFrame) -> pd.DataFrame:
    """Every level of both bases from the per-basis cubes (standard × month × organisation code)."""
    units = pd.Index([ENGLAND, UNMAPPED, *orgs, *sorted(set(rollup.parent_code) - set(orgs))]).unique()
    levels = []
    for basis, cube in zip(BASES, cubes, strict=True):
        periods = _periods(cube.month.to_numpy())
        for level in LEVELS[basis]:
            if level == "national":
                unit = np.zeros(len(cube), dtype=np.int64)
            elif level == "provider":
                unit = units.get_indexer(orgs[cube.org.to_numpy()])
            else:
                r = rollup[(rollup.basis == basis) & (rollup.level == level)]
                m = pd.DataFrame({"row": np.arange(len(cube)), "org_code": orgs[cube.org.to_numpy()],
                                  "period": periods})  # fmt: skip
                m = m.merge(r, on="org_code")
                m = m[(m.period >= m.valid_from) & (m.valid_to.isna() | (m.period <= m.valid_to))]
                unit = np.ones(len(cube), dtype=np.int64)
                unit[m.row.to_numpy()] = units.get_indexer(m.parent_code)
            s = _sum(cube.assign(unit=unit), ["standard", "month", "unit"])
            levels.append(s.assign(basis=BASES.index(basis), level=level))
    out = pd.concat(levels, ignore_index=True)
    names = sorted({lv for lvs in LEVELS.values() for lv in lvs})
    return pd.DataFrame({
        "standard": pd.Categorical.from_codes(out.standard, STANDARDS),
        "basis": pd.Categorical.from_codes(out.basis, BASES),
        "level": pd.Categorical(out.level, categories=names), "period_start": _periods(out.month.to_numpy()),
        "unit_code": pd.Categorical.from_codes(out.unit, units), "total": out.total,
        "within_standard": out.within, "breaches": out.total - out.within,
    })  # fmt: skip


# --- Polars --------------------------------------------------------------------------------------


def polars_frame(table) -> pl.DataFrame:
    """The pathways (an Arrow table) as the analyst holds them in Polars: categorical text, dates."""
    df = pl.from_arrow(table.select(list(COLUMNS)))
    return df.with_columns(pl.col(c).cast(pl.Categorical) for c in CATEGORICAL)


def polars_record(df: pl.DataFrame, rollup: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(facts, levels) from the pathways, in Polars (every core; reused intermediate tables materialised)."""
    c = pl.col
    org_names = set().union(*(df[col].drop_nulls().unique().cast(pl.String) for col in ORGS), {UNKNOWN})
    orgs = pl.Enum(sorted(org_names))
    route_enum = pl.Enum(list(ROUTES))
    day = {d: c(d).cast(pl.Int32) for d in DATES}  # Polars dates are day numbers already
    ref, end, dtt, treat, ipt = (day[d] for d in DATES)
    fs = c("first_seen_adjustment_days").fill_null(0)
    ta = c("treatment_adjustment_days").fill_null(0)
    route, kind = c("route"), c("treatment_kind")
    first, treating = c("first_provider_code").cast(orgs), c("treating_provider_code").cast(orgs)
    unknown = pl.lit(UNKNOWN, orgs)
    first_or_unknown = first.fill_null(unknown)
    comm = c("commissioner_code").cast(orgs).fill_null(unknown)
    lf = df.lazy()

    stop = pl.min_horizontal(end, dtt)  # ignores nulls: the earlier of the two present
    base = {"cancer": c("tumour_group"), "commissioner": comm}
    fds = lf.filter(route.is_in(FDS_ROUTES) & (kind.is_null() | (kind != "subsequent")) & stop.is_not_null()).select(
        standard=pl.lit(0, pl.Int8), route=route.cast(pl.String).cast(route_enum), **base,
        modality=pl.lit(None, df.schema["treatment_modality"]), month=stop.cast(pl.Date).dt.truncate("1mo"),
        provider=first_or_unknown,
        weight=pl.lit(1.0), within=pl.max_horizontal(stop - ref - fs, 0) <= 28,
    )  # fmt: skip
    d31 = lf.filter(kind.is_in(("first", "subsequent")) & dtt.is_not_null() & treat.is_not_null()).select(
        standard=pl.lit(1, pl.Int8),
        route=pl.when(kind == "first").then(pl.lit("first_treatment")).otherwise(pl.lit("subsequent_treatment"))
        .cast(route_enum), **base, modality=c("treatment_modality"), month=c("treatment_date").dt.truncate("1mo"),
        provider=treating.fill_null(first_or_unknown), weight=pl.lit(1.0),
        within=pl.max_horizontal(treat - dtt - ta, 0) <= 31,
    )  # fmt: skip
    within62 = pl.max_horizontal(treat - ref - fs - ta, 0) <= 62
    transfer = ipt.is_not_null() & treating.is_not_null() & (treating.ne_missing(first))
    share = (
        pl.when(~transfer).then(1.0).when(within62).then(0.5).when(ipt - ref <= 38).then(0.0)
        .when(treat - ipt <= 24).then(1.0).otherwise(0.5)
    )  # fmt: skip
    d62 = lf.filter((kind == "first") & route.is_in(D62_ROUTES) & treat.is_not_null()).select(
        standard=pl.lit(2, pl.Int8), route=route.cast(pl.String).cast(route_enum), **base,
        modality=c("treatment_modality"), month=c("treatment_date").dt.truncate("1mo"), first=first_or_unknown,
        treating=treating.fill_null(unknown), share=share, within=within62,
    )  # fmt: skip
    keep = ["standard", "route", "cancer", "modality", "month", "provider", "commissioner", "weight", "within"]
    events = pl.concat([
        fds.select(keep), d31.select(keep),
        d62.filter(c("share") > 0).with_columns(provider=c("first"), weight=c("share")).select(keep),
        d62.filter(c("share") < 1).with_columns(provider=c("treating"), weight=1.0 - c("share")).select(keep),
    ]).with_columns(within_w=pl.when(c("within")).then(c("weight")).otherwise(0.0))  # fmt: skip
    # Materialised once: the lazy engine would recompute the events (and each basis's fine sums) for
    # every result that uses them.
    events = events.collect().lazy()

    sums = [c("total").sum(), c("within").sum()]
    cols = ["basis", "standard", "route", "cancer", "modality", "month", "org_code", "total", "within", "breakdown"]
    facts, cubes = [], []
    for basis in BASES:
        fine = (
            events.group_by(["standard", "route", "cancer", "modality", "month", basis])
            .agg(total=c("weight").sum(), within=c("within_w").sum())
            .rename({basis: "org_code"})
            .with_columns(basis=pl.lit(basis))
        )
        fine = fine.collect().lazy()
        treated = fine.filter(c("standard") != 0)
        fds_rows = fine.filter(c("standard") == 0).with_columns(breakdown=pl.lit("fds"))
        by_cancer = treated.group_by(["basis", "standard", "route", "cancer", "month", "org_code"]).agg(sums)
        by_cancer = by_cancer.with_columns(modality=pl.lit(None, df.schema["treatment_modality"]),
                                           breakdown=pl.lit("cancer_type"))  # fmt: skip
        by_modality = treated.group_by(["basis", "standard", "route", "modality", "month", "org_code"]).agg(sums)
        by_modality = by_modality.with_columns(cancer=pl.lit(None, df.schema["tumour_group"]),
                                               breakdown=pl.lit("modality"))  # fmt: skip
        parts = [fds_rows.select(cols), by_cancer.select(cols), by_modality.select(cols)]
        facts.extend(parts)
        cubes.append((basis, pl.concat(parts[:2]).group_by(["standard", "month", "org_code"]).agg(sums)))
    f = pl.concat(facts)
    scheme = (
        pl.when(c("cancer").is_null()).then(None).when(c("standard") == 0).then(pl.lit("fds_suspected"))
        .when(c("month") >= RECLASSIFICATION).then(pl.lit("2023")).otherwise(pl.lit("2022"))
    )  # fmt: skip
    standard = c("standard").replace_strict(list(range(len(STANDARDS))), list(STANDARDS), return_dtype=pl.String)
    facts_out = f.select(
        "basis", period=c("month"), standard=standard, org_code="org_code", route="route", modality="modality",
        cancer_type="cancer", tumour_scheme=scheme, breakdown="breakdown", total="total", within_standard="within",
        breaches=c("total") - c("within"),
    )  # fmt: skip

    r = rollup.lazy().with_columns(org_code=c("org_code").cast(orgs, strict=False))
    levels = []
    for basis, cube in cubes:
        for level in LEVELS[basis]:
            if level == "national":
                t = cube.with_columns(unit_code=pl.lit(ENGLAND))
            elif level == "provider":
                t = cube.with_columns(unit_code=c("org_code").cast(pl.String))
            else:
                parents = r.filter((c("basis") == basis) & (c("level") == level))
                valid = (c("month") >= c("valid_from")) & (c("valid_to").is_null() | (c("month") <= c("valid_to")))
                mapped = cube.join(parents, on="org_code").filter(valid).select("standard", "month", "org_code",
                                                                               "parent_code")  # fmt: skip
                t = cube.join(mapped, on=["standard", "month", "org_code"], how="left")
                t = t.with_columns(unit_code=c("parent_code").fill_null(UNMAPPED))
            levels.append(
                t.group_by(["standard", "month", "unit_code"]).agg(sums).select(
                    standard=standard, basis=pl.lit(basis), level=pl.lit(level), period_start=c("month"),
                    unit_code="unit_code", total="total", within_standard="within",
                    breaches=c("total") - c("within"),
                )
            )  # fmt: skip
    out = pl.collect_all([facts_out, pl.concat(levels)])
    return out[0], out[1]
