"""Planner's views, checked against small hand-computed fixtures."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from tests.factories import make_dataset, with_link
from zones.build.assemble import build
from zones.model.dataset import Dataset, load_dataset
from zones.model.filters import ParkFilter, apply_filter, industry_ancestors
from zones.present import views
from zones.present.analysis import (
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
from zones.settings import DATA_DIR, GEO_DIR


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
        # p2's own belt link, and p0's belt link to 新能源汽车, a sub-industry of 汽车及零部件
        ("north", "automotive", "belt"): (2, True),
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


# --- one rule for parent and sub-industries: the matrix counts what the filter selects ---------

#: The matrix's basis choices that the park filter can express: basis -> designated_only.
#: "source" (every link, the default) is the plain filter; "park" is "designated only".
FILTER_OF_BASIS = {"source": False, "park": True}


def assert_matrix_matches_filter(ds: Dataset) -> int:
    """Each cell of the app's heatmap (views.matrix_long) equals the number of parks the sidebar
    filter selects for that belt and industry, on each basis; returns the cells compared.

    The app's note says a cell counts the belt's parks linked to the industry, a parent
    including its sub-industries as in the filter. A cell the matrix leaves out counts 0.
    """
    compared = 0
    for basis, designated in FILTER_OF_BASIS.items():
        long = views.matrix_long(ds, basis, "zh")
        shown = {(r.belt_id, r.industry_id): r.parks for r in long.itertuples()}
        for belt in ds.belts["id"]:
            for industry in ds.industries["id"]:
                f = ParkFilter(belts=(belt,), industries=(industry,), designated_only=designated)
                expected = len(apply_filter(ds, f))
                assert shown.get((belt, industry), 0) == expected, (basis, belt, industry)
                compared += 1
    # "+ belt focus" lies between the two, cell by cell.
    cells = {b: matrix_table(ds, bases=views.BASES[b]) for b in views.BASES}
    for industry in cells["source"].index:
        for belt in cells["source"].columns:
            low, mid, high = (
                int(cells[b].at[industry, belt]) if industry in cells[b].index else 0
                for b in ("park", "belt", "source")
            )
            assert low <= mid <= high, (industry, belt)
    return compared


def test_a_park_linked_to_a_sub_industry_counts_for_its_parent():
    # The real fault: 宁海经济开发区 is linked (other source) to 汽车零部件 only, so the filter
    # 南部滨海 × 汽车及零部件 finds it while the matrix said 0. Here: p3 (east) and 新能源汽车.
    ds = with_link(make_dataset(4), "p3", "new-energy-vehicles", "source")
    f = ParkFilter(belts=("east",), industries=("automotive",))
    assert list(apply_filter(ds, f)["id"]) == ["p3"]
    table = matrix_table(ds)
    assert table.at["automotive", "east"] == 1
    assert table.at["new-energy-vehicles", "east"] == 1
    assert matrix_table(ds, bases=("park",)).at["automotive", "east"] == 0  # not designated
    long = belt_industry_matrix(ds)
    row = long[(long["belt_id"] == "east") & (long["industry_id"] == "automotive")]
    assert list(zip(row["basis"], row["parks"], strict=True)) == [("source", 1)]


def test_a_designated_sub_industry_counts_for_its_designated_parent():
    ds = with_link(make_dataset(4), "p1", "new-energy-vehicles", "park")
    assert matrix_table(ds, bases=("park",)).at["automotive", "east"] == 1
    f = ParkFilter(belts=("east",), industries=("automotive",), designated_only=True)
    assert list(apply_filter(ds, f)["id"]) == ["p1"]


@pytest.mark.parametrize(
    "ds",
    [
        make_dataset(4),
        make_dataset(9),
        with_link(make_dataset(4), "p3", "new-energy-vehicles", "source"),
        with_link(make_dataset(5), "p1", "new-energy-vehicles", "park"),
        with_link(with_link(make_dataset(6), "p5", "biomedicine"), "p4", "new-materials", "park"),
    ],
    ids=["plain-4", "plain-9", "child-by-source", "child-designated", "cross-belt"],
)
def test_every_matrix_cell_equals_the_filter_count(ds: Dataset):
    assert assert_matrix_matches_filter(ds) == 2 * len(ds.belts) * len(ds.industries)


@pytest.fixture(scope="module")
def real_ds(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The real data, built into a temporary folder and read back (as tests/test_smoke.py)."""
    out = tmp_path_factory.mktemp("real") / "zones.gpkg"
    build(out, GEO_DIR, DATA_DIR)
    return load_dataset(out)


@pytest.mark.smoke
def test_every_matrix_cell_equals_the_filter_count_on_the_real_data(real_ds: Dataset):
    compared = assert_matrix_matches_filter(real_ds)
    assert compared == 2 * len(real_ds.belts) * len(real_ds.industries)
    # The cell of the report: 南部滨海生态产业带 × 汽车及零部件 holds 宁海经济开发区.
    f = ParkFilter(belts=("south-coast",), industries=("automotive",))
    assert "ninghai-edz" in set(apply_filter(real_ds, f)["id"])
    assert matrix_table(real_ds).at["automotive", "south-coast"] == len(apply_filter(real_ds, f))


def _matrix_by_groupby(ds: Dataset, bases: tuple[str, ...]) -> pd.DataFrame:
    """matrix_table the plain way: distinct parks per (industry, belt) of the park links."""
    rows = [
        (belt_id, counted, basis, park_id)
        for park_id, industry_id, basis in ds.park_industries[
            ["park_id", "industry_id", "basis"]
        ].itertuples(index=False)
        if basis in bases
        for counted in industry_ancestors(ds).get(industry_id, (industry_id,))
        for belt_id in dict(zip(ds.parks["id"], ds.parks["belt_ids"], strict=True)).get(park_id, [])
    ]
    frame = pd.DataFrame(rows, columns=["belt_id", "industry_id", "basis", "park_id"])
    cells = frame.groupby(["industry_id", "belt_id"])["park_id"].nunique()
    industries = [i for i in ds.industries["id"] if i in set(frame["industry_id"])]
    return pd.DataFrame(
        [[int(cells.get((i, b), 0)) for b in ds.belts["id"]] for i in industries],
        index=pd.Index(industries, name="industry_id"),
        columns=list(ds.belts["id"]),
    )


def _odd_links() -> Dataset:
    """Links the matrix must leave out or count once: to a park that does not exist, to an
    industry that does not exist, twice to one park, from a park in no belt, from a park whose
    belt is unknown, and a sub-industry next to its parent."""
    ds = with_link(make_dataset(6), "p3", "new-energy-vehicles", "source")
    ds = with_link(ds, "p3", "automotive", "belt")
    parks = ds.parks.copy()
    parks.at[parks.index[0], "belt_ids"] = []
    parks.at[parks.index[1], "belt_ids"] = ["nowhere"]
    extra = pd.DataFrame(
        [
            {"park_id": "ghost", "industry_id": "automotive", "basis": "park"},
            {"park_id": "p2", "industry_id": "no-such-industry", "basis": "source"},
            {"park_id": "p2", "industry_id": "new-materials", "basis": "source"},
        ]
    ).assign(source="test", note="")
    links = pd.concat([ds.park_industries, extra, extra.iloc[2:]], ignore_index=True)
    return dataclasses.replace(ds, parks=parks, park_industries=links)


@pytest.mark.parametrize("bases", [("park", "belt", "source"), ("park",), ("belt",), ()])
@pytest.mark.parametrize("make", [lambda: make_dataset(9), _odd_links], ids=["plain", "odd"])
def test_matrix_table_equals_the_plain_count(make, bases):
    ds = make()
    pd.testing.assert_frame_equal(matrix_table(ds, bases=bases), _matrix_by_groupby(ds, bases))
