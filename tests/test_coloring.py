"""What parks are coloured by on the map, its PNG and the PDF (zones.map.coloring)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from tests.factories import make_dataset
from zones.map import styles
from zones.map.coloring import COLOR_BY, main_tier, park_coloring
from zones.model.dataset import Dataset
from zones.text import t

TIER_ORDER = ["advantage", "emerging", "future"]
TIER_OF = {"a1": "advantage", "a2": "advantage", "e1": "emerging", "e2": "emerging", "f": "future"}


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return make_dataset(6)


@pytest.mark.parametrize(
    ("designated", "linked", "expected"),
    [
        ([], ["a1", "e1", "e2"], "emerging"),  # most linked industries
        (["f"], ["a1", "a2", "f"], "future"),  # designated industries come first
        ([], ["a1", "e1"], "advantage"),  # a tie: the tier the plan names first
        (["x-untiered"], ["e1"], "emerging"),  # designated ones without a tier do not count
        ([], [], None),
    ],
)
def test_main_tier(designated: list[str], linked: list[str], expected: str | None) -> None:
    assert main_tier(designated, linked, TIER_OF, TIER_ORDER) == expected


def test_every_park_gets_a_colour_and_the_legend_explains_each(ds: Dataset) -> None:
    for by in COLOR_BY:
        coloring = park_coloring(ds, ds.parks, by, lang="zh", industry="automotive")
        assert coloring.by == by
        assert set(coloring.colors) == set(ds.parks["id"])
        explained = {row.color for row in coloring.legend}
        assert set(coloring.colors.values()) <= explained, by
        assert coloring.title.startswith("园区着色")


def test_by_footprint_keeps_each_kinds_own_fill(ds: Dataset) -> None:
    coloring = park_coloring(ds, ds.parks, "footprint", lang="en")
    assert coloring.opacity is None
    assert coloring.colors["p0"] == styles.SURVEYED_STYLE["fillColor"]
    assert coloring.colors["p1"] == styles.ESTIMATED_STYLE["fillColor"]
    surveyed, estimated = t("legend.surveyed", "en"), t("legend.estimated_location", "en")
    assert [r.label for r in coloring.legend] == [surveyed, estimated]
    assert [r.opacity for r in coloring.legend] == [
        styles.SURVEYED_STYLE["fillOpacity"], styles.ESTIMATED_STYLE["fillOpacity"]
    ]  # fmt: skip


def test_by_belt_uses_the_belts_colours_and_says_several(ds: Dataset) -> None:
    parks = ds.parks.copy()
    parks.at[2, "belt_ids"] = ["north", "east"]
    parks.at[4, "belt_ids"] = []
    coloring = park_coloring(ds, parks, "belt", lang="zh")
    assert coloring.colors["p0"] == "#1f77b4" and coloring.colors["p1"] == "#d62728"
    assert coloring.colors["p2"] == styles.SEVERAL_COLOR
    assert coloring.colors["p4"] == styles.NONE_COLOR
    assert [r.label for r in coloring.legend] == [
        "北部湾区产业带", "东部临港产业带", "跨多个产业带", "不属于产业带"
    ]  # fmt: skip


def test_by_tier_changes_with_the_parks_industries(ds: Dataset) -> None:
    parks = ds.parks.copy()
    parks.at[3, "designated_industry_ids"] = ["biomedicine"]
    parks.at[5, "industry_ids"] = []
    coloring = park_coloring(ds, parks, "tier", lang="en")
    advantage, emerging = styles.CATEGORY_COLORS[:2]
    assert coloring.colors["p0"] == advantage
    assert coloring.colors["p3"] == emerging
    assert coloring.colors["p5"] == styles.NONE_COLOR
    assert [r.label for r in coloring.legend] == [
        "Advantage industries", "Emerging industries", "no linked industry"
    ]  # fmt: skip


def test_by_level_lists_only_the_levels_shown(ds: Dataset) -> None:
    coloring = park_coloring(ds, ds.parks[ds.parks["id"] != "p0"], "level", lang="zh")
    assert [r.label for r in coloring.legend] == ["省级"]
    assert set(coloring.colors.values()) == {styles.LEVEL_COLORS["provincial"]}


def test_by_industry_by_the_basis_of_the_link_and_with_sub_industries(ds: Dataset) -> None:
    coloring = park_coloring(ds, ds.parks, "industry", lang="zh", industry="automotive")
    colors = styles.INDUSTRY_BASIS_COLORS
    assert coloring.colors["p0"] == colors["park"]  # designated for it
    assert coloring.colors["p2"] == colors["belt"]  # a focus of its belt (via a sub-industry)
    assert coloring.colors["p1"] == styles.NONE_COLOR  # not linked
    assert coloring.title == "园区着色：汽车及零部件"
    # Only a sub-industry linked: the parent industry still counts it (the filter's rule).
    links = ds.park_industries[ds.park_industries["industry_id"] != "automotive"]
    sub_only = dataclasses.replace(ds, park_industries=pd.DataFrame(links))
    assert (
        park_coloring(sub_only, ds.parks, "industry", lang="zh", industry="automotive").colors["p2"]
        == colors["belt"]
    )


def test_an_unknown_choice_falls_back_to_footprint(ds: Dataset) -> None:
    assert park_coloring(ds, ds.parks, "industry", lang="zh", industry="nope").by == "footprint"
    assert park_coloring(ds, ds.parks, "nonsense", lang="zh").by == "footprint"
