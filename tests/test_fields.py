"""zones.model.fields: every exported column of every layer is in the bilingual field dictionary."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import pytest

from tests.factories import make_dataset
from zones.build.assemble import build_dataset
from zones.errors import UnknownValueError
from zones.model import fields
from zones.model.dataset import POINT_TABLES, SPATIAL_LAYERS, TABLE_LAYERS, Dataset

ALL_LAYERS = SPATIAL_LAYERS + TABLE_LAYERS


@pytest.fixture(scope="module")
def real() -> Dataset:
    """A build of the repository's geo/ and data/ (read only, nothing written)."""
    ds, _ = build_dataset()
    return ds


def test_the_dictionary_is_sound() -> None:
    assert fields.check_dictionary() == []


@pytest.mark.parametrize("layer", ALL_LAYERS)
def test_every_column_of_a_real_build_has_an_entry(real: Dataset, layer: str) -> None:
    columns = list(real.layer(layer).columns)
    assert fields.undescribed(layer, columns) == [], (
        f"add these columns of {layer} to zones.model.fields.FIELDS (zh, en, Shapefile name)"
    )


@pytest.mark.parametrize("layer", ALL_LAYERS)
def test_entries_follow_the_layer_and_none_is_stale(real: Dataset, layer: str) -> None:
    # Point tables are tables in the dataset and point layers in the bundle: geometry last.
    exported = ["geometry"] if layer in POINT_TABLES else []
    assert [f.name for f in fields.layer_fields(layer)] == [*real.layer(layer).columns, *exported]


def test_every_layer_of_the_dataset_is_in_the_dictionary() -> None:
    assert set(ALL_LAYERS) <= set(fields.FIELDS)


def test_the_test_factory_columns_are_described_too() -> None:
    ds = make_dataset(2)
    for layer in ALL_LAYERS:
        assert fields.undescribed(layer, ds.layer(layer).columns) == []


def test_a_new_column_is_caught() -> None:
    assert fields.undescribed("parks", ["id", "brand_new"]) == ["brand_new"]
    assert fields.undescribed("no_such_layer", ["id"]) == ["id"]


@pytest.mark.parametrize("layer", ALL_LAYERS)
def test_shapefile_names_are_short_ascii_and_unique(layer: str) -> None:
    names = fields.shapefile_names(layer)
    assert "geometry" not in names
    assert all(len(n) <= 10 and n.isascii() for n in names.values())
    assert len({n.casefold() for n in names.values()}) == len(names)


def test_check_dictionary_reports_what_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = (
        fields.Field("a_very_long_name", "a_very_long_name", "text", "中", "en"),
        fields.Field("b", "Same", "text", "中", "en"),
        fields.Field("c", "same", "blob", "", "en"),
        fields.Field("geometry", "geom", "geometry", "中", "en"),
    )
    monkeypatch.setitem(fields.FIELDS, "broken", bad)
    problems = [p for p in fields.check_dictionary() if p.startswith("broken.")]
    assert any("broken.a_very_long_name: Shapefile name" in p for p in problems)
    assert any("'same' also used by b" in p for p in problems)
    assert any("kind 'blob'" in p for p in problems)
    assert any("both a Chinese and an English" in p for p in problems)
    assert any("geometry has no Shapefile field name" in p for p in problems)


def test_lookups() -> None:
    assert fields.description("parks", "footprint", "zh").startswith("范围类型")
    assert fields.description("parks", "footprint", "en").startswith("footprint kind")
    assert fields.field("park_industries", "industry_id").shp == "ind_id"
    with pytest.raises(UnknownValueError, match="footprint"):
        fields.field("parks", "footprnt")
    with pytest.raises(UnknownValueError):
        fields.layer_fields("roads")


def test_dictionary_as_csv_and_markdown() -> None:
    data = fields.dictionary_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [
        "layer",
        "field",
        "shapefile_field",
        "kind",
        "description_zh",
        "description_en",
    ]
    assert len(rows) - 1 == sum(len(v) for v in fields.FIELDS.values())
    row = next(r for r in rows if r[:2] == ["parks", "footprint_area_km2"])
    assert row[2:4] == ["fp_km2", "real"]
    text = fields.dictionary_markdown(["belts"])
    assert "## belts" in text and "## parks" not in text
    assert "| color | color | text | 地图配色（#rrggbb） | map colour (#rrggbb) |" in text


FORMULA_CELLS: list[str] = json.loads(
    (Path(__file__).parent / "fixtures" / "bad_input" / "formula_cells.json").read_text("utf-8")
)["cells"]


@pytest.mark.parametrize("hostile", FORMULA_CELLS, ids=lambda c: f"lead-{ord(c[0]):02x}")
def test_dictionary_csv_neutralises_formulas(monkeypatch: pytest.MonkeyPatch, hostile: str) -> None:
    entries = list(fields.FIELDS["parks"])
    entries[0] = dataclasses.replace(entries[0], zh=hostile, en=hostile + "en")
    monkeypatch.setitem(fields.FIELDS, "parks", tuple(entries))
    text = fields.dictionary_csv(["parks"]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][:2] == ["parks", "id"]
    assert rows[1][4:] == ["'" + hostile, "'" + hostile + "en"]
    assert rows[2][4:] == ["中文名称", "Chinese name"]  # harmless cells are untouched


def test_list_encoding_names_every_format_and_the_rules_say_so() -> None:
    assert set(fields.LIST_ENCODING) == {"geojson", "gpkg", "shapefile", "csv", "kml", "filegdb"}
    assert set(fields.LIST_ENCODING.values()) <= {"array", "joined"}
    assert fields.LIST_ENCODING["geojson"] == "array"
    for lang in ("zh", "en"):
        rules = fields.format_rules(lang)
        assert "`;`" in rules[0] and "GeoJSON" in rules[0] and "GeoPackage" in rules[0]
        assert "OWASP" in rules[1]
    md = fields.dictionary_markdown(["parks"])
    assert all(rule in md for rule in fields.format_rules("en") + fields.format_rules("zh"))
    assert "JSON 文本" not in md and "JSON text" not in md


def test_transport_nodes_geometry_is_described() -> None:
    entry = fields.field("transport_nodes", "geometry")
    assert entry.kind == "geometry" and entry.shp == ""
    assert "geometry" not in fields.shapefile_names("transport_nodes")


def test_every_field_has_a_short_chinese_label(monkeypatch: pytest.MonkeyPatch) -> None:
    for layer, entries in fields.FIELDS.items():
        for f in entries:
            if f.kind != "geometry":
                assert 0 < len(fields.label_zh(layer, f.name)) <= fields.LABEL_ZH_MAX
    assert fields.label_zh("parks", "id") == "园区标识"
    assert fields.label_zh("industries", "id") == "产业标识"
    assert fields.label_zh("parks", "brand_new") == ""
    monkeypatch.delitem(fields.LABELS_ZH, "notes")
    monkeypatch.setitem(fields.LABELS_ZH, "note", "中文名称")
    problems = fields.check_dictionary()
    assert any(p.startswith("parks.notes: needs a short Chinese label") for p in problems)
    assert "industries.note: Chinese label '中文名称' also used by name_zh" in problems
