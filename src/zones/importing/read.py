"""Stage two of an import: read the staged dataset into one frame, in a known CRS, with clean
polygons.

:func:`read` calls the reader of the :class:`~zones.importing.stage.Source`'s format (the
registry, :data:`zones.io.formats.FORMATS`, names :func:`read_geojson`, :func:`read_gpkg`,
:func:`read_shapefile`, :func:`read_kml`, :func:`read_mapinfo`, :func:`read_filegdb` and
:func:`read_dxf`). Each checks once that the content is what the format says, before GDAL opens
it (GeoJSON is parsed as JSON; KML declaring a DOCTYPE or entities is refused; GeoPackage,
Shapefile, MapInfo and DXF headers, a MapInfo table's sidecars and the length of every table of
a File Geodatabase are checked), chooses the layers, and reads them with :func:`read_layers`,
which a new format's reader calls too.

CRS: a file's own CRS is honoured (a Shapefile's ``.prj``, a GeoPackage's or File Geodatabase's
SRS, a MapInfo ``CoordSys``, a GeoJSON ``crs`` member; KML and GeoJSON without ``crs`` are
WGS84 by definition). A file with no CRS (a DXF always: CAD files carry none; a MapInfo
``NonEarth`` table) is refused unless the options name one; a file declaring another CRS than
the one named is refused. :meth:`Read.wgs84` reprojects (and converts GCJ-02 when asked);
:func:`clean_geometry` keeps a feature's polygons, repairs invalid ones with
``shapely.make_valid`` (reported), puts them on the 1e-7 degree grid and refuses what lies
outside Ningbo.

A DXF drawing is made into polygons by :func:`dxf_shapes`: see there.
"""

from __future__ import annotations

import codecs
import json
import re
import struct
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from zones.errors import DataError, Problem, UnknownValueError
from zones.geo import geometry as geo
from zones.geo.crs import IMPORT_CRS, WGS84
from zones.geo.datum import shift_geometries
from zones.importing.messages import MAX_LABEL, fail, gdal_message, problem
from zones.importing.options import ImportOptions
from zones.importing.stage import UNPACKED, Source
from zones.settings import NINGBO_BOUNDS
from zones.text.escape import plain_text

#: The sidecars a Shapefile cannot be read without.
REQUIRED_SIDECARS = (".shx", ".dbf")
#: ... and those of a MapInfo table (``.tab``: a native table; ``.mif``).
TAB_SIDECARS = (".dat", ".map", ".id")
MIF_SIDECARS = (".mid",)
#: The message refusing a file without a CRS, by format (default ``no_crs``).
_NO_CRS = {"shapefile": "no_crs_shp", "dxf": "no_crs_cad"}


@dataclass
class Read:
    """A dataset read: every feature of the chosen layers, the CRS they are in, and the notes
    and problems of reading (GDAL's warnings, a guessed encoding, a CRS taken from the
    options).

    ``id_fields`` and ``name_fields``: the attributes a format's features are matched by, when
    not the usual ones (:data:`zones.importing.match.ID_FIELDS`, ``NAME_FIELDS``): a DXF's
    ``Layer`` and ``Text``. ``merge_field``: features matched to one park that share its value
    (a DXF's layer) are parts of one footprint, not duplicates."""

    frame: gpd.GeoDataFrame
    crs: CRS
    crs_name: str
    problems: list[Problem]
    id_fields: tuple[str, ...] | None = None
    name_fields: tuple[str, ...] | None = None
    merge_field: str | None = None

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
    return read_layers(source, options, choose_layer(source), implicit_wgs84=False)


def choose_layer(source: Source) -> list[str]:
    """The one layer to read of a dataset holding several (a GeoPackage, a File Geodatabase):
    the one asked, else its one polygon layer (``parks`` in a zones export)."""
    layers = list_layers(source)
    names = [n for n, _ in layers]
    if source.layer:
        if source.layer not in names:
            listed = ", ".join(names) or "—"
            raise fail(source.display, "no_layer", layer=repr(source.layer), names=listed)
        return [source.layer]
    polygonal = [n for n, t in layers if is_polygonal(t)]
    if len(polygonal) == 1:
        return polygonal
    if "parks" in polygonal:  # a zones GeoPackage or File Geodatabase (export, bundle) sent back
        return ["parks"]
    if not polygonal:
        listed = ", ".join(f"{n} ({t})" for n, t in layers) or "—"
        raise fail(source.display, "no_polygon_layer", listed=listed)
    raise fail(source.display, "several_layers", names=", ".join(polygonal))


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


def read_mapinfo(source: Source, options: ImportOptions) -> Read:
    """A MapInfo table: a ``.tab`` with its ``.dat``, ``.map`` and ``.id``, or a ``.mif`` with
    its ``.mid``; in its ``CoordSys`` (a ``NonEarth`` table needs the CRS option), its text in
    its ``Charset`` (``WindowsSimpChinese``: GBK)."""
    head = _head(source.path).lower()
    if source.path.suffix.lower() == ".tab":
        if not head.startswith("!table"):
            raise fail(source.display, "not_tab")
        kind = re.search(r"^\s*type\s+(\w+)", head, re.MULTILINE)
        if kind and kind.group(1) == "raster":
            raise fail(source.display, "tab_raster")
        required = TAB_SIDECARS if kind is None or kind.group(1) == "native" else ()
        key = "tab_sidecar"
    else:
        if not head.startswith("version"):
            raise fail(source.display, "not_mif")
        required, key = MIF_SIDECARS, "mif_sidecar"
    for sidecar in required:
        if sidecar not in source.sidecars:
            raise fail(source.display, key, sidecar=sidecar)
    layers = list_layers(source)
    polygonal = [n for n, t in layers if is_polygonal(t)]
    return read_layers(source, options, polygonal or [n for n, _ in layers], implicit_wgs84=False)


def read_filegdb(source: Source, options: ImportOptions) -> Read:
    """A File Geodatabase (its ``.gdb`` folder, unpacked from a zip): the layer asked, else its
    one polygon layer. Every table is checked against the length its header declares before
    GDAL reads it (GDAL reads a table cut short as an empty one)."""
    check_gdb(source.path, source.display)
    return read_layers(source, options, choose_layer(source), implicit_wgs84=False)


def check_gdb(folder: Path, display: str) -> None:
    """Refuse the File Geodatabase ``folder`` when it is none (no ``a00000001.gdbtable``, the
    table of its tables) or one of its tables (``.gdbtable``) or their indexes (``.gdbtablx``)
    is shorter than its header says."""
    if not folder.is_dir() or not (folder / "a00000001.gdbtable").is_file():
        raise fail(display, "not_gdb")
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix not in (".gdbtable", ".gdbtablx") or not path.is_file():
            continue
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(40)
        declared = 40 if suffix == ".gdbtable" else 16  # at least its header
        if len(head) >= declared and suffix == ".gdbtable":  # version 3: its length at 24
            version = struct.unpack_from("<i", head)[0]
            length = struct.unpack_from("<q", head, 24)[0]
            declared = length if version == 3 and length > 0 else 0
        elif len(head) >= declared:  # .gdbtablx: 1024-row blocks of offsets of 4 to 6 bytes
            magic, blocks, _, width = struct.unpack_from("<iiii", head)
            declared = 16 + blocks * 1024 * width if magic == 3 and 4 <= width <= 6 else 0
        if size < declared:
            raise fail(display, "gdb_cut", table=path.name, size=size, declared=declared)


def read_dxf(source: Source, options: ImportOptions) -> Read:
    """A DXF drawing: its closed shapes as polygon features (:func:`dxf_shapes`), matched by
    their layer's name (as a park id, else a name), else by the text written inside them. A
    DXF has no CRS: the options must name one."""
    with open(source.path, "rb") as fh:
        head = fh.read(4096)
    if re.match(rb"AC10\d\d", head):
        raise fail(source.display, "dwg")
    binary = head.startswith(b"AutoCAD Binary DXF")
    section = re.search(
        rb"(^|\n)[ \t]*0[ \t]*\r?\n[ \t]*SECTION[ \t]*\r?\n", head.lstrip(b"\xef\xbb\xbf")
    )
    if not binary and not section:  # a text DXF starts with group code 0, SECTION
        raise fail(source.display, "not_dxf")
    limits = options.bounds
    layers = [n for n, _ in list_layers(source)]
    entities = [n for n in layers if n.lower() == "entities"] or layers[:1]
    read = read_layers(
        source,
        options,
        entities,
        implicit_wgs84=False,
        limit=limits.max_entities,
        too_many="too_many_entities",
    )
    frame, problems = dxf_shapes(read.frame, source.display, options.encoding)
    if len(frame) > limits.max_features:
        raise fail(source.display, "too_many_features", n=len(frame), limit=limits.max_features)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=read.crs)
    return Read(
        frame,
        read.crs,
        read.crs_name,
        read.problems + problems,
        id_fields=("Layer",),
        name_fields=("Layer", "Text"),
        merge_field="Layer",
    )


# --------------------------------------------------------------------------------------------
# DXF: closed shapes into polygons

_DXF_TEXT = re.compile(r"AcDbM?Text\b", re.IGNORECASE)


def dxf_shapes(
    entities: pd.DataFrame, display: str, encoding: str | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """The polygons of a DXF's entities (as GDAL reads them: ``Layer``, ``SubClasses``,
    ``Text``, geometry), one row per shape: ``Layer``, ``Text``, ``geometry``.

    - A closed polyline (LWPOLYLINE, POLYLINE, a closed spline or circle: a line whose last
      point is its first) is a ring; a HATCH (or any polygon GDAL reads) is a polygon as it is.
      Open lines are left out (a note counts them).
    - On each layer, a ring lying inside another is a hole of it (an island inside the hole is
      land again), and the layer's polygons are united: each polygon of the result is a shape.
    - A shape's ``Text`` is the TEXT or MTEXT written inside it (on any layer); several
      different ones are joined with `` / ``.
    - Layer names and texts are read in the drawing's code page (``$DWGCODEPAGE``:
      ``ANSI_936`` is GBK). A drawing that declares none or a Western one (``ANSI_1252``) but
      holds UTF-8 (as GDAL writes Chinese layer names) or GBK is read in that (a note says
      so); ``encoding`` (``--encoding``) names it instead of the guess.

    Raises DataError naming the file when no closed shape is found, saying what was.
    """
    geometry = entities.geometry.name if isinstance(entities, gpd.GeoDataFrame) else "geometry"
    column = {str(c).lower(): c for c in entities.columns}
    values = {
        key: [_str(v) for v in entities[column[key]]] if key in column else [""] * len(entities)
        for key in ("layer", "subclasses", "text")
    }
    recoded, used = _recode(values["layer"] + values["text"], encoding)
    fixed = {"layer": recoded[: len(entities)], "text": recoded[len(entities) :]}
    notes: list[Problem] = []
    if used:
        notes.append(problem(display, None, None, "dxf_encoding", "note", enc=used.upper()))
    rings: dict[str, list[BaseGeometry]] = {}
    filled: dict[str, list[BaseGeometry]] = {}
    labels: list[tuple[BaseGeometry, str]] = []
    found: Counter[str] = Counter()
    open_lines: Counter[str] = Counter()
    repaired: Counter[str] = Counter()
    for layer, sub, text, geom in zip(
        fixed["layer"], values["subclasses"], fixed["text"], entities[geometry], strict=True
    ):
        if geom is None or geom.is_empty:
            continue
        geom = shapely.force_2d(geom)
        if _DXF_TEXT.search(sub) and geom.geom_type == "Point":
            found["text"] += 1
            if text.strip():
                labels.append((geom, text.strip()))
            continue
        for part in _flatten(geom):
            kind = part.geom_type
            closed = kind in ("LineString", "LinearRing") and part.is_closed
            if kind == "Polygon" or (closed and len(part.coords) >= 4):
                found["shape"] += 1
                shape = part if kind == "Polygon" else shapely.Polygon(part.coords)
                if not shape.is_valid:
                    shape = polygonal_part(shapely.make_valid(shape))
                    repaired[layer] += 1
                if not shape.is_empty:
                    (filled if kind == "Polygon" else rings).setdefault(layer, []).append(shape)
            elif kind in ("LineString", "LinearRing"):
                found["open"] += 1
                open_lines[layer] += 1
            else:
                found["other"] += 1
    if not rings and not filled:
        raise fail(display, "dxf_no_shapes", **_found(found))
    if open_lines:
        n, names = sum(open_lines.values()), ", ".join(f"“{k}”" for k in list(open_lines)[:5])
        notes.append(
            problem(display, None, "geometry", "dxf_open_lines", "note", n=n, layers=names)
        )
    if repaired:
        n, names = sum(repaired.values()), ", ".join(f"“{k}”" for k in list(repaired)[:5])
        notes.append(problem(display, None, "geometry", "dxf_repaired", "note", n=n, layers=names))
    points = shapely.STRtree([p for p, _ in labels])
    rows: list[dict[str, Any]] = []
    for layer in dict.fromkeys([*rings, *filled]):
        shape = shapely.union_all([_nested(rings.get(layer, [])), *filled.get(layer, [])])
        parts = sorted(_flatten(polygonal_part(shape)), key=lambda g: (-g.area, g.bounds))
        for part in parts:
            inside = sorted(int(i) for i in points.query(part, predicate="covers"))
            texts = list(dict.fromkeys(labels[i][1] for i in inside))
            text = plain_text(" / ".join(texts), MAX_LABEL)
            rows.append({"Layer": layer, "Text": text, "geometry": part})
    return pd.DataFrame(rows, columns=["Layer", "Text", "geometry"]), notes


def _nested(rings: list[BaseGeometry]) -> BaseGeometry:
    """The polygons of ``rings`` of one layer: a ring inside an odd number of others is a hole
    (identical rings, a boundary drawn twice, count once)."""
    unique = list({shapely.normalize(r).wkb: r for r in rings}.values())
    if not unique:
        return shapely.Polygon()
    tree = shapely.STRtree(unique)
    inner, outer = tree.query(unique, predicate="within")
    depth = np.bincount(inner[inner != outer], minlength=len(unique))
    shape: BaseGeometry = shapely.Polygon()
    for level in sorted(set(depth.tolist())):
        ring_union = shapely.union_all([unique[i] for i in np.flatnonzero(depth == level)])
        shape = shape.union(ring_union) if level % 2 == 0 else shape.difference(ring_union)
    return shape


def _flatten(geom: BaseGeometry) -> Iterable[BaseGeometry]:
    """The simple parts of ``geom`` (itself, or those of a multi-part or collection)."""
    if hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _flatten(part)
    elif not geom.is_empty:
        yield geom


def _found(found: Counter[str]) -> dict[str, str]:
    """What a DXF holds, for the message saying it has no closed shape, in both languages."""
    en = {"open": "open line(s)", "text": "text(s)", "other": "other entit(ies)"}
    zh = {"open": "条不闭合的线", "text": "个文字", "other": "个其他图元"}
    keys = [k for k in en if found[k]]
    return {
        "found": ", ".join(f"{found[k]} {en[k]}" for k in keys) or "nothing drawn",
        "found_zh": "、".join(f"{found[k]} {zh[k]}" for k in keys) or "没有任何图元",
    }


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _recode(values: list[str], encoding: str | None) -> tuple[list[str], str | None]:
    """``values`` (a DXF's layer names and texts, as GDAL decoded them in the code page the
    drawing declares) in ``encoding``, else in UTF-8 or GB18030 when that is what their bytes
    are; and the encoding used (None: left as they are).

    Only text GDAL decoded byte for byte (Latin-1 or Windows-1252: a drawing declaring
    ``ANSI_1252``, or none) is recoded; text GDAL read as other Unicode (in a Chinese code page
    the drawing declares, an MTEXT's ``\\U+`` escapes) is left alone. GB18030 is taken only
    when every recoded value holds Chinese characters."""
    raw: dict[str, bytes] = {}
    for value in set(values):
        if value.isascii():
            continue
        data = _single_bytes(value)
        if data is not None:  # else GDAL read real Unicode (an MTEXT's \U+ escapes...)
            raw[value] = data
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise UnknownValueError("encoding", encoding, ["GBK", "UTF-8"]) from exc
    if not raw:
        return values, None
    for candidate in [encoding] if encoding else ["utf-8", "gb18030"]:
        try:
            decoded = {v: b.decode(candidate) for v, b in raw.items()}
        except UnicodeDecodeError:
            continue
        chinese = all(re.search(r"[\u3400-\u9fff]", d) for d in decoded.values())
        if candidate == "gb18030" and not encoding and not chinese:
            continue
        return [decoded.get(v, v) for v in values], candidate
    return values, None


def _single_bytes(text: str) -> bytes | None:
    """The bytes ``text`` was decoded from, one byte a character (Latin-1, else
    Windows-1252), or None when it was not."""
    for single_byte in ("latin-1", "cp1252"):
        try:
            return text.encode(single_byte)
        except UnicodeEncodeError:
            continue
    return None


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
        reason = gdal_reason(exc, source)
        what_en, what_zh = source.format.label("en"), source.format.label("zh")
        raise fail(
            source.display, "unreadable_as", what_en=what_en, what_zh=what_zh, reason=reason
        ) from exc


def gdal_reason(exc: BaseException, source: Source) -> str:
    """GDAL's message for ``exc`` (:func:`~zones.importing.messages.gdal_message`), the private
    folder ``source`` was staged in taken out of it (never shown)."""
    reason = gdal_message(exc)
    parts = source.path.parts
    root = Path(*parts[: parts.index(UNPACKED) + 1]) if UNPACKED in parts else source.path.parent
    for prefix in (f"{root}/", str(root)):
        reason = reason.replace(prefix, "")
    return reason


def _head(path: Path, size: int = 4096) -> str:
    """The first bytes of ``path`` as text (Latin-1: any byte decodes), a BOM and leading blanks
    left out."""
    with open(path, "rb") as fh:
        return fh.read(size).removeprefix(b"\xef\xbb\xbf").decode("latin-1").lstrip()


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
    """``EPSG:4549``, else the CRS's name, else (``unnamed``, as GDAL reads a MapInfo
    ``CoordSys``) its PROJ string."""
    epsg = crs.to_epsg(min_confidence=70)
    if epsg:
        return f"EPSG:{epsg}"
    if crs.name and crs.name.lower() not in ("unnamed", "unknown"):
        return str(crs.name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proj = crs.to_proj4() or ""
    proj = proj.replace(" +no_defs", "").replace(" +type=crs", "").strip()
    return proj or "custom CRS"


def read_layers(
    source: Source,
    options: ImportOptions,
    layers: list[str],
    *,
    implicit_wgs84: bool,
    encoding: str | None = None,
    notes: list[Problem] | None = None,
    limit: int | None = None,
    too_many: str = "too_many_features",
) -> Read:
    """Read ``layers`` of ``source`` into one frame and decide its CRS (the building block of
    every reader: a new format's reader checks its content, then calls this).

    ``implicit_wgs84``: the format says WGS84 when the file names no CRS (KML, GeoJSON without
    ``crs``); ``encoding``: of the attribute text (None: GDAL decides); ``notes``: problems
    found before reading, kept first; ``limit``: the most features read per layer (default
    :attr:`~zones.importing.options.Limits.max_features`; over it, the message ``too_many``),
    checked before reading when GDAL knows the count, else while reading. An engineering CRS
    (a MapInfo ``NonEarth`` table) is no CRS."""
    display = source.display
    limit = options.bounds.max_features if limit is None else limit
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
                if count > limit:
                    raise fail(display, too_many, n=count, limit=limit)
                frame = pyogrio.read_dataframe(
                    source.path, layer=name, encoding=encoding, max_features=limit + 1
                )
                if len(frame) > limit:  # a count GDAL did not know (-1)
                    raise fail(display, too_many, n=f"more than {limit:,}", limit=limit)
            except DataError:
                raise
            except Exception as exc:
                raise fail(display, "unreadable", reason=gdal_reason(exc, source)) from exc
            if info.get("crs"):
                try:
                    declared = CRS.from_user_input(info["crs"])
                except CRSError as exc:
                    reason = gdal_message(exc)
                    raise fail(display, "bad_prj", fld="crs", reason=reason) from exc
                if declared.is_engineering:
                    declared = None
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
            raise fail(display, _NO_CRS.get(source.kind, "no_crs"), fld="crs")
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


def polygonal_part(geom: BaseGeometry) -> BaseGeometry:
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
        polygons = polygonal_part(geom)
        if polygons.is_empty:
            return None, [said("not_polygon", kind=geom.geom_type)]
        notes.append(said("polygons_kept", "note", kind=geom.geom_type))
        geom = polygons
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        geom = polygonal_part(shapely.make_valid(geom))
        if geom.is_empty:
            return None, [said("invalid_empty", reason=reason)]
        notes.append(said("repaired", "note", reason=reason))
    geom = polygonal_part(geo.on_grid(geom))
    if geom.is_empty or not geom.is_valid:
        return None, [said("degenerate")]
    if not shapely.box(*NINGBO_BOUNDS).contains(geom):
        bounds = ", ".join(f"{v:.4f}" for v in geom.bounds)
        return None, [said("outside_ningbo", bounds=bounds, crs=crs)]
    return geom, notes
