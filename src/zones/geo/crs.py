"""Coordinate reference systems and coordinate precision: the one home of both.

- The CRS zones works in: :data:`WGS84` (storage, GeoJSON, the map), :data:`CGCS2000` and
  :data:`PROJECTED` (EPSG:4549, metres, for areas and buffers around Ningbo).
- Every CRS zones names to a user (its name in each language is ``crs.<code>`` in the text
  catalogs, :mod:`zones.text`: :func:`crs_name`), and the choices offered: :data:`EXPORT_CRS`
  (what an export can be written in) and :data:`IMPORT_CRS` (what a user may name for a file
  that declares none).
- Precision: :data:`COORD_DECIMALS` for every stored and exported coordinate (the grid
  :func:`zones.geo.geometry.round_coordinates` puts geometries on), :data:`DISPLAY_DECIMALS` and
  :data:`OUTLINE_DECIMALS` for what the map draws.

Nothing here imports a geospatial library: the command line reads these choices cheaply.
"""

from __future__ import annotations

from collections.abc import Iterable

from zones.errors import UnknownValueError
from zones.text import has, t

WGS84 = "EPSG:4326"
#: China Geodetic Coordinate System 2000, longitude/latitude.
CGCS2000 = "EPSG:4490"
#: CGCS2000 / 3-degree Gauss-Kruger CM 120E: metres, for areas and buffers around Ningbo.
PROJECTED = "EPSG:4549"

#: Decimals kept in stored and exported coordinates (1e-7 degree is about 1 cm).
COORD_DECIMALS = 7
#: Decimals of the park outlines the map draws (1e-5 degree is about 1 m).
DISPLAY_DECIMALS = 5
#: Decimals of the district and belt outlines the map draws (1e-4 degree is about 10 m).
OUTLINE_DECIMALS = 4

#: CRS an export can be written in (the bundle's GeoPackage and Shapefiles; GeoJSON is always
#: WGS84, as RFC 7946 requires).
EXPORT_CRS: tuple[str, ...] = (WGS84, CGCS2000, PROJECTED)
DEFAULT_EXPORT_CRS = WGS84
#: CRS a user may name for an imported file that declares none. Ningbo straddles the 3-degree
#: Gauss-Kruger zones of 120E and 123E.
IMPORT_CRS: tuple[str, ...] = (
    CGCS2000,
    WGS84,
    PROJECTED,
    "EPSG:4550",
    "EPSG:4528",
    "EPSG:4529",
    "EPSG:3857",
)


def normalise_crs(crs: str | int, choices: Iterable[str] = EXPORT_CRS) -> str:
    """``crs`` as one of ``choices`` (``4490``, ``epsg:4490`` -> ``EPSG:4490``).

    Raises
    ------
    UnknownValueError
        When ``crs`` is not one of ``choices`` (the message lists them).
    """
    allowed = list(choices)
    text = str(crs).strip().upper().replace(" ", "")
    code = text if text.startswith("EPSG:") else f"EPSG:{text}"
    if code not in allowed:
        raise UnknownValueError("CRS", str(crs), allowed)
    return code


def crs_name(code: str, lang: str = "zh") -> str:
    """The name of ``code`` in ``lang`` (``crs.<code>`` in the catalogs); '' for a CRS zones
    does not name."""
    key = f"crs.{code}"
    return t(key, lang) if has(key) else ""


def crs_label(code: str, lang: str = "zh") -> str:
    """``EPSG:4549 · CGCS2000 / …`` in ``lang``, for a choice; the code alone when unnamed."""
    name = crs_name(code, lang)
    return f"{code} · {name}" if name else code
