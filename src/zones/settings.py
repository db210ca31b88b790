"""Paths, settings and fixed defaults, read from the environment in this one place.

The constants are the defaults as the process started; :func:`current` reads the environment
at every call and applies :func:`override` (what the app uses on every run).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path

# The CRS live in zones.geo.crs, with the CRS choices and the coordinate precision; their names
# stay importable from here for code written before (import them from zones.geo.crs).
from zones.geo.crs import CGCS2000 as CGCS2000
from zones.geo.crs import PROJECTED as PROJECTED
from zones.geo.crs import WGS84 as WGS84

#: Repository root (the folder holding geo/ and data/) when run from a checkout.
ROOT = Path(os.environ.get("ZONES_ROOT", Path(__file__).resolve().parents[2]))
GEO_DIR = Path(os.environ.get("ZONES_GEO_DIR") or ROOT / "geo")
DATA_DIR = Path(os.environ.get("ZONES_DATA_DIR") or ROOT / "data")
#: Where the embedded dataset lives when ZONES_GPKG does not say otherwise; only this file is
#: (re)built on demand by the commands that read it.
BUILTIN_GPKG = ROOT / "build" / "zones.gpkg"
#: The built dataset; `zones build` writes it, the app and `zones export` read it.
DEFAULT_GPKG = Path(os.environ.get("ZONES_GPKG") or BUILTIN_GPKG)
#: The store the commands and the app use: ZONES_STORE (``postgresql://…`` for PostGIS, or a
#: GeoPackage path), else the embedded GeoPackage above.
DEFAULT_STORE: str = os.environ.get("ZONES_STORE") or str(DEFAULT_GPKG)


def is_database_url(value: object) -> bool:
    """Whether ``value`` names a PostGIS store rather than a GeoPackage file."""
    return str(value).startswith(("postgresql:", "postgresql+", "postgres:"))


@dataclass(frozen=True)
class Settings:
    """Where the app and the commands find their data, as the environment says now."""

    store: str
    geo_dir: Path
    data_dir: Path
    tianditu_token: str | None


#: Values set at run time (:func:`override`); they win over the environment.
_OVERRIDES: dict[str, object] = {}


def current() -> Settings:
    """The settings now: overrides, then ZONES_STORE / ZONES_GPKG / ZONES_GEO_DIR /
    ZONES_DATA_DIR / TIANDITU_TOKEN, then the defaults. Read at every call (the app calls it
    once per run), so a changed environment or an override takes effect at once."""
    env = os.environ
    found = Settings(
        store=env.get("ZONES_STORE") or env.get("ZONES_GPKG") or str(BUILTIN_GPKG),
        geo_dir=Path(env.get("ZONES_GEO_DIR") or ROOT / "geo"),
        data_dir=Path(env.get("ZONES_DATA_DIR") or ROOT / "data"),
        tianditu_token=env.get("TIANDITU_TOKEN") or None,
    )
    return replace(found, **_OVERRIDES)  # type: ignore[arg-type]


@contextmanager
def override(**values: object) -> Iterator[Settings]:
    """Set some settings for the duration of a block (as osmnx's settings can be set)::

    with settings.override(store="postgresql://…"):
        ...
    """
    unknown = set(values) - {f.name for f in fields(Settings)}
    if unknown:
        raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    before = dict(_OVERRIDES)
    _OVERRIDES.update(values)
    try:
        yield current()
    finally:
        _OVERRIDES.clear()
        _OVERRIDES.update(before)


#: The plan text every plan fact cites, by line number (``plan:L58``).
PLAN_NAME = "宁波市制造业高质量发展“十四五”规划（解读）"

#: Ningbo's extent in WGS84 (lon_min, lat_min, lon_max, lat_max), with a margin.
NINGBO_BOUNDS = (120.8, 28.8, 122.4, 30.5)

#: Area of an indicative footprint when no area is sourced (km²); stated in every export.
DEFAULT_FOOTPRINT_KM2 = 4.0
