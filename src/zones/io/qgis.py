"""QGIS layer styles (QML) that draw districts, belts and parks as the app's map does.

- districts: one grey outline on a pale fill (:data:`zones.map.styles.DISTRICT_STYLE`);
- belts: one category per belt (rule on ``id``), each in the belt's ``color`` column, a light
  fill under a stronger outline (:func:`zones.map.styles.belt_style`), labelled with the belt's
  name;
- parks: one category per ``footprint`` value (:data:`zones.map.styles.FOOTPRINT_STYLES`):
  ``surveyed`` solid and dark, ``indicative`` dashed and lighter, labelled with the park's name.

Every field gets an alias, so that QGIS's attribute table, forms and identify results name it in
the style's language: in Chinese, the field's short label (:func:`zones.model.fields.label_zh`); in
English, the column's full name where the file renames it (a Shapefile's ``fp_km2`` reads
``footprint_area_km2``).

Widths and dashes are in pixels as in Leaflet. Field names can be renamed (a Shapefile's DBF
names, see :func:`zones.model.fields.shapefile_names`), so the same style serves the GeoPackage, the
GeoJSON and the Shapefile. The XML is built with ElementTree: names from the data are escaped,
never interpreted. QGIS loads ``parks.qml`` automatically next to ``parks.shp`` or
``parks.geojson``; :func:`layer_styles_table` gives the rows QGIS reads as the default styles
stored inside a GeoPackage (its ``layer_styles`` table).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd

from zones.errors import UnknownValueError
from zones.map.styles import DISTRICT_STYLE, FOOTPRINT_STYLES, belt_style, rgb
from zones.model import cells
from zones.model import fields as fld
from zones.text import data_languages, languages, t

#: Layers that have a style.
STYLED_LAYERS = ("districts", "belts", "parks")
#: Label colour and halo.
LABEL_COLOR = "#212121"
#: Fonts tried for labels: Chinese-capable first.
LABEL_FONT = "Noto Sans CJK SC"
QGIS_VERSION = "3.28.0-Firenze"
_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"


def qgis_color(color: Any, opacity: float = 1.0) -> str:
    """``#rrggbb`` (or ``#rgb``) and an opacity as QGIS's ``r,g,b,a``; grey when not a colour."""
    r, g, b = rgb(color)
    alpha = round(max(0.0, min(1.0, float(opacity))) * 255)
    return f"{r},{g},{b},{alpha}"


def _options(parent: ET.Element, values: Mapping[str, str]) -> None:
    """Symbol layer properties, as an Option map (QGIS >= 3.18) and as legacy ``prop``
    elements (older QGIS 3), as QGIS itself wrote them for years."""
    box = ET.SubElement(parent, "Option", type="Map")
    for name, value in values.items():
        ET.SubElement(box, "Option", type="QString", name=name, value=value)
    for name, value in values.items():
        ET.SubElement(parent, "prop", k=name, v=value)


def _fill_symbol(name: str, style: Mapping[str, Any]) -> ET.Element:
    """A fill symbol from a Leaflet path style (color, weight, opacity, fillColor, ...)."""
    symbol = ET.Element(
        "symbol",
        type="fill",
        name=name,
        alpha="1",
        clip_to_extent="1",
        force_rhr="0",
    )
    layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill"}, enabled="1", locked="0")
    layer.set("pass", "0")
    fill = style.get("fillColor", style.get("color"))
    filled = style.get("fill", True)
    _options(
        layer,
        {
            "color": qgis_color(fill, style.get("fillOpacity", 0.2) if filled else 0.0),
            "style": "solid" if filled else "no",
            "outline_color": qgis_color(style.get("color"), style.get("opacity", 1.0)),
            "outline_style": "dash" if style.get("dashArray") else "solid",
            "outline_width": f"{float(style.get('weight', 1)):g}",
            "outline_width_unit": "Pixel",
            "joinstyle": "round",
            "offset": "0,0",
            "offset_unit": "MM",
        },
    )
    return symbol


def _labeling(field_name: str) -> ET.Element:
    labeling = ET.Element("labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    text = ET.SubElement(
        settings,
        "text-style",
        fieldName=field_name,
        isExpression="0",
        fontFamily=LABEL_FONT,
        fontSize="9",
        fontSizeUnit="Point",
        textColor=qgis_color(LABEL_COLOR),
        textOpacity="1",
        namedStyle="Regular",
    )
    ET.SubElement(
        text,
        "text-buffer",
        bufferDraw="1",
        bufferSize="1",
        bufferSizeUnits="MM",
        bufferColor="255,255,255,255",
        bufferOpacity="0.8",
    )
    ET.SubElement(settings, "placement", placement="1", priority="5", dist="0")
    ET.SubElement(settings, "rendering", obstacle="1", limitNumLabels="0", drawLabels="1")
    return labeling


def field_aliases(
    layer: str,
    columns: list[str] | None = None,
    *,
    names: Mapping[str, str] | None = None,
    lang: str = "zh",
) -> dict[str, str]:
    """Field name in the styled file -> its alias, for ``columns`` of ``layer`` (default: every
    attribute field of the dictionary, :data:`zones.model.fields.FIELDS`).

    By ``lang``'s data language (:func:`zones.text.data_languages`): Chinese, each column's
    short Chinese label (:func:`zones.model.fields.label_zh`; a column without one gets none);
    English, the column's own name where ``names`` renames it, so a Shapefile's ``fp_km2``
    reads ``footprint_area_km2``; the dataset's names are English already.
    """
    names = dict(names or {})
    if columns is None:
        known = fld.FIELDS.get(layer, ())
        columns = [f.name for f in known if f.kind != "geometry"]
    out: dict[str, str] = {}
    for column in columns:
        field_name = names.get(column, column)
        aliases = {"zh": fld.label_zh(layer, column), "en": column}
        alias = next((aliases[c] for c in data_languages(lang) if c in aliases), "")
        if alias and alias != field_name:
            out[field_name] = alias
    return out


def _aliases(aliases: Mapping[str, str]) -> ET.Element:
    """QGIS's ``<aliases>``: one ``<alias field=... name=...>`` per field (QGIS matches by
    ``field``; the ``index`` it also writes differs between providers, so it is left out)."""
    element = ET.Element("aliases")
    for field_name, alias in aliases.items():
        ET.SubElement(element, "alias", field=field_name, name=alias)
    return element


def _document(
    renderer: ET.Element, label_field: str | None, aliases: Mapping[str, str] | None = None
) -> str:
    categories = "Symbology|Labeling" + ("|Fields" if aliases else "")
    root = ET.Element(
        "qgis",
        version=QGIS_VERSION,
        styleCategories=categories,
        labelsEnabled="1" if label_field else "0",
    )
    root.append(renderer)
    if label_field:
        root.append(_labeling(label_field))
    if aliases:
        root.append(_aliases(aliases))
    ET.SubElement(root, "layerGeometryType").text = "2"
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return f"{_DOCTYPE}\n{body}\n"


def _renderer(kind: str, **attrs: str) -> ET.Element:
    """A ``renderer-v2`` element of type ``kind`` (and ``attrs``), with QGIS's defaults."""
    defaults = {"forceraster": "0", "symbollevels": "0", "enableorderby": "0"}
    return ET.Element("renderer-v2", type=kind, **attrs, **defaults, referencescale="-1")


def _categorized(attr: str, categories: list[tuple[str, str, ET.Element]]) -> ET.Element:
    renderer = _renderer("categorizedSymbol", attr=attr)
    cats = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for i, (value, label, symbol) in enumerate(categories):
        ET.SubElement(
            cats, "category", render="true", symbol=str(i), value=value, label=label, type="string"
        )
        symbol.set("name", str(i))
        symbols.append(symbol)
    return renderer


def layer_qml(
    layer: str,
    frame: pd.DataFrame | None = None,
    *,
    names: Mapping[str, str] | None = None,
    lang: str = "zh",
) -> str:
    """The QML style of ``layer`` as text.

    Parameters
    ----------
    layer
        ``districts``, ``belts`` or ``parks``.
    frame
        The layer's rows; needed for ``belts`` (one category per belt, in its ``color``). Its
        columns get aliases (:func:`field_aliases`); without it, every field of the dictionary.
    names
        Column -> field name in the styled file (e.g. Shapefile names); a column not in it
        keeps its name.
    lang
        One of :data:`zones.text.LANGUAGES`: the language of category labels, of the labelled
        name field and of the field aliases.

    Raises
    ------
    UnknownValueError
        When ``layer`` has no style, or ``lang`` is not a language zones speaks.
    """
    if layer not in STYLED_LAYERS:
        raise UnknownValueError("styled layer", str(layer), list(STYLED_LAYERS))
    if lang not in languages():
        raise UnknownValueError("language", str(lang), list(languages()))
    names = dict(names or {})

    def col(column: str) -> str:
        return names.get(column, column)

    known = {f.name for f in fld.FIELDS.get(layer, ())}
    name_col = next((f"name_{c}" for c in data_languages(lang) if f"name_{c}" in known), "name_zh")
    columns = None
    if frame is not None:
        geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
        columns = [c for c in frame.columns if c != geometry]
    aliases = field_aliases(layer, columns, names=names, lang=lang)
    if layer == "districts":
        renderer = _renderer("singleSymbol")
        symbols = ET.SubElement(renderer, "symbols")
        symbols.append(_fill_symbol("0", {**DISTRICT_STYLE, "fillOpacity": 1.0}))
        return _document(renderer, None, aliases)
    if layer == "parks":
        categories = [
            (kind, t(f"footprint.{kind}", lang), _fill_symbol("", style))
            for kind, style in FOOTPRINT_STYLES.items()
        ]
        return _document(_categorized(col("footprint"), categories), col(name_col), aliases)
    if frame is None:
        raise ValueError("layer_qml('belts') needs the belts frame for their colours")
    categories = []
    ordered = frame.sort_values("order") if "order" in frame.columns else frame
    for row in ordered.to_dict("records"):
        style = belt_style(row.get("color"))
        label = cells.text(row.get(name_col)) or cells.text(row.get("id"))
        categories.append((cells.text(row.get("id")), label, _fill_symbol("", style)))
    return _document(_categorized(col("id"), categories), col(name_col), aliases)


def layer_styles_table(
    styles: Mapping[str, str], *, geometry_column: str = "geom", when: datetime | None = None
) -> pd.DataFrame:
    """Rows of a GeoPackage ``layer_styles`` table: QGIS's default style of each layer.

    ``styles`` maps a layer (table) name to its QML. Write the frame as an attribute table
    called ``layer_styles`` in the same GeoPackage.
    """
    stamp = (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [
        {
            "f_table_catalog": "",
            "f_table_schema": "",
            "f_table_name": table,
            "f_geometry_column": geometry_column,
            "styleName": table,
            "styleQML": qml,
            "styleSLD": "",
            "useAsDefault": True,
            "description": "zones: the app's colours",
            "owner": "",
            "ui": "",
            "update_time": stamp,
        }
        for table, qml in styles.items()
    ]
    return pd.DataFrame(rows)
