"""Stage two of an import: read the staged dataset into one frame, in a known CRS, with clean
polygons.

:func:`read` calls the reader of the :class:`~zones.importing.stage.Source`'s format (the
registry, :data:`zones.formats.FORMATS`, names :func:`read_geojson`, :func:`read_gpkg`,
:func:`read_shapefile` and :func:`read_kml`). Each checks once that the content is what the
format says, before GDAL opens it (GeoJSON is parsed as JSON; KML declaring a DOCTYPE or
entities is refused; GeoPackage and Shapefile headers are checked), chooses the layers, and
reads them with :func:`read_layers`, which a new format's reader calls too.

CRS: a file's own CRS is honoured (a Shapefile's ``.prj``, a GeoPackage's SRS, a GeoJSON
``crs`` member; KML and GeoJSON without ``crs`` are WGS84 by definition). A file with no CRS is
refused unless the options name one; a file declaring another CRS than the one named is
refused. :meth:`Read.wgs84` reprojects (and converts GCJ-02 when asked); :func:`clean_geometry`
keeps a feature's polygons, repairs invalid ones with ``shapely.make_valid`` (reported), puts
them on the 1e-7 degree grid and refuses what lies outside Ningbo.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from zones import geometry as geo
from zones.crs import IMPORT_CRS, WGS84
from zones.datum import shift_geometries
from zones.errors import DataError, Problem, UnknownValueError
from zones.importing.messages import fail, gdal_message, problem
from zones.importing.options import ImportOptions
from zones.importing.stage import Source
from zones.settings import NINGBO_BOUNDS
from zones.text.escape import plain_text

#: The sidecars a Shapefile cannot be read without.
REQUIRED_SIDECARS = (".shx", ".dbf")


@dataclass
class Read:
    """A dataset read: every feature of the chosen layers, the CRS they are in, and the notes
    and problems of reading (GDAL's warnings, a guessed encoding, a CRS taken from the
    options)."""

    frame: gpd.GeoDataFrame
    crs: CRS
    crs_name: str
    problems: list[Problem]

    def wgs84(self, gcj02: bool, display: str) -> list[Any]:
        """The geometries in WGS84 (converted from GCJ-02 when ``gcj02``)."""
        geoms = self.frame.geometry
        try:
            if not self.crs.equals(CRS(WGS84)):
                with np.errstate(all="ignore"):
                    geoms = geoms.to_crs(WGS84)
            values = np.asarray(geoms.values, dtype=object)
            if gcj02:
                values = shift_geometries(values, to="wgs84")
        except Exception as exc:  # pyproj and shapely raise several kinds
            reason = gdal_message(exc)
            raise fail(display, "reproject", fld="crs", crs=self.crs_name, reason=reason) from exc
        return list(values)


def read(source: Source, options: ImportOptions) -> Read:
    """Read ``source`` with its format's reader (see the module's docstring)."""
    return source.format.load_reader()(source, options)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------
# One reader per format: check the content, choose the layers, read


def read_geojson(source: Source, options: ImportOptions) -> Read:
    """A GeoJSON FeatureCollection (or Feature); WGS84 unless it has a ``crs`` member."""
    text = _decode(source)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(
            source.display,
            "bad_json",
            row=exc.lineno,
            msg=exc.msg,
            line=exc.lineno,
            col=exc.colno,
        ) from exc
    except RecursionError as exc:
        raise fail(source.display, "deep_json") from exc
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise fail(source.display, "not_geojson")
    layers = [name for name, _ in list_layers(source)][:1]
    return read_layers(source, options, layers, implicit_wgs84="crs" not in doc)


def read_gpkg(source: Source, options: ImportOptions) -> Read:
    """A GeoPackage: the layer asked, else its one polygon layer (``parks`` in a zones
    export)."""
    with open(source.path, "rb") as fh:
        if not fh.read(16).startswith(b"SQLite format 3\x00"):
            raise fail(source.display, "not_gpkg")
    layers = list_layers(source)
    names = [n for n, _ in layers]
    if source.layer:
        if source.layer not in names:
            listed = ", ".join(names) or "—"
            raise fail(source.display, "no_layer", layer=repr(source.layer), names=listed)
        return read_layers(source, options, [source.layer], implicit_wgs84=False)
    polygonal = [n for n, t in layers if is_polygonal(t)]
    if len(polygonal) == 1:
        chosen = polygonal
    elif "parks" in polygonal:  # a zones GeoPackage (export or bundle) sent back
        chosen = ["parks"]
    elif not polygonal:
        listed = ", ".join(f"{n} ({t})" for n, t in layers) or "—"
        raise fail(source.display, "no_polygon_layer", listed=listed)
    else:
        raise fail(source.display, "several_layers", names=", ".join(polygonal))
    return read_layers(source, options, chosen, implicit_wgs84=False)


def read_shapefile(source: Source, options: ImportOptions) -> Read:
    """A Shapefile with its sidecars; text in the ``.cpg``'s encoding, else the DBF's code
    page, else UTF-8 or GB18030 guessed from the bytes (a note says so)."""
    with open(source.path, "rb") as fh:
        if fh.read(4) != b"\x00\x00\x27\x0a":
            raise fail(source.display, "not_shp")
    for sidecar in REQUIRED_SIDECARS:
        if sidecar not in source.sidecars:
            raise fail(source.display, "shp_sidecar", sidecar=sidecar)
    problems: list[Problem] = []
    encoding = options.encoding or _dbf_encoding(source, problems)
    layers = [name for name, _ in list_layers(source)][:1]
    return read_layers(
        source, options, layers, implicit_wgs84=False, encoding=encoding, notes=problems
    )


def read_kml(source: Source, options: ImportOptions) -> Read:
    """KML (WGS84 by definition): its polygon layers (folders), else all of them. A DOCTYPE or
    ENTITY declaration is refused before GDAL parses the XML."""
    text = _decode(source)
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise fail(source.display, "kml_doctype")
    if "<kml" not in text[:4096].lower():
        raise fail(source.display, "not_kml")
    layers = list_layers(source)
    polygonal = [n for n, t in layers if is_polygonal(t)]
    return read_layers(source, options, polygonal or [n for n, _ in layers], implicit_wgs84=True)


# --------------------------------------------------------------------------------------------
# What the readers share


def is_polygonal(geometry_type: str) -> bool:
    """Whether a layer of GDAL's ``geometry_type`` may hold polygons."""
    kind = str(geometry_type).lower()
    return "polygon" in kind or kind in ("unknown", "")


def polygon_layers(path: Any) -> list[str]:
    """The layers of the dataset at ``path`` that may hold polygons (a GeoPackage's choices)."""
    return [str(n) for n, t in pyogrio.list_layers(path) if is_polygonal(str(t))]


def list_layers(source: Source) -> list[tuple[str, str]]:
    """(name, geometry type) of every layer of ``source`` (DataError naming the file when GDAL
    cannot open it)."""
    try:
        return [(str(n), str(t)) for n, t in pyogrio.list_layers(source.path)]
    except Exception as exc:
        reason = gdal_message(exc)
        what_en, what_zh = source.format.label("en"), source.format.label("zh")
        raise fail(
            source.display, "unreadable_as", what_en=what_en, what_zh=what_zh, reason=reason
        ) from exc


def _decode(source: Source) -> str:
    raw = source.path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte, offset = f"0x{raw[exc.start]:02x}", exc.start
        raise fail(source.display, "not_utf8", byte=byte, offset=offset) from exc


def _dbf_encoding(source: Source, problems: list[Problem]) -> str | None:
    """The encoding to read a Shapefile's text with when it has no .cpg: None (GDAL decides:
    the DBF's code page byte), else UTF-8 or GB18030 guessed from the bytes."""
    if ".cpg" in source.sidecars:
        return None
    dbf = source.sidecars[".dbf"].read_bytes()
    if len(dbf) > 29 and dbf[29] != 0:
        return None
    if all(b < 0x80 for b in dbf[32:]):
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            dbf[32:].decode(encoding)
        except UnicodeDecodeError:
            continue
        enc = encoding.upper()
        problems.append(problem(source.display, None, None, "guessed_encoding", "note", enc=enc))
        return enc
    return None


def _source_crs(value: str | None) -> CRS | None:
    """The CRS the options name (None when they name none)."""
    if value is None or not str(value).strip():
        return None
    try:
        return CRS.from_user_input(str(value).strip())
    except CRSError as exc:
        raise UnknownValueError("CRS", str(value), list(IMPORT_CRS)) from exc


def _same_crs(a: CRS, b: CRS) -> bool:
    """True when ``a`` and ``b`` are the same CRS (axis order and WKT dialect aside)."""
    if a.equals(b, ignore_axis_order=True):
        return True
    code = a.to_epsg(min_confidence=70)
    return code is not None and code == b.to_epsg(min_confidence=70)


def crs_name(crs: CRS) -> str:
    """``EPSG:4549``, else the CRS's name."""
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else (crs.name or "custom CRS")


def read_layers(
    source: Source,
    options: ImportOptions,
    layers: list[str],
    *,
    implicit_wgs84: bool,
    encoding: str | None = None,
    notes: list[Problem] | None = None,
) -> Read:
    """Read ``layers`` of ``source`` into one frame and decide its CRS (the building block of
    every reader: a new format's reader checks its content, then calls this).

    ``implicit_wgs84``: the format says WGS84 when the file names no CRS (KML, GeoJSON without
    ``crs``); ``encoding``: of the attribute text (None: GDAL decides); ``notes``: problems
    found before reading, kept first."""
    display, limits = source.display, options.bounds
    problems = list(notes or [])
    wanted = _source_crs(options.source_crs)
    frames = []
    declared: CRS | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in layers:
            try:
                info = pyogrio.read_info(source.path, layer=name, encoding=encoding)
                count = int(info.get("features") or 0)
                if count > limits.max_features:
                    raise fail(display, "too_many_features", n=count, limit=limits.max_features)
                frame = pyogrio.read_dataframe(source.path, layer=name, encoding=encoding)
            except DataError:
                raise
            except Exception as exc:
                raise fail(display, "unreadable", reason=gdal_message(exc)) from exc
            if info.get("crs"):
                try:
                    declared = CRS.from_user_input(info["crs"])
                except CRSError as exc:
                    reason = gdal_message(exc)
                    raise fail(display, "bad_prj", fld="crs", reason=reason) from exc
            frames.append(gpd.GeoDataFrame(frame).set_crs(None, allow_override=True))
    for w in caught:
        text = plain_text(w.message, 300)
        problems.append(problem(display, None, None, "gdal", "note", text=text))
    crs = _decide_crs(source, declared, wanted, implicit_wgs84, problems)
    if not frames:
        raise fail(display, "no_layer_to_read")
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = gpd.GeoDataFrame(frame, geometry=frame.geometry.name).set_crs(crs)
    return Read(frame, crs, crs_name(crs), problems)


def _decide_crs(
    source: Source,
    declared: CRS | None,
    wanted: CRS | None,
    implicit_wgs84: bool,
    problems: list[Problem],
) -> CRS:
    """The CRS to read the coordinates in: the file's own, else the one the options name."""
    display, wgs84 = source.display, CRS(WGS84)
    if implicit_wgs84:
        if source.kind == "kml" and wanted is not None and not _same_crs(wanted, wgs84):
            raise fail(display, "kml_crs", fld="crs")
        if wanted is not None and not _same_crs(wanted, wgs84):
            problems.append(
                problem(display, None, "crs", "no_crs_member", "note", crs=crs_name(wanted))
            )
        return wanted or wgs84
    if declared is None:
        if wanted is None:
            raise fail(display, "no_crs_shp" if source.kind == "shapefile" else "no_crs", fld="crs")
        problems.append(problem(display, None, "crs", "read_as", "note", crs=crs_name(wanted)))
        return wanted
    if wanted is not None and not _same_crs(wanted, declared):
        raise fail(
            display,
            "crs_conflict",
            fld="crs",
            declared=crs_name(declared),
            wanted=crs_name(wanted),
        )
    return declared


# --------------------------------------------------------------------------------------------
# Geometry


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal part of ``geom`` (empty when it has none)."""
    if geom.geom_type in geo.POLYGONAL:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in geo.POLYGONAL]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def clean_geometry(
    geom: Any, crs: str, display: str, number: int, label: str
) -> tuple[BaseGeometry | None, list[Problem]]:
    """One feature's polygon (already in WGS84), repaired and on the grid, or None with the
    reason. ``crs`` names the CRS it was read in, for messages."""

    def said(key: str, severity: str = "error", **values: Any) -> Problem:
        return problem(display, number, "geometry", key, severity, label=label, **values)

    if geom is None or geom.is_empty:
        return None, [said("no_geometry")]
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        return None, [said("not_finite", crs=crs)]
    geom = shapely.force_2d(geom)
    notes: list[Problem] = []
    if geom.geom_type not in geo.POLYGONAL:
        polygons = _polygonal(geom)
        if polygons.is_empty:
            return None, [said("not_polygon", kind=geom.geom_type)]
        notes.append(said("polygons_kept", "note", kind=geom.geom_type))
        geom = polygons
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        geom = _polygonal(shapely.make_valid(geom))
        if geom.is_empty:
            return None, [said("invalid_empty", reason=reason)]
        notes.append(said("repaired", "note", reason=reason))
    geom = _polygonal(geo.on_grid(geom))
    if geom.is_empty or not geom.is_valid:
        return None, [said("degenerate")]
    if not shapely.box(*NINGBO_BOUNDS).contains(geom):
        bounds = ", ".join(f"{v:.4f}" for v in geom.bounds)
        return None, [said("outside_ningbo", bounds=bounds, crs=crs)]
    return geom, notes
