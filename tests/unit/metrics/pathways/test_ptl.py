"""Patient tracking list: which pathways are open on a date, their clock, milestone and flags."""

from __future__ import annotations

from datetime import date

from cancerwatch.metrics.pathways import ptl

from .conftest import day, pathway, table


def rows_on(backend, rows, as_of):
    out = backend.to_pyarrow(ptl.ptl_rows(table(rows), as_of)).to_pylist()
    return {r["pathway_id"]: r for r in out}


def test_open_and_closed_pathways(backend):
    rows = [
        pathway(pathway_id="waiting_fds"),
        pathway(pathway_id="ruled_out", fds_end_date=day(20), fds_outcome="cancer_ruled_out"),
        pathway(pathway_id="confirmed", fds_end_date=day(20), fds_outcome="cancer_confirmed"),
        pathway(pathway_id="decided", fds_end_date=day(20), decision_to_treat_date=day(50), treatment_kind="first"),
        pathway(pathway_id="treated", decision_to_treat_date=day(50), treatment_date=day(90), treatment_kind="first"),
        pathway(pathway_id="treated_later", decision_to_treat_date=day(50), treatment_date=day(110)),
        pathway(pathway_id="not_yet_referred", referral_date=day(101)),
        pathway(pathway_id="subsequent", treatment_kind="subsequent", decision_to_treat_date=day(80)),
        pathway(pathway_id="other_route_decided", route="other", decision_to_treat_date=day(70)),
        pathway(pathway_id="other_route_waiting", route="other"),
        pathway(pathway_id="upgrade", route="consultant_upgrade", referral_date=day(30)),
    ]
    got = rows_on(backend, rows, day(100))
    assert set(got) == {
        "waiting_fds",
        "confirmed",
        "decided",
        "treated_later",
        "subsequent",
        "other_route_decided",
        "upgrade",
    }
    assert {k: (r["standard"], r["days_waiting"], r["next_milestone"]) for k, r in got.items()} == {
        "waiting_fds": ("62d", 100, "faster_diagnosis"),
        "confirmed": ("62d", 100, "decision_to_treat"),
        "decided": ("62d", 100, "treatment"),
        "treated_later": ("62d", 100, "treatment"),
        "subsequent": ("31d", 20, "treatment"),
        "other_route_decided": ("31d", 30, "treatment"),
        "upgrade": ("62d", 70, "decision_to_treat"),
    }
    assert got["decided"]["due_date"] == day(62)
    assert got["subsequent"]["due_date"] == day(111)
    assert "patient_id" not in got["waiting_fds"]


def test_flags_at_their_boundaries(backend):
    rows = [pathway(pathway_id="p")]
    flags = ("over_28_without_fds_outcome", "over_62_untreated", "over_104_untreated")
    expected = {28: (False, False, False), 29: (True, False, False), 62: (True, False, False)}
    expected.update({63: (True, True, False), 104: (True, True, False), 105: (True, True, True)})
    for n, want in expected.items():
        got = rows_on(backend, rows, day(n))["p"]
        assert tuple(got[f] for f in flags) == want, n


def test_adjustment_counts_on_the_ptl(backend):
    got = rows_on(backend, [pathway(pathway_id="p", first_seen_adjustment_days=5)], day(67))["p"]
    assert (got["days_waiting"], got["over_62_untreated"], got["due_date"]) == (62, False, day(67))


def test_each_adjustment_counts_on_its_own_clocks_on_the_ptl(backend):
    # 62-day clock, day 70: a 3-day first-seen adjustment and a 5-day pause leave 62 days waited.
    both = pathway(pathway_id="p", first_seen_adjustment_days=3, treatment_adjustment_days=5)
    got = rows_on(backend, [both], day(70))["p"]
    assert (got["standard"], got["days_waiting"], got["over_62_untreated"], got["due_date"]) == (
        "62d",
        62,
        False,
        day(70),
    )
    # A pause never shortens the FDS: no outcome on day 29 with a 5-day pause is over 28 days on the
    # FDS, while the 62-day clock has run 24 days.
    paused = pathway(pathway_id="f", treatment_adjustment_days=5)
    got = rows_on(backend, [paused], day(29))["f"]
    assert (got["over_28_without_fds_outcome"], got["days_waiting"], got["due_date"]) == (True, 24, day(67))
    # 31-day clock: decided on day 10, untreated on day 45, a 4-day pause → 31 days, due on day 45.
    d31 = pathway(pathway_id="t", route="other", decision_to_treat_date=day(10), treatment_adjustment_days=4,
                  first_seen_adjustment_days=9, treatment_kind="first")  # fmt: skip
    got = rows_on(backend, [d31], day(45))["t"]
    assert (got["standard"], got["days_waiting"], got["due_date"]) == ("31d", 31, day(45))


def test_provider_holding_the_patient(backend):
    rows = [pathway(pathway_id="moved", treating_provider_code="RAL", ipt_date=day(40))]
    assert rows_on(backend, rows, day(39))["moved"]["provider_code"] == "RBK"
    assert rows_on(backend, rows, day(40))["moved"]["provider_code"] == "RAL"


def test_latest_file_wins(backend):
    rows = [
        pathway(pathway_id="p", source_id=1),
        pathway(pathway_id="p", source_id=2, fds_end_date=day(10), fds_outcome="cancer_ruled_out"),
    ]
    latest = ptl.latest_pathways(table(rows))
    assert backend.to_pyarrow(ptl.ptl_rows(latest, day(20))).num_rows == 0


def test_summary_and_weekly_backlog(backend):
    rows = [
        pathway(pathway_id="a"),
        pathway(pathway_id="b", referral_date=day(-50)),
        pathway(pathway_id="c", decision_to_treat_date=day(60), treatment_date=day(95), treatment_kind="first"),
    ]
    t = table(rows)
    [summary] = backend.to_pyarrow(ptl.ptl_summary(ptl.ptl_rows(t, day(100)))).to_pylist()
    assert summary["open_pathways"] == 2
    assert (summary["backlog_62"], summary["over_104"]) == (2, 1)
    weeks = ptl.week_ends(day(100), 3)
    assert weeks == [day(86), day(93), day(100)]
    got = backend.to_pyarrow(ptl.backlog_by_week(t, weeks)).to_pylist()
    assert [(r["week_ending"], r["open_pathways"], r["backlog_62"], r["over_104"]) for r in got] == [
        (day(86), 3, 3, 1),
        (day(93), 3, 3, 1),
        (day(100), 2, 2, 1),
    ]
    assert all(isinstance(r["week_ending"], date) for r in got)


def test_backlog_per_provider_and_week_follows_the_transfer(backend):
    # Day 0 is the referral of every pathway. On day 63 (first snapshot) all three are over 62 days.
    rows = [
        # RBK's own patient, untreated: in RBK's backlog every week, over 104 days from day 105.
        pathway(pathway_id="own", first_provider_code="RBK"),
        # Transferred to RAL on day 70: RBK's backlog on day 63, RAL's on days 70 and 77.
        pathway(pathway_id="moved", first_provider_code="RBK", treating_provider_code="RAL", ipt_date=day(70)),
        # RXK's patient treated on day 75: in RXK's backlog on days 63 and 70, gone on day 77.
        pathway(
            pathway_id="treated",
            first_provider_code="RXK",
            decision_to_treat_date=day(60),
            treatment_date=day(75),
            treatment_kind="first",
        ),
    ]
    weeks = ptl.week_ends(day(77), 3)
    got = backend.to_pyarrow(ptl.backlog_by_week(table(rows), weeks)).to_pylist()
    assert {(r["provider_code"], r["week_ending"]): (r["open_pathways"], r["backlog_62"]) for r in got} == {
        ("RBK", day(63)): (2, 2),
        ("RBK", day(70)): (1, 1),
        ("RBK", day(77)): (1, 1),
        ("RAL", day(70)): (1, 1),
        ("RAL", day(77)): (1, 1),
        ("RXK", day(63)): (1, 1),
        ("RXK", day(70)): (1, 1),
    }
    assert all(r["over_104"] == 0 for r in got)
    late = backend.to_pyarrow(ptl.backlog_by_week(table(rows), [day(105)])).to_pylist()
    assert {r["provider_code"]: r["over_104"] for r in late} == {"RBK": 1, "RAL": 1}


def test_no_output_carries_the_patient_identifier(backend):
    from cancerwatch.metrics.pathways.levels import LEVEL_COLUMNS
    from cancerwatch.metrics.pathways.record_facts import record_facts

    t = table([pathway(pathway_id="p", patient_id="SECRET")])
    outputs = {
        "ptl_rows": ptl.ptl_rows(t, day(10)),
        "ptl_summary": ptl.ptl_summary(ptl.ptl_rows(t, day(10))),
        "backlog_by_week": ptl.backlog_by_week(t, [day(10)]),
        "record_facts": record_facts(t),
    }
    for name, expr in outputs.items():
        assert "patient_id" not in expr.columns, name
        assert "SECRET" not in str(backend.to_pyarrow(expr).to_pylist()), name
    assert tuple(ptl.ptl_rows(t, day(10)).columns) == ptl.PTL_COLUMNS
    assert "patient_id" not in LEVEL_COLUMNS
