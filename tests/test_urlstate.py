"""The view <-> query string: round trips, and unknown values dropped with a notice."""

from __future__ import annotations

import pytest

from tests.factories import make_dataset
from zones.urlstate import (
    Notice,
    ViewState,
    allowed_values,
    from_query,
    query_updates,
    to_query,
)

BASEMAPS = ("none", "osm", "amap")


@pytest.fixture(scope="module")
def allowed() -> dict[str, frozenset[str]]:
    return allowed_values(make_dataset(4), BASEMAPS)


def test_empty_query_is_the_default_view(allowed: dict[str, frozenset[str]]) -> None:
    assert from_query({}, allowed) == (ViewState(), [])
    assert to_query(ViewState()) == {}


@pytest.mark.parametrize(
    "state",
    [
        ViewState(belts=("north",)),
        ViewState(belts=("north", "east"), industries=("automotive",), tiers=("emerging",)),
        ViewState(districts=("330206",), levels=("national", "provincial")),
        ViewState(designated_only=True, text="杭州湾 park"),
        ViewState(park="p2", lang="en", basemap="osm"),
        ViewState(
            belts=("east",), industries=("new-materials",), designated_only=True,
            park="p1", lang="en", basemap="amap",
        ),
    ],
)  # fmt: skip
def test_round_trip(state: ViewState, allowed: dict[str, frozenset[str]]) -> None:
    assert from_query(to_query(state), allowed) == (state, [])


def test_to_query_writes_only_non_defaults_with_commas() -> None:
    state = ViewState(belts=("north", "east"), designated_only=True, park="p1")
    assert to_query(state) == {"belt": "north,east", "designated": "1", "park": "p1"}


def test_repeated_keys_and_commas_are_both_read(allowed: dict[str, frozenset[str]]) -> None:
    state, notices = from_query({"belt": ["north", "east,north"], "level": " national , "}, allowed)
    assert state.belts == ("north", "east")
    assert state.levels == ("national",)
    assert notices == []


@pytest.mark.parametrize(
    ("params", "expected", "notices"),
    [
        ({"belt": "north,nowhere"}, ViewState(belts=("north",)), [Notice("belt", "nowhere")]),
        ({"industry": "cars"}, ViewState(), [Notice("industry", "cars")]),
        ({"tier": "x"}, ViewState(), [Notice("tier", "x")]),
        ({"district": "999999"}, ViewState(), [Notice("district", "999999")]),
        ({"level": "galactic"}, ViewState(), [Notice("level", "galactic")]),
        ({"park": "p99"}, ViewState(), [Notice("park", "p99")]),
        ({"lang": "fr"}, ViewState(), [Notice("lang", "fr")]),
        ({"basemap": "tianditu"}, ViewState(), [Notice("basemap", "tianditu")]),
        ({"designated": "maybe"}, ViewState(), [Notice("designated", "maybe")]),
        ({"designated": "true"}, ViewState(designated_only=True), []),
        ({"designated": "0"}, ViewState(), []),
        ({"utm_source": "mail"}, ViewState(), []),  # not ours: left alone
        ({"belt": "<script>", "lang": "en"}, ViewState(lang="en"), [Notice("belt", "<script>")]),
    ],
)
def test_unknown_values_are_dropped_and_reported(
    params: dict[str, str],
    expected: ViewState,
    notices: list[Notice],
    allowed: dict[str, frozenset[str]],
) -> None:
    assert from_query(params, allowed) == (expected, notices)


def test_overlong_search_is_cut_and_reported(allowed: dict[str, frozenset[str]]) -> None:
    state, notices = from_query({"q": "x" * 500}, allowed)
    assert state.text == "x" * 100
    assert [n.key for n in notices] == ["q"]


def test_allowed_values_come_from_the_dataset(allowed: dict[str, frozenset[str]]) -> None:
    assert allowed["belt"] == {"north", "east"}
    assert allowed["park"] == {"p0", "p1", "p2", "p3"}
    assert allowed["district"] == {"330281", "330206"}
    assert allowed["level"] == {"national", "provincial", "unknown"}
    assert allowed["basemap"] == set(BASEMAPS)


def test_query_updates_touch_only_what_changed() -> None:
    current = {"belt": ["north"], "park": ["p1"], "utm": ["x"]}
    assert query_updates(current, {"belt": "north", "park": "p1"}) == ({}, [])
    assert query_updates(current, {"belt": "east"}) == ({"belt": "east"}, ["park"])
    # A repeated key is rewritten in the app's comma form.
    assert query_updates({"belt": ["north", "east"]}, {"belt": "north,east"}) == (
        {"belt": "north,east"},
        [],
    )
