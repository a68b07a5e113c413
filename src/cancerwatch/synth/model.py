"""The statistical model of England-shaped synthetic pathways (one chunk at a time, vectorised).

Volumes and mixes follow NHS England's October 2023 national CWT figures: about 271,000
FDS pathways, 52,000 31-day treatments (56% first, 44% subsequent) and 24,000 62-day pathways a
month (USC 66%, screening 7%, breast symptomatic 0.5%, consultant upgrade 27%). Each row is one of
five kinds:

- ``ruled_out``: an FDS-route referral where cancer is ruled out (no treatment);
- ``diagnosed``: an FDS-route referral with cancer confirmed and a first treatment (FDS, 31, 62);
- ``upgrade``: a consultant upgrade with a first treatment (31, 62);
- ``other_first``: a first treatment after a non-urgent referral (31-day only);
- ``subsequent``: a subsequent treatment episode (31-day only).

Waits are log-normal with a per-provider effect, calibrated so that England's performance is near
2023/24's published levels (FDS ≈ 72%, 31-day ≈ 91%, 62-day ≈ 64%). Closed pathways are anchored
on their main clock stop (FDS outcome for ruled-out referrals, treatment otherwise), drawn uniformly
over the months covered, so each of those months is complete; the FDS stop of a pathway treated early
in the first month can fall a few weeks before it, so the months before ``start`` hold a partial
FDS count. Open pathways (about 5%) are drawn as waiting on the extract date, their later events
left empty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

import numpy as np

KINDS = ("ruled_out", "diagnosed", "upgrade", "other_first", "subsequent")
KIND_P = (0.828, 0.058, 0.021, 0.017, 0.076)
OPEN_SHARE = 0.05
HOME_SHARE = 0.85  # patients treated by a provider in their own area
IPT_SHARE = 0.20  # of 62-day pathways
FIRST_SEEN_ADJUSTED_SHARE = 0.03  # referrals with a first-seen adjustment (a missed first appointment)
TREATMENT_ADJUSTED_SHARE = 0.02  # treatments after a declined offer of admitted treatment (a pause)
ADJUSTMENT_MAX_DAYS = 14
TERTIARY_SHARE = 0.2  # largest providers, which receive transfers

ROUTES = ("urgent_suspected_cancer", "screening", "breast_symptomatic", "consultant_upgrade", "other")
RULED_OUT_ROUTE_P = (0.93, 0.035, 0.035, 0.0, 0.0)
DIAGNOSED_ROUTE_P = (0.897, 0.096, 0.007, 0.0, 0.0)
SUBSEQUENT_ROUTE_P = (0.70, 0.06, 0.01, 0.18, 0.05)

TUMOURS = (
    "Breast",
    "Skin",
    "Lower Gastrointestinal",
    "Urological - Prostate",
    "Urological - Other (a)",
    "Lung",
    "Gynaecological",
    "Head & Neck",
    "Upper Gastrointestinal - Oesophagus & Stomach",
    "Upper Gastrointestinal - Hepatobiliary",
    "Haematological - Lymphoma",
    "Haematological - Other (a)",
    "Other (a)",
)
TUMOUR_P = (0.17, 0.20, 0.15, 0.10, 0.05, 0.07, 0.07, 0.06, 0.04, 0.02, 0.02, 0.02, 0.03)
SCREENING_TUMOURS = (0, 2, 6)  # breast, bowel, cervical screening programmes
SCREENING_TUMOUR_P = (0.45, 0.45, 0.10)

MODALITIES = ("surgery", "anti_cancer_drug", "radiotherapy", "other")
FIRST_MODALITY_P = (0.45, 0.30, 0.18, 0.07)
SUBSEQUENT_MODALITY_P = (0.15, 0.45, 0.35, 0.05)
STAGES = ("1", "2", "3", "4", "unknown")
STAGE_P = (0.26, 0.20, 0.17, 0.22, 0.15)
EMERGENCY_SHARE = 0.06

PROVIDER_EFFECT_SD = 0.15  # log-scale spread of providers' waits (unwarranted variation)


@dataclass(frozen=True)
class Wait:
    """A log-normal wait in days, calibrated to a share within ``days`` nationally."""

    days: int
    target: float
    sigma: float

    def mu(self) -> float:
        """Log-scale location: P(floor(wait) ≤ days) = target, allowing for the provider effect."""
        spread = math.hypot(self.sigma, PROVIDER_EFFECT_SD)
        return math.log(self.days + 1) - spread * NormalDist().inv_cdf(self.target)

    def draw(self, rng: np.random.Generator, effect: np.ndarray) -> np.ndarray:
        """Whole days, one per row, with each row's provider effect on the log scale."""
        z = rng.standard_normal(effect.shape[0])
        return np.floor(np.exp(self.mu() + effect + self.sigma * z)).astype(np.int64)


#: 2023/24 national performance (NHS England CWT national time series): FDS ≈ 72%, 31-day ≈ 91%, 62-day ≈ 64%.
FDS_WAIT = Wait(days=28, target=0.72, sigma=0.6)
D31_WAIT = Wait(days=31, target=0.91, sigma=0.7)
D62_WAIT = Wait(days=62, target=0.64, sigma=0.45)


@dataclass(frozen=True)
class Context:
    """What every chunk shares: organisations, their sizes and effects, and the dates covered."""

    providers: tuple[str, ...]
    commissioners: tuple[str, ...]
    provider_p: np.ndarray
    provider_effect: np.ndarray
    home: np.ndarray
    tertiary: np.ndarray
    tertiary_p: np.ndarray
    start: int  # first day covered, days since 1970-01-01
    extract: int  # the extract date: the day after the last day covered


def _epoch(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def make_context(providers: list[str], commissioners: list[str], seed: int, start: date, end: date) -> Context:
    """Provider sizes, effects, home areas and transfer destinations, drawn once per seed."""
    rng = np.random.default_rng([seed, 0])
    size = rng.lognormal(0.0, 0.6, len(providers))
    p = size / size.sum()
    effect = rng.normal(0.0, PROVIDER_EFFECT_SD, len(providers))
    effect -= float(np.dot(p, effect))  # centred, so England's performance stays on target
    order = np.argsort(-size)
    tertiary = order[: max(1, int(len(providers) * TERTIARY_SHARE))]
    return Context(
        providers=tuple(providers),
        commissioners=tuple(commissioners),
        provider_p=p,
        provider_effect=effect,
        home=rng.integers(0, len(commissioners), len(providers)),
        tertiary=tertiary,
        tertiary_p=size[tertiary] / size[tertiary].sum(),
        start=_epoch(start),
        extract=_epoch(end),
    )


def draw_chunk(ctx: Context, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Column arrays for ``n`` pathways: codes as indices, dates as epoch days (-1 = empty)."""
    kind = rng.choice(len(KINDS), n, p=KIND_P)
    ruled_out, diagnosed, upgrade, other_first, subsequent = (kind == k for k in range(len(KINDS)))
    treated62 = diagnosed | upgrade
    first = rng.choice(len(ctx.providers), n, p=ctx.provider_p)
    effect = ctx.provider_effect[first]
    local = rng.random(n) < HOME_SHARE
    commissioner = np.where(local, ctx.home[first], rng.integers(0, len(ctx.commissioners), n))

    route = np.select(
        [ruled_out, diagnosed, upgrade, other_first],
        [
            rng.choice(len(ROUTES), n, p=RULED_OUT_ROUTE_P),
            rng.choice(len(ROUTES), n, p=DIAGNOSED_ROUTE_P),
            np.full(n, ROUTES.index("consultant_upgrade")),
            np.full(n, ROUTES.index("other")),
        ],
        rng.choice(len(ROUTES), n, p=SUBSEQUENT_ROUTE_P),
    )
    tumour = rng.choice(len(TUMOURS), n, p=TUMOUR_P)
    tumour = np.where(
        route == ROUTES.index("screening"),
        np.asarray(SCREENING_TUMOURS)[rng.choice(3, n, p=SCREENING_TUMOUR_P)],
        tumour,
    )
    tumour = np.where(route == ROUTES.index("breast_symptomatic"), 0, tumour)

    fds = FDS_WAIT.draw(rng, effect)
    d62 = D62_WAIT.draw(rng, effect)
    d31 = np.minimum(D31_WAIT.draw(rng, effect), np.where(treated62, d62, 1 << 20))
    gap = rng.integers(0, 61, n)  # other routes: referral to decision to treat
    # First-seen adjustments delay every event after referral; treatment adjustments (pauses after a
    # declined admitted offer) delay only the treatment, and apply to surgery only.
    adjust = np.where(
        (ruled_out | treated62) & (rng.random(n) < FIRST_SEEN_ADJUSTED_SHARE),
        rng.integers(1, ADJUSTMENT_MAX_DAYS + 1, n),
        0,
    )
    modality = np.where(subsequent, rng.choice(4, n, p=SUBSEQUENT_MODALITY_P), rng.choice(4, n, p=FIRST_MODALITY_P))
    pause = np.where(
        ~ruled_out & (modality == MODALITIES.index("surgery")) & (rng.random(n) < TREATMENT_ADJUSTED_SHARE),
        rng.integers(1, ADJUSTMENT_MAX_DAYS + 1, n),
        0,
    )

    none = np.full(n, -(1 << 40))  # offsets of events a pathway does not have
    # Offsets of each event from the base date (referral, or decision to treat for subsequent treatments).
    off_treat = np.select(
        [treated62, other_first, subsequent], [d62 + adjust + pause, gap + d31 + pause, d31 + pause], none
    )
    off_dtt = np.select([treated62, other_first, subsequent], [d62 - d31 + adjust, gap, 0], none)
    off_fds = np.select([ruled_out, diagnosed], [fds + adjust, np.minimum(fds, d62 - d31) + adjust], none)
    off_ref = np.where(subsequent, -rng.integers(30, 401, n), 0)
    ipt = treated62 & (rng.random(n) < IPT_SHARE)
    off_ipt = np.where(ipt, np.floor(rng.beta(2.0, 2.0, n) * 0.9 * d62).astype(np.int64), none)
    anchor = np.where(ruled_out, off_fds, off_treat)  # the clock stop of the pathway's main standard

    open_ = rng.random(n) < OPEN_SHARE
    span = ctx.extract - ctx.start
    stop = ctx.start + rng.integers(0, span, n)
    base = np.where(open_, ctx.extract - 1 - np.floor(rng.random(n) * np.maximum(anchor, 1)), stop - anchor)
    base = base.astype(np.int64)

    def at(offset: np.ndarray) -> np.ndarray:
        d = base + offset
        return np.where((offset > none) & (d < ctx.extract), d, -1)

    treatment, dtt, fds_end, ipt_date = at(off_treat), at(off_dtt), at(off_fds), at(off_ipt)
    pos = rng.choice(len(ctx.tertiary), n, p=ctx.tertiary_p)
    tertiary = ctx.tertiary[pos]
    # A transfer goes to another provider: the next tertiary centre, or the next provider if only one.
    other = ctx.tertiary[(pos + 1) % len(ctx.tertiary)] if len(ctx.tertiary) > 1 else (first + 1) % len(ctx.providers)
    tertiary = np.where(tertiary == first, other, tertiary)
    receiving = np.where(ipt & (tertiary != first), tertiary, first)
    treating = np.where((treatment >= 0) | (ipt_date >= 0), receiving, -1)
    has_kind = dtt >= 0
    cancer = ~ruled_out
    return {
        "first": first,
        "commissioner": commissioner,
        "route": route,
        "tumour": tumour,
        "referral": base + off_ref,
        "fds_end": fds_end,
        "fds_outcome": np.select([ruled_out & (fds_end >= 0), diagnosed & (fds_end >= 0)], [1, 0], -1),
        "dtt": dtt,
        "treatment": treatment,
        "treatment_kind": np.where(has_kind & cancer, np.where(subsequent, 1, 0), -1),
        "modality": np.where(has_kind & cancer, modality, -1),
        "treating": treating,
        "ipt_date": ipt_date,
        "first_seen_adjustment": adjust,
        "treatment_adjustment": np.where(treatment >= 0, pause, 0),
        "stage": np.where(cancer & (has_kind | (fds_end >= 0)), rng.choice(5, n, p=STAGE_P), -1),
        "emergency": cancer & (rng.random(n) < EMERGENCY_SHARE),
    }
