"""Export layers of a :class:`~zones.model.dataset.Dataset` to GeoJSON, GeoPackage, CSV and KML.

The formats are the registry :data:`zones.io.formats.FORMATS`; this module holds their writers and
the entry points: :func:`export_bytes` serves downloads, :func:`export_file` (and
:func:`write_export`, which also reports what was written) writes a file atomically, in any
registered format, the bundle included. Every writer takes its rows from
:func:`zones.io.layers.export_selection` and its layers from
:func:`zones.io.layers.export_frame`, so every format holds the same rows, every column of the
layer in the field dictionary's order,
geometry last, and reads back with pyogrio with nothing lost:

- geometry: WGS84 lon/lat, exterior rings counter-clockwise (RFC 7946), coordinates rounded to
  7 decimals (about 1 cm) and still valid, the same in every format; point tables
  (``transport_nodes``) as points at their lon/lat (CSV keeps the two columns);
- GeoJSON (RFC 7946, :mod:`zones.io.geojson`): no ``crs`` member, one feature per line,
  byte-identical for the same data; list columns are JSON arrays, missing numbers ``null``.
  Each park carries ``location_basis`` and ``footprint``, which say whether its point and its
  outline are sourced or estimated;
- CSV: UTF-8 *with* a byte-order mark so Excel shows the Chinese text, ``\\n`` line endings,
  text fields always quoted, numbers never, a missing number an empty unquoted field; list
  columns ``;``-joined; geometry as WKT in a last column ``WKT``, the name GDAL's CSV driver
  (QGIS) recognises by itself. Read it back with GDAL's ``AUTODETECT_TYPE=YES
  QUOTED_FIELDS_AS_STRING=YES`` to get the original types. A text cell that starts with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` so that a spreadsheet
  shows it as text instead of running it as a formula (OWASP, "CSV injection"; see
  :func:`zones.model.fields.neutralise_formula`); numbers are never touched;
- GeoPackage (1.2, polygons as MultiPolygon): list columns ``;``-joined (as in every flat
  format: see :data:`zones.model.fields.LIST_ENCODING`); exporting ``parks`` also writes the tables
  ``industries``, ``tiers`` and ``park_industries`` so the links are there. The bundle's
  GeoPackage is written by the same :func:`write_gpkg_layers`;
- KML (LIBKML): each placemark's ``id`` attribute and an ``id`` field of its data are the row's
  ``id``, its ``<name>`` is ``name_zh``; list columns ``;``-joined. KML does not tell an empty
  text from a missing one, and GDAL reads KML geometries back as 3D (z = 0).

GeoJSON, GeoPackage and KML keep text exactly as it is (they are not opened by spreadsheets);
only CSV cells are neutralised. The File Geodatabase writer (``filegdb``, a zipped ``.gdb``
folder with every field name and text whole) is :mod:`zones.io.filegdb`.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from zones.errors import ZonesError
from zones.geo.crs import COORD_DECIMALS, WGS84, normalise_crs
from zones.io import geojson
from zones.io.atomic import atomic_write
from zones.io.formats import FORMATS, ExportRequest, Format, format_for_path, get_format
from zones.io.layers import (
    attribute_columns,
    export_frame,
    export_selection,
    geometry_type,
    narrow_integers,
)
from zones.model import cells
from zones.model.dataset import Dataset
from zones.model.fields import neutralise_formula
from zones.model.filters import ParkFilter
from zones.settings import GEO_DIR

#: Name of the geometry column in CSV exports: GDAL's CSV driver (and so QGIS) reads a column
#: called ``WKT`` as the geometry without being told.
WKT_COLUMN = "WKT"
#: The config option naming the field LIBKML writes as each placemark's ``id`` attribute.
_KML_ID_OPTION = "LIBKML_ID_FIELD"
_KML_ID_FIELD = "zones_placemark_id"
#: GDAL config options are process-wide: one KML write at a time changes them.
_KML_LOCK = threading.Lock()
#: Tables a GeoPackage (or File Geodatabase) of a layer carries along, so that its links are
#: there.
COMPANION_TABLES = {"parks": ("industries", "tiers", "park_industries")}


# --------------------------------------------------------------------------------------------
# GeoJSON


def geojson_bytes(ds: Dataset, layer: str = "parks") -> bytes:
    """``layer`` of ``ds`` as RFC 7946 GeoJSON (UTF-8), byte-identical for the same data.

    A FeatureCollection with ``type``, ``name`` (the layer) and ``features``, one feature per
    line; each feature is ``type``, ``properties`` (every column, in order), ``geometry``.
    ``layer`` is a spatial layer or a point table (null geometry where a row has no
    coordinates).

    Raises
    ------
    ZonesError
        When ``layer`` has no geometry.
    """
    frame = export_frame(ds, layer, "geojson")
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ZonesError(f"layer {layer!r} has no geometry: GeoJSON cannot hold it")
    return geojson.frame_bytes(frame, layer)


def write_geojson(ds: Dataset, path: Path, request: ExportRequest) -> None:
    """The ``geojson`` format: :func:`geojson_bytes` of the selection."""
    selected = export_selection(ds, request.park_filter)
    path.write_bytes(geojson_bytes(selected, request.layer))


# --------------------------------------------------------------------------------------------
# CSV


def _csv_cell(value: Any) -> str:
    """Text always quoted (and formula-neutralised), numbers never, missing values empty."""
    value = cells.plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = neutralise_formula(str(value))
    return '"' + text.replace('"', '""') + '"'


def csv_bytes(ds: Dataset, layer: str = "parks") -> bytes:
    """``layer`` as CSV: UTF-8 with BOM (for Excel), ``\\n`` line endings, deterministic.

    List columns are ``;``-joined; spatial layers end with a ``WKT`` column (WKT, 7 decimals)
    that GDAL and QGIS take as the geometry. Text is always quoted and numbers never, so a
    reader that types quoted fields as text (GDAL's ``QUOTED_FIELDS_AS_STRING``) keeps adcodes
    such as "330206" as text. Text cells that start like a formula get a leading ``'``
    (:func:`zones.model.fields.neutralise_formula`).
    """
    frame = export_frame(ds, layer, "csv")
    columns = attribute_columns(frame)
    spatial = isinstance(frame, gpd.GeoDataFrame)
    header = [*columns, WKT_COLUMN] if spatial else columns
    lines = [",".join(_csv_cell(c) for c in header)]
    wkts: Iterable[Any]
    if spatial:
        wkts = shapely.to_wkt(
            np.asarray(frame.geometry.array), rounding_precision=COORD_DECIMALS, trim=True
        )
    else:
        wkts = [None] * len(frame)
    for row, wkt in zip(frame[columns].itertuples(index=False, name=None), wkts, strict=True):
        cells_ = [_csv_cell(v) for v in row]
        if spatial:
            cells_.append(_csv_cell(wkt if wkt is not None else ""))
        lines.append(",".join(cells_))
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def write_csv(ds: Dataset, path: Path, request: ExportRequest) -> None:
    """The ``csv`` format: :func:`csv_bytes` of the selection."""
    selected = export_selection(ds, request.park_filter)
    path.write_bytes(csv_bytes(selected, request.layer))


# --------------------------------------------------------------------------------------------
# GeoPackage and KML (through pyogrio)


def _via_named_file(path: Path, filename: str, fill: Callable[[Path], None]) -> None:
    """Let ``fill`` write a file called ``filename`` in a private folder, then move it to ``path``.

    GDAL drivers pick their behaviour from the extension (LIBKML writes a folder when it is not
    ``.kml``; GPKG warns), so they always get a proper name whatever ``path`` is called.
    """
    with tempfile.TemporaryDirectory(prefix="zones-export-") as folder:
        tmp = Path(folder) / filename
        fill(tmp)
        shutil.move(tmp, path)


def write_gpkg_layers(frames: Mapping[str, pd.DataFrame], path: Path) -> None:
    """Write ``frames`` (layer -> frame of :func:`zones.io.layers.export_frame`, or any table) as
    the layers of a new GeoPackage ``path``, in order.

    GeoPackage 1.2 (GDAL < 3.10 and QGIS 3.28 warn about the newer 1.4); spatial layers as
    MultiPolygon, point tables as Point, the rest as attribute tables.
    """
    driver = FORMATS["gpkg"].driver
    for i, (name, frame) in enumerate(frames.items()):
        options: dict[str, Any] = {"dataset_options": {"VERSION": "1.2"}} if i == 0 else {}
        kind = geometry_type(name) if isinstance(frame, gpd.GeoDataFrame) else None
        if kind is not None:
            options |= {"geometry_type": kind, "promote_to_multi": kind == "MultiPolygon"}
        pyogrio.write_dataframe(frame, path, layer=name, driver=driver, **options)


def write_gpkg(ds: Dataset, path: Path, request: ExportRequest) -> None:
    """The ``gpkg`` format: the layer (and, for parks, the tables of its links)."""
    selected = export_selection(ds, request.park_filter)
    layers = [request.layer, *COMPANION_TABLES.get(request.layer, ())]
    frames = {name: export_frame(selected, name, "gpkg") for name in layers}
    _via_named_file(path, f"{request.layer}.gpkg", lambda tmp: write_gpkg_layers(frames, tmp))


def _kml_frame(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """An export frame for LIBKML: 32-bit integers, ``Name`` and the placemark id."""
    frame = narrow_integers(frame)  # LIBKML would write 64-bit integers as text
    # LIBKML puts a field called "Name" into each placemark's <name> (and not in its data).
    frame.insert(0, "Name", frame.get("name_zh", ""))
    if "id" in frame.columns:
        # LIBKML turns the field named by LIBKML_ID_FIELD (default "id") into the placemark's
        # id attribute and leaves it out of the data: a copy under another name goes there,
        # so "id" stays a field too (readers without LIBKML ignore the attribute).
        frame.insert(0, _KML_ID_FIELD, frame["id"])
    return frame


def write_kml(ds: Dataset, path: Path, request: ExportRequest) -> None:
    """The ``kml`` format (LIBKML)."""
    layer = request.layer
    selected = export_selection(ds, request.park_filter)
    frame = _kml_frame(export_frame(selected, layer, "kml"))
    id_field = _KML_ID_FIELD if _KML_ID_FIELD in frame.columns else None
    driver = FORMATS["kml"].driver

    def fill(tmp: Path) -> None:
        with _KML_LOCK:
            before = pyogrio.get_gdal_config_option(_KML_ID_OPTION)
            pyogrio.set_gdal_config_options({_KML_ID_OPTION: id_field})
            try:
                pyogrio.write_dataframe(frame, tmp, layer=layer, driver=driver)
            finally:
                pyogrio.set_gdal_config_options({_KML_ID_OPTION: before})

    _via_named_file(path, f"{layer}.kml", fill)


# --------------------------------------------------------------------------------------------
# Public entry points


@dataclass(frozen=True)
class Exported:
    """What :func:`write_export` wrote: the file ``path`` in ``format``, for ``request`` (its CRS
    normalised), and what the writer wants the user to know (``notes``, e.g. Shapefile cells
    cut to 254 bytes)."""

    format: Format
    request: ExportRequest
    path: Path
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """``wrote parks.geojson (geojson, layer parks)``; for a whole-dataset format
        ``wrote x.zip (bundle, EPSG:4549, 812,345 bytes)``."""
        if self.format.whole_dataset:
            crs = f"{self.request.crs}, " if "crs" in self.format.options else ""
            what = f"{crs}{self.path.stat().st_size:,} bytes"
        else:
            what = f"layer {self.request.layer}"
        return f"wrote {self.path} ({self.format.name}, {what})"


def _checked(fmt: str, request: ExportRequest) -> tuple[Format, ExportRequest]:
    """The format and the request with its CRS normalised, a CRS other than WGS84 only where
    the format takes one."""
    format_ = get_format(fmt, request.layer)
    code = normalise_crs(request.crs)
    if code != WGS84 and "crs" not in format_.options:
        takes = [f.name for f in FORMATS.values() if "crs" in f.options]
        raise ZonesError(
            f"format {format_.name!r} is always {WGS84}; a CRS ({code}) applies to: "
            f"{', '.join(takes) or 'no format'}"
        )
    return format_, replace(request, crs=code)


def write_export(
    ds: Dataset, out: Path | str, request: ExportRequest, *, fmt: str | None = None
) -> Exported:
    """Write ``request`` of ``ds`` to ``out`` atomically; what was written.

    ``fmt`` defaults to the format of ``out``'s extension (``.zip``: the bundle); the request's
    ``file_name`` to ``out``'s name. The folder is created if needed. A failed write leaves any
    previous file at ``out`` untouched.

    Raises
    ------
    UnknownValueError, ZonesError
        As :func:`zones.io.formats.get_format` and :func:`zones.io.formats.format_for_path`, and for
        a CRS the format cannot be written in.
    """
    out = Path(out)
    if request.file_name is None:
        request = replace(request, file_name=out.name)
    writer, request = _checked(fmt if fmt is not None else format_for_path(out), request)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as tmp:
        notes = writer.write(ds, tmp, request)
    return Exported(writer, request, out, notes)


def export_bytes(
    ds: Dataset,
    *,
    layer: str = "parks",
    fmt: str = "geojson",
    park_filter: ParkFilter | None = None,
    crs: str | int = WGS84,
    lang: str = "zh",
    geo_dir: Path | str = GEO_DIR,
    file_name: str | None = None,
) -> bytes:
    """``layer`` of ``ds`` in format ``fmt`` as bytes (for downloads).

    ``park_filter`` selects the rows (:func:`zones.io.layers.export_selection`); ``crs``, ``lang``,
    ``geo_dir`` and ``file_name`` go to formats that use them (see
    :class:`zones.io.formats.ExportRequest`).

    Raises
    ------
    UnknownValueError, ZonesError
        As :func:`zones.io.formats.get_format`, and for a CRS the format cannot be written in.
    """
    request = ExportRequest(layer, park_filter, str(crs), lang, Path(geo_dir), file_name)
    writer, request = _checked(fmt, request)
    with tempfile.TemporaryDirectory(prefix="zones-export-") as folder:
        path = Path(folder) / f"{layer}{writer.extension}"
        writer.write(ds, path, request)
        return path.read_bytes()


def export_file(
    ds: Dataset,
    out: Path | str,
    *,
    layer: str = "parks",
    fmt: str | None = None,
    park_filter: ParkFilter | None = None,
    crs: str | int = WGS84,
    lang: str = "zh",
    geo_dir: Path | str = GEO_DIR,
) -> Path:
    """Write ``layer`` of ``ds`` to ``out`` atomically (:func:`write_export`); returns ``out``.

    ``fmt`` defaults to the format of ``out``'s extension; ``park_filter``, ``crs``, ``lang``
    and ``geo_dir`` as in :func:`export_bytes`.

    Raises
    ------
    UnknownValueError, ZonesError
        As :func:`write_export`.
    """
    request = ExportRequest(layer, park_filter, str(crs), lang, Path(geo_dir))
    return write_export(ds, out, request, fmt=fmt).path
