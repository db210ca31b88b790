"""Folium maps of the layout: districts, belts and parks, a legend and a layer control.

The map comes in two parts so that streamlit-folium can keep the user's zoom across reruns:

- :func:`base_map` holds what changes only with the language or the basemap (tiles, district
  outlines, belts, legend). Its script identifies the map in the browser;
- :func:`park_groups` holds the parks (and the selected park's outline) as feature groups that
  streamlit-folium swaps in place (``feature_group_to_add``) when the filter or selection
  changes, with :func:`layer_control` listing every layer.

:func:`full_map` puts both together for a standalone HTML page (and for tests).

The map of a signed-in editor or reviewer (``editing``) also has the drawing tools (folium's
``Draw``: Leaflet.draw, served by the app as Leaflet is) to draw a park's boundary or place its
point, handed to the map tools by :class:`EditTools`, and the corrections waiting for review
drawn apart (:func:`proposed_features`, :func:`proposed_group`: dashed red, with their legend
entry). A viewer's map has none of it.

Display rules: park features carry their id and only ``name``, ``ind`` (1 when the footprint
is indicative), ``est`` (the location's precision in metres when it is estimated, else 0),
``pt`` (a point inside the park for its marker and label) and ``q`` (its search keys,
:mod:`zones.map.search`); :func:`park_groups` adds ``fill`` (its colour, :mod:`zones.map.coloring`).
Outlines are simplified by a few metres and coordinates rounded to 5 decimals (about 1 m).

The map's tools (scale bar, full screen, measure, PNG, search, labels, markers for small parks,
the map's height and text alternative) are ``static/zones/map-tools.js``, loaded like Leaflet
(:data:`zones.map.assets.PLUGINS`) and set up by :class:`MapTools` and :class:`ParkView`.
Tooltips are built with ``textContent``, so no name from the data is ever parsed as HTML;
legend and layer names are HTML-escaped. Leaflet is loaded from the app itself
(:mod:`zones.map.assets`), never from a CDN. On GCJ-02 basemaps (AMap) geometry is shifted for
display only (:func:`zones.geo.datum.gdf_to_gcj02`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement, Template
from folium.plugins import Draw
from folium.utilities import JsCode

from zones.geo.crs import DISPLAY_DECIMALS, OUTLINE_DECIMALS
from zones.geo.datum import gdf_to_gcj02
from zones.geo.geometry import round_coordinates
from zones.map import assets, many, render
from zones.map.coloring import Coloring
from zones.map.search import search_keys
from zones.map.styles import (
    DISTRICT_STYLE,
    ESTIMATED_STYLE,
    INDICATIVE_STYLE,
    LEGEND_ENTRIES,
    LEGEND_PROPOSED,
    PARK_CLASSES,
    PROPOSED_STYLE,
    SELECTED_STYLE,
    SURVEYED_STYLE,
    belt_style,
    park_class,
    rgb,
    safe_color,
)
from zones.model import cells
from zones.settings import NINGBO_BOUNDS, PLAN_NAME
from zones.text.i18n import html_text, pick_name, pick_names, t

render.install()  # names from the data are never read as Jinja templates

# --------------------------------------------------------------------------------------------
# Basemaps

BASEMAPS = ("none", "osm", "tianditu", "amap")
DEFAULT_BASEMAP = "none"


@dataclass(frozen=True)
class Tiles:
    """One tile layer of a basemap."""

    url: str
    attribution: str
    subdomains: str = "abc"
    max_zoom: int = 18
    overlay: bool = False


_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={token}"
)
_TIANDITU_ATTR = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a>'
_OSM_ATTR = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
_AMAP_ATTR = '&copy; <a href="https://www.amap.com/">高德地图 AMap</a> (GCJ-02)'


def available_basemaps(tianditu_token: str | None = None) -> tuple[str, ...]:
    """Basemap ids that can be offered: Tianditu only with a token."""
    return tuple(b for b in BASEMAPS if b != "tianditu" or tianditu_token)


def is_gcj02(basemap: str) -> bool:
    """True when ``basemap``'s tiles are in GCJ-02, so geometry must be shifted to match."""
    return basemap == "amap"


def basemap_tiles(
    basemap: str, *, lang: str = "zh", tianditu_token: str | None = None
) -> list[Tiles]:
    """The tile layers of ``basemap`` (none for ``none``); Tianditu is vector + annotation."""
    if basemap == "osm":
        return [Tiles("https://tile.openstreetmap.org/{z}/{x}/{y}.png", _OSM_ATTR, "", 19)]
    if basemap == "tianditu":
        if not tianditu_token:
            raise ValueError("the Tianditu basemap needs a token (TIANDITU_TOKEN)")
        token = re.sub(r"[^A-Za-z0-9]", "", tianditu_token)
        return [
            Tiles(_TIANDITU.format(layer="vec", token=token), _TIANDITU_ATTR, "01234567", 18),
            Tiles(_TIANDITU.format(layer="cva", token=token), _TIANDITU_ATTR, "01234567", 18, True),
        ]
    if basemap == "amap":
        amap_lang = "zh_cn" if lang == "zh" else "en"
        url = (
            "https://webrd0{s}.is.autonavi.com/appmaptile?"
            f"lang={amap_lang}&size=1&scale=1&style=8&x={{x}}&y={{y}}&z={{z}}"
        )
        return [Tiles(url, _AMAP_ATTR, "1234", 18)]
    return []


# --------------------------------------------------------------------------------------------
# Trimmed GeoJSON for display

#: Simplification tolerance (degrees) of district and belt outlines on the map (about 50 m);
#: they are drawn with :data:`zones.geo.crs.OUTLINE_DECIMALS`, parks with
#: :data:`zones.geo.crs.DISPLAY_DECIMALS`.
OUTLINE_TOLERANCE = 0.0005
#: Simplification tolerance (degrees) of park footprints on the map (about 5 m).
PARK_TOLERANCE = 0.00005


def _display_geometries(
    gdf: gpd.GeoDataFrame,
    basemap: str,
    tolerance: float = 0.0,
    decimals: int = DISPLAY_DECIMALS,
) -> np.ndarray:
    """Geometries of ``gdf`` shifted (GCJ-02 basemaps), simplified and rounded for display."""
    if len(gdf) == 0:
        return np.asarray([], dtype=object)
    shown = gdf_to_gcj02(gdf) if is_gcj02(basemap) else gdf
    geoms = np.asarray(shown.geometry.array)
    if tolerance:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    return round_coordinates(geoms, decimals)


def _geojson(geoms: np.ndarray) -> list[Any]:
    return [json.loads(g) if g is not None else None for g in shapely.to_geojson(geoms)]


def _for_display(
    gdf: gpd.GeoDataFrame,
    basemap: str,
    tolerance: float = 0.0,
    decimals: int = DISPLAY_DECIMALS,
) -> list[Any]:
    """:func:`_display_geometries` as GeoJSON geometries."""
    return _geojson(_display_geometries(gdf, basemap, tolerance, decimals))


def _number(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def _inside_points(geoms: np.ndarray) -> list[list[float] | None]:
    """[lat, lon] of a point inside each geometry, for a marker or a label (None if empty)."""
    points = shapely.point_on_surface(geoms)
    xy = shapely.get_coordinates(points, include_z=False)
    present = ~(shapely.is_missing(points) | shapely.is_empty(points))
    out: list[list[float] | None] = [None] * len(geoms)
    for n, (x, y) in zip(np.flatnonzero(present), xy, strict=True):
        out[n] = [round(float(y), DISPLAY_DECIMALS), round(float(x), DISPLAY_DECIMALS)]
    return out


def park_features(parks: gpd.GeoDataFrame, *, lang: str, basemap: str = DEFAULT_BASEMAP) -> dict:
    """Parks as a FeatureCollection with only what the map needs.

    Each feature's ``id`` is the park id (Leaflet keeps it in ``toGeoJSON()``, so it comes
    back in st_folium's ``last_active_drawing``). Properties: ``name`` (in ``lang``, raw
    text: tooltips and labels use ``textContent``), ``ind`` (1 for an indicative footprint),
    ``est`` (precision in metres of an estimated location, 1 when unknown, else 0), ``pt``
    ([lat, lon] inside the park: its marker and label) and ``q`` (its search keys: names,
    pinyin, initials and aliases, :func:`zones.map.search.search_keys`).
    """
    shapes = _display_geometries(parks, basemap, PARK_TOLERANCE)
    geometries, points = _geojson(shapes), _inside_points(shapes)
    n = len(parks)
    footprints = parks["footprint"] if "footprint" in parks else [""] * n
    bases = parks["location_basis"] if "location_basis" in parks else [""] * n
    precisions = parks["location_precision_m"] if "location_precision_m" in parks else [None] * n
    names_zh = parks["name_zh"] if "name_zh" in parks else [""] * n
    names_en = parks["name_en"] if "name_en" in parks else [""] * n
    aliases = parks["aliases"] if "aliases" in parks else [None] * n
    features = []
    for ident, name, footprint, basis, precision, geometry, point, zh, en, aka in zip(
        parks["id"], pick_names(parks, lang), footprints, bases, precisions, geometries,
        points, names_zh, names_en, aliases, strict=True,
    ):  # fmt: skip
        metres = _number(precision)
        estimated = basis == "estimated"
        features.append(
            {
                "type": "Feature",
                "id": str(ident),
                "properties": {
                    "name": name,
                    "ind": int(footprint == "indicative"),
                    "est": (int(metres) if math.isfinite(metres) else 1) if estimated else 0,
                    "pt": point,
                    "q": search_keys(zh, en, cells.text_list(aka)),
                },
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def belt_features(belts: gpd.GeoDataFrame, *, lang: str, basemap: str = DEFAULT_BASEMAP) -> dict:
    """Belts (in their ``order``) with ``id``, ``name`` and a checked ``color``."""
    if "order" in belts and len(belts):
        belts = belts.sort_values("order", kind="stable")
    geoms = _display_geometries(belts, basemap, OUTLINE_TOLERANCE, OUTLINE_DECIMALS)
    features = [
        {
            "type": "Feature",
            "id": str(row["id"]),
            "properties": {
                "id": str(row["id"]),
                "name": pick_name(row, lang),
                "color": safe_color(row.get("color")),
            },
            "geometry": geometry,
        }
        for (_, row), geometry in zip(belts.iterrows(), _geojson(geoms), strict=True)
    ]
    return {"type": "FeatureCollection", "features": features, **_bbox(geoms)}


def district_features(
    districts: gpd.GeoDataFrame, *, lang: str, basemap: str = DEFAULT_BASEMAP
) -> dict:
    """District outlines with ``adcode`` and ``name``, plus the collection's ``sources``."""
    geoms = _display_geometries(districts, basemap, OUTLINE_TOLERANCE, OUTLINE_DECIMALS)
    features = [
        {
            "type": "Feature",
            "id": str(row["adcode"]),
            "properties": {"adcode": str(row["adcode"]), "name": pick_name(row, lang)},
            "geometry": geometry,
        }
        for (_, row), geometry in zip(districts.iterrows(), _geojson(geoms), strict=True)
    ]
    sources = sorted({str(s) for s in districts.get("source", []) if isinstance(s, str) and s})
    return {"type": "FeatureCollection", "features": features, "sources": sources, **_bbox(geoms)}


def proposed_features(changes: Iterable[Any], *, basemap: str = DEFAULT_BASEMAP) -> dict:
    """The corrections waiting for review that the map can draw: each proposed footprint (a
    polygon) and moved point, as a FeatureCollection (shifted like the parks on GCJ-02
    basemaps). ``changes`` are the log's changes (:class:`zones.store.Change`); each feature's
    ``id`` is ``change-<id>`` and its properties hold only the change's number, park id and
    kind (no text of the change's author reaches the map)."""
    rows, geoms = [], []
    for change in changes:
        if change.kind == "footprint":
            geom = shapely.geometry.shape(change.new_value["geometry"])
        elif change.kind == "location":
            geom = shapely.Point(float(change.new_value["lon"]), float(change.new_value["lat"]))
        else:
            continue  # an area, a level, districts: nothing to draw
        rows.append({"change": int(change.id), "park": str(change.park_id), "kind": change.kind})
        geoms.append(geom)
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    features = [
        {
            "type": "Feature",
            "id": f"change-{row['change']}",
            "properties": row,
            "geometry": geometry,
        }
        for row, geometry in zip(rows, _for_display(gdf, basemap), strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _bbox(geoms: np.ndarray) -> dict[str, list[float]]:
    """GeoJSON's ``bbox`` member for a collection of ``geoms`` (none when there is none), so
    that :func:`bounds_of` need not read every coordinate again on each run of the app."""
    present = geoms[~shapely.is_missing(geoms)] if len(geoms) else geoms
    if not len(present):
        return {}
    return {"bbox": [float(v) for v in shapely.total_bounds(present)]}


def bounds_of(fc: dict) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of a FeatureCollection (its ``bbox`` when it has
    one), None when empty."""
    if "bbox" in fc:
        minx, miny, maxx, maxy = fc["bbox"]
        return float(minx), float(miny), float(maxx), float(maxy)
    geoms = [shapely.geometry.shape(f["geometry"]) for f in fc["features"] if f.get("geometry")]
    if not geoms:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object))
    return float(minx), float(miny), float(maxx), float(maxy)


def view_for(
    bounds: Sequence[float],
    *,
    width_px: int = 700,
    height_px: int = 600,
    max_zoom: float = 16,
    snap: float = 1.0,
) -> tuple[tuple[float, float], float]:
    """Centre (lat, lon) and the largest zoom (a multiple of ``snap``) that shows ``bounds``."""
    minx, miny, maxx, maxy = bounds
    center = ((miny + maxy) / 2, (minx + maxx) / 2)
    span_x = max(maxx - minx, 1e-6)
    y0, y1 = (math.log(math.tan(math.pi / 4 + math.radians(v) / 2)) for v in (miny, maxy))
    span_y = max(y1 - y0, 1e-9)
    zoom_x = math.log2(width_px * 360 / (256 * span_x))
    zoom_y = math.log2(height_px * 2 * math.pi / (256 * span_y))
    zoom = math.floor((min(zoom_x, zoom_y) - 0.1) / snap) * snap
    zoom = max(1.0, min(float(max_zoom), zoom))
    return center, int(zoom) if snap == 1.0 else zoom


def park_view(
    parks_fc: dict, park_id: str, *, width_px: int = 700, height_px: int = 600, max_zoom: int = 14
) -> tuple[list[float], int] | None:
    """``([lat, lon], zoom)`` that shows park ``park_id`` of ``parks_fc``; None if not there."""
    feature = next((f for f in parks_fc["features"] if f.get("id") == park_id), None)
    bounds = bounds_of({"features": [feature]}) if feature is not None else None
    if bounds is None:
        return None
    center, zoom = view_for(bounds, width_px=width_px, height_px=height_px, max_zoom=max_zoom)
    return [center[0], center[1]], int(zoom)


# --------------------------------------------------------------------------------------------
# Map settings (the styles are zones.map.styles')

#: Zoom steps of the map; fractional zooms let Ningbo fill the map.
ZOOM_SNAP = 0.25
#: Map width assumed for the initial view (the map column of a laptop screen).
MAP_WIDTH_PX = 680
#: Background of the map where no tile layer is drawn (the sea, with basemap "none").
NO_TILES_BACKGROUND = "#dbe7ee"
#: Park names are drawn as labels from this zoom on (overlapping ones are left out).
LABEL_ZOOM = 11
#: A park drawn smaller than this (pixels) also gets a marker, so it can be seen and clicked.
MIN_PARK_PX = 12
#: The radius (pixels) of that marker.
MARKER_RADIUS = 6
#: Search zooms to the park found, at most to this zoom.
SEARCH_ZOOM = 14
#: Sizes (width, height in pixels) the map can be saved as a PNG in; the first is the default.
PNG_SIZES: tuple[tuple[int, int], ...] = ((1600, 1000), (2400, 1500), (3200, 2000))
#: How the map's frame fills the window (``static/zones/map-tools.js``): at least ``min``
#: pixels high, ``margin`` pixels above the window's bottom; below ``narrow`` pixels of width
#: (a phone) at most ``narrowShare`` of the window, so the details can be reached below it.
MAP_FIT: dict[str, float] = {"min": 360, "margin": 16, "narrow": 640, "narrowShare": 0.72}
#: The map tools' texts (keys ``tools.*`` of the catalogs).
TOOL_TEXTS = (
    "fullscreen", "fullscreen_exit", "measure", "measure_help", "measure_done", "measure_clear",
    "measure_distance", "measure_area", "measure_start", "png", "png_size", "png_download",
    "png_note", "search", "search_placeholder", "search_none", "search_hint", "north", "date",
    "indicative_note", "small_parks",
)  # fmt: skip


#: Leaflet.draw's own texts (paths in its ``L.drawLocal``) and their keys in the catalogs
#: (``draw.*``): the drawing tools speak the app's language.
DRAW_TEXTS: dict[str, str] = {
    "draw.toolbar.buttons.polygon": "polygon",
    "draw.toolbar.buttons.rectangle": "rectangle",
    "draw.toolbar.buttons.marker": "marker",
    "draw.toolbar.actions.title": "cancel_title",
    "draw.toolbar.actions.text": "cancel",
    "draw.toolbar.finish.title": "finish_title",
    "draw.toolbar.finish.text": "finish",
    "draw.toolbar.undo.title": "undo_title",
    "draw.toolbar.undo.text": "undo",
    "draw.handlers.polygon.tooltip.start": "polygon_start",
    "draw.handlers.polygon.tooltip.cont": "polygon_cont",
    "draw.handlers.polygon.tooltip.end": "polygon_end",
    "draw.handlers.polyline.error": "crossing",
    "draw.handlers.rectangle.tooltip.start": "rectangle_start",
    "draw.handlers.simpleshape.tooltip.end": "release",
    "draw.handlers.marker.tooltip.start": "marker_start",
    "edit.toolbar.actions.save.title": "save_title",
    "edit.toolbar.actions.save.text": "save",
    "edit.toolbar.actions.cancel.title": "edit_cancel_title",
    "edit.toolbar.actions.cancel.text": "edit_cancel",
    "edit.toolbar.actions.clearAll.title": "clear_all_title",
    "edit.toolbar.actions.clearAll.text": "clear_all",
    "edit.toolbar.buttons.edit": "edit",
    "edit.toolbar.buttons.editDisabled": "edit_disabled",
    "edit.toolbar.buttons.remove": "remove",
    "edit.toolbar.buttons.removeDisabled": "remove_disabled",
    "edit.handlers.edit.tooltip.text": "edit_text",
    "edit.handlers.edit.tooltip.subtext": "edit_subtext",
    "edit.handlers.remove.tooltip.text": "remove_text",
}
#: What an editor may draw: a park's boundary (polygon or rectangle, never crossing itself) or
#: its point (a marker, draggable once placed). Areas are read in km² while drawing.
DRAW_OPTIONS: dict[str, Any] = {
    "polyline": False,
    "circle": False,
    "circlemarker": False,
    "polygon": {"allowIntersection": False, "showArea": False},
    "rectangle": {"showArea": True, "metric": ["km", "ha", "m"]},
    "marker": {},
}
EDIT_OPTIONS: dict[str, Any] = {"poly": {"allowIntersection": False}}


def draw_local(lang: str) -> dict[str, Any]:
    """``DRAW_TEXTS`` in ``lang`` as the nested object ``L.drawLocal`` is. Leaflet.draw puts
    some of them into the page as HTML, so each is HTML-escaped here."""
    out: dict[str, Any] = {}
    for path, key in DRAW_TEXTS.items():
        *parents, leaf = path.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = html_text(t(f"draw.{key}", lang))
    return out


def _js_json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _park_on_each_feature(base_style: dict[str, Any], lang: str) -> JsCode:
    """Tooltip (name, footprint and location caveats) built as text nodes, and hover style."""
    labels = {
        "ind": t("tooltip.indicative", lang),
        "est": t("tooltip.estimated", lang, m="{m}"),
    }
    return JsCode(
        f"""function(feature, layer) {{
    var p = feature.properties || {{}};
    var labels = {_js_json(labels)};
    var box = document.createElement("div");
    var title = document.createElement("b");
    title.textContent = (p.est ? "\\u2248 " : "") + (p.name || feature.id || "");
    box.appendChild(title);
    if (p.ind) {{
        var ind = document.createElement("div");
        ind.textContent = labels.ind;
        box.appendChild(ind);
    }}
    if (p.est) {{
        var est = document.createElement("div");
        est.textContent = labels.est.replace("{{m}}", p.est > 1 ? String(p.est) : "?");
        box.appendChild(est);
    }}
    layer.bindTooltip(box, {{sticky: true, direction: "top"}});
    var base = {_js_json(base_style)};
    layer.on("mouseover", function () {{ layer.setStyle({{weight: base.weight + 2}}); }});
    layer.on("mouseout", function () {{ layer.setStyle({{weight: base.weight}}); }});
    layer.on("click", function () {{
        if (window.ZonesMap && window.ZonesMap.flush) {{ setTimeout(window.ZonesMap.flush, 0); }}
    }});
    layer.on("add", function () {{
        var path = layer.getElement && layer.getElement();
        if (path) {{ path.setAttribute("data-park", String(feature.id)); }}
    }});
}}"""
    )


# --------------------------------------------------------------------------------------------
# Legend


class Legend(MacroElement):
    """A Leaflet control showing prepared (already escaped) legend HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "zones-legend");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        self.html = html
        self.position = position


class FocusWithoutScrolling(MacroElement):
    """Keep Leaflet's keyboard focus from scrolling the page on a click.

    Leaflet focuses the map on mousedown; when the map's iframe is partly below the fold the
    browser then scrolls the page between mousedown and mouseup, and the click misses the
    park. Focusing with ``preventScroll`` keeps keyboard navigation without the jump.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var kb = map.keyboard;
            if (!kb || !kb.enabled()) { return; }
            kb.removeHooks();
            kb._onMouseDown = function () {
                if (this._focused) { return; }
                this._map._container.focus({preventScroll: true});
            };
            kb.addHooks();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "FocusWithoutScrolling"


class FitBounds(MacroElement):
    """Fit ``bounds`` at once, without Leaflet's zoom animation: a view set while that
    animation runs (a link's park, a search, a test) would be undone when it ends."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {animate: false});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: Sequence[Sequence[float]]) -> None:
        super().__init__()
        self._name = "FitBounds"
        self.bounds = [list(corner) for corner in bounds]


class FitWhenShown(MacroElement):
    """Fit Ningbo again when a map laid out while hidden is first shown.

    The app's map sits in a tab. When its iframe loads while another tab is open (a language
    switch, a rebuilt dataset, a quick click on another tab), the map has no size, Leaflet's
    ``fitBounds`` falls back to zoom 0 and the map later shows the whole world. This waits
    for the map to get a size, then tells Leaflet its size and, unless a view was set since
    (st_folium's ``center``/``zoom``: any zoom above 2), fits the bounds again, and again while
    the frame grows to its final height (until its size has kept for 3 s, and never once the
    user touches the map; ``map._zonesRefitting`` is true meanwhile).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, bounds) {
            var el = map.getContainer();
            if (el.clientWidth > 0 && el.clientHeight > 0) { return; }
            if (typeof ResizeObserver === "undefined") { return; }
            var refit = null;  // null: not shown yet; then true until the user takes over
            var timer = null;
            map._zonesRefitting = true;  // while true, a view set now may be refitted
            var watcher = new ResizeObserver(function () {
                if (el.clientWidth === 0 || el.clientHeight === 0) { return; }
                map.invalidateSize({pan: false});
                if (refit === null) { refit = map.getZoom() <= 2; }
                // The frame may still grow to its final height (the page settling, the map
                // fitting the window): refit until it has kept its size for a moment.
                clearTimeout(timer);
                timer = setTimeout(function () {
                    watcher.disconnect();
                    map._zonesRefitting = false;
                }, 3000);
                if (refit) { map.fitBounds(bounds, {animate: false}); }
            });
            ["mousedown", "touchstart", "wheel", "keydown"].forEach(function (name) {
                el.addEventListener(name, function () {
                    refit = false;
                    map._zonesRefitting = false;
                }, {once: true});
            });
            watcher.observe(el);
        })({{ this._parent.get_name() }}, {{ this.bounds|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: Sequence[float]) -> None:
        super().__init__()
        self._name = "FitWhenShown"
        minx, miny, maxx, maxy = bounds
        self.bounds = [[miny, minx], [maxy, maxx]]


_LEGEND_CSS = """
<style>
.zones-legend { background: rgba(255,255,255,0.92); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 11px/1.4 "Noto Sans CJK SC", "PingFang SC",
  "Microsoft YaHei", sans-serif; color: #222; max-width: 230px; }
.zones-legend summary { font-weight: bold; cursor: pointer; margin-bottom: 2px; }
.zones-legend i { display: inline-block; width: 18px; height: 11px; margin-right: 6px;
  vertical-align: -1px; box-sizing: border-box; }
.leaflet-tooltip { font-size: 13px; }
.leaflet-control-attribution { max-width: 62%; font-size: 10px; }
</style>
"""


def _swatch(style: dict[str, Any]) -> str:
    fill = style.get("fillColor", "transparent") if style.get("fill", True) else "transparent"
    opacity = style.get("fillOpacity", 0.2) if style.get("fill", True) else 0
    dash = str(style.get("dashArray") or "")
    border = "solid" if not dash else "dotted" if dash.startswith("1 ") else "dashed"
    width = min(int(style.get("weight", 1)), 3)
    background = _rgba(fill, opacity) if fill != "transparent" else "transparent"
    return (
        f'<i style="background:{background};border:{width}px {border} '
        f'{safe_color(style.get("color"))}"></i>'
    )


def _rgba(color: Any, alpha: float) -> str:
    r, g, b = rgb(color)
    return f"rgba({r},{g},{b},{alpha:.2f})"


#: The park classes' lines, without their fill (the fill follows the colouring, whose legend
#: rows :class:`ParkView` adds below these).
_PARK_LINES = (SURVEYED_STYLE, INDICATIVE_STYLE, ESTIMATED_STYLE)


def legend_rows(
    belts_fc: dict, lang: str, *, proposed: bool = False
) -> list[tuple[dict[str, Any], str]]:
    """(swatch style, raw text) of the legend's fixed rows: belts, district outline, the lines of
    the park classes (their fill depends on the colouring), the selection, and with
    ``proposed`` the corrections waiting for review."""
    rows = [(belt_style(f["properties"].get("color")), str(f["properties"].get("name") or ""))
            for f in belts_fc["features"]]  # fmt: skip
    entries = (*LEGEND_ENTRIES, LEGEND_PROPOSED) if proposed else LEGEND_ENTRIES
    for style, key in entries:
        line_only = {**style, "fill": False} if style in _PARK_LINES else style
        rows.append((line_only, t(key, lang)))
    return rows


def legend_html(belts_fc: dict, lang: str, *, proposed: bool = False) -> str:
    """The legend: belts by colour, district outline, park lines, selection (and with
    ``proposed`` the corrections waiting for review), and an empty box that :class:`ParkView`
    fills with the park colours (escaped here; text there)."""
    title = f"<summary>{html_text(t('legend.title', lang))}</summary>"
    rows = [
        f"{_swatch(style)}{html_text(text)}"
        for style, text in legend_rows(belts_fc, lang, proposed=proposed)
    ]
    parks = '<div class="zones-legend-parks"></div>'
    return f"<details open>{title}{'<br>'.join(rows)}{parks}</details>"


class ToolsCall(MacroElement):
    """A call of the map's tools in the page: ``ZonesMap.<function>(target, payload)`` (of
    ``static/zones/map-tools.js`` or ``many-parks.js``), where ``target`` is the element this
    is added to or, with ``on_map``, that element's parent (a park group's map)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if (window.ZonesMap && window.ZonesMap.{{ this.function }}) {
            window.ZonesMap.{{ this.function }}(
                {{ this.target_name() }}, {{ this.payload|tojson }});
        }
        {% endmacro %}
        """
    )

    def __init__(self, name: str, function: str, payload: Any, *, on_map: bool = False) -> None:
        super().__init__()
        self._name = name
        self.function = function
        self.payload = payload
        self.on_map = on_map

    def target_name(self) -> str:
        parent = self._parent._parent if self.on_map else self._parent
        return parent.get_name()


def MapTools(config: dict[str, Any]) -> ToolsCall:
    """Set up the map's tools (``ZonesMap.init``), once per base map."""
    return ToolsCall("MapTools", "init", config)


class EditTools(MacroElement):
    """Hand the drawing tools to the map tools (``ZonesMap.edit``): the Draw control and the
    layer of drawn shapes. Added after ``draw`` (:func:`base_map`, for an editor's map)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if (window.ZonesMap) {
            window.ZonesMap.edit({{ this._parent.get_name() }}, {{ this.draw.get_name() }},
                drawnItems_{{ this.draw.get_name() }});
        }
        {% endmacro %}
        """
    )

    def __init__(self, draw: Draw) -> None:
        super().__init__()
        self._name = "EditTools"
        self.draw = draw


def ParkView(view: dict[str, Any]) -> ToolsCall:
    """Tell the map's tools about the parks just swapped in (``ZonesMap.update``): the legend of
    their colours, the selected park, the filter sentence and the map's text alternative.

    Added to the last park group, so it runs after every park layer has been added."""
    return ToolsCall("ParkView", "update", view, on_map=True)


def tools_config(
    districts_fc: dict,
    belts_fc: dict,
    *,
    lang: str,
    basemap: str = DEFAULT_BASEMAP,
    editing: bool = False,
) -> dict[str, Any]:
    """What ``ZonesMap.init`` needs: texts, zoom and size settings, and the PNG's fixed parts
    (title, legend rows, sources). Every text is raw: the script shows it as text. An editor's
    map also gets Leaflet.draw's texts (``drawLocal``, HTML-escaped: Leaflet.draw shows some as
    HTML)."""
    sources = ", ".join(districts_fc.get("sources", [])) or "-"
    config = {
        "text": {key: t(f"tools.{key}", lang) for key in TOOL_TEXTS},
        "labelZoom": LABEL_ZOOM,
        "minParkPx": MIN_PARK_PX,
        "markerRadius": MARKER_RADIUS,
        "searchZoom": SEARCH_ZOOM,
        "fit": MAP_FIT,
        "png": {
            "sizes": [list(size) for size in PNG_SIZES],
            "title": t("app.title", lang),
            "legendTitle": t("legend.title", lang),
            "rows": [
                {"label": text, "style": style}
                for style, text in legend_rows(belts_fc, lang, proposed=editing)
            ],
            "source": t("tools.source", lang, sources=sources, plan=PLAN_NAME),
            "background": NO_TILES_BACKGROUND if basemap == "none" else "#ffffff",
            "fileName": "ningbo-map",
        },
    }
    if editing:
        config["drawLocal"] = draw_local(lang)
    return config


# --------------------------------------------------------------------------------------------
# Maps


def outline_layers(districts_fc: dict, belts_fc: dict) -> dict[str, dict]:
    """The outline layers of the map, by key: ``districts``, then ``belt:<id>`` for each belt
    (one layer each, so the layer control switches belts one by one)."""
    layers = {"districts": districts_fc}
    for feature in belts_fc["features"]:
        layers[f"belt:{feature['id']}"] = {"type": "FeatureCollection", "features": [feature]}
    return layers


def geojson_bytes(fc: dict) -> bytes:
    """``fc`` as compact UTF-8 JSON (a file the map fetches)."""
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


#: The pane of the fetched outlines: over the tiles (200), under the parks' overlay pane (400).
OUTLINE_PANE, OUTLINE_PANE_Z = "zonesOutlines", 350


class FetchedGeoJson(MacroElement):
    """A GeoJSON layer whose features the map fetches from ``url`` (a file the app serves), so
    a rerun's message does not carry them; drawn with ``style``, not interactive. Its features
    arrive after the parks are drawn, so it draws in a pane of its own under the parks (else
    the districts' opaque fill, on a map without tiles, covered every park)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent._parent.get_name() }};
            if (!map.getPane({{ this.pane|tojson }})) {
                var pane = map.createPane({{ this.pane|tojson }});
                pane.style.zIndex = {{ this.pane_z }};
                pane.style.pointerEvents = "none";
            }
            var layer = L.geoJSON(null, {style: {{ this.style|tojson }}, interactive: false,
                attribution: {{ this.attribution|tojson }}, pane: {{ this.pane|tojson }}});
            layer.addTo({{ this._parent.get_name() }});
            fetch({{ this.url|tojson }}, {credentials: "same-origin"})
                .then(function (r) { return r.json(); })
                .then(function (data) { layer.addData(data); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, url: str, style: dict[str, Any], attribution: str | None = None) -> None:
        super().__init__()
        self._name = "FetchedGeoJson"
        self.url = url
        self.style = style
        self.attribution = attribution
        self.pane, self.pane_z = OUTLINE_PANE, OUTLINE_PANE_Z


def _outline(
    fc: dict, style: dict[str, Any], url: str | None, attribution: str | None = None
) -> MacroElement:
    """``fc`` drawn in ``style``: fetched from ``url`` when given, else embedded in the page."""
    if url:
        return FetchedGeoJson(url, style, attribution)
    return folium.GeoJson(
        fc, style=style, interactive=False, control=False, attribution=attribution
    )


def base_map(
    districts_fc: dict,
    belts_fc: dict,
    *,
    lang: str,
    basemap: str = DEFAULT_BASEMAP,
    base_url_path: str = "",
    tianditu_token: str | None = None,
    map_height: int = 620,
    editing: bool = False,
    outline_urls: dict[str, str] | None = None,
) -> folium.Map:
    """The part of the map that stays while filters and selection change.

    Tiles of ``basemap``, district outlines (filled when there are no tiles, so the map reads
    offline), one layer per belt, the legend, and Leaflet served by the app. With ``editing``
    (a signed-in editor or reviewer): the drawing tools (folium's ``Draw``, Leaflet.draw served
    by the app) and the legend entry of proposed corrections. With ``outline_urls`` (the
    files of :func:`outline_layers`' layers, by key), the map fetches the outlines instead of
    carrying them; else (a standalone page) they are embedded.
    """
    urls = outline_urls or {}
    bounds = bounds_of(districts_fc) or bounds_of(belts_fc) or NINGBO_BOUNDS
    # Start from a computed view, then fit Ningbo to the map's real size (fractional zooms).
    center, zoom = view_for(bounds, width_px=MAP_WIDTH_PX, height_px=map_height, snap=ZOOM_SNAP)
    m = folium.Map(
        location=list(center),
        zoom_start=zoom,
        tiles=None,
        control_scale=False,  # a metric-only scale bar comes with the map tools
        prefer_canvas=False,
        zoom_control=True,
        zoom_snap=ZOOM_SNAP,
        zoom_delta=0.5,
    )
    # Instance attributes shadow folium's class-level CDN lists: Leaflet only, from this app.
    m.default_js = assets.js_links(base_url_path, editing=editing)
    m.default_css = assets.css_links(base_url_path, editing=editing)

    for tiles in basemap_tiles(basemap, lang=lang, tianditu_token=tianditu_token):
        folium.TileLayer(
            tiles=tiles.url,
            attr=tiles.attribution,
            name=html_text(t(f"basemap.{basemap}", lang)),
            subdomains=tiles.subdomains or "abc",
            max_zoom=tiles.max_zoom,
            overlay=tiles.overlay,
            control=False,
        ).add_to(m)

    background = (
        ""
        if basemap != "none"
        else (f"<style>.leaflet-container {{ background: {NO_TILES_BACKGROUND}; }}</style>")
    )
    m.get_root().header.add_child(render.Rendered(_LEGEND_CSS + background), name="zones_map_style")

    district_style = {**DISTRICT_STYLE, "fillOpacity": 1.0 if basemap == "none" else 0.0}
    attribution = ", ".join(districts_fc.get("sources", []))
    districts = folium.FeatureGroup(name=html_text(t("map.districts", lang)), overlay=True)
    _outline(
        districts_fc,
        district_style,
        urls.get("districts"),
        html_text(attribution) if attribution else None,
    ).add_to(districts)
    districts.add_to(m)

    for key, fc in outline_layers(districts_fc, belts_fc).items():
        if key == "districts":
            continue
        props = fc["features"][0]["properties"]
        group = folium.FeatureGroup(name=html_text(props.get("name")), overlay=True)
        _outline(fc, belt_style(props.get("color")), urls.get(key)).add_to(group)
        group.add_to(m)

    minx, miny, maxx, maxy = bounds
    FitBounds([[miny, minx], [maxy, maxx]]).add_to(m)
    Legend(legend_html(belts_fc, lang, proposed=editing)).add_to(m)
    FocusWithoutScrolling().add_to(m)
    FitWhenShown(bounds).add_to(m)
    config = tools_config(districts_fc, belts_fc, lang=lang, basemap=basemap, editing=editing)
    MapTools(config).add_to(m)
    if editing:  # after the map tools, which set Leaflet.draw's texts first
        draw = assets.without_cdn(
            Draw(
                position="topleft",
                show_geometry_on_click=False,
                draw_options=DRAW_OPTIONS,
                edit_options=EDIT_OPTIONS,
            )
        )
        draw.add_to(m)
        EditTools(draw).add_to(m)
    return m


def _colored(features: list[dict], coloring: Coloring | None) -> list[dict]:
    """Copies of ``features`` with their ``fill`` (the cached collections stay as they are)."""
    if coloring is None:
        return features
    return [
        {**f, "properties": {**f["properties"], "fill": coloring.colors.get(f["id"])}}
        for f in features
    ]


def park_groups(
    parks_fc: dict,
    *,
    lang: str,
    selected_id: str | None = None,
    coloring: Coloring | None = None,
    sentence: str = "",
    edit: dict[str, Any] | None = None,
) -> list[folium.FeatureGroup]:
    """Feature groups of the parks, one per :data:`PARK_CLASSES`, then the selection outline.

    Each park keeps its class's line; its fill is ``coloring``'s (default: its class's).
    Only park polygons are interactive, so the polygons a browser draws with the class
    ``zones-park`` are exactly the parks of ``parks_fc`` (small ones also get a marker,
    ``zones-park-marker``, from the map tools). ``sentence`` (the filter sentence) becomes the
    map's text alternative and the PNG's subtitle. ``edit`` (an editor's map only) tells the
    drawing tools the park being corrected (``park``: they show only while one is selected)
    and a ``key``: when it changes (another park, a correction just proposed) the shapes drawn
    are cleared.
    """
    groups = []
    for kind, key, style in PARK_CLASSES:
        features = [f for f in parks_fc["features"] if park_class(f["properties"]) == kind]
        shown = {**style, "className": "zones-park"}
        if coloring is not None and coloring.opacity is not None:
            shown["fillOpacity"] = coloring.opacity
        group = folium.FeatureGroup(name=html_text(t(key, lang)), overlay=True)
        folium.GeoJson(
            {"type": "FeatureCollection", "features": _colored(features, coloring)},
            style=JsCode(
                "function (feature) {"
                f" var s = Object.assign({{}}, {_js_json(shown)});"
                " var p = feature.properties || {};"
                " if (p.fill) { s.fillColor = p.fill; }"
                " return s; }"
            ),
            on_each_feature=_park_on_each_feature(shown, lang),
            control=False,
        ).add_to(group)
        groups.append(group)

    chosen = [f for f in parks_fc["features"] if selected_id and f["id"] == selected_id]
    group = folium.FeatureGroup(name=html_text(t("map.selected", lang)), overlay=True)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": chosen},
        style={**SELECTED_STYLE, "className": "zones-selected"},
        interactive=False,
        control=False,
    ).add_to(group)
    _park_view(selected_id if chosen else None, coloring, sentence, edit, lang).add_to(group)
    groups.append(group)
    return groups


def _park_view(
    selected_id: str | None,
    coloring: Coloring | None,
    sentence: str,
    edit: dict[str, Any] | None,
    lang: str,
) -> ToolsCall:
    """What the map's tools learn with the parks: legend, selection, sentence, edit state."""
    legend = (
        {"title": coloring.title, "rows": coloring.rows_json()} if coloring is not None else None
    )
    view = {
        "selected": selected_id,
        "sentence": sentence,
        "description": t("tools.description", lang, sentence=sentence) if sentence else "",
        "legend": legend,
    }
    if edit is not None:
        view["edit"] = edit
    return ParkView(view)


def ManyParks(config: dict[str, Any]) -> ToolsCall:
    """Every park on one canvas (``ZonesMap.many`` of ``static/zones/many-parks.js``), from
    the table at ``config["url"]`` (:mod:`zones.map.many`)."""
    return ToolsCall("ManyParks", "many", config)


def many_park_groups(
    table_url: str,
    ids: Sequence[str],
    shown_ids: Collection[str],
    *,
    lang: str,
    selected_id: str | None = None,
    coloring: Coloring | None = None,
    sentence: str = "",
    edit: dict[str, Any] | None = None,
) -> list[folium.FeatureGroup]:
    """The parks of a large dataset as one feature group: the canvas layer drawing the table
    at ``table_url`` (every park of the dataset, in the order of ``ids``), showing
    ``shown_ids`` in ``coloring``'s fills; what a rerun sends is a bit and a byte a park.
    The map's tools learn the rest as with :func:`park_groups`."""
    colors = coloring.colors if coloring is not None else {}
    palette, fills = many.fill_bytes(ids, {i: colors.get(i) for i in shown_ids})
    selected = selected_id if selected_id in shown_ids else None  # a hidden park is not selected
    config = {
        "url": table_url,
        "shown": many.shown_mask(ids, shown_ids),
        "fill": fills,
        "palette": palette,
        "opacity": coloring.opacity if coloring is not None else None,
        "selected": selected,
        "styles": [style for _, _, style in PARK_CLASSES],
        "selectedStyle": SELECTED_STYLE,
        "minPx": MIN_PARK_PX,
        "radius": MARKER_RADIUS,
        "labelZoom": LABEL_ZOOM,
        "text": {
            "ind": t("tooltip.indicative", lang),
            "est": t("tooltip.estimated", lang, m="{m}"),
        },
    }
    group = folium.FeatureGroup(name=html_text(t("map.parks", lang)), overlay=True)
    ManyParks(config).add_to(group)
    _park_view(selected, coloring, sentence, edit, lang).add_to(group)
    return [group]


def proposed_group(proposed_fc: dict, *, lang: str) -> folium.FeatureGroup:
    """The corrections waiting for review (:func:`proposed_features`) as one layer, drawn apart
    from the parks: footprints dashed red, points as red dashed rings. Not interactive, so a
    click still reaches the park below (``path.zones-proposed`` in the browser)."""
    style = {**PROPOSED_STYLE, "className": "zones-proposed"}
    ring = folium.CircleMarker(radius=MARKER_RADIUS + 3)
    ring.options["interactive"] = False  # folium's path options drop it; the GeoJson's
    # own ``interactive`` does not reach the layers its pointToLayer makes
    group = folium.FeatureGroup(name=html_text(t("map.proposed", lang)), overlay=True)
    folium.GeoJson(proposed_fc, style=style, marker=ring, interactive=False, control=False).add_to(
        group
    )
    return group


def layer_control() -> folium.LayerControl:
    """The layer switcher (collapsed to an icon in the map's top-right corner)."""
    return folium.LayerControl(position="topright", collapsed=True)


def full_map(base: folium.Map, groups: Iterable[folium.FeatureGroup]) -> folium.Map:
    """``base`` with ``groups`` and a layer control added: a complete standalone map."""
    for group in groups:
        group.add_to(base)
    layer_control().add_to(base)
    return base


def map_html(m: folium.Map) -> str:
    """The standalone HTML page of ``m``."""
    return m.get_root().render()
