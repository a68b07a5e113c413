"""Search: word-order-free, accent-, apostrophe- and case-insensitive, organisations with figures first."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cancerwatch.read.context import Reader
from cancerwatch.read.search import fold, search


@pytest.fixture(scope="module")
def reader(warehouse) -> Reader:
    return Reader(warehouse)


def test_fold_drops_accents_apostrophes_and_case():
    assert fold("GUY’S AND ST THOMAS'") == "guys and st thomas"
    assert fold("Hôpital Saint-Étienne") == "hopital saint etienne"


def test_royal_liverpool_finds_the_trust_it_is_now_part_of(reader):
    rows = search(reader, "royal liverpool").rows
    assert rows[0]["org_code"] == "REM"  # Liverpool University Hospitals NHS FT since October 2019
    assert any("Royal Liverpool" in a for a in rows[0]["also_known_as"])


@pytest.mark.parametrize("q", ["guys", "Guy's", "GUY’S", "thomas guys"])
def test_guys_finds_guys_and_st_thomas(reader, q):
    rows = search(reader, q).rows
    assert [r["org_code"] for r in rows] == ["RJ1"]


def test_cheshire_merseyside_finds_the_alliance_and_icb_first(reader, warehouse):
    rows = search(reader, "cheshire merseyside").rows
    assert [r["org_code"] for r in rows[:2]] == ["E56000005", "QYG"]
    named = warehouse.execute(
        """SELECT count(*) FROM organisations WHERE org_type IN ('region', 'alliance', 'icb', 'sub_icb', 'provider')
           AND lower(org_name) LIKE '%cheshire%' AND lower(org_name) LIKE '%merseyside%'"""
    ).fetchone()[0]
    assert len(rows) == named


def test_organisations_with_figures_rank_first(reader, warehouse):
    rows = search(reader, "liverpool").rows
    with_figures = {
        r[0] for r in warehouse.execute("SELECT DISTINCT org_code FROM facts WHERE superseded_by IS NULL").fetchall()
    }
    flags = [r["org_code"] in with_figures for r in rows]
    assert flags == sorted(flags, reverse=True) and True in flags and False in flags
    assert [r["has_figures"] for r in rows] == flags


WORDS = st.lists(
    st.sampled_from(["cheshire", "and", "merseyside", "liverpool", "nhs", "trust", "royal", "guys"]),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=WORDS, data=st.data())
def test_permuting_the_words_gives_the_same_results(reader, words, data):
    shuffled = data.draw(st.permutations(words))
    first, second = search(reader, " ".join(words)), search(reader, " ".join(shuffled).upper())
    assert first.total == second.total
    assert [r["org_code"] for r in first.rows] == [r["org_code"] for r in second.rows]
