"""``compute_funnel``: funnel-plot rows for many organisations in one period, and limit curves.

Replicates FunnelPlotR 0.6.0 (NHS-R Community) ``funnel_plot(data_type = "PR")`` by default:
pooled target, arcsine limits at 95% and 99.8%, winsorised φ and additive τ² (``R/funnel_plot.R``,
``R/od_adjustment.R``; docs/methods.md, "Funnel plots"). Output field names follow the
``cancerwatch funnel`` command (docs/cli.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from cancerwatch.analytics.funnel.limits import METHODS, Z95, Z998, proportion_limits
from cancerwatch.analytics.funnel.overdispersion import (
    TRIM_BY,
    arcsine_z_scores,
    estimate_overdispersion,
    proportion_z_scores,
)

CURVE_POINTS = 400
"""Points on the drawn limit curves (FunnelPlotR uses 1,000 evenly spaced; a geometric grid of 400
draws the steep small-n end as smoothly)."""

CURVE_MIN_DENOMINATOR = 3.0
"""Smallest denominator drawn, as FunnelPlotR's grid for proportions (``x`` from 3)."""


@dataclass(frozen=True)
class FunnelRow:
    """One organisation, with exactly the ``cancerwatch funnel`` fields plus ``target``."""

    org_code: str
    org_name: str
    numerator: float
    denominator: float
    performance: float | None
    lower95: float | None
    upper95: float | None
    lower998: float | None
    upper998: float | None
    outlier: str
    phi: float | None
    tau2: float | None
    target: float | None

    def to_dict(self) -> dict:
        """The row as a dict (NaN → ``None``)."""
        return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class FunnelCurves:
    """Limit curves on a grid of denominators, for drawing."""

    denominator: list[float]
    lower95: list[float]
    upper95: list[float]
    lower998: list[float]
    upper998: list[float]
    target: float

    def to_rows(self) -> list[dict]:
        """One dict per grid point."""
        keys = ("denominator", "lower95", "upper95", "lower998", "upper998")
        return [dict(zip(keys, values, strict=True)) for values in zip(*(getattr(self, k) for k in keys), strict=True)]


@dataclass(frozen=True)
class FunnelResult:
    """Rows (input order), the centre line used, φ, τ², whether adjusted limits were used, and the
    pooled proportion Σx/Σn that φ and τ² were estimated around (equal to ``target`` unless a
    target was given).

    Iterating over the result yields the row dicts, so ``for row in compute_funnel(...)`` works.
    """

    rows: list[FunnelRow]
    target: float
    phi: float
    tau2: float
    adjusted: bool
    method: str
    pooled: float | None = None

    def to_rows(self) -> list[dict]:
        """One dict per organisation (the ``cancerwatch funnel`` fields plus ``target``)."""
        return [r.to_dict() for r in self.rows]

    def __iter__(self) -> Iterator[dict]:
        return iter(self.to_rows())

    def __len__(self) -> int:
        return len(self.rows)

    def curves(self, *, max_denominator: float | None = None, points: int = CURVE_POINTS) -> FunnelCurves:
        """The limits this result used, drawn from n = 3 up to the largest denominator."""
        top = max_denominator or max((r.denominator for r in self.rows), default=CURVE_MIN_DENOMINATOR)
        return funnel_curves(
            self.target, top, tau2=self.tau2 if self.adjusted else 0.0, method=self.method, points=points
        )


Unit = Sequence | Mapping


def _unit(u: Unit) -> tuple[str, str, float, float]:
    if isinstance(u, Mapping):
        code, name, x, n = u["org_code"], u.get("org_name", u["org_code"]), u["numerator"], u["denominator"]
    else:
        code, name, x, n = u
    x, n = float(x), float(n)
    if not (math.isfinite(x) and math.isfinite(n)) or x < 0 or n < 0 or x > n:
        raise ValueError(f"{code}: need finite counts with 0 <= numerator <= denominator, got {x} / {n}")
    return str(code), str(name), x, n


def _limits(target: float, n: np.ndarray, method: str, tau2: float) -> list[np.ndarray]:
    low95, high95 = proportion_limits(target, n, Z95, method=method, tau2=tau2)
    low998, high998 = proportion_limits(target, n, Z998, method=method, tau2=tau2)
    return [low95, high95, low998, high998]


def compute_funnel(
    units: Iterable[Unit],
    *,
    target: float | None = None,
    overdispersion: bool = False,
    method: str = "arcsine",
    trim_by: float = TRIM_BY,
) -> FunnelResult:
    """Funnel-plot rows for proportions, one per organisation.

    ``units``: ``(org_code, org_name, numerator, denominator)`` tuples or mappings with those keys;
    counts may be fractional (half patients). ``target``: the centre line the limits are drawn
    around; ``None`` uses the pooled proportion Σx/Σn (FunnelPlotR). Limits at 95% and 99.8% by
    ``method`` (``arcsine`` = FunnelPlotR "PR", ``normal``, ``exact`` binomial; docs/methods.md).

    φ and τ² are always estimated around the **pooled** proportion, whatever the target: z-scores
    of each unit against Σx/Σn on the method's scale (the exact method uses the normal scale),
    winsorised at ``trim_by`` and ``1 − trim_by``, as FunnelPlotR's ``transformed_zscore`` does for
    proportions. They measure how much the units vary among themselves; measured around a target
    the units do not share (an operational standard), they would count the distance to the
    standard as overdispersion. φ and τ² are reported on every row. With ``overdispersion=True``
    and φ > 1 the limits are the additive-τ² adjusted ones around the target; otherwise
    unadjusted. The exact method has no adjusted form, so ``overdispersion=True`` with it raises
    ``ValueError``.

    ``outlier`` is ``high`` or ``low`` when the performance is strictly outside the 99.8% limits
    (equality is inside, as FunnelPlotR), else empty. Units with a zero denominator get no
    performance or limits, are never outliers and do not count in φ.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if overdispersion and method == "exact":
        raise ValueError("exact binomial limits have no overdispersion-adjusted form; use arcsine or normal")
    parsed = [_unit(u) for u in units]
    if not parsed:
        raise ValueError("no organisations to compare")
    x = np.array([p[2] for p in parsed])
    n = np.array([p[3] for p in parsed])
    if n.sum() <= 0:
        raise ValueError("every denominator is zero")
    pooled = float(x.sum() / n.sum())
    p0 = pooled if target is None else float(target)
    if not 0.0 <= p0 <= 1.0:
        raise ValueError(f"target must be a proportion within [0, 1], got {p0}")

    z_scores = arcsine_z_scores if method == "arcsine" else proportion_z_scores
    z, s = z_scores(x, n, pooled)
    od = estimate_overdispersion(z, s, trim="winsorise", trim_by=trim_by)
    adjusted = overdispersion and np.isfinite(od.phi) and od.phi > 1
    low95, high95, low998, high998 = _limits(p0, n, method, od.tau2 if adjusted else 0.0)

    rows = []
    for i, (code, name, xi, ni) in enumerate(parsed):
        perf = xi / ni if ni > 0 else None
        outlier = ""
        if perf is not None and perf > high998[i]:
            outlier = "high"
        elif perf is not None and perf < low998[i]:
            outlier = "low"
        rows.append(
            FunnelRow(
                org_code=code,
                org_name=name,
                numerator=xi,
                denominator=ni,
                performance=perf,
                lower95=float(low95[i]),
                upper95=float(high95[i]),
                lower998=float(low998[i]),
                upper998=float(high998[i]),
                outlier=outlier,
                phi=od.phi,
                tau2=od.tau2,
                target=p0,
            )
        )
    return FunnelResult(
        rows=rows, target=p0, phi=od.phi, tau2=od.tau2, adjusted=bool(adjusted), method=method, pooled=pooled
    )


def funnel_curves(
    target: float,
    max_denominator: float,
    *,
    tau2: float = 0.0,
    method: str = "arcsine",
    points: int = CURVE_POINTS,
    min_denominator: float = CURVE_MIN_DENOMINATOR,
) -> FunnelCurves:
    """95% and 99.8% limits on a geometric grid of denominators from ``min_denominator`` to
    ``max_denominator`` (both included), for drawing the funnel. ``tau2 > 0`` draws the adjusted
    limits (arcsine or normal scale, as ``method``)."""
    if points < 2:
        raise ValueError("need at least two grid points")
    top = max(float(max_denominator), min_denominator)
    grid = np.unique(np.geomspace(min(min_denominator, top), top, points))
    low95, high95, low998, high998 = _limits(float(target), grid, method, tau2)
    return FunnelCurves(
        denominator=grid.tolist(),
        lower95=low95.tolist(),
        upper95=high95.tolist(),
        lower998=low998.tolist(),
        upper998=high998.tolist(),
        target=float(target),
    )
