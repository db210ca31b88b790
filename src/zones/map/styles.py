"""How layers are drawn: the one home of the colours and line styles of the map and of QGIS.

Styles are Leaflet path options (``color``, ``weight``, ``opacity``, ``fillColor``,
``fillOpacity``, ``dashArray``, ``fill``); widths and dashes are pixels. The web map
(:mod:`zones.map.mapping`) draws with them and the QGIS styles of the export bundle
(:mod:`zones.io.qgis`) translate them, so both look alike:

- districts: a grey outline on a pale fill (:data:`DISTRICT_STYLE`);
- belts: each in its ``color`` column (:func:`belt_style`), a light fill under a stronger line;
- parks, by :data:`PARK_CLASSES`: a surveyed footprint solid and dark, an indicative one dashed
  and lighter, one whose location is estimated too dotted; the selected park outlined.

Nothing here imports a map library: building a bundle never loads folium.
"""

from __future__ import annotations

import re
from typing import Any

#: A park with a surveyed footprint.
SURVEYED_STYLE: dict[str, Any] = {
    "color": "#212121",
    "weight": 2,
    "opacity": 1.0,
    "fillColor": "#37474f",
    "fillOpacity": 0.7,
}
#: A park whose footprint is indicative (estimated): dashed.
INDICATIVE_STYLE: dict[str, Any] = {
    "color": "#37474f",
    "weight": 2,
    "opacity": 0.9,
    "dashArray": "6 4",
    "fillColor": "#90a4ae",
    "fillOpacity": 0.3,
}
#: Parks whose location is estimated too (the footprint then is necessarily indicative): dotted.
ESTIMATED_STYLE: dict[str, Any] = {
    "color": "#455a64",
    "weight": 2,
    "opacity": 0.9,
    "dashArray": "1 5",
    "fillColor": "#b0bec5",
    "fillOpacity": 0.25,
}
#: The outline of the selected park.
SELECTED_STYLE: dict[str, Any] = {"color": "#ffab00", "weight": 5, "opacity": 1.0, "fill": False}
#: A correction proposed and waiting for review (its footprint, or its point): dashed red,
#: apart from the parks as they are (the map of a signed-in editor or reviewer only).
PROPOSED_STYLE: dict[str, Any] = {
    "color": "#d62728",
    "weight": 2.5,
    "opacity": 1.0,
    "dashArray": "8 5",
    "fillColor": "#d62728",
    "fillOpacity": 0.12,
}
DISTRICT_STYLE: dict[str, Any] = {
    "color": "#6d6d6d",
    "weight": 1,
    "opacity": 0.9,
    "fillColor": "#fbfaf5",
}
#: Belts: line width, line opacity and fill opacity; the colour is each belt's own.
BELT_WEIGHT = 1.5
BELT_OPACITY = 0.9
BELT_FILL_OPACITY = 0.18

#: How parks are drawn, in drawing order: (class, layer name key in zones.text.i18n, style).
#: A park's class is ``estimated`` (location estimated), else ``indicative`` (footprint
#: estimated), else
#: ``surveyed``.
PARK_CLASSES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("surveyed", "map.parks_surveyed", SURVEYED_STYLE),
    ("indicative", "map.parks_indicative", INDICATIVE_STYLE),
    ("estimated", "map.parks_estimated", ESTIMATED_STYLE),
)
#: Park styles by the value of the ``footprint`` column (the QGIS categories).
FOOTPRINT_STYLES: dict[str, dict[str, Any]] = {
    "surveyed": SURVEYED_STYLE,
    "indicative": INDICATIVE_STYLE,
}
#: The legend's entries after the belts: (style of the swatch, text key in zones.text.i18n).
LEGEND_ENTRIES: tuple[tuple[dict[str, Any], str], ...] = (
    ({**DISTRICT_STYLE, "fill": False}, "legend.district"),
    (SURVEYED_STYLE, "legend.surveyed"),
    (INDICATIVE_STYLE, "legend.indicative"),
    (ESTIMATED_STYLE, "legend.estimated_location"),
    (SELECTED_STYLE, "legend.selected"),
)
#: The legend's entry for proposed corrections (shown with them: to editors and reviewers).
LEGEND_PROPOSED: tuple[dict[str, Any], str] = (PROPOSED_STYLE, "legend.proposed")

#: The colour drawn for a value that is not a colour.
FALLBACK_COLOR = "#777777"
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def safe_color(value: Any) -> str:
    """``value`` when it is a #rgb or #rrggbb colour, else a neutral grey."""
    return value if isinstance(value, str) and _COLOR.match(value) else FALLBACK_COLOR


def rgb(color: Any) -> tuple[int, int, int]:
    """Red, green and blue (0-255) of ``color`` (:func:`safe_color` first: grey if no colour)."""
    digits = safe_color(color)[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return r, g, b


def belt_style(color: Any) -> dict[str, Any]:
    """The style of a belt drawn in ``color`` (checked: grey when it is not a colour)."""
    checked = safe_color(color)
    return {
        "color": checked,
        "weight": BELT_WEIGHT,
        "opacity": BELT_OPACITY,
        "fillColor": checked,
        "fillOpacity": BELT_FILL_OPACITY,
    }


def park_class(properties: dict[str, Any]) -> str:
    """``estimated`` (location estimated), ``indicative`` (footprint estimated) or ``surveyed``,
    from a map feature's properties (``est``, ``ind``)."""
    if properties.get("est"):
        return "estimated"
    return "indicative" if properties.get("ind") else "surveyed"


# --------------------------------------------------------------------------------------------
# Park fills when the map colours parks by a property (zones.map.coloring)

#: Categorical fills, in order (Okabe and Ito's palette, told apart by colour-blind readers).
CATEGORY_COLORS: tuple[str, ...] = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
)  # fmt: skip
#: The fill of a park that belongs to several categories at once (e.g. two belts).
SEVERAL_COLOR = "#8d6e63"
#: The fill of a park that has none of the property (no belt, no linked industry).
NONE_COLOR = "#d9d9d9"
#: Park levels, from strong to weak; an unknown level is grey.
LEVEL_COLORS: dict[str, str] = {
    "national": "#b2182b",
    "provincial": "#ef8a62",
    "municipal": "#fddbc7",
    "unknown": NONE_COLOR,
}
#: One industry, by the basis of the park's link to it (zones.model.dataset: park_industries.basis).
INDUSTRY_BASIS_COLORS: dict[str, str] = {
    "park": "#b2182b",
    "belt": "#ef8a62",
    "source": "#f4c7a1",
}
#: Fill opacity of coloured parks (their outline keeps the footprint kind's line).
COLORED_FILL_OPACITY = 0.6
