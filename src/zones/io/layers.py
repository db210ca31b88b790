"""What every export writes: which rows a filtered export holds, and each layer ready to write.

Every writer (GeoJSON, CSV, GeoPackage, KML, the bundle's Shapefiles, the bundle itself) goes
through the two functions here, so the same filter gives the same rows and the same layer gives
the same columns, values and coordinates in every format:

- :func:`export_selection`: the rows of a filtered export. The parks matching the filter and
  their ``park_industries`` rows (:func:`zones.model.filters.filter_dataset`); when the filter names
  belts, the ``belts`` layer holds those belts only (what the app's belt download has always
  given), whatever the format. Every other layer is whole.
- :func:`export_frame`: one layer as a format writes it. Columns in the field dictionary's
  order (:data:`zones.model.fields.FIELDS`; a column it lacks comes after, as it is), geometry last:
  WGS84, coordinates on the :data:`zones.geo.crs.COORD_DECIMALS` grid and still valid, exterior
  rings counter-clockwise (:func:`zones.geo.geometry.for_export`), then reprojected when another
  CRS is asked. Point tables get a point at lon/lat in formats that hold points
  (:data:`zones.model.fields.POINT_ENCODING`); list columns stay lists or are joined with ``;`` as
  the format's rule says (:data:`zones.model.fields.LIST_ENCODING`).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from zones.errors import UnknownValueError
from zones.geo.crs import COORD_DECIMALS, WGS84
from zones.geo.geometry import for_export
from zones.model import cells
from zones.model.dataset import LIST_COLUMNS, POINT_TABLES, SPATIAL_LAYERS, Dataset
from zones.model.fields import FIELDS, LIST_ENCODING, LIST_SEPARATOR, POINT_ENCODING
from zones.model.filters import ParkFilter, filter_dataset


def export_selection(ds: Dataset, park_filter: ParkFilter | None) -> Dataset:
    """The dataset an export filtered by ``park_filter`` holds (see the module's docstring).

    ``ds`` itself when there is no filter.
    """
    if park_filter is None or park_filter.is_empty:
        return ds
    selected = filter_dataset(ds, park_filter)
    if park_filter.belts:
        belts = selected.belts
        selected = replace(selected, belts=belts[belts["id"].isin(park_filter.belts)])
    return selected


def geometry_type(layer: str) -> str | None:
    """The geometry type ``layer`` is written with: MultiPolygon, Point or None (a table)."""
    if layer in SPATIAL_LAYERS:
        return "MultiPolygon"
    return "Point" if layer in POINT_TABLES else None


def ordered_columns(layer: str, columns: list[str]) -> list[str]:
    """``columns`` in the field dictionary's order for ``layer``, unknown ones after, as given."""
    known = [f.name for f in FIELDS.get(layer, ())]
    present, described = set(columns), set(known)
    return [c for c in known if c in present] + [c for c in columns if c not in described]


def attribute_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` but its geometry."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [c for c in frame.columns if c != geometry]


def narrow_integers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its 64-bit integer columns as 32-bit where every value fits, else as
    floats (a copy).

    For drivers without 64-bit integers: LIBKML would write them as text, and a File
    Geodatabase holds them only for ArcGIS Pro 3.2 or later (GDAL writes them as reals, with
    a warning, for every other reader).
    """
    frame = frame.copy()
    info = np.iinfo(np.int32)
    for column in attribute_columns(frame):
        series = frame[column]
        if pd.api.types.is_integer_dtype(series) and series.dtype.itemsize > 4:
            fits = not len(series) or (series.min() >= info.min and series.max() <= info.max)
            frame[column] = series.astype("int32" if fits else "float64")
    return frame


def point_layer(frame: pd.DataFrame, layer: str) -> gpd.GeoDataFrame:
    """The table ``layer`` of :data:`zones.model.dataset.POINT_TABLES` with a WGS84 point, last.

    Points come from the layer's longitude and latitude columns, rounded to
    :data:`zones.geo.crs.COORD_DECIMALS`; a row without both (a node whose location is ``missing``)
    is kept with a null geometry.
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


def join_list(value: Any) -> str:
    """A list cell as text, its items joined by :data:`zones.model.fields.LIST_SEPARATOR` (a missing
    cell or item -> "")."""
    items = cells.plain(value)
    if not isinstance(items, list):
        return "" if items is None else str(items)
    return LIST_SEPARATOR.join("" if v is None else str(v) for v in items)


def list_encoding(fmt: str) -> str:
    """``array`` or ``joined``: how format ``fmt`` writes list columns.

    Raises
    ------
    UnknownValueError
        When ``fmt`` has no rule in :data:`zones.model.fields.LIST_ENCODING` (add one there: the
        field dictionary states it to users).
    """
    if fmt not in LIST_ENCODING:
        raise UnknownValueError("format with a list rule", fmt, list(LIST_ENCODING))
    return LIST_ENCODING[fmt]


def export_frame(ds: Dataset, layer: str, fmt: str, *, crs: str = WGS84) -> pd.DataFrame:
    """``layer`` of ``ds`` as format ``fmt`` writes it (see the module's docstring).

    A GeoDataFrame (geometry last, in ``crs``) for spatial layers and for point tables in
    formats that hold points, else a DataFrame. The frame is a copy: writers may change it.

    Raises
    ------
    UnknownValueError
        When ``fmt`` has no list rule (:func:`list_encoding`).
    """
    encoding = list_encoding(fmt)
    frame = ds.layer(layer)
    columns = ordered_columns(layer, attribute_columns(frame))
    out: pd.DataFrame
    if layer in SPATIAL_LAYERS:
        gdf = gpd.GeoDataFrame(frame)
        if gdf.crs is not None and not gdf.crs.equals(WGS84):
            gdf = gdf.to_crs(WGS84)
        geoms = for_export(np.asarray(gdf.geometry.array))
        out = gpd.GeoDataFrame(pd.DataFrame(gdf[columns]).copy(), geometry=list(geoms), crs=WGS84)
    elif layer in POINT_TABLES and POINT_ENCODING.get(fmt) == "point":
        out = point_layer(frame[columns], layer)
    else:
        out = pd.DataFrame(frame[columns]).copy()
    if encoding == "joined":
        for column in (c for c in LIST_COLUMNS.get(layer, ()) if c in columns):
            out[column] = [join_list(v) for v in out[column]]
    if isinstance(out, gpd.GeoDataFrame) and crs != WGS84:
        out = out.to_crs(crs)
    return out
