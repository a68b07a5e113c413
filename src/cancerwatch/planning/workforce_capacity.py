"""Weekly diagnostic capacity from the workforce: staff in post × sessions × productivity.

A pure function with no I/O, so that capacity planning can turn workforce figures (for example
``indicator_queries.staff_in_post``, FTE in post of a staff group from NHS workforce statistics)
into the number of tests a service can deliver in a week.

Assumptions, stated so that a plan can be challenged on them:

- ``staff_in_post_fte`` is the full-time-equivalent staff **who deliver the test** (for example
  consultant radiologists reporting CT, or endoscopists for colonoscopy), not the whole staff
  group; vacancies add no capacity until filled.
- a *session* is a half-day block of clinical time (a programmed activity of four hours in the
  2003 consultant contract). ``sessions_per_week_per_fte`` counts only sessions spent on this
  test, after other duties: a full-time consultant has ten programmed activities a week, of
  which a typical job plan gives about 7.5 to direct clinical care, not all of it diagnostic
  (NHS Employers, consultant contract guidance) [unverified: take the figure from local job plans].
- ``patients_per_session`` is the productivity of one session: patients (tests) completed, as
  booked on a list template, net of expected did-not-attends if the plan counts those elsewhere.
- ``availability`` is the share of weeks staff are available after annual leave, study leave and
  public holidays. The default of 1.0 gives *gross* weekly capacity in a working week; about
  42 working weeks in 52 (0.81) is a common planning convention [unverified].
- capacity is linear in each input: no economies of scale, no equipment or room constraint
  (a scanner or endoscopy room can cap capacity below what staff could deliver).
"""

from __future__ import annotations

import math

from cancerwatch.errors import UsageError


def _check(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"{name} must be a finite number, 0 or more (got {value!r})")
    return value


def weekly_capacity(
    staff_in_post_fte: float,
    sessions_per_week_per_fte: float,
    patients_per_session: float,
    *,
    availability: float = 1.0,
) -> float:
    """Tests deliverable in a week: FTE × sessions per FTE per week × patients per session × availability.

    >>> weekly_capacity(12, 4, 10)
    480.0
    >>> round(weekly_capacity(12, 4, 10, availability=42 / 52), 1)
    387.7
    """
    fte = _check("staff_in_post_fte", staff_in_post_fte)
    sessions = _check("sessions_per_week_per_fte", sessions_per_week_per_fte)
    productivity = _check("patients_per_session", patients_per_session)
    share = _check("availability", availability)
    if share > 1:
        raise UsageError(f"availability is a share of weeks, 0 to 1 (got {share!r})")
    return fte * sessions * productivity * share
