"""The File Geodatabase export: what ArcGIS users open, every field whole.

A File Geodatabase (``.gdb``) is a folder, so zones sends it zipped: ``parks.gdb.zip`` holds the
folder ``parks.gdb/`` at its first level. That is what people mail; ArcGIS Pro and QGIS open the
folder once unzipped, and GDAL (QGIS, ``ogrinfo``) opens the zip as it is. GDAL's OpenFileGDB
driver writes it (it writes since GDAL 3.6). Unlike a Shapefile:

- field names are the dataset's, whole (File Geodatabase allows 64 characters); only a word the
  format reserves (``order``) gets a trailing ``_``, as GDAL would do with a warning
  (:func:`field_names`);
- text is stored whole (no 254-byte cut) and Chinese as it is;
- 64-bit integers are written as 32-bit ones (:func:`zones.io.layers.narrow_integers`): 64-bit
  fields need ArcGIS Pro 3.2 or later;
- list columns are ``;``-joined, point tables are point layers (a node without a sourced
  coordinate keeps a null geometry), tables are tables (:data:`zones.model.fields.LIST_ENCODING`,
  :data:`zones.model.fields.POINT_ENCODING`);
- every field carries an alias, its short Chinese label, the one the QGIS styles give it
  (:func:`field_aliases`): ArcGIS's and QGIS's attribute tables show ``中文名称`` above
  ``name_zh``.
  pyogrio cannot write aliases, so :func:`write_gdb` sets them afterwards with GDAL's own C API
  on pyogrio's GDAL (:mod:`zones.io.ogr_aliases`); where that is not possible the file is
  written without them and a warning is logged.

The ``filegdb`` format (:func:`write_filegdb`) writes one layer, and for ``parks`` the tables of
its links, in WGS84, like the GeoPackage export; the bundle holds every layer as
``filegdb/zones.gdb`` in its chosen CRS (:func:`write_gdb`).
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from zones.errors import ZonesError
from zones.io.export import COMPANION_TABLES
from zones.io.formats import FORMATS, ExportRequest
from zones.io.layers import (
    attribute_columns,
    export_frame,
    export_selection,
    geometry_type,
    narrow_integers,
)
from zones.io.ogr_aliases import set_field_aliases
from zones.io.qgis import field_aliases as style_aliases
from zones.model.dataset import Dataset

#: The extension of a File Geodatabase folder.
GDB_SUFFIX = ".gdb"
#: Words a File Geodatabase field may not be called (Esri's list, as GDAL applies it).
RESERVED_WORDS = frozenset({
    "ADD", "ALTER", "AND", "BETWEEN", "BY", "COLUMN", "CREATE", "DELETE", "DROP", "EXISTS",
    "FOR", "FROM", "GROUP", "IN", "INSERT", "INTO", "IS", "LIKE", "NOT", "NULL", "OR", "ORDER",
    "SELECT", "SET", "TABLE", "UPDATE", "VALUES", "WHERE",
})  # fmt: skip


def field_names(columns: Iterable[str]) -> dict[str, str]:
    """Column -> its field name in a File Geodatabase: the same name, with a trailing ``_``
    when File Geodatabase reserves it (``order`` -> ``order_``)."""
    return {c: f"{c}_" if c.upper() in RESERVED_WORDS else c for c in columns}


def gdb_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """An export frame (lists joined) as a File Geodatabase layer: 32-bit integers, reserved
    names renamed."""
    frame = narrow_integers(frame)
    return frame.rename(columns=field_names(attribute_columns(frame)))


def field_aliases(layer: str, frame: pd.DataFrame) -> dict[str, str]:
    """Field name in the File Geodatabase -> its alias, for the attribute columns of ``frame``
    (a layer of :func:`zones.io.layers.export_frame`): the Chinese alias the QGIS styles give
    the field (:func:`zones.io.qgis.field_aliases`, from :func:`zones.model.fields.label_zh`)."""
    columns = attribute_columns(frame)
    return style_aliases(layer, columns, names=field_names(columns), lang="zh")


def write_gdb(frames: Mapping[str, pd.DataFrame], folder: Path) -> None:
    """Write ``frames`` (layer -> frame of :func:`zones.io.layers.export_frame`, lists joined) as
    the layers of a new File Geodatabase ``folder`` (its name ends in ``.gdb``), in order.

    Spatial layers as MultiPolygon, point tables as Point, the rest as tables; each in its
    frame's CRS; every field with its alias (:func:`field_aliases`), set once every layer is
    written (:func:`zones.io.ogr_aliases.set_field_aliases`; without them, and a warning
    logged, where GDAL's C API cannot be reached).
    """
    if folder.suffix.lower() != GDB_SUFFIX:
        raise ValueError(f"a File Geodatabase folder must end in {GDB_SUFFIX}: {folder}")
    driver = FORMATS["filegdb"].driver
    for name, frame in frames.items():
        options: dict[str, Any] = {}
        kind = geometry_type(name) if isinstance(frame, gpd.GeoDataFrame) else None
        if kind is not None:
            options = {"geometry_type": kind, "promote_to_multi": kind == "MultiPolygon"}
        pyogrio.write_dataframe(gdb_frame(frame), folder, layer=name, driver=driver, **options)
    set_field_aliases(folder, {name: field_aliases(name, frame) for name, frame in frames.items()})


def gdb_name(file_name: str | None, default: str) -> str:
    """The folder name of the File Geodatabase sent as ``file_name``: ``parks.gdb.zip`` ->
    ``parks.gdb``, ``download.bin`` -> ``download.gdb``; characters other than ASCII letters,
    digits, ``.``, ``_`` and ``-`` become ``-``; ``default`` (a layer name) when nothing is
    left."""
    name = Path(file_name or "").name
    name = name[: -len(".zip")] if name.lower().endswith(".zip") else Path(name).stem
    if name.lower().endswith(GDB_SUFFIX):
        name = name[: -len(GDB_SUFFIX)]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-_")
    return f"{stem or default}{GDB_SUFFIX}"


def zip_gdb(folder: Path, path: Path, *, created: datetime | None = None) -> list[str]:
    """Zip the File Geodatabase ``folder`` as the new file ``path``, the folder at the zip's
    first level (what GDAL opens as ``.gdb.zip``); returns the zip's entries. Entries are
    sorted and stamped ``created`` (default: now), so the same folder gives the same zip."""
    stamp = (created or datetime.now(UTC)).timetuple()[:6]
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    entries = [f"{folder.name}/"] + [
        f"{folder.name}/{p.relative_to(folder).as_posix()}" for p in files
    ]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for entry, item in zip(entries, [None, *files], strict=True):
            info = zipfile.ZipInfo(entry, date_time=stamp)  # type: ignore[arg-type]
            info.compress_type = zipfile.ZIP_DEFLATED
            # rwxr-xr-x and the MS-DOS directory flag for the folder, rw-r--r-- for files
            info.external_attr = (0o40755 << 16) | 0x10 if item is None else 0o644 << 16
            zf.writestr(info, b"" if item is None else item.read_bytes())
    return entries


def write_filegdb(ds: Dataset, path: Path, request: ExportRequest) -> None:
    """The ``filegdb`` format: the layer (and, for parks, the tables of its links) as a File
    Geodatabase in WGS84, zipped as ``path`` (the folder named after ``request.file_name``).

    Raises
    ------
    ZonesError
        When the file is to be called ``*.gdb``: a File Geodatabase is a folder, and a zip by
        that name would pass for one.
    """
    if (request.file_name or "").lower().endswith(GDB_SUFFIX):
        raise ZonesError(
            f"{request.file_name!r}: a File Geodatabase is a folder; zones writes it zipped: "
            f"name the file {request.file_name}.zip"
        )
    selected = export_selection(ds, request.park_filter)
    layers = [request.layer, *COMPANION_TABLES.get(request.layer, ())]
    frames = {name: export_frame(selected, name, "filegdb") for name in layers}
    with tempfile.TemporaryDirectory(prefix="zones-filegdb-") as tmp:
        folder = Path(tmp) / gdb_name(request.file_name, request.layer)
        write_gdb(frames, folder)
        zip_gdb(folder, path)
