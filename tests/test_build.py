"""Building the dataset from a tiny input tree (tests/inputs.py): layers, geometry, problems."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, Polygon

from tests.inputs import (
    CIXI,
    YUYAO,
    YUYAO_NORTH,
    add_row,
    csv_text,
    district_features,
    edit_csv,
    feature,
    geojson,
    part_features,
    write_file,
    write_inputs,
)
from zones.build.assemble import build, build_dataset
from zones.errors import DataError, Problem, ValidationError
from zones.geo import geometry as geo
from zones.model.dataset import (
    LIST_COLUMNS,
    SPATIAL_LAYERS,
    TABLE_LAYERS,
    decode_lists,
    load_dataset,
    save_dataset,
)
from zones.settings import DEFAULT_FOOTPRINT_KM2, NINGBO_BOUNDS


def _build(tmp_path, **overrides):
    tree = write_inputs(tmp_path, **overrides)
    return build_dataset(tree.geo, tree.data)


def _park(dataset, park_id: str) -> pd.Series:
    parks = dataset.parks.set_index("id")
    return parks.loc[park_id]


def _errors(tmp_path, **overrides) -> list[Problem]:
    with pytest.raises(ValidationError) as caught:
        _build(tmp_path, **overrides)
    errors = [p for p in caught.value.problems if p.severity == "error"]
    assert errors, "a ValidationError lists at least one error"
    return errors


def _where(problems: list[Problem]) -> set[tuple[str, int | None, str | None]]:
    return {(Path(p.file).name, p.row, p.field) for p in problems}


# -- a valid tree ----------------------------------------------------------------------------


def test_valid_tree_builds_with_the_right_counts(tmp_path):
    ds, notes = _build(tmp_path)
    assert sorted(ds.districts["adcode"]) == ["330281", "330282"]
    assert list(ds.belts["id"]) == ["metro-circle", "north-bay"]  # in belts.csv order
    assert list(ds.parks["id"]) == ["yuyao-edz", "qianwan-new-area", "cixi-park"]
    assert list(ds.industries["id"]) == ["automotive", "new-energy-vehicles", "new-materials"]
    assert list(ds.tiers["id"]) == ["advantage"]
    assert list(ds.targets["id"]) == ["value-added-above-scale"]
    assert list(ds.transport_nodes["id"]) == ["test-port", "test-station"]
    # 2 designations + 1 sourced link + 1 belt-focus link per platform park.
    links = set(ds.park_industries[["park_id", "industry_id", "basis"]].itertuples(index=False))
    assert links == {
        ("qianwan-new-area", "automotive", "park"),
        ("qianwan-new-area", "new-materials", "park"),
        ("cixi-park", "new-materials", "source"),
        ("yuyao-edz", "new-materials", "belt"),
        ("qianwan-new-area", "automotive", "belt"),
    }
    assert all(n.severity == "note" for n in notes)
    for layer in SPATIAL_LAYERS:
        frame = ds.layer(layer)
        assert frame.crs.to_epsg() == 4326
        assert frame.geometry.is_valid.all()
        assert frame.geometry.within(shapely.box(*NINGBO_BOUNDS)).all()


def test_parks_carry_their_links(tmp_path):
    ds, _ = _build(tmp_path)
    qianwan = _park(ds, "qianwan-new-area")
    assert qianwan["platform_belt_ids"] == ["north-bay"]
    assert qianwan["designated_industry_ids"] == ["automotive", "new-materials"]
    assert qianwan["designated_industries"] == ["汽车及零部件", "新材料"]
    assert qianwan["tier_ids"] == ["advantage"]
    assert qianwan["sources"] == ["plan:L6", "plan:L7"]
    cixi = _park(ds, "cixi-park")
    assert cixi["platform_belt_ids"] == []
    assert cixi["belt_ids"] == ["north-bay"]  # it lies in the belt's area
    assert cixi["designated_industry_ids"] == []
    assert cixi["industry_ids"] == ["new-materials"]


def test_belts_are_unions_of_their_districts_and_parts(tmp_path):
    ds, _ = _build(tmp_path)
    belts = ds.belts.set_index("id")
    expected = {
        "metro-circle": YUYAO,
        "north-bay": shapely.union_all([CIXI, YUYAO_NORTH]),
    }
    for belt_id, shape in expected.items():
        geom = belts.loc[belt_id, "geometry"]
        assert geo.area_km2(geom.symmetric_difference(shape)) < 0.01, belt_id
        assert belts.loc[belt_id, "area_km2"] == pytest.approx(geo.area_km2(shape), rel=1e-3)
    assert belts.loc["metro-circle", "district_adcodes"] == ["330281"]
    assert belts.loc["north-bay", "district_adcodes"] == ["330281", "330282"]
    assert belts.loc["metro-circle", "geometry_basis"] == "districts"
    assert belts.loc["north-bay", "geometry_basis"] == "indicative"
    assert belts.loc["north-bay", "areas"] == ["慈溪", "余姚北部"]
    assert belts.loc["north-bay", "focus_industry_ids"] == ["automotive"]
    assert belts.loc["north-bay", "cultivate_industry_ids"] == ["new-energy-vehicles"]


def test_a_part_is_clipped_to_its_district(tmp_path):
    """A part drawn past its district's edge counts only where it overlaps the district."""
    parts = part_features()
    parts[0]["geometry"] = shapely.geometry.mapping(shapely.box(121.0, 30.05, 121.45, 30.2))
    ds, _ = _build(tmp_path, **{"geo/district_parts.geojson": geojson(parts)})
    north_bay = ds.belts.set_index("id").loc["north-bay", "geometry"]
    expected = shapely.union_all([CIXI, YUYAO_NORTH])
    assert geo.area_km2(north_bay.symmetric_difference(expected)) < 0.01


# -- footprints ------------------------------------------------------------------------------


def test_indicative_footprint_has_the_sourced_area_when_unclipped(tmp_path):
    ds, _ = _build(tmp_path)
    park = _park(ds, "yuyao-edz")
    assert park["footprint"] == "indicative"
    assert park["footprint_area_km2"] == pytest.approx(10, rel=0.01)
    assert geo.area_km2(park.geometry) == pytest.approx(10, rel=0.01)
    assert park.geometry.contains(Point(121.15, 29.95))
    assert "Indicative" in park["footprint_note"] and "sourced area" in park["footprint_note"]


def test_indicative_footprint_is_clipped_to_its_district(tmp_path):
    """100 m from the 余姚/慈溪 border: only the 余姚 side of the 10 km² disk is kept."""
    ds, _ = _build(tmp_path, **{"data/parks.csv": edit_csv("data/parks.csv", 2, lon="121.299")})
    park = _park(ds, "yuyao-edz")
    assert park.geometry.within(YUYAO.buffer(1e-7))
    assert 4.5 < geo.area_km2(park.geometry) < 6.5
    assert park["footprint_area_km2"] == pytest.approx(geo.area_km2(park.geometry), abs=0.01)


def test_default_area_when_no_area_is_sourced(tmp_path):
    ds, _ = _build(tmp_path)
    park = _park(ds, "qianwan-new-area")
    assert math.isnan(park["area_km2"])
    assert park["footprint_area_km2"] == pytest.approx(DEFAULT_FOOTPRINT_KM2, rel=0.01)
    assert "default area" in park["footprint_note"]


# -- notes in Chinese and English, industry names on belts -----------------------------------


def test_belts_carry_their_industry_names_as_the_plan_writes_them(tmp_path):
    ds, _ = _build(tmp_path)
    belts = ds.belts.set_index("id")
    assert belts.loc["north-bay", "focus_industries"] == ["汽车及零部件"]
    assert belts.loc["north-bay", "cultivate_industries"] == ["新能源汽车"]
    assert belts.loc["metro-circle", "focus_industries"] == ["新材料"]
    assert belts.loc["metro-circle", "cultivate_industries"] == []
    assert {"focus_industries", "cultivate_industries"} <= set(LIST_COLUMNS["belts"])


def test_parks_carry_every_note_in_chinese_beside_the_english(tmp_path):
    ds, _ = _build(tmp_path)
    yuyao, cixi = _park(ds, "yuyao-edz"), _park(ds, "cixi-park")
    assert (yuyao["location_note"], yuyao["location_note_zh"]) == ("Test point.", "测试点。")
    assert (cixi["notes"], cixi["notes_zh"]) == (
        "Leading industries: one source link.",
        "主导产业：一条来源关联。",
    )
    assert yuyao["level_note_zh"] == yuyao["area_note_zh"] == ""
    # The notes the build writes itself come in both languages.
    assert cixi["location_note"].startswith("No source gives a location. Point computed by")
    assert cixi["location_note_zh"].startswith(
        "无来源给出位置。位置点由 `zones build` 计算：取慈溪市"
    )
    assert "精度为该点到范围最远点的距离" in cixi["location_note_zh"]
    assert "sourced area" in yuyao["footprint_note"]
    assert yuyao["footprint_note_zh"] == (
        "示意范围，并非边界：以有出处的位置为中心、面积 10 平方公里（有出处的面积）的圆，"
        "裁剪到所在区县的陆域。"
    )
    assert "默认面积" in cixi["footprint_note_zh"] and "估计的位置" in cixi["footprint_note_zh"]
    columns = list(ds.parks.columns)
    for note in ("level_note", "location_note", "area_note", "footprint_note", "notes"):
        assert columns.index(f"{note}_zh") == columns.index(note) + 1, note


def test_surveyed_facts_are_noted_in_both_languages(tmp_path):
    tree = write_inputs(tmp_path)
    survey = feature(
        {"park_id": "yuyao-edz", "source": "survey.zip", "note": "From the bureau."},
        shapely.box(121.1, 29.92, 121.2, 29.98),
    )
    tree.path("geo/surveyed_footprints.geojson").write_text(geojson([survey]), encoding="utf-8")
    ds, _ = build_dataset(tree.geo, tree.data)
    park = _park(ds, "yuyao-edz")
    assert park["footprint"] == "surveyed"
    assert park["location_note_zh"].startswith(
        "测试点。位置点由 `zones build` 根据实测范围（survey.zip）"
    )
    assert "此前记录的位置：（121.15, 29.95），有出处的" in park["location_note_zh"]
    assert (
        "此前记录的面积：10 平方公里（https://example.org/yuyao-edz/area）" in park["area_note_zh"]
    )
    assert "Recorded location before: (121.15, 29.95), sourced" in park["location_note"]
    # A survey without a Chinese note keeps its author's words in both columns.
    assert park["footprint_note"] == park["footprint_note_zh"] == "From the bureau."


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"location_note_zh": ""}, "location_note_zh"),
        ({"notes": "Only in English."}, "notes_zh"),
        ({"area_note_zh": "只有中文。"}, "area_note"),
        ({"level_note": "Provincial.", "level_note_zh": " "}, "level_note_zh"),
    ],
)
def test_a_note_in_one_language_only_is_an_error(tmp_path, cells, field):
    errors = _errors(tmp_path, **{"data/parks.csv": edit_csv("data/parks.csv", 2, **cells)})
    assert ("parks.csv", 2, field) in _where(errors)
    message = next(p.message for p in errors if p.field == field)
    assert ("Chinese" in message) if field.endswith("_zh") else ("English" in message)


# -- locations -------------------------------------------------------------------------------


def test_park_without_a_point_gets_one_inside_its_district(tmp_path):
    ds, _ = _build(tmp_path)
    park = _park(ds, "cixi-park")
    assert park["location_basis"] == "estimated"
    assert CIXI.contains(Point(park["lon"], park["lat"]))
    assert park["location_precision_m"] > 0
    assert "zones build" in park["location_note"]
    assert park.geometry.within(CIXI.buffer(1e-7))


def test_two_parks_in_one_district_get_different_points(tmp_path):
    parks = add_row(
        "data/parks.csv",
        id="cixi-park-2",
        name_zh="慈溪测试园二",
        name_en="Cixi Test Park 2",
        level="unknown",
        district_adcodes="330282",
        location_basis="estimated",
        location_note="No source gives a location.",
        location_note_zh="无来源给出位置。",
        sources="https://example.org/cixi-park-2",
    )
    ds, _ = _build(tmp_path, **{"data/parks.csv": parks})
    a, b = (Point(_park(ds, i)["lon"], _park(ds, i)["lat"]) for i in ("cixi-park", "cixi-park-2"))
    assert CIXI.contains(a) and CIXI.contains(b)
    assert geo.distance_m(a, b) > 1000


def test_parks_whose_areas_share_a_centre_are_spread_apart():
    """Two areas that differ only in how they are written (one vertex more) have the same
    representative point: their parks must not get the same point (nor hide one another)."""
    same = Polygon([(121.3, 29.9), (121.6, 29.9), (121.6, 30.2), (121.3, 30.2)])
    more = Polygon([(121.3, 29.9), (121.45, 29.9), (121.6, 29.9), (121.6, 30.2), (121.3, 30.2)])
    assert shapely.to_wkb(same) != shapely.to_wkb(more)
    points = geo.estimate_locations({"a": same, "b": more})
    a, b = (Point(points[k][:2]) for k in ("a", "b"))
    assert geo.distance_m(a, b) == pytest.approx(6000, abs=50)
    assert same.contains(a) and more.contains(b)


def _platform_link(park_id: str, belt_id: str) -> str:
    """park_belts.csv with one more row: ``park_id`` a platform of ``belt_id``, citing a park
    name the plan really writes on its line 4."""
    return add_row(
        "data/park_belts.csv",
        park_id=park_id,
        belt_id=belt_id,
        plan_name="余姚经济开发区",
        source="plan:L4",
    )


def test_park_with_only_a_belt_is_placed_in_the_belt(tmp_path):
    """No district: the point is estimated from the belt the plan makes it a platform of."""
    overrides = {
        "data/parks.csv": edit_csv("data/parks.csv", 4, district_adcodes=""),
        "data/park_belts.csv": _platform_link("cixi-park", "metro-circle"),
    }
    ds, _ = _build(tmp_path, **overrides)
    park = _park(ds, "cixi-park")
    assert YUYAO.contains(Point(park["lon"], park["lat"]))


def test_park_with_no_point_no_district_and_no_belt_is_an_error(tmp_path):
    errors = _errors(
        tmp_path, **{"data/parks.csv": edit_csv("data/parks.csv", 4, district_adcodes="")}
    )
    assert ("parks.csv", 4, "lon") in _where(errors)


def test_park_located_outside_its_district_is_an_error(tmp_path):
    errors = _errors(tmp_path, **{"data/parks.csv": edit_csv("data/parks.csv", 2, lon="121.45")})
    match = [p for p in errors if _where([p]) == {("parks.csv", 2, "lon")}]
    assert match, [str(p) for p in errors]
    assert match[0].file == str(tmp_path / "data" / "parks.csv")
    assert "outside its district" in match[0].message and "余姚市" in match[0].message


def test_platform_outside_its_belt_is_a_note_not_an_error(tmp_path):
    ds, notes = _build(
        tmp_path, **{"data/park_belts.csv": _platform_link("yuyao-edz", "north-bay")}
    )
    assert ("parks.csv", 2, "belt") in _where(notes)
    note = next(n for n in notes if _where([n]) == {("parks.csv", 2, "belt")})
    assert note.severity == "note" and "北部湾区产业带" in note.message
    park = _park(ds, "yuyao-edz")
    assert park["platform_belt_ids"] == ["metro-circle", "north-bay"]
    assert park["belt_ids"] == ["metro-circle", "north-bay"]


# -- broken geometry files -------------------------------------------------------------------


def _districts_with(number: int, geometry) -> str:
    features = district_features()
    features[number - 1] = feature(features[number - 1]["properties"], geometry)
    return geojson(features)


BOW_TIE = Polygon([(121.0, 30.05), (121.3, 30.2), (121.3, 30.05), (121.0, 30.2)])
SWAPPED = shapely.transform(CIXI, lambda xy: xy[:, ::-1])
PROJECTED_CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}}


def _part_with(**changes) -> str:
    parts = part_features()
    for key, value in changes.items():
        if key == "geometry":
            parts[0]["geometry"] = shapely.geometry.mapping(value)
        else:
            parts[0]["properties"][key] = value
    return geojson(parts)


GEO_CASES = [
    # (file, text, feature number, field, message)
    ("districts.geojson", _districts_with(2, Point(121.45, 30.05)), 2, "geometry", "is a Point"),
    ("districts.geojson", _districts_with(1, BOW_TIE), 1, "geometry", "is invalid"),
    ("district_parts.geojson", _part_with(geometry=BOW_TIE), 1, "geometry", "is invalid"),
    ("districts.geojson", _districts_with(1, geo.to_metres(YUYAO)), 1, "geometry", "outside"),
    ("districts.geojson", _districts_with(2, SWAPPED), 2, "geometry", "outside Ningbo"),
    ("districts.geojson", _districts_with(2, Polygon()), 2, "geometry", "empty"),
    ("districts.geojson", "{not json", 1, None, "not valid JSON"),
    ("districts.geojson", '{"type": "FeatureCollection",\n "features": [}', 2, None, "JSON"),
    ("districts.geojson", json.dumps(district_features()), None, None, "FeatureCollection"),
    (
        "districts.geojson",
        geojson(district_features(), crs=PROJECTED_CRS),
        None,
        "crs",
        "EPSG::4549",
    ),
    ("district_parts.geojson", _part_with(id=""), 1, "id", "missing"),
    (
        "district_parts.geojson",
        _part_with(geometry=shapely.box(121.4, 30.0, 121.5, 30.1)),
        1,
        "geometry",
        "does not overlap its district 330281",
    ),
    ("district_parts.geojson", _part_with(district_adcode="330299"), 1, "district_adcode", ""),
]


@pytest.mark.parametrize(("file", "text", "number", "field", "message"), GEO_CASES)
def test_broken_geometry_names_file_and_feature(tmp_path, file, text, number, field, message):
    errors = _errors(tmp_path, **{f"geo/{file}": text})
    match = [p for p in errors if p.file == str(tmp_path / "geo" / file)]
    assert [(p.row, p.field) for p in match] == [(number, field)], [str(p) for p in errors]
    assert message in match[0].message


def test_projected_crs_as_crs84_is_accepted(tmp_path):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    ds, _ = _build(tmp_path, **{"geo/districts.geojson": geojson(district_features(), crs=crs)})
    assert len(ds.districts) == 2


def test_duplicate_district_is_an_error(tmp_path):
    features = district_features()
    features[1]["properties"]["adcode"] = "330281"
    errors = _errors(tmp_path, **{"geo/districts.geojson": geojson(features)})
    assert ("districts.geojson", 2, "adcode") in _where(errors)


def test_geometry_file_not_utf8(tmp_path):
    text = geojson(district_features()).encode("gbk")
    errors = _errors(tmp_path, **{"geo/districts.geojson": text})
    match = [p for p in errors if Path(p.file).name == "districts.geojson"]
    assert len(match) == 1 and "not UTF-8" in match[0].message


def test_missing_input_file_is_an_error(tmp_path):
    errors = _errors(tmp_path, **{"data/belts.csv": None})
    assert ("belts.csv", None, None) in _where(errors)


def test_every_problem_of_several_files_comes_in_one_error(tmp_path):
    overrides = {
        "data/parks.csv": edit_csv("data/parks.csv", 2, district_adcodes="330299"),
        "data/belts.csv": edit_csv("data/belts.csv", 3, source="plan:L99"),
        "data/tiers.csv": "id,name_zh\n",
        "data/targets.csv": b"id,name_zh\n" + "规上".encode("gbk") + b"\n",
        "geo/districts.geojson": _districts_with(2, Point(121.45, 30.05)),
        "geo/district_parts.geojson": "[",
    }
    with pytest.raises(ValidationError) as caught:
        _build(tmp_path, **overrides)
    where = _where(caught.value.problems)
    for expected in [
        ("parks.csv", 2, "district_adcodes"),
        ("belts.csv", 3, "source"),
        ("tiers.csv", 1, None),
        ("targets.csv", 2, None),
        ("districts.geojson", 2, "geometry"),
        ("district_parts.geojson", 1, None),
    ]:
        assert expected in where, (expected, sorted(where, key=str))
    text = str(caught.value)
    for name in (
        "parks.csv:2",
        "belts.csv:3",
        "tiers.csv:1",
        "targets.csv:2",
        "districts.geojson:2",
    ):
        assert name in text


@pytest.mark.parametrize("name", ["data/transport_nodes.csv", "data/targets.csv"])
def test_a_table_with_only_its_header_builds(tmp_path, name):
    tree = write_inputs(tmp_path, **{name: csv_text(name, [])})
    ds, _ = build(tmp_path / "out" / "zones.gpkg", tree.geo, tree.data)
    assert len(ds.layer(Path(name).stem)) == 0


# -- the GeoPackage --------------------------------------------------------------------------


def test_failed_build_leaves_the_previous_geopackage_untouched(tmp_path):
    tree = write_inputs(tmp_path / "tree")
    out = tmp_path / "out" / "zones.gpkg"
    build(out, tree.geo, tree.data)
    before = out.read_bytes()
    write_inputs(tree.root, **{"data/parks.csv": edit_csv("data/parks.csv", 2, lon="121.45")})
    with pytest.raises(ValidationError):
        build(out, tree.geo, tree.data)
    write_inputs(tree.root, **{"data/belts.csv": "id\n"})
    with pytest.raises(ValidationError):
        build(out, tree.geo, tree.data)
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["zones.gpkg"]


def test_failed_first_build_writes_nothing(tmp_path):
    tree = write_inputs(tmp_path / "tree", **{"data/parks.csv": "id\n"})
    out = tmp_path / "out" / "zones.gpkg"
    with pytest.raises(ValidationError):
        build(out, tree.geo, tree.data)
    assert not out.exists()
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_geopackage_round_trips(tmp_path):
    tree = write_inputs(tmp_path / "tree")
    out = tmp_path / "zones.gpkg"
    ds, _ = build(out, tree.geo, tree.data)
    assert {name for name, _ in pyogrio.list_layers(out)} >= set(SPATIAL_LAYERS + TABLE_LAYERS)
    back = load_dataset(out)
    for layer in SPATIAL_LAYERS + TABLE_LAYERS:
        built, read = ds.layer(layer), back.layer(layer)
        assert list(read.columns) == list(built.columns), layer
        assert len(read) == len(built), layer
        for col in LIST_COLUMNS[layer]:
            assert [list(v) for v in read[col]] == [list(v) for v in built[col]], (layer, col)
    for layer in SPATIAL_LAYERS:
        assert back.layer(layer).crs.to_epsg() == 4326
        pairs = zip(back.layer(layer).geometry, ds.layer(layer).geometry, strict=True)
        assert all(a.equals_exact(b, 1e-9) for a, b in pairs), layer
    parks = back.parks.set_index("id")
    assert parks.loc["qianwan-new-area", "designated_industries"] == ["汽车及零部件", "新材料"]
    assert parks.loc["cixi-park", "platform_belt_ids"] == []
    assert back.industries.set_index("id").loc["automotive", "aliases"] == ["汽车", "汽车产业"]
    assert parks.loc["yuyao-edz", "lon"] == pytest.approx(121.15)


def test_layers_read_as_the_row_by_row_reader_reads_them(tmp_path):
    """load_dataset reads through Arrow; what it gives equals what GDAL's row-by-row reader
    gives, types included, for an empty layer and a text column of nulls too."""
    import dataclasses

    import geopandas as gpd
    from geopandas.testing import assert_geodataframe_equal

    from tests.factories import make_dataset

    ds = make_dataset(3)
    parks = ds.parks.assign(notes=None, level_note=[None, "x", None])
    odd = dataclasses.replace(ds, parks=parks, park_industries=ds.park_industries.iloc[:0])
    for data, path in ((ds, tmp_path / "plain.gpkg"), (odd, tmp_path / "odd.gpkg")):
        back = load_dataset(save_dataset(data, path))
        for name in SPATIAL_LAYERS:
            slow = gpd.read_file(path, layer=name, engine="pyogrio", use_arrow=False)
            assert_geodataframe_equal(back.layer(name), decode_lists(slow, name))
        for name in TABLE_LAYERS:
            slow = pyogrio.read_dataframe(path, layer=name, read_geometry=False)
            expected = decode_lists(pd.DataFrame(slow), name)
            pd.testing.assert_frame_equal(back.layer(name), expected, check_exact=True)
    assert back.parks["notes"].tolist() == [None] * 3


@pytest.mark.parametrize(
    "cells",
    [
        ['["a", "b"]', "[]", "", None, float("nan"), '["汽车"]', "[1, 2.5, null]"],
        ['"text"', "3", '{"k": [1]}', "[[]]"],  # any JSON, as json.loads reads it alone
        [],
    ],
)
def test_list_columns_decode_cell_by_cell(cells):
    frame = pd.DataFrame({"aliases": pd.Series(cells, dtype=object)})
    alone = [json.loads(v) if isinstance(v, str) and v else [] for v in cells]
    assert decode_lists(frame, "industries")["aliases"].tolist() == alone


@pytest.mark.parametrize("bad", ["1, 2", "[1], [2]", " ", "[1", "nope"])
def test_a_bad_list_cell_fails_as_it_does_alone(bad):
    """Text that is no JSON on its own fails with the error of that cell alone, even where
    the whole column would parse as one array (``1, 2``)."""
    cells = ['["a"]', bad, "[]"]
    with pytest.raises(json.JSONDecodeError) as alone:
        json.loads(bad)
    with pytest.raises(json.JSONDecodeError) as caught:
        decode_lists(pd.DataFrame({"aliases": cells}), "industries")
    assert str(caught.value) == str(alone.value)


def _truncated(tmp_path: Path) -> Path:
    tree = write_inputs(tmp_path / "tree")
    good = tmp_path / "good.gpkg"
    build(good, tree.geo, tree.data)
    return write_file(tmp_path / "zones.gpkg", good.read_bytes()[: good.stat().st_size // 2])


def _not_gpkg(tmp_path: Path) -> Path:
    return write_file(tmp_path / "zones.gpkg", "id,name\n1,a\n")


def _empty(tmp_path: Path) -> Path:
    return write_file(tmp_path / "zones.gpkg", b"")


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nowhere" / "zones.gpkg"


def _one_layer(tmp_path: Path) -> Path:
    tree = write_inputs(tmp_path / "tree")
    ds, _ = build_dataset(tree.geo, tree.data)
    path = tmp_path / "zones.gpkg"
    pyogrio.write_dataframe(ds.districts, path, layer="districts", driver="GPKG")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_missing, "not found"),
        (_truncated, "GeoPackage"),
        (_not_gpkg, "GeoPackage"),
        (_empty, "GeoPackage"),
        (_one_layer, "layer(s) missing"),
    ],
)
def test_load_dataset_names_the_unreadable_file(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(DataError) as caught:
        load_dataset(path)
    assert caught.value.problem.file == str(path)
    assert message in caught.value.problem.message
    assert str(path) in str(caught.value)


# --- issue 8.9: the cause first, no cascade ---------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "bad_input"


def test_one_bad_byte_gives_one_error_not_a_cascade(tmp_path):
    """A parks.csv that is not UTF-8 cannot be read, so every reference to a park would fail:
    the real data with one bad byte gave 42 errors, the cause last."""
    data = tmp_path / "data"
    geo_dir = tmp_path / "geo"
    root = Path(__file__).resolve().parents[1]
    for name in ("data", "geo"):
        for path in (root / name).glob("*.*"):
            (tmp_path / name).mkdir(exist_ok=True)
            (tmp_path / name / path.name).write_bytes(path.read_bytes())
    (data / "parks.csv").write_bytes((FIXTURES / "parks_not_utf8_line14.csv").read_bytes())
    with pytest.raises(ValidationError) as info:
        build_dataset(geo_dir, data)
    errors = [p for p in info.value.problems if p.severity == "error"]
    assert [(Path(p.file).name, p.row) for p in errors] == [("parks.csv", 14)]
    assert errors[0].message.startswith("not UTF-8 (byte 0xff")


def test_a_row_dropped_for_a_bad_cell_is_not_also_an_unknown_park(tmp_path):
    """A park row left out for a bad value still exists: links to it are not errors too."""
    with pytest.raises(ValidationError) as info:
        _build(tmp_path, **{"data/parks.csv": edit_csv("data/parks.csv", 3, area_km2="lots")})
    errors = [(Path(p.file).name, p.row, p.field) for p in info.value.problems]
    assert errors == [("parks.csv", 3, "area_km2")]


def test_whole_file_problems_sort_before_row_problems_without_a_type_error():
    problems = [
        Problem("a.csv", 3, "x", "row problem"),
        Problem("a.csv", None, None, "file problem"),
        Problem("a.csv", 2, None, "earlier row"),
    ]
    assert [p.row for p in ValidationError(problems).problems] == [None, 2, 3]
