"""The synthetic parks of benchmarks/synthetic.py: realistic, valid, and filtered exactly."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from benchmarks.synthetic import AREA_MAX_KM2, synthetic_dataset
from tests.factories import make_dataset
from zones.model.filters import apply_filter, resolve_filter

N = 2000


@pytest.fixture(scope="module")
def ds():
    return synthetic_dataset(make_dataset(6), N, seed=3)


def test_parks_are_valid_polygons_on_land_with_unique_ids(ds):
    parks = ds.parks
    assert len(parks) == N and parks["id"].is_unique
    assert parks.geometry.is_valid.all() and not parks.geometry.is_empty.any()
    land = shapely.union_all(list(make_dataset(6).districts.geometry)).buffer(1e-6)
    assert shapely.contains(land, parks.geometry.to_numpy()).all()


def test_sizes_and_clustering_look_like_parks(ds):
    areas = ds.parks["footprint_area_km2"].to_numpy()
    assert 0.3 < np.median(areas) < 1.0 and areas.max() <= AREA_MAX_KM2 * 1.01
    # Clustered: the nearest other park is much closer than for parks spread evenly.
    xy = ds.parks[["lon", "lat"]].to_numpy()
    tree = shapely.STRtree(shapely.points(xy))
    nearest = [tree.query_nearest(shapely.Point(p), exclusive=True, return_distance=True)[1][0]
               for p in xy[:300]]  # fmt: skip
    minx, miny, maxx, maxy = ds.districts.total_bounds
    even = 0.5 * np.sqrt((maxx - minx) * (maxy - miny) / N)
    assert np.median(nearest) < even


def test_the_same_seed_gives_the_same_parks(ds):
    again = synthetic_dataset(make_dataset(6), N, seed=3)
    assert again.parks.geometry.geom_equals(ds.parks.geometry).all()


def test_each_park_lies_in_the_district_and_belts_it_names(ds):
    districts = dict(zip(ds.districts["adcode"], ds.districts.geometry, strict=True))
    belts = dict(zip(ds.belts["id"], ds.belts.geometry, strict=True))
    for row in ds.parks.itertuples():
        point = shapely.Point(row.lon, row.lat)
        assert districts[row.district_adcodes[0]].buffer(1e-9).contains(point)
        assert {b for b, g in belts.items() if g.contains(point)} == set(row.belt_ids)


@pytest.mark.parametrize("key", ["belts", "districts", "industries", "tiers"])
def test_every_filter_is_exact_at_scale(ds, key):
    """Each value of each filter keeps exactly the parks whose lists hold it (or a child)."""
    column = {"belts": "belt_ids", "districts": "district_adcodes", "industries": "industry_ids",
              "tiers": "tier_ids"}[key]  # fmt: skip
    values = sorted({v for vs in ds.parks[column] for v in vs})
    assert values
    children = ds.industries.groupby("parent_id")["id"].apply(set).to_dict()
    for value in values:
        wanted = {value, *children.get(value, ())} if key == "industries" else {value}
        expected = {p for p, vs in zip(ds.parks["id"], ds.parks[column], strict=True)
                    if wanted & set(vs)}  # fmt: skip
        got = set(apply_filter(ds, resolve_filter(ds, **{key: [value]}))["id"])
        assert got == expected, value
