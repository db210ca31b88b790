"""Planner's views, checked against small hand-computed fixtures."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from tests.factories import make_dataset
from zones.analysis import (
    belt_industry_matrix,
    belt_overlap,
    compare_parks,
    connectivity,
    crowded_industries,
    geodesic_km,
    matrix_table,
    nearest,
    park_distances,
)


def _haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Independent spherical formula (mean Earth radius) to cross-check the geodesic."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@pytest.mark.parametrize(
    ("a", "b", "km", "tol"),
    [
        ((0.0, 0.0), (0.0, 1.0), 110.574, 0.001),  # one degree of meridian at the equator
        ((0.0, 0.0), (1.0, 0.0), 111.320, 0.001),  # one degree of the equator
        (
            (121.5369, 29.8621),
            (121.4619, 29.8267),
            _haversine_km(121.5369, 29.8621, 121.4619, 29.8267),
            0.05,
        ),
        ((121.5, 29.9), (121.5, 29.9), 0.0, 1e-9),
    ],
)
def test_geodesic_known_pairs(a, b, km, tol):
    assert float(geodesic_km(a[0], a[1], b[0], b[1])) == pytest.approx(km, abs=tol)


def test_nearest_skips_nodes_without_coordinates():
    nodes = pd.DataFrame(
        {
            "id": ["far", "near-but-unlocated", "airport"],
            "kind": ["rail", "rail", "airport"],
            "lon": [122.0, math.nan, 121.0],
            "lat": [30.0, math.nan, 30.0],
        }
    )
    km, ids = nearest([121.9], [30.0], nodes, ("rail",))
    assert ids == ["far"]
    assert km[0] == pytest.approx(float(geodesic_km(121.9, 30.0, 122.0, 30.0)), abs=0.01)
    km, ids = nearest([121.9], [30.0], nodes, ("seaport",))
    assert math.isnan(km[0]) and ids == [""]


def test_connectivity_columns():
    ds = make_dataset(2)
    out = connectivity(ds.parks, ds.transport_nodes)
    assert list(out.columns) == [
        "nearest_port_km",
        "nearest_port",
        "airport_km",
        "nearest_rail_km",
        "nearest_rail",
    ]
    assert list(out["nearest_port"]) == ["port-a", "port-a"]
    # The only station has no coordinate, and there is no airport: no distance is invented.
    assert out["nearest_rail_km"].isna().all() and out["airport_km"].isna().all()


def test_matrix_counts_parks_per_belt_industry_and_basis():
    # make_dataset(4): p0, p2 in north (focus 汽车及零部件, 新能源汽车; p0 designated 汽车);
    # p1, p3 in east (focus 新材料; p1 designated 新材料).
    long = belt_industry_matrix(make_dataset(4))
    got = {(r.belt_id, r.industry_id, r.basis): (r.parks, r.focus) for r in long.itertuples()}
    assert got == {
        ("north", "automotive", "park"): (1, True),
        ("north", "automotive", "belt"): (1, True),
        ("north", "new-energy-vehicles", "belt"): (2, True),
        ("east", "new-materials", "park"): (1, True),
        ("east", "new-materials", "belt"): (1, True),
    }
    designated = belt_industry_matrix(make_dataset(4), bases=("park",))
    assert set(designated["parks"]) == {1} and len(designated) == 2


def test_matrix_table_counts_distinct_parks():
    table = matrix_table(make_dataset(4))
    assert table.loc["automotive"].to_dict() == {"north": 2, "east": 0}
    assert table.loc["new-materials"].to_dict() == {"north": 0, "east": 2}
    assert list(table.index) == ["automotive", "new-energy-vehicles", "new-materials"]


def _with_focus(focus: dict[str, list[str]]):
    ds = make_dataset(2)
    belts = ds.belts.copy()
    belts["focus_industry_ids"] = [focus[b] for b in belts["id"]]
    return dataclasses.replace(ds, belts=belts)


def test_overlap_jaccard_hand_computed():
    ds = _with_focus(
        {
            "north": ["automotive", "new-materials", "biomedicine"],
            "east": ["new-materials", "biomedicine", "new-energy-vehicles"],
        }
    )
    row = belt_overlap(ds).iloc[0]
    assert (row["belt_a"], row["belt_b"]) == ("north", "east")
    assert row["shared"] == ["new-materials", "biomedicine"]  # plan order
    assert row["jaccard"] == pytest.approx(2 / 4)


def test_overlap_disjoint_and_empty():
    assert belt_overlap(make_dataset(2)).iloc[0]["jaccard"] == 0.0
    assert belt_overlap(_with_focus({"north": [], "east": []})).iloc[0]["jaccard"] == 0.0


def test_crowded_industries_flags_shared_focus():
    ds = _with_focus({"north": ["automotive", "new-materials"], "east": ["new-materials"]})
    crowded = crowded_industries(ds, at_least=2)
    assert list(crowded["industry_id"]) == ["new-materials"]
    assert crowded.iloc[0]["belts"] == ["north", "east"]
    assert crowded_industries(ds).empty  # default threshold is three belts


def test_park_distances_symmetric_zero_diagonal():
    ds = make_dataset(3)
    table = park_distances(ds, ["p0", "p1", "p2"])
    assert (table.to_numpy().diagonal() == 0).all()
    assert table.loc["p0", "p1"] == table.loc["p1", "p0"] > 0


def test_compare_parks_side_by_side():
    table = compare_parks(make_dataset(4), ["p0", "p1"])
    assert list(table.columns) == ["p0", "p1"]
    assert table.loc["designated", "p0"] == "汽车及零部件（优势产业）"
    assert table.loc["belt_focus", "p0"] == "新能源汽车（优势产业）"
    assert table.loc["belts", "p1"] == "东部临港产业带"
    assert table.loc["nearest_port_km", "p1"] == 11.0


@pytest.mark.parametrize("ids", [["p0"], ["p0", "p1", "p2", "p3", "p4"], ["p0", "nope"]])
def test_compare_parks_rejects_bad_selection(ids):
    with pytest.raises(ValueError):
        compare_parks(make_dataset(5), ids)
