"""zones.geo.datum: WGS84 <-> GCJ-02, scalars, arrays and shapely geometries."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from zones.errors import ZonesError
from zones.geo.datum import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    gdf_to_gcj02,
    shift_geometries,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")
# Ningbo's extent (settings.NINGBO_BOUNDS).
LONS = st.floats(120.8, 122.4)
LATS = st.floats(28.8, 30.5)


def _metres(lon0, lat0, lon1, lat1) -> np.ndarray:
    return np.asarray(GEOD.inv(lon0, lat0, lon1, lat1)[2])


#: Each conversion and its inverse, for the round trips.
ROUND_TRIPS = [
    pytest.param(wgs84_to_gcj02, gcj02_to_wgs84, id="wgs84-gcj02-wgs84"),
    pytest.param(gcj02_to_wgs84, wgs84_to_gcj02, id="gcj02-wgs84-gcj02"),
    pytest.param(gcj02_to_bd09, bd09_to_gcj02, id="gcj02-bd09-gcj02"),
    pytest.param(bd09_to_wgs84, wgs84_to_bd09, id="bd09-wgs84-bd09"),
]


@pytest.mark.parametrize(("there", "back"), ROUND_TRIPS)
@given(LONS, LATS)
def test_round_trip_under_a_millimetre(
    there: Callable[..., tuple], back: Callable[..., tuple], lon: float, lat: float
) -> None:
    assert _metres(lon, lat, *back(*there(lon, lat))) < 1e-3


@settings(max_examples=25)
@given(
    hnp.arrays(np.float64, st.integers(1, 300), elements=LONS),
    st.randoms(use_true_random=False),
)
def test_round_trip_on_arrays(lons: np.ndarray, rnd) -> None:
    lats = np.array([rnd.uniform(28.8, 30.5) for _ in lons])
    glon, glat = wgs84_to_gcj02(lons, lats)
    assert glon.shape == lons.shape
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert _metres(lons, lats, wlon, wlat).max() < 1e-3
    # Vectorised and one-by-one agree exactly.
    one = [wgs84_to_gcj02(x, y) for x, y in zip(lons[:5], lats[:5], strict=True)]
    np.testing.assert_array_equal([o[0] for o in one], glon[:5])
    np.testing.assert_array_equal([o[1] for o in one], glat[:5])


def test_known_offset_at_ningbo() -> None:
    """geodata.md: the formula predicts +395 m east / -292 m north at 121.6E 29.9N."""
    glon, glat = wgs84_to_gcj02(121.6, 29.9)
    east = _metres(121.6, 29.9, glon, 29.9) * np.sign(glon - 121.6)
    north = _metres(121.6, 29.9, 121.6, glat) * np.sign(glat - 29.9)
    assert east == pytest.approx(395, abs=3)
    assert north == pytest.approx(-292, abs=3)


def test_one_step_inverse_is_not_enough_but_iteration_is() -> None:
    glon, glat = wgs84_to_gcj02(121.6, 29.9)
    one_lon, one_lat = gcj02_to_wgs84(glon, glat, max_iter=50, tol_deg=1.0)  # a single step
    assert _metres(121.6, 29.9, one_lon, one_lat) > 0.01
    with pytest.raises(ZonesError, match="did not converge"):
        gcj02_to_wgs84(glon, glat, max_iter=1)


@given(
    st.one_of(
        st.tuples(st.floats(-180, 72.0), st.floats(-90, 90)),
        st.tuples(st.floats(137.9, 180), st.floats(-90, 90)),
        st.tuples(st.floats(-180, 180), st.floats(-90, 0.8)),
        st.tuples(st.floats(-180, 180), st.floats(55.9, 90)),
    )
)
def test_identity_outside_china(point: tuple[float, float]) -> None:
    lon, lat = point
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_nan_and_broadcasting() -> None:
    lon, lat = wgs84_to_gcj02([121.6, np.nan], 29.9)
    assert lon.shape == lat.shape == (2,)
    assert np.isnan(lon[1]) and not np.isnan(lon[0])
    back_lon, _ = gcj02_to_wgs84(lon, lat)
    assert np.isnan(back_lon[1])


def _ring(lon: float, lat: float, n: int, r: float = 0.05) -> list[tuple[float, float]]:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = list(zip(lon + r * np.cos(t), lat + r * np.sin(t), strict=True))
    return [*pts, pts[0]]


@given(LONS, LATS, st.integers(3, 200), st.sampled_from(["gcj02", "wgs84"]))
def test_shift_keeps_vertex_counts_and_ring_closure(lon, lat, n, to) -> None:
    outer = _ring(lon, lat, n)
    hole = _ring(lon, lat, max(3, n // 2), r=0.01)
    geoms = np.array(
        [
            Polygon(outer, [hole]),
            MultiPolygon([Polygon(outer), Polygon(_ring(lon + 0.2, lat, 5, r=0.01))]),
            LineString(outer[:-1]),
            Point(lon, lat),
        ],
        dtype=object,
    )
    shifted = shift_geometries(geoms, to=to)
    np.testing.assert_array_equal(
        shapely.get_num_coordinates(shifted), shapely.get_num_coordinates(geoms)
    )
    assert shapely.is_valid(shifted).all()
    rings = shapely.get_rings(shapely.get_parts(shifted[:2]))
    coords = [np.asarray(r.coords) for r in rings]
    assert all((c[0] == c[-1]).all() for c in coords)
    # Every vertex moved as the point functions move it.
    convert = wgs84_to_gcj02 if to == "gcj02" else gcj02_to_wgs84
    expected = np.column_stack(convert(*shapely.get_coordinates(geoms).T))
    np.testing.assert_array_equal(shapely.get_coordinates(shifted), expected)


def test_shift_round_trip_and_edge_cases() -> None:
    poly = Polygon(_ring(121.6, 29.9, 50))
    back = shift_geometries(shift_geometries(poly, to="gcj02"), to="wgs84")
    assert isinstance(back, Polygon)
    assert shapely.equals_exact(back, poly, tolerance=1e-10)
    # Z is kept, empty and missing geometries pass through.
    z = LineString([(121.6, 29.9, 5.0), (121.7, 30.0, 7.0)])
    out = shift_geometries(np.array([z, None, Point()], dtype=object), to="gcj02")
    assert out[0].has_z and list(shapely.get_coordinates(out[0], include_z=True)[:, 2]) == [5, 7]
    assert out[1] is None and out[2].is_empty
    with pytest.raises(ZonesError, match="to must be"):
        shift_geometries(poly, to="bd09")  # type: ignore[arg-type]


def test_gdf_to_gcj02_returns_a_marked_copy() -> None:
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b"]}, geometry=[Point(121.6, 29.9), Point(121.0, 30.0)], crs=4326
    )
    before = gdf.copy()
    shifted = gdf_to_gcj02(gdf)
    assert shifted is not gdf
    assert_geodataframe_equal(gdf, before)  # input untouched
    assert "datum" not in gdf.attrs
    assert shifted.attrs["datum"] == "GCJ-02"
    assert shifted.crs.equals(4326)
    assert list(shifted["name"]) == ["a", "b"]
    assert shifted.geometry.x.iloc[0] == pytest.approx(float(wgs84_to_gcj02(121.6, 29.9)[0]))
    # Projected input is brought back to lon/lat first.
    again = gdf_to_gcj02(gdf.to_crs(4549))
    np.testing.assert_allclose(again.geometry.x, shifted.geometry.x, atol=1e-9)
    with pytest.raises(ZonesError, match="already shifted"):
        gdf_to_gcj02(shifted)


# --- BD-09 (Baidu Maps) --------------------------------------------------------------------


@given(LONS, LATS)
def test_bd09_lies_a_few_hundred_metres_from_gcj02(lon: float, lat: float) -> None:
    """Baidu's shift is about 0.0065°/0.006° (roughly 600-900 m around Ningbo)."""
    assert 400 < _metres(lon, lat, *gcj02_to_bd09(lon, lat)) < 1200


def test_exact_inverse_beats_the_one_step_formula() -> None:
    """The usual inverse formula is centimetres off; the iterated one is exact."""
    from zones.geo.datum import _bd09_to_gcj02_approx

    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(120.8, 122.4, 2000), rng.uniform(28.8, 30.5, 2000)
    bd = gcj02_to_bd09(lon, lat)
    exact = _metres(lon, lat, *bd09_to_gcj02(*bd))
    approx = _metres(lon, lat, *_bd09_to_gcj02_approx(*bd))
    assert exact.max() < 1e-6 < approx.max()


def test_gcj02_to_bd09_matches_the_published_formula_value() -> None:
    """gcj02_to_bd09(116.404, 39.915) as coordtransform and hutool's tests give it."""
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert _metres(lon, lat, 116.41036949371029, 39.92133699351021) < 1e-6


def test_bd09_of_beijing_railway_station_gives_its_gcj02_point() -> None:
    """A real pair: Beijing railway station, GCJ-02 (116.42703, 39.90245), BD-09 (116.43351,
    39.90851) (R package 'cst', bd2gcj example); both given to 5 decimals (about 1 m)."""
    lon, lat = bd09_to_gcj02(116.43351, 39.90851)
    assert _metres(lon, lat, 116.42703, 39.90245) < 1.5
