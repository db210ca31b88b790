"""File formats as one registry: a format's name -> its extensions, GDAL driver, writer, reader,
media type.

:data:`FORMATS` is the one table the command line (``zones export --format`` choices and
help, ``zones import`` help), :func:`format_for_path`, the exports (:mod:`zones.io.export`), the
import (:mod:`zones.importing`, which decides a file's format here, once) and the app's
download buttons and upload widget read. Adding a format is adding one :class:`Format` with
:func:`register_format`: it then shows up in all of them. A format's writer and reader may be
named as ``"module:function"`` so that the table loads nothing heavy; it is imported the first
time the format is used.

Writers are called as ``writer(ds, path, request)``: ``ds`` the whole dataset, ``path`` the new
file to write, ``request`` an :class:`ExportRequest` (the layer, the filter, the CRS, ...). A
writer selects the filtered rows with :func:`zones.io.layers.export_selection` and prepares each
layer with :func:`zones.io.layers.export_frame`; it returns notes for the user (or nothing).

Readers (import) are called as ``reader(source, options)`` with a staged
:class:`zones.importing.stage.Source` and :class:`zones.importing.options.ImportOptions`; they
return a :class:`zones.importing.read.Read`. An *archive* (a format with ``contains``: a zip,
a KMZ) is unpacked by its reader, ``reader(path, display, limits)`` -> the member paths, and
the one dataset inside is then read by its own format's reader. A *folder* format (a File
Geodatabase's ``.gdb``) is a dataset that is a folder: it is found only inside an archive
(``.gdb.zip``, or any zip holding the folder), never uploaded or given alone.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zones.errors import UnknownValueError, ZonesError
from zones.geo.crs import DEFAULT_EXPORT_CRS
from zones.model.dataset import POINT_TABLES, SPATIAL_LAYERS, TABLE_LAYERS
from zones.settings import GEO_DIR
from zones.text.i18n import label

if TYPE_CHECKING:
    from zones.model.dataset import Dataset
    from zones.model.filters import ParkFilter

ALL_LAYERS = SPATIAL_LAYERS + TABLE_LAYERS
#: Layers with a geometry in every format that holds one: polygons and point tables.
GEOMETRY_LAYERS = SPATIAL_LAYERS + tuple(POINT_TABLES)


@dataclass(frozen=True)
class ExportRequest:
    """What to export, besides the dataset and the file.

    Attributes
    ----------
    layer
        The layer (a format that writes the whole dataset ignores it).
    park_filter
        Keep the matching parks only (see :func:`zones.io.layers.export_selection`); None: all.
    crs
        CRS of the written geometry, for formats whose :attr:`Format.options` has ``crs``
        (the others are always WGS84).
    lang
        Language of what a format writes for people (the bundle's README, style labels).
    geo_dir
        Where licence and provenance files are copied from (the bundle).
    file_name
        Name of the file being written (the writer's ``path`` may be a temporary file): the
        bundle names its folder after it. None for a download without a name.
    """

    layer: str = "parks"
    park_filter: ParkFilter | None = None
    crs: str = DEFAULT_EXPORT_CRS
    lang: str = "zh"
    geo_dir: Path = GEO_DIR
    file_name: str | None = None


#: ``writer(ds, path, request)`` writes a new file at ``path``; returns notes (or None).
Writer = Callable[["Dataset", Path, ExportRequest], Sequence[str] | None]


@dataclass(frozen=True)
class Format:
    """One file format.

    Attributes
    ----------
    name
        Format name, the key in :data:`FORMATS` and the value of ``--format`` (``geojson``).
    extensions
        File extensions with the dot, the first being the default (``(".geojson", ".json")``).
    media_type
        MIME type for downloads.
    driver
        The GDAL (OGR) driver that reads (and, where zones uses GDAL, writes) it; None when
        GDAL has none (the bundle is a zip of several formats).
    layers
        Layers it can hold.
    writer
        :data:`Writer`, or ``"module:function"`` naming one; None for a format zones only reads.
    reader
        The same for reading (import), None when zones does not read the format (see the
        module's docstring for the two kinds of reader).
    whole_dataset
        True when it holds every layer at once (the bundle): the layer asked is ignored and the
        app offers it apart from the one-layer downloads.
    options
        :class:`ExportRequest` fields it honours besides the layer and the filter (``crs``,
        ``lang``).
    contains
        For an archive: the formats its one dataset may be (``("kml",)`` for a KMZ).
    sidecars
        Files read with it, next to it under the same name (a Shapefile's ``.shx``...): such a
        format cannot be uploaded alone (zip it).
    folder
        True when a dataset of the format is a folder (a File Geodatabase's ``.gdb``): it is
        read only from inside an archive (zip the folder).
    """

    name: str
    extensions: tuple[str, ...]
    media_type: str
    driver: str | None
    layers: tuple[str, ...]
    writer: Writer | str | None = None
    reader: Callable[..., Any] | str | None = None
    whole_dataset: bool = False
    options: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    sidecars: tuple[str, ...] = ()
    folder: bool = False

    @property
    def extension(self) -> str:
        """The default extension (``.geojson``)."""
        return self.extensions[0]

    def label(self, lang: str = "zh") -> str:
        """The format's name for people in ``lang`` (``fmt.<name>`` in :mod:`zones.text.i18n`, else
        the name itself)."""
        return label("fmt", self.name, lang)

    def write(self, ds: Dataset, path: Path, request: ExportRequest) -> tuple[str, ...]:
        """Write ``request`` of ``ds`` to the new file ``path``; the writer's notes.

        Raises
        ------
        ZonesError
            When the format has no writer.
        """
        writer = _resolve(self.writer)
        if writer is None:
            raise ZonesError(f"format {self.name!r} can be read but not written")
        return tuple(writer(ds, path, request) or ())

    def load_reader(self) -> Callable[..., Any]:
        """The reader (imported now).

        Raises
        ------
        ZonesError
            When zones does not read the format.
        """
        reader = _resolve(self.reader)
        if reader is None:
            raise ZonesError(f"format {self.name!r} can be written but not read")
        return reader  # type: ignore[no-any-return]


def _resolve(ref: Any) -> Any:
    """A callable from a callable or a ``"module:function"`` reference (imported now)."""
    if not isinstance(ref, str):
        return ref
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


#: File formats by name. Open: :func:`register_format` adds one.
FORMATS: dict[str, Format] = {}


def register_format(fmt: Format) -> Format:
    """Add (or replace) ``fmt`` in :data:`FORMATS`; returns it."""
    FORMATS[fmt.name] = fmt
    return fmt


def writable_formats() -> list[Format]:
    """The formats zones can write, in the registry's order."""
    return [f for f in FORMATS.values() if f.writer is not None]


def readable_formats() -> list[Format]:
    """The formats zones can read (import), in the registry's order."""
    return [f for f in FORMATS.values() if f.reader is not None]


def upload_extensions() -> tuple[str, ...]:
    """The extensions (without the dot) of the files an upload may be: every readable format
    but those needing sidecars (a bare ``.shp``, ``.tab``) and folders (a ``.gdb``)."""
    return tuple(
        e.lstrip(".")
        for f in readable_formats()
        if not f.sidecars and not f.folder
        for e in f.extensions
    )


def layer_formats(layer: str) -> list[Format]:
    """The formats that write ``layer`` alone (the app's download choices for it)."""
    return [f for f in writable_formats() if not f.whole_dataset and layer in f.layers]


def get_format(name: str, layer: str | None = None) -> Format:
    """The writable format called ``name`` (case-insensitive, a leading dot ignored), checked
    against ``layer`` if given.

    Raises
    ------
    UnknownValueError
        When ``name`` is not a format zones writes (the message lists them) or ``layer`` is not
        a layer of the dataset.
    ZonesError
        When the format cannot hold ``layer`` (e.g. a table as GeoJSON).
    """
    writable = {f.name: f for f in writable_formats()}
    fmt = writable.get(str(name).strip().lower().lstrip("."))
    if fmt is None:
        raise UnknownValueError("export format", str(name), sorted(writable))
    if layer is not None:
        if layer not in ALL_LAYERS:
            raise UnknownValueError("layer", str(layer), list(ALL_LAYERS))
        if layer not in fmt.layers:
            able = sorted(n for n, f in writable.items() if layer in f.layers)
            raise ZonesError(
                f"format {fmt.name!r} cannot hold layer {layer!r}; "
                f"it holds {', '.join(fmt.layers)}. For {layer!r} use: {', '.join(able)}"
            )
    return fmt


def format_for_path(path: Path | str, *, reading: bool = False) -> str:
    """The name of the format whose extensions ``path``'s name ends with (the longest such
    extension: ``.gdb.zip`` before ``.zip``): among the formats zones writes, or, with
    ``reading``, among those it reads.

    Raises
    ------
    ZonesError
        When no format claims the suffix; the message lists formats and their extensions.
    """
    name, suffix = Path(path).name.lower(), Path(path).suffix.lower()
    candidates = readable_formats() if reading else writable_formats()
    # The longest extension the name ends with wins: parks.gdb.zip is a File Geodatabase, not
    # the bundle (.zip); on a tie, the first format in the registry.
    matches = [(len(ext), -i, f) for i, f in enumerate(candidates) for ext in f.extensions
               if name.endswith(ext)]  # fmt: skip
    if matches:
        return max(matches, key=lambda m: m[:2])[2].name
    known = "; ".join(
        f"{f.name}: {' '.join(f.extensions)}" for f in sorted(candidates, key=lambda f: f.name)
    )
    raise ZonesError(
        f"cannot tell the {'import' if reading else 'export'} format from {str(path)!r} "
        f"(extension {suffix or 'none'!r}); pass a format or use one of these extensions: {known}"
    )


for _format in (
    Format(
        "geojson",
        (".geojson", ".json"),
        "application/geo+json",
        "GeoJSON",
        GEOMETRY_LAYERS,
        "zones.io.export:write_geojson",
        "zones.importing.read:read_geojson",
    ),
    Format(
        "gpkg",
        (".gpkg",),
        "application/geopackage+sqlite3",
        "GPKG",
        ALL_LAYERS,
        "zones.io.export:write_gpkg",
        "zones.importing.read:read_gpkg",
    ),
    Format(
        "csv",
        (".csv",),
        "text/csv; charset=utf-8",
        "CSV",
        ALL_LAYERS,
        "zones.io.export:write_csv",
    ),
    Format(
        "kml",
        (".kml",),
        "application/vnd.google-earth.kml+xml",
        "LIBKML",
        GEOMETRY_LAYERS,
        "zones.io.export:write_kml",
        "zones.importing.read:read_kml",
    ),
    Format(
        "filegdb",
        (".gdb.zip",),
        "application/zip",
        "OpenFileGDB",
        ALL_LAYERS,
        "zones.io.filegdb:write_filegdb",
        "zones.importing.stage:unpack",
        contains=("gdb",),
    ),
    Format(
        "bundle",
        (".zip",),
        "application/zip",
        None,
        ALL_LAYERS,
        "zones.io.bundle:write_bundle_format",
        whole_dataset=True,
        options=("crs", "lang"),
    ),
    # Formats zones only reads (import).
    Format(
        "shapefile",
        (".shp",),
        "application/vnd.shp",
        "ESRI Shapefile",
        (),
        reader="zones.importing.read:read_shapefile",
        sidecars=(".shx", ".dbf", ".prj", ".cpg"),
    ),
    Format(
        "mapinfo",
        (".tab", ".mif"),
        "application/x-mapinfo",
        "MapInfo File",
        (),
        reader="zones.importing.read:read_mapinfo",
        sidecars=(".dat", ".map", ".id", ".ind", ".mid"),
    ),
    Format(
        "dxf",
        (".dxf",),
        "image/vnd.dxf",
        "DXF",
        (),
        reader="zones.importing.read:read_dxf",
    ),
    Format(
        "gdb",
        (".gdb",),
        "application/x-filegdb",
        "OpenFileGDB",
        (),
        reader="zones.importing.read:read_filegdb",
        folder=True,
    ),
    Format(
        "zip",
        (".zip",),
        "application/zip",
        None,
        (),
        reader="zones.importing.stage:unpack",
        contains=("shapefile", "gpkg", "geojson", "kml", "mapinfo", "dxf", "gdb"),
    ),
    Format(
        "kmz",
        (".kmz",),
        "application/vnd.google-earth.kmz",
        "LIBKML",
        (),
        reader="zones.importing.stage:unpack",
        contains=("kml",),
    ),
):
    register_format(_format)
