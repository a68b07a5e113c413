"""The views every page starts from, read once so that a server's first visitors do not wait.

``hold_common_views`` reads, through the functions the pages call, each headline standard's
monthly rows at every level (and by route), the SPC of England, every region and every Alliance
(the home page's matrix), every level's latest funnel, the wait bands and DM01 rows of every
level's latest month, the home page's digest and every level's escalation table (each annual
report reads its organisation's line from its level's). On a warehouse with views prepared at load time
(:mod:`.preparation`) this only decodes the prepared payloads into the reader's memo (one to three
seconds for the bundled data); otherwise it computes them.
"""

from __future__ import annotations

import contextlib
from datetime import date

from cancerwatch.accountability.escalation import rules
from cancerwatch.catalogue.organisations import LEVELS, UNMAPPED_CODE, default_basis
from cancerwatch.catalogue.standards import headline_standards
from cancerwatch.diagnostics_queries import LEVELS as DIAGNOSTICS_LEVELS
from cancerwatch.errors import CancerwatchError
from cancerwatch.read.changes import HOME_LEVELS, changes
from cancerwatch.read.context import Reader
from cancerwatch.read.diagnostics import level_month_diagnostics
from cancerwatch.read.escalation import escalation_table
from cancerwatch.read.figures import funnel_for, level_rows, period_starts, spc_for
from cancerwatch.read.org_panels import WAIT_STANDARDS
from cancerwatch.read.overview import MATRIX_LEVELS
from cancerwatch.read.waits import level_month_waits


def hold_common_views(reader: Reader) -> None:
    """Read the common views into ``reader``'s memo (a view that cannot be computed is skipped)."""
    for sid in headline_standards():
        spc_for(reader, sid, "national", None)
        for level in LEVELS:
            level_rows(reader, sid, level)
            level_rows(reader, sid, level, by="route")
            if level != "national":
                with contextlib.suppress(CancerwatchError):
                    funnel_for(reader, sid, level)
        for level in MATRIX_LEVELS:  # the home page's summary matrix: every region's and Alliance's SPC
            for code in sorted({r["org_code"] for r in level_rows(reader, sid, level)} - {UNMAPPED_CODE}):
                spc_for(reader, sid, level, code)
    for level in LEVELS:  # the panels of the month organisation pages open on
        starts = period_starts(level_rows(reader, headline_standards()[0], level))
        if not starts:
            continue
        month = date.fromisoformat(starts[0])
        for sid in WAIT_STANDARDS:
            level_month_waits(reader, sid, level, month)
        if level in DIAGNOSTICS_LEVELS:
            level_month_diagnostics(reader, level, month)
    with contextlib.suppress(CancerwatchError):
        changes(reader, levels=HOME_LEVELS)
    hold_escalation(reader)


ESCALATION_VIEWS = tuple((level, default_basis(level)) for level in LEVELS if level != "national")
"""Each level's escalation on the basis its organisations' reports judge it (England's report reads
the Alliances' and providers' on the same basis)."""


def hold_escalation(reader: Reader) -> None:
    """Every escalation rule for every headline standard at every level: the table of a level
    that every organisation's annual report (and England's) reads its own line from."""
    for sid in headline_standards():
        for rule_id in rules():
            for level, basis in ESCALATION_VIEWS:
                with contextlib.suppress(CancerwatchError):
                    escalation_table(reader, sid, level, rule_id, basis=basis, include_all=True)
