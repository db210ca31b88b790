"""zones.io.qgis: QML styles are well-formed and draw what the app draws."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.factories import make_dataset
from zones.errors import UnknownValueError
from zones.io import qgis
from zones.map import styles
from zones.model import fields
from zones.model.fields import shapefile_names


def _parse(text: str) -> ET.Element:
    assert text.startswith("<!DOCTYPE qgis")
    return ET.fromstring(text.split("\n", 1)[1])


def _symbol_options(root: ET.Element, category_value: str) -> dict[str, str]:
    """The SimpleFill options of the symbol drawn for ``category_value``."""
    cat = next(c for c in root.iter("category") if c.get("value") == category_value)
    symbol = next(s for s in root.iter("symbol") if s.get("name") == cat.get("symbol"))
    layer = symbol.find("layer")
    assert layer is not None and layer.get("class") == "SimpleFill"
    options = {o.get("name", ""): o.get("value", "") for o in layer.iter("Option") if o.get("name")}
    legacy = {p.get("k", ""): p.get("v", "") for p in layer.iter("prop")}
    assert legacy == options  # older QGIS 3 reads these
    return options


def _rgba(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(","))


def test_qgis_color() -> None:
    assert qgis.qgis_color("#1f77b4") == "31,119,180,255"
    assert qgis.qgis_color("#abc", 0.5) == "170,187,204,128"
    assert qgis.qgis_color("red; DROP", 1) == "119,119,119,255"
    assert qgis.qgis_color(None, 2.0) == "119,119,119,255"


def test_belts_use_each_belts_colour_like_the_app() -> None:
    ds = make_dataset(2)
    root = _parse(qgis.layer_qml("belts", ds.belts))
    renderer = root.find("renderer-v2")
    assert renderer is not None
    assert (renderer.get("type"), renderer.get("attr")) == ("categorizedSymbol", "id")
    app = styles.belt_style("#000000")
    assert app["fillOpacity"] == styles.BELT_FILL_OPACITY
    assert app["opacity"] == styles.BELT_OPACITY and app["weight"] == styles.BELT_WEIGHT
    belts = ds.belts[["id", "color", "name_zh"]].itertuples(index=False)
    for belt_id, color, name in belts:
        opts = _symbol_options(root, belt_id)
        assert opts["color"] == qgis.qgis_color(color, app["fillOpacity"])
        assert opts["outline_color"] == qgis.qgis_color(color, app["opacity"])
        assert opts["outline_style"] == "solid"
        label = next(c for c in root.iter("category") if c.get("value") == belt_id).get("label")
        assert label == name


def test_indicative_parks_are_dashed_and_lighter_than_surveyed() -> None:
    root = _parse(qgis.layer_qml("parks"))
    assert root.find("renderer-v2").get("attr") == "footprint"  # type: ignore[union-attr]
    surveyed = _symbol_options(root, "surveyed")
    indicative = _symbol_options(root, "indicative")
    assert surveyed["outline_style"] == "solid" and indicative["outline_style"] == "dash"
    assert surveyed["color"] == qgis.qgis_color(
        styles.SURVEYED_STYLE["fillColor"], styles.SURVEYED_STYLE["fillOpacity"]
    )
    assert indicative["color"] == qgis.qgis_color(
        styles.INDICATIVE_STYLE["fillColor"], styles.INDICATIVE_STYLE["fillOpacity"]
    )
    s, i = _rgba(surveyed["color"]), _rgba(indicative["color"])
    assert i[3] < s[3]  # more transparent
    assert sum(i[:3]) > sum(s[:3])  # and a lighter colour


def test_labels_use_the_language_and_renamed_fields() -> None:
    root = _parse(qgis.layer_qml("parks", lang="en"))
    assert root.get("labelsEnabled") == "1"
    assert root.find("labeling/settings/text-style").get("fieldName") == "name_en"  # type: ignore[union-attr]
    labels = {c.get("value"): c.get("label") for c in root.iter("category")}
    assert labels == {
        "surveyed": "surveyed footprint",
        "indicative": "indicative footprint (estimated)",
    }
    names = {**shapefile_names("parks"), "footprint": "fp_kind", "name_zh": "nm_zh"}
    root = _parse(qgis.layer_qml("parks", names=names))
    assert root.find("renderer-v2").get("attr") == "fp_kind"  # type: ignore[union-attr]
    assert root.find("labeling/settings/text-style").get("fieldName") == "nm_zh"  # type: ignore[union-attr]


def test_names_from_the_data_are_escaped() -> None:
    ds = make_dataset(2)
    belts = ds.belts.copy()
    hostile = '</qgis><script>alert("x")</script>&amp; 带'
    belts.loc[0, "name_zh"] = hostile
    belts.loc[1, "color"] = '"/><evil/>'
    root = _parse(qgis.layer_qml("belts", belts))
    assert hostile in [c.get("label") for c in root.iter("category")]
    assert not list(root.iter("script")) and not list(root.iter("evil"))
    assert _symbol_options(root, "east")["color"] == qgis.qgis_color("#777777", 0.18)


def test_districts_are_one_symbol() -> None:
    root = _parse(qgis.layer_qml("districts"))
    assert root.find("renderer-v2").get("type") == "singleSymbol"  # type: ignore[union-attr]
    assert root.get("labelsEnabled") == "0"


def test_errors() -> None:
    with pytest.raises(UnknownValueError):
        qgis.layer_qml("industries")
    with pytest.raises(UnknownValueError):
        qgis.layer_qml("parks", lang="fr")
    with pytest.raises(ValueError, match="belts frame"):
        qgis.layer_qml("belts")


def test_layer_styles_table() -> None:
    table = qgis.layer_styles_table({"parks": "<qgis/>", "belts": "<qgis/>"})
    assert list(table["f_table_name"]) == ["parks", "belts"]
    assert set(table["f_geometry_column"]) == {"geom"} and table["useAsDefault"].all()


# --- field aliases: the attribute table in Chinese -------------------------------------------


def _aliases(root: ET.Element) -> dict[str, str]:
    found = root.findall("aliases")
    assert len(found) <= 1
    return {a.get("field", ""): a.get("name", "") for a in root.iter("alias")}


@pytest.mark.parametrize("layer", qgis.STYLED_LAYERS)
def test_every_field_gets_its_chinese_label_as_alias(layer: str) -> None:
    ds = make_dataset(2)
    frame = ds.layer(layer)
    root = _parse(qgis.layer_qml(layer, frame))
    assert "Fields" in (root.get("styleCategories") or "").split("|")
    columns = [c for c in frame.columns if c != "geometry"]
    aliases = _aliases(root)
    assert list(aliases) == columns
    for column in columns:
        assert aliases[column] == fields.label_zh(layer, column) != ""
    assert len(set(aliases.values())) == len(aliases)  # two fields never read alike


@pytest.mark.parametrize("layer", qgis.STYLED_LAYERS)
def test_shapefile_styles_alias_the_dbf_names(layer: str) -> None:
    ds = make_dataset(2)
    names = shapefile_names(layer)
    root = _parse(qgis.layer_qml(layer, ds.layer(layer), names=names))
    aliases = _aliases(root)
    assert set(aliases) == set(names.values())  # the DBF's names, not the columns
    for column, dbf in names.items():
        assert aliases[dbf] == fields.label_zh(layer, column)
    # In English the alias gives back the column's whole name where the DBF cut it.
    root = _parse(qgis.layer_qml(layer, ds.layer(layer), names=names, lang="en"))
    renamed = {dbf: column for column, dbf in names.items() if dbf != column}
    assert _aliases(root) == renamed
    if layer == "parks":
        assert renamed["fp_km2"] == "footprint_area_km2"


def test_without_a_frame_the_dictionary_gives_the_fields() -> None:
    root = _parse(qgis.layer_qml("parks"))
    expected = [f.name for f in fields.FIELDS["parks"] if f.kind != "geometry"]
    assert list(_aliases(root)) == expected
    assert _aliases(root)["nearest_port_km"] == "距港区（km）"
    # An English style of a file that keeps the names needs no aliases, nor the Fields part.
    root = _parse(qgis.layer_qml("parks", lang="en"))
    assert _aliases(root) == {} and root.get("styleCategories") == "Symbology|Labeling"


def test_aliases_are_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = '"/><alias field="x" name="evil"/>&'
    monkeypatch.setitem(fields.LABELS_ZH, "notes", hostile)
    root = _parse(qgis.layer_qml("parks"))
    aliases = _aliases(root)
    assert aliases["notes"] == hostile and "x" not in aliases
