"""Export layers of a :class:`~zones.dataset.Dataset` to GeoJSON, GeoPackage, CSV and KML.

Formats are a registry, :data:`WRITERS` (format name -> :class:`Writer`); add one with
:func:`register_writer`. :func:`export_bytes` serves downloads, :func:`export_file` writes a
file atomically. Every format holds every column of the layer, in the layer's order, geometry
last, and reads back with pyogrio with nothing lost:

- geometry: WGS84 lon/lat, exterior rings counter-clockwise (RFC 7946), coordinates rounded to
  7 decimals (about 1 cm), the same in every format;
- GeoJSON (RFC 7946): no ``crs`` member, one feature per line, byte-identical for the same data;
  list columns are JSON arrays, missing numbers ``null``. Each park carries ``location_basis``
  and ``footprint``, which say whether its point and its outline are sourced or estimated;
- CSV: UTF-8 *with* a byte-order mark so Excel shows the Chinese text, ``\\n`` line endings,
  text fields always quoted, numbers never, a missing number an empty unquoted field; list
  columns ``;``-joined; geometry as WKT in a last column ``WKT``, the name GDAL's CSV driver
  (QGIS) recognises by itself. Read it back with GDAL's ``AUTODETECT_TYPE=YES
  QUOTED_FIELDS_AS_STRING=YES`` to get the original types. A text cell that starts with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` so that a spreadsheet
  shows it as text instead of running it as a formula (OWASP, "CSV injection"; see
  :func:`neutralise_formula`); numbers are never touched;
- GeoPackage: list columns ``;``-joined (as in every flat format: see
  :data:`zones.fields.LIST_ENCODING`); exporting ``parks`` also writes the tables
  ``industries``, ``tiers`` and ``park_industries`` so the links are there;
- KML (LIBKML): each placemark's ``id`` attribute and an ``id`` field of its data are the row's
  ``id``, its ``<name>`` is ``name_zh``; list columns ``;``-joined. KML does not tell an empty
  text from a missing one, and GDAL reads KML geometries back as 3D (z = 0).

GeoJSON, GeoPackage and KML keep text exactly as it is (they are not opened by spreadsheets);
only CSV cells are neutralised.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import Point, mapping

from zones.atomic import atomic_write
from zones.dataset import LIST_COLUMNS, SPATIAL_LAYERS, TABLE_LAYERS, Dataset
from zones.errors import UnknownValueError, ZonesError
from zones.filters import ParkFilter, filter_dataset
from zones.settings import WGS84

#: Decimals kept in exported coordinates (1e-7 degree is about 1 cm).
COORD_DECIMALS = 7
#: Separator of list items in every flat format (CSV, KML, GeoPackage, Shapefile).
LIST_SEPARATOR = ";"
#: Name of the geometry column in CSV exports: GDAL's CSV driver (and so QGIS) reads a column
#: called ``WKT`` as the geometry without being told.
WKT_COLUMN = "WKT"
ALL_LAYERS = SPATIAL_LAYERS + TABLE_LAYERS
#: Tables whose rows are places: layer -> (longitude column, latitude column). Exports that
#: can give them a point geometry do (the bundle); a row without coordinates keeps a null one.
POINT_TABLES: dict[str, tuple[str, str]] = {"transport_nodes": ("lon", "lat")}
#: Leading characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
#: The config option naming the field LIBKML writes as each placemark's ``id`` attribute.
_KML_ID_OPTION = "LIBKML_ID_FIELD"
_KML_ID_FIELD = "zones_placemark_id"
#: GDAL config options are process-wide: one KML write at a time changes them.
_KML_LOCK = threading.Lock()


def neutralise_formula(text: str) -> str:
    """``text`` with a leading ``'`` when it starts like a spreadsheet formula, else as is.

    OWASP's rule against CSV injection: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return is prefixed with a single quote, so Excel, LibreOffice and Numbers
    show it as text; the rest of the cell is kept. Apply it to text cells only: a negative
    number in a numeric column is a number, not a formula.
    """
    return "'" + text if text.startswith(FORMULA_LEADS) else text


@dataclass(frozen=True)
class Writer:
    """One export format.

    Attributes
    ----------
    name
        Format name, the key in :data:`WRITERS` (``geojson``).
    extensions
        File extensions with the dot, the first being the default (``(".geojson", ".json")``).
    media_type
        MIME type for downloads.
    layers
        Layers this format can hold.
    write
        ``write(ds, layer, path)`` writes ``layer`` of ``ds`` to a new file ``path``.
    """

    name: str
    extensions: tuple[str, ...]
    media_type: str
    layers: tuple[str, ...]
    write: Callable[[Dataset, str, Path], None]


#: Export formats by name. Open: other modules add formats with :func:`register_writer`.
WRITERS: dict[str, Writer] = {}


def register_writer(writer: Writer) -> Writer:
    """Add (or replace) ``writer`` in :data:`WRITERS`; returns it."""
    WRITERS[writer.name] = writer
    return writer


# --------------------------------------------------------------------------------------------
# Preparing a layer: column order, geometry, plain values


def _rounded(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` with coordinates rounded to :data:`COORD_DECIMALS`, still valid.

    Plain rounding can make a valid polygon invalid (two close vertices of a hand-drawn cut
    collapse into a self-intersection; LIBKML then refuses the feature). Those few geometries
    are snap-rounded to the same grid by GEOS instead, which keeps them valid.
    """
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, COORD_DECIMALS))
    broken = shapely.is_valid(geoms) & ~shapely.is_valid(rounded)
    if broken.any():
        rounded[broken] = shapely.set_precision(geoms[broken], 10.0**-COORD_DECIMALS)
    return rounded


def _layer_frame(ds: Dataset, layer: str) -> pd.DataFrame:
    """``layer`` with geometry (if any) in WGS84, oriented, rounded, and as the last column."""
    frame = ds.layer(layer)
    if layer not in SPATIAL_LAYERS:
        return pd.DataFrame(frame).copy()
    gdf = gpd.GeoDataFrame(frame).copy()
    if gdf.crs is not None and not gdf.crs.equals(WGS84):
        gdf = gdf.to_crs(WGS84)
    geoms = _rounded(np.asarray(gdf.geometry.array))
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    geom_name = gdf.geometry.name
    columns = [c for c in gdf.columns if c != geom_name]
    return gpd.GeoDataFrame(gdf[columns], geometry=list(geoms), crs=WGS84)


def _attribute_columns(frame: pd.DataFrame) -> list[str]:
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [c for c in frame.columns if c != geom]


def _plain(value: Any) -> Any:
    """A cell as a plain JSON value: numpy scalars unwrapped, NaN/None/NA -> None."""
    if isinstance(value, str | bool) or value is None:
        return value
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def point_layer(frame: pd.DataFrame, layer: str) -> gpd.GeoDataFrame:
    """The table ``layer`` of :data:`POINT_TABLES` with a WGS84 point geometry, last.

    Points come from the layer's longitude and latitude columns, rounded to
    :data:`COORD_DECIMALS`; a row without both (a node whose location is ``missing``) is kept
    with a null geometry.
    """
    lon, lat = POINT_TABLES[layer]
    xs = pd.to_numeric(frame[lon], errors="coerce") if lon in frame.columns else None
    ys = pd.to_numeric(frame[lat], errors="coerce") if lat in frame.columns else None
    geoms: list[Point | None] = [None] * len(frame)
    if xs is not None and ys is not None:
        geoms = [
            Point(round(float(x), COORD_DECIMALS), round(float(y), COORD_DECIMALS))
            if math.isfinite(x) and math.isfinite(y)
            else None
            for x, y in zip(xs, ys, strict=True)
        ]
    return gpd.GeoDataFrame(pd.DataFrame(frame).copy(), geometry=geoms, crs=WGS84)


def _list_columns(frame: pd.DataFrame, layer: str) -> list[str]:
    """The list columns of ``layer`` that ``frame`` has."""
    return [c for c in LIST_COLUMNS.get(layer, ()) if c in frame.columns]


def _join_list(value: Any) -> str:
    """A list cell as text, its items joined by :data:`LIST_SEPARATOR` (missing -> "")."""
    items = _plain(value)
    if not isinstance(items, list):
        return "" if items is None else str(items)
    return LIST_SEPARATOR.join("" if v is None else str(v) for v in items)


def _join_lists(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """``frame`` with its list columns as :data:`LIST_SEPARATOR`-joined text."""
    for col in _list_columns(frame, layer):
        frame[col] = [_join_list(v) for v in frame[col]]
    return frame


# --------------------------------------------------------------------------------------------
# GeoJSON


def _geometry_json(geom: Any) -> dict[str, Any] | None:
    """GeoJSON geometry of ``geom`` (already rounded), or None for a missing/empty geometry."""
    if geom is None or geom.is_empty:
        return None
    return dict(mapping(geom))


def geojson_bytes(ds: Dataset, layer: str = "parks") -> bytes:
    """``layer`` as RFC 7946 GeoJSON (UTF-8), byte-identical for the same data.

    A FeatureCollection with ``type``, ``name`` (the layer) and ``features``, one feature per
    line; each feature is ``type``, ``properties`` (every column, in order), ``geometry``.
    ``layer`` is a spatial layer or a table of :data:`POINT_TABLES` (null geometry where a
    row has no coordinates).
    """
    if layer in POINT_TABLES:
        frame: pd.DataFrame = point_layer(ds.layer(layer), layer)
    else:
        frame = _layer_frame(ds, layer)
    columns = _attribute_columns(frame)
    lines = []
    for row, geom in zip(
        frame[columns].itertuples(index=False, name=None), frame.geometry, strict=True
    ):
        feature = {
            "type": "Feature",
            "properties": {c: _plain(v) for c, v in zip(columns, row, strict=True)},
            "geometry": _geometry_json(geom),
        }
        lines.append(
            json.dumps(feature, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        )
    head = {"type": "FeatureCollection", "name": layer}
    head_json = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    body = "[\n" + ",\n".join(lines) + "\n]" if lines else "[]"
    return f'{head_json},"features":{body}}}\n'.encode()


def _write_geojson(ds: Dataset, layer: str, path: Path) -> None:
    path.write_bytes(geojson_bytes(ds, layer))


# --------------------------------------------------------------------------------------------
# CSV


def _csv_cell(value: Any) -> str:
    """Text always quoted (and formula-neutralised), numbers never, missing values empty."""
    value = _plain(value)
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
    (:func:`neutralise_formula`).
    """
    frame = _layer_frame(ds, layer)
    columns = _attribute_columns(frame)
    lists = set(_list_columns(frame, layer))
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
        cells = [
            _csv_cell(_join_list(v) if c in lists else v) for c, v in zip(columns, row, strict=True)
        ]
        if spatial:
            cells.append(_csv_cell(wkt if wkt is not None else ""))
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _write_csv(ds: Dataset, layer: str, path: Path) -> None:
    path.write_bytes(csv_bytes(ds, layer))


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


def _write_gpkg(ds: Dataset, layer: str, path: Path) -> None:
    layers = [layer]
    if layer == "parks":
        layers += ["industries", "tiers", "park_industries"]

    def fill(tmp: Path) -> None:
        for name in layers:
            frame = _join_lists(_layer_frame(ds, name), name)
            pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG")

    _via_named_file(path, f"{layer}.gpkg", fill)


def _kml_frame(ds: Dataset, layer: str) -> gpd.GeoDataFrame:
    """``layer`` for LIBKML: lists joined, 32-bit integers, ``Name`` and the placemark id."""
    frame = _join_lists(_layer_frame(ds, layer), layer)
    for col in _attribute_columns(frame):
        # LIBKML has no 64-bit integers and would write them as text.
        series = frame[col]
        if pd.api.types.is_integer_dtype(series) and len(series):
            info = np.iinfo(np.int32)
            if series.min() >= info.min and series.max() <= info.max:
                frame[col] = series.astype("int32")
    # LIBKML puts a field called "Name" into each placemark's <name> (and not in its data).
    frame.insert(0, "Name", frame.get("name_zh", ""))
    if "id" in frame.columns:
        # LIBKML turns the field named by LIBKML_ID_FIELD (default "id") into the placemark's
        # id attribute and leaves it out of the data: a copy under another name goes there,
        # so "id" stays a field too (readers without LIBKML ignore the attribute).
        frame.insert(0, _KML_ID_FIELD, frame["id"])
    return frame


def _write_kml(ds: Dataset, layer: str, path: Path) -> None:
    frame = _kml_frame(ds, layer)
    id_field = _KML_ID_FIELD if _KML_ID_FIELD in frame.columns else None

    def fill(tmp: Path) -> None:
        with _KML_LOCK:
            before = pyogrio.get_gdal_config_option(_KML_ID_OPTION)
            pyogrio.set_gdal_config_options({_KML_ID_OPTION: id_field})
            try:
                pyogrio.write_dataframe(frame, tmp, layer=layer, driver="LIBKML")
            finally:
                pyogrio.set_gdal_config_options({_KML_ID_OPTION: before})

    _via_named_file(path, f"{layer}.kml", fill)


register_writer(
    Writer("geojson", (".geojson", ".json"), "application/geo+json", SPATIAL_LAYERS, _write_geojson)
)
register_writer(
    Writer("gpkg", (".gpkg",), "application/geopackage+sqlite3", ALL_LAYERS, _write_gpkg)
)
register_writer(Writer("csv", (".csv",), "text/csv; charset=utf-8", ALL_LAYERS, _write_csv))
register_writer(
    Writer("kml", (".kml",), "application/vnd.google-earth.kml+xml", SPATIAL_LAYERS, _write_kml)
)


# --------------------------------------------------------------------------------------------
# Public entry points


def get_writer(fmt: str, layer: str | None = None) -> Writer:
    """The writer of format ``fmt`` (case-insensitive), checked against ``layer`` if given.

    Raises
    ------
    UnknownValueError
        When ``fmt`` is not in :data:`WRITERS` (the message lists the formats) or ``layer`` is
        not a layer of the dataset.
    ZonesError
        When the format cannot hold ``layer`` (e.g. a table as GeoJSON).
    """
    writer = WRITERS.get(str(fmt).strip().lower().lstrip("."))
    if writer is None:
        raise UnknownValueError("export format", str(fmt), sorted(WRITERS))
    if layer is not None:
        if layer not in ALL_LAYERS:
            raise UnknownValueError("layer", str(layer), list(ALL_LAYERS))
        if layer not in writer.layers:
            able = sorted(name for name, w in WRITERS.items() if layer in w.layers)
            raise ZonesError(
                f"format {writer.name!r} cannot hold layer {layer!r}; "
                f"it holds {', '.join(writer.layers)}. For {layer!r} use: {', '.join(able)}"
            )
    return writer


def format_for_path(path: Path | str) -> str:
    """The format name whose extensions include ``path``'s suffix.

    Raises
    ------
    ZonesError
        When no format claims the suffix; the message lists formats and their extensions.
    """
    suffix = Path(path).suffix.lower()
    for name, writer in WRITERS.items():
        if suffix in writer.extensions:
            return name
    known = "; ".join(f"{n}: {' '.join(w.extensions)}" for n, w in sorted(WRITERS.items()))
    raise ZonesError(
        f"cannot tell the export format from {str(path)!r} (extension {suffix or 'none'!r}); "
        f"pass a format or use one of these extensions: {known}"
    )


def _filtered(ds: Dataset, park_filter: ParkFilter | None) -> Dataset:
    return ds if park_filter is None else filter_dataset(ds, park_filter)


def export_bytes(
    ds: Dataset,
    *,
    layer: str = "parks",
    fmt: str = "geojson",
    park_filter: ParkFilter | None = None,
) -> bytes:
    """``layer`` of ``ds`` in format ``fmt`` as bytes (for downloads).

    ``park_filter`` keeps only the matching parks (and their ``park_industries`` rows).

    Raises
    ------
    UnknownValueError, ZonesError
        As :func:`get_writer`.
    """
    writer = get_writer(fmt, layer)
    ds = _filtered(ds, park_filter)
    with tempfile.TemporaryDirectory(prefix="zones-export-") as folder:
        path = Path(folder) / f"{layer}{writer.extensions[0]}"
        writer.write(ds, layer, path)
        return path.read_bytes()


def export_file(
    ds: Dataset,
    out: Path | str,
    *,
    layer: str = "parks",
    fmt: str | None = None,
    park_filter: ParkFilter | None = None,
) -> Path:
    """Write ``layer`` of ``ds`` to ``out`` atomically and return ``out``.

    ``fmt`` defaults to the format of ``out``'s extension. The folder is created if needed.
    A failed write leaves any previous file at ``out`` untouched.

    Raises
    ------
    UnknownValueError, ZonesError
        As :func:`get_writer` and :func:`format_for_path`.
    """
    out = Path(out)
    writer = get_writer(fmt if fmt is not None else format_for_path(out), layer)
    ds = _filtered(ds, park_filter)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as tmp:
        writer.write(ds, layer, tmp)
    return out
