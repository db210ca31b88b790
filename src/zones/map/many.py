"""The parks of a large dataset for the map's canvas layer (``static/zones/many-parks.js``).

With a few dozen parks the map sends each park as a GeoJSON feature of a Leaflet layer, and a
filter change sends the layer again. With thousands, that is megabytes per rerun and seconds
of drawing, so from :data:`MANY_PARKS` parks on:

- :func:`park_table` packs every park once (per store revision, language and basemap) into a
  compact table: ids, names, search keys, footprint kind, a point inside and the rings as
  integer deltas of :data:`SCALE`; :func:`zones.map.assets.publish` writes it under
  ``static/cache/`` by the hash of its content, and the app serves it like the vendored
  scripts (the browser fetches it once and keeps it across reruns);
- each rerun then sends only which parks the filter shows (:func:`shown_mask`, a bit a park)
  and their fill colours (:func:`fill_bytes`, a byte a park into a palette).

Pure; no Streamlit.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from zones.map.styles import PARK_CLASSES, park_class

#: From this many parks in the dataset on, the map draws them on one canvas.
MANY_PARKS = 1000
#: Coordinates as integers of 1/SCALE degree (about 1 m; the map's footprints are already
#: simplified to about 5 m for display).
SCALE = 100_000
#: The fill byte of a park with no colour of its own (its class's fill is drawn).
NO_FILL = 255
_CLASSES = {kind: n for n, (kind, _, _) in enumerate(PARK_CLASSES)}


def _signed_area(ring: Sequence[Sequence[float]]) -> float:
    return sum(
        ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1)
    )


def _polygons(geometry: Mapping[str, Any] | None) -> list[list[list[list[float]]]]:
    if not geometry:
        return []
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _deltas(ring: Sequence[Sequence[float]], exterior: bool) -> list[int]:
    """``ring`` (closing point dropped) as integer deltas of :data:`SCALE`, exterior rings
    counter-clockwise and holes clockwise, so the canvas's non-zero rule fills a park and
    leaves its holes, even with other parks in the same path."""
    points = list(ring[:-1]) if len(ring) > 1 and ring[0] == ring[-1] else list(ring)
    if (_signed_area([*points, points[0]]) > 0) != exterior:
        points.reverse()
    out: list[int] = []
    x0 = y0 = 0
    for lon, lat, *_ in points:
        x, y = round(lon * SCALE), round(lat * SCALE)
        out += (x - x0, y - y0)
        x0, y0 = x, y
    return out


def park_table(parks_fc: Mapping[str, Any]) -> dict[str, Any]:
    """Every park of ``parks_fc`` (:func:`zones.map.mapping.park_features`) as one table for
    the canvas layer: the park's position in it is its index in every list."""
    table: dict[str, list[Any]] = {
        "ids": [], "names": [], "q": [], "cls": [], "ind": [], "est": [], "pt": [], "rings": [],
    }  # fmt: skip
    for feature in parks_fc["features"]:
        props = feature["properties"]
        table["ids"].append(str(feature["id"]))
        table["names"].append(props.get("name") or "")
        table["q"].append(props.get("q") or [])
        table["cls"].append(_CLASSES[park_class(props)])
        table["ind"].append(int(props.get("ind") or 0))
        table["est"].append(int(props.get("est") or 0))
        lat, lon = props.get("pt") or (0.0, 0.0)
        table["pt"] += (round(lon * SCALE), round(lat * SCALE))
        rings = []
        for polygon in _polygons(feature["geometry"]):
            rings += [_deltas(ring, n == 0) for n, ring in enumerate(polygon) if len(ring) >= 3]
        table["rings"].append(rings)
    return {"scale": SCALE, **table}


def table_bytes(table: Mapping[str, Any]) -> bytes:
    """The table as compact UTF-8 JSON."""
    return json.dumps(table, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def shown_mask(ids: Sequence[str], shown: Collection[str]) -> str:
    """Base64 of a bitmask over ``ids`` (bit i of byte i // 8): which parks ``shown`` holds."""
    bits = np.fromiter((ident in shown for ident in ids), dtype=bool, count=len(ids))
    return base64.b64encode(np.packbits(bits, bitorder="little").tobytes()).decode("ascii")


def fill_bytes(ids: Sequence[str], colors: Mapping[str, str | None]) -> tuple[list[str], str]:
    """The palette of ``colors`` (park id -> fill) and base64 of a byte a park of ``ids``: its
    colour's place in the palette, :data:`NO_FILL` for none."""
    palette = sorted({c for c in colors.values() if c})
    if len(palette) >= NO_FILL:
        raise ValueError(f"{len(palette)} fill colours; the canvas draws at most {NO_FILL - 1}")
    place = {c: n for n, c in enumerate(palette)}
    out = bytes(place.get(colors.get(ident) or "", NO_FILL) for ident in ids)
    return palette, base64.b64encode(out).decode("ascii")
