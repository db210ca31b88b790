"""zones.io.layers: one preparation of every layer for every writer, one rule for filtered rows."""

from __future__ import annotations

import dataclasses
import io
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from tests.factories import make_dataset
from zones.errors import UnknownValueError
from zones.io.export import export_bytes
from zones.io.layers import export_frame, export_selection
from zones.model import fields
from zones.model.dataset import LIST_COLUMNS, POINT_TABLES, SPATIAL_LAYERS, Dataset
from zones.model.filters import ParkFilter


def _shuffled() -> Dataset:
    """make_dataset(3) with the parks' columns reversed and one column no dictionary knows."""
    ds = make_dataset(3)
    parks = ds.parks.copy()
    parks["zz_extra"] = ["a", "b", "c"]
    columns = [c for c in parks.columns if c != "geometry"][::-1]
    parks = gpd.GeoDataFrame(parks[[*columns, "geometry"]], geometry="geometry", crs="EPSG:4326")
    return dataclasses.replace(ds, parks=parks)


@pytest.mark.parametrize("fmt", sorted(fields.LIST_ENCODING))
def test_columns_follow_the_field_dictionary_then_the_rest(fmt: str) -> None:
    frame = export_frame(_shuffled(), "parks", fmt)
    known = [f.name for f in fields.FIELDS["parks"] if f.name != "geometry"]
    assert list(frame.columns) == [*known, "zz_extra", "geometry"]


def test_every_writer_gets_the_same_order() -> None:
    ds = _shuffled()
    doc = json.loads(export_bytes(ds, fmt="geojson"))
    header = pd.read_csv(io.BytesIO(export_bytes(ds, fmt="csv")), encoding="utf-8-sig").columns
    expected = list(export_frame(ds, "parks", "geojson").columns[:-1])
    assert list(doc["features"][0]["properties"]) == expected
    assert list(header) == [*expected, "WKT"]


@pytest.mark.parametrize(("fmt", "how"), sorted(fields.LIST_ENCODING.items()))
def test_list_columns_follow_each_formats_rule(fmt: str, how: str) -> None:
    ds = make_dataset(2)
    frame = export_frame(ds, "belts", fmt)
    for column in LIST_COLUMNS["belts"]:
        want = [list(v) for v in ds.belts[column]]
        if how == "array":
            assert [list(v) for v in frame[column]] == want
        else:
            assert list(frame[column]) == [fields.LIST_SEPARATOR.join(v) for v in want]


def test_a_format_without_a_list_rule_is_refused() -> None:
    with pytest.raises(UnknownValueError, match="list rule"):
        export_frame(make_dataset(1), "parks", "count")


@pytest.mark.parametrize(("fmt", "how"), sorted(fields.POINT_ENCODING.items()))
def test_point_tables_are_points_where_the_format_holds_them(fmt: str, how: str) -> None:
    for layer in POINT_TABLES:
        frame = export_frame(make_dataset(2), layer, fmt)
        assert isinstance(frame, gpd.GeoDataFrame) == (how == "point"), (fmt, layer)


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4549"])
def test_geometry_is_wgs84_on_the_grid_then_in_the_asked_crs(crs: str) -> None:
    ds = make_dataset(1)
    parks = ds.parks.set_geometry([shapely.box(121.123456789, 30.0, 121.2, 30.1, ccw=False)])
    frame = export_frame(dataclasses.replace(ds, parks=parks), "parks", "gpkg", crs=crs)
    assert frame.crs.to_string() == crs
    back = frame.to_crs("EPSG:4326").geometry.iloc[0] if crs != "EPSG:4326" else None
    wgs = export_frame(dataclasses.replace(ds, parks=parks), "parks", "gpkg").geometry.iloc[0]
    assert shapely.get_coordinates(wgs)[:, 0].min() == 121.1234568
    assert wgs.exterior.is_ccw
    if back is not None:
        assert shapely.equals_exact(back, wgs, tolerance=1e-8)


def test_the_selection_keeps_the_filters_belts_and_its_parks_links() -> None:
    ds = make_dataset(4)
    assert export_selection(ds, None) is ds and export_selection(ds, ParkFilter()) is ds
    chosen = export_selection(ds, ParkFilter(belts=("east",)))
    assert list(chosen.belts["id"]) == ["east"]
    assert list(chosen.parks["id"]) == ["p1", "p3"]
    assert set(chosen.park_industries["park_id"]) <= {"p1", "p3"}
    for layer in (*SPATIAL_LAYERS, "industries", "tiers", "targets", *POINT_TABLES):
        if layer not in ("belts", "parks"):
            assert chosen.layer(layer) is ds.layer(layer), layer
    levels = export_selection(ds, ParkFilter(levels=("national",)))
    assert list(levels.belts["id"]) == ["north", "east"]
