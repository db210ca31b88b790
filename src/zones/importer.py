"""Import surveyed park boundaries from a GIS team: read safely, match to parks, preview, apply.

Three steps, the same for the CLI (`zones import`) and the app (an upload):

1. :func:`preview_file` (a path) or :func:`preview_upload` (bytes and a file name) reads a
   GeoJSON, GeoPackage, zipped Shapefile (or a bare ``.shp`` with its sidecars), KML or KMZ,
   reprojects it to WGS84 and matches each feature to a park: by id, else by name (exact,
   then normalised). Close matches are *proposed*, never taken; ``assign`` takes one
   explicitly. The result is an :class:`ImportPreview` (matched, unmatched, new, problems)
   with a ``text(lang)`` rendering. Nothing is written.
2. :func:`apply_import` writes ``geo/surveyed_footprints.geojson`` (what `zones build` reads)
   atomically, keeping the previous version in ``geo/surveyed_history/``.
3. :func:`undo_import` puts the previous version back.

Safety: an upload is copied into a private temporary folder under a fixed name (the user's file
name is never a path); a zip is checked before anything is extracted (no absolute paths, no
``..``, no links, not encrypted, a bounded number of members and total size) and extraction
counts the bytes it really writes. GeoJSON is parsed as JSON and KML refused when it declares
a DOCTYPE or entities before GDAL sees them. Attribute text is kept as plain text: control and
bidirectional-override characters are dropped, nothing is ever evaluated, and escaping for
display is the renderer's job.

CRS: a file's own CRS is honoured (a Shapefile's ``.prj``, a GeoPackage's SRS, a GeoJSON
``crs`` member; KML and GeoJSON without ``crs`` are WGS84 by definition). A file with no CRS is
refused unless ``source_crs`` names one; ``gcj02=True`` converts GCJ-02 coordinates (from
Chinese web maps) to WGS84 after reprojection. Invalid polygons (self-intersections) are
repaired with ``shapely.make_valid`` and reported.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import math
import re
import shutil
import stat
import tempfile
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from zones import geometry as geo
from zones.atomic import atomic_write
from zones.build import SURVEYED_FILE
from zones.datum import shift_geometries
from zones.errors import DataError, Problem, UnknownValueError, ValidationError, ZonesError
from zones.settings import DATA_DIR, NINGBO_BOUNDS, WGS84

#: File types an import accepts: suffix -> what it is.
SUPPORTED: dict[str, str] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".zip": "zipped Shapefile (or a zip of another supported file)",
    ".shp": "Shapefile (with its .shx, .dbf, .prj and .cpg next to it)",
    ".kml": "KML",
    ".kmz": "KMZ",
}
#: Folder (in geo/) keeping every version an import replaced.
HISTORY_DIR = "surveyed_history"
#: Decimals of stored coordinates (1e-7 degree is about 1 cm), as in geo/.
COORD_DECIMALS = 7
#: Attribute names tried, in order, for a park id and for a name (case-insensitive).
ID_FIELDS = ("park_id", "zones_id", "parkid", "id")
NAME_FIELDS = ("name_zh", "name", "名称", "园区名称", "园区", "park_name", "name_en")
#: Attribute names tried for a note on the survey ("notes" is left out: in a zones export it
#: holds the park's notes, not the survey's).
NOTE_FIELDS = ("note", "remark", "remarks", "备注", "说明", "description")
#: A note on a feature whose polygon lies farther than this beyond the park's sourced location.
FAR_FROM_LOCATION_M = 2000.0
_MAX_LABEL = 200
_MAX_NOTE = 500
_GEOJSON_SUFFIXES = (".geojson", ".json")
_IGNORED_MEMBERS = re.compile(r"(^|/)(__MACOSX/|\._)|(^|/)\.DS_Store$")
_SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
# Control characters, and the bidirectional overrides that make text display other than it reads.
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Limits:
    """Bounds an import enforces before doing any work.

    Attributes
    ----------
    max_file_bytes
        Size of the file or upload.
    max_unpacked_bytes
        Total size of the members of a zip (as declared, and as really extracted).
    max_members
        Number of members in a zip.
    max_features
        Features read from the file.
    """

    max_file_bytes: int = 100 * 2**20
    max_unpacked_bytes: int = 200 * 2**20
    max_members: int = 1000
    max_features: int = 10_000


#: The bounds every import enforces unless told otherwise.
DEFAULT_LIMITS = Limits()


# --------------------------------------------------------------------------------------------
# The preview


@dataclass(frozen=True)
class MatchedFeature:
    """A feature matched to a park.

    Attributes
    ----------
    feature
        1-based feature number in the file (across layers for KML).
    label
        What the file calls it (id or name), as plain text.
    park_id, park_name
        The park it is matched to.
    how
        ``id``, ``id (normalised)``, ``name``, ``name (normalised)`` or ``assigned``.
    geometry
        The polygon in WGS84, repaired and on the 1e-7 degree grid.
    area_km2
        Its area, measured in EPSG:4549.
    replaces
        ``indicative`` or ``surveyed``: what the park's footprint is now.
    note
        The feature's note attribute (plain text, maybe empty).
    """

    feature: int
    label: str
    park_id: str
    park_name: str
    how: str
    geometry: BaseGeometry
    area_km2: float
    replaces: str
    note: str = ""


@dataclass(frozen=True)
class UnmatchedFeature:
    """A feature no park was matched to, with the parks it resembles ((id, name) pairs)."""

    feature: int
    label: str
    suggestions: tuple[tuple[str, str], ...] = ()


@dataclass
class ImportPreview:
    """What an import would do; nothing is written until :func:`apply_import`.

    Attributes
    ----------
    file
        The file as the user named it (a path, or ``upload.zip/parks.shp`` inside a zip).
    source
        The original file name recorded as each footprint's ``source``.
    crs
        The CRS the coordinates were read in.
    gcj02
        True when coordinates were converted from GCJ-02.
    features
        Features read.
    matched
        Features matched to a park, with usable polygons: these are imported.
    unmatched
        Features that resemble a park (see ``suggestions``) but match none exactly.
    new
        Features that resemble no park: zones does not know them (add them to data/parks.csv
        first). Neither unmatched nor new features are imported.
    problems
        Everything worth knowing, each naming the file and feature: errors (the feature is
        not imported) and notes (repairs, conversions).
    parks
        Number of parks known.
    """

    file: str
    source: str
    crs: str
    gcj02: bool
    features: int
    matched: list[MatchedFeature] = field(default_factory=list)
    unmatched: list[UnmatchedFeature] = field(default_factory=list)
    new: list[UnmatchedFeature] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    parks: int = 0

    @property
    def can_apply(self) -> bool:
        """True when at least one feature would be imported."""
        return bool(self.matched)

    @property
    def errors(self) -> list[Problem]:
        """The problems that kept a feature out."""
        return [p for p in self.problems if p.severity == "error"]

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per feature (for a table in the app): status, feature, label, park,
        how, area, replaces, suggestions."""
        out: list[dict[str, Any]] = []
        for m in self.matched:
            out.append(
                {
                    "status": "matched",
                    "feature": m.feature,
                    "label": m.label,
                    "park_id": m.park_id,
                    "park_name": m.park_name,
                    "how": m.how,
                    "area_km2": round(m.area_km2, 3),
                    "replaces": m.replaces,
                    "suggestions": "",
                }
            )
        for status, items in (("unmatched", self.unmatched), ("new", self.new)):
            for u in items:
                out.append(
                    {
                        "status": status,
                        "feature": u.feature,
                        "label": u.label,
                        "park_id": "",
                        "park_name": "",
                        "how": "",
                        "area_km2": math.nan,
                        "replaces": "",
                        "suggestions": "; ".join(f"{i} {n}" for i, n in u.suggestions),
                    }
                )
        return sorted(out, key=lambda r: r["feature"])

    def text(self, lang: str = "zh") -> str:
        """The preview as plain text in ``zh`` or ``en`` (attribute text shown as it is, minus
        control characters: never interpreted)."""
        s = _TEXT["en" if lang == "en" else "zh"]
        lines = [
            s["head"].format(
                file=self.file,
                n=self.features,
                crs=self.crs + (" GCJ-02" if self.gcj02 else ""),
            )
        ]
        lines.append(
            s["summary"].format(
                matched=len(self.matched),
                unmatched=len(self.unmatched),
                new=len(self.new),
                errors=len(self.errors),
                notes=len(self.problems) - len(self.errors),
            )
        )
        if self.matched:
            lines.append(s["matched"].format(n=len(self.matched)))
        for m in self.matched:
            replaces = s["replaces_" + m.replaces]
            lines.append(
                s["matched_row"].format(
                    feature=m.feature,
                    label=m.label,
                    park=m.park_id,
                    name=m.park_name,
                    how=s["how"].get(m.how, m.how),
                    km2=f"{m.area_km2:.3f}",
                    replaces=replaces,
                )
            )
        if self.unmatched:
            lines.append(s["unmatched"].format(n=len(self.unmatched)))
        for u in self.unmatched:
            maybe = ", ".join(f"{i} {n}" for i, n in u.suggestions)
            lines.append(s["unmatched_row"].format(feature=u.feature, label=u.label, maybe=maybe))
        if self.new:
            lines.append(s["new"].format(n=len(self.new)))
        for u in self.new:
            lines.append(s["new_row"].format(feature=u.feature, label=u.label))
        if self.problems:
            lines.append(s["problems"].format(n=len(self.problems)))
            lines += [f"  {p}" for p in sorted(self.problems)]
        lines.append(s["ok"].format(n=len(self.matched)) if self.can_apply else s["nothing"])
        return "\n".join(_printable(line) for line in lines)


_TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "head": "导入预览：{file}（{n} 个要素，坐标系 {crs} → WGS84）",
        "summary": (
            "匹配 {matched} · 未匹配 {unmatched} · 新园区 {new} · 错误 {errors} · 说明 {notes}"
        ),
        "matched": "已匹配 {n} 个（将导入）：",
        "matched_row": (
            "  #{feature} “{label}” → {park} {name}（{how}），{km2} 平方公里，替换{replaces}"
        ),
        "replaces_indicative": "示意范围",
        "replaces_surveyed": "原实测范围",
        "unmatched": (
            "未匹配 {n} 个（有相近园区，不会导入；请核对名称或用 --match 要素=园区标识 指定）："
        ),
        "unmatched_row": "  #{feature} “{label}”，可能是：{maybe}",
        "new": "新园区 {n} 个（zones 中没有相近园区，不会导入；请先在 data/parks.csv 中添加）：",
        "new_row": "  #{feature} “{label}”",
        "problems": "问题与说明 {n} 条：",
        "ok": "可导入 {n} 个园区的实测范围。",
        "nothing": "没有可导入的要素。",
        "how": {
            "id": "按标识",
            "id (normalised)": "按标识（规范化）",
            "name": "按名称",
            "name (normalised)": "按名称（规范化）",
            "assigned": "手动指定",
        },
    },
    "en": {
        "head": "Import preview: {file} ({n} features, CRS {crs} -> WGS84)",
        "summary": (
            "matched {matched} · unmatched {unmatched} · new {new} · errors {errors} · "
            "notes {notes}"
        ),
        "matched": "Matched {n} (will be imported):",
        "matched_row": (
            "  #{feature} “{label}” -> {park} {name} (by {how}), {km2} km², replaces {replaces}"
        ),
        "replaces_indicative": "the indicative footprint",
        "replaces_surveyed": "the earlier surveyed footprint",
        "unmatched": (
            "Unmatched {n} (close to a park, not imported; check the name or take a proposal "
            "with --match FEATURE=PARK_ID):"
        ),
        "unmatched_row": "  #{feature} “{label}”, perhaps: {maybe}",
        "new": (
            "New {n} (like no park zones knows, not imported; add the park to data/parks.csv "
            "first):"
        ),
        "new_row": "  #{feature} “{label}”",
        "problems": "Problems and notes ({n}):",
        "ok": "Surveyed footprints of {n} park(s) can be imported.",
        "nothing": "Nothing can be imported.",
        "how": {},
    },
}


def _printable(text: str) -> str:
    return _UNSAFE_CHARS.sub("\ufffd", text)


def plain_text(value: Any, limit: int = _MAX_NOTE) -> str:
    """``value`` as plain one-line text: '' for missing, control and bidi characters dropped,
    whitespace collapsed, at most ``limit`` characters. Markup is kept as typed (not parsed)."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = _UNSAFE_CHARS.sub(" ", str(value))
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_file_name(name: str) -> str:
    """The last component of ``name`` (``/`` or ``\\`` separated) as plain text, for display
    and as a footprint's ``source``."""
    base = re.split(r"[\\/]", str(name))[-1]
    return plain_text(base, 120) or "upload"


# --------------------------------------------------------------------------------------------
# Parks to match against


def load_parks(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The parks of ``data_dir/parks.csv`` (id, names, location) to match features against.

    Raises
    ------
    DataError
        When the table cannot be read.
    """
    from zones.tables import SCHEMAS, read_table

    table = read_table(Path(data_dir) / "parks.csv", SCHEMAS["parks.csv"])
    rows = [{k: v for k, v in r.items() if k != "_line"} for r in table.rows]
    return pd.DataFrame(rows)


def _normalise(text: str) -> str:
    """Key for loose comparison: NFKC, case-folded, letters and digits only."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


#: Words that say what kind of place a park is, not which one (longest first).
_GENERIC = sorted(
    [
        "经济技术开发区", "高新技术产业开发区", "高新技术产业园", "经济开发区", "综合保税区",
        "工业园区", "产业园区", "开发区", "高新区", "工业园", "产业园", "保税区", "示范区",
        "合作区", "片区", "园区", "新区", "宁波", "浙江", "国家级", "省级",
        "economicandtechnologicaldevelopmentzone", "economicdevelopmentzone", "industrialpark",
        "developmentzone", "ningbo", "zhejiang", "etdz", "edz", "park", "zone", "newarea", "area",
    ],
    key=len,
    reverse=True,
)


def _distinctive(text: str) -> str:
    """The normalised name without place prefixes and generic words (may be empty)."""
    core = _normalise(text)
    for word in _GENERIC:
        core = core.replace(word, "")
    return core


class _Parks:
    """Lookup of parks by id, exact name and normalised id/name."""

    def __init__(self, parks: pd.DataFrame) -> None:
        if "id" not in parks.columns:
            raise ZonesError("the parks to match against need an 'id' column")
        self.frame = parks.reset_index(drop=True)
        self.names: dict[str, str] = {}
        self.exact: dict[str, set[str]] = {}
        self.loose: dict[str, set[str]] = {}
        self.loose_ids: dict[str, set[str]] = {}
        for row in self.frame.to_dict("records"):
            pid = str(row["id"])
            name_zh = plain_text(row.get("name_zh"), _MAX_LABEL)
            name_en = plain_text(row.get("name_en"), _MAX_LABEL)
            self.names[pid] = name_zh or name_en or pid
            self.loose_ids.setdefault(_normalise(pid), set()).add(pid)
            for name in (name_zh, name_en):
                if name:
                    self.exact.setdefault(name, set()).add(pid)
                    self.loose.setdefault(_normalise(name), set()).add(pid)
        self.rows = {str(r["id"]): r for r in self.frame.to_dict("records")}

    def match(self, ident: str, names: Sequence[str]) -> tuple[str | None, str, list[str]]:
        """(park id or None, how, ambiguous candidates)."""
        if ident and ident in self.names:
            return ident, "id", []
        candidates: list[str] = []
        loose_id = _normalise(ident) if ident else ""
        if loose_id and len(self.loose_ids.get(loose_id, ())) == 1:
            return next(iter(self.loose_ids[loose_id])), "id (normalised)", []
        for name in names:
            found = self.exact.get(name, set())
            if len(found) == 1:
                return next(iter(found)), "name", []
            candidates += sorted(found)
        for name in names:
            found = self.loose.get(_normalise(name), set())
            if len(found) == 1 and not candidates:
                return next(iter(found)), "name (normalised)", []
            candidates += sorted(found - set(candidates))
        return None, "", candidates

    def suggest(self, ident: str, names: Sequence[str], limit: int = 3) -> list[str]:
        """Parks whose id or name resembles ``ident`` or ``names`` (best first).

        Names are compared on their distinctive part (without 宁波/浙江 and generic words such
        as 工业园 or 经济开发区), so 火星工业园 does not look like 余姚工业园.
        """
        keys = [(_normalise(k), _distinctive(k), pid) for k, pid in self._keys()]
        scored: dict[str, float] = {}
        for text in [ident, *names]:
            key, core = (_normalise(text), _distinctive(text)) if text else ("", "")
            if len(key) < 2:
                continue
            for other, other_core, pid in keys:
                if not other:
                    continue
                if core and other_core:
                    ratio = difflib.SequenceMatcher(None, core, other_core).ratio()
                    if len(core) >= 2 and (core in other_core or other_core in core):
                        ratio = max(ratio, 0.75)
                else:
                    ratio = difflib.SequenceMatcher(None, key, other).ratio()
                    if key in other or other in key:
                        ratio = max(ratio, 0.75)
                if ratio >= 0.6:
                    scored[pid] = max(scored.get(pid, 0.0), ratio)
        return [pid for pid, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]

    def _keys(self) -> Iterable[tuple[str, str]]:
        for pid in self.names:
            yield pid, pid
        for name, pids in self.exact.items():
            for pid in pids:
                yield name, pid


# --------------------------------------------------------------------------------------------
# Staging: the upload into a private folder, zips checked before extraction


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode) if mode else False


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it: zips from Chinese Windows store GBK names
    without the UTF-8 flag, which Python reads as cp437."""
    if info.flag_bits & 0x800 or info.filename.isascii():
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _check_member(info: zipfile.ZipInfo, display: str) -> str:
    """The member's safe relative POSIX path, or DataError naming it."""
    raw = _member_name(info)
    name = raw.replace("\\", "/")
    if "\x00" in name:
        raise DataError(Problem(display, None, None, f"zip entry {raw!r} has a NUL in its name"))
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise DataError(
            Problem(display, None, None, f"zip entry {raw!r} has an absolute path; refused")
        )
    parts = PurePosixPath(name).parts
    if any(part == ".." for part in parts):
        raise DataError(
            Problem(display, None, None, f"zip entry {raw!r} points outside the archive (..)")
        )
    if _is_link(info):
        raise DataError(Problem(display, None, None, f"zip entry {raw!r} is a link; refused"))
    if info.flag_bits & 0x1:
        raise DataError(Problem(display, None, None, f"zip entry {raw!r} is encrypted"))
    return "/".join(p for p in parts if p not in ("", "."))


def _extract_zip(archive: Path, dest: Path, display: str, limits: Limits) -> list[str]:
    """Check every member of ``archive``, then extract the files into ``dest``.

    Returns the extracted relative paths. Raises DataError naming the archive (and entry)
    for anything unsafe: before a single byte is written when the central directory shows it.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(Problem(display, None, None, f"not a readable zip file ({exc})")) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            msg = f"holds {len(infos)} entries; at most {limits.max_members} are accepted"
            raise DataError(Problem(display, None, None, msg))
        safe = [(info, _check_member(info, display)) for info in infos]
        total = sum(info.file_size for info in infos)
        if total > limits.max_unpacked_bytes:
            msg = (
                f"unpacks to {total:,} bytes, over the limit of {limits.max_unpacked_bytes:,}; "
                "refused (send the files without padding, or split them)"
            )
            raise DataError(Problem(display, None, None, msg))
        written = 0
        out: list[str] = []
        root = dest.resolve()
        for info, rel in safe:
            if info.is_dir() or not rel or _IGNORED_MEMBERS.search(rel):
                continue
            target = (dest / rel).resolve()
            if not target.is_relative_to(root):  # belt and braces after _check_member
                msg = f"zip entry {_member_name(info)!r} points outside the archive"
                raise DataError(Problem(display, None, None, msg))
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "xb") as dst:
                    while chunk := src.read(1 << 16):
                        written += len(chunk)
                        if written > limits.max_unpacked_bytes:
                            msg = (
                                f"unpacks to more than {limits.max_unpacked_bytes:,} bytes "
                                f"(entry {_member_name(info)!r}); refused"
                            )
                            raise DataError(Problem(display, None, None, msg))
                        dst.write(chunk)
            except FileExistsError as exc:
                msg = f"zip entry {_member_name(info)!r} appears twice"
                raise DataError(Problem(display, None, None, msg)) from exc
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
                msg = f"zip entry {_member_name(info)!r} cannot be extracted ({exc})"
                raise DataError(Problem(display, None, None, msg)) from exc
            except Exception as exc:  # zlib.error, NotImplementedError (unknown compression)
                if isinstance(exc, DataError):
                    raise
                msg = f"zip entry {_member_name(info)!r} cannot be extracted ({exc})"
                raise DataError(Problem(display, None, None, msg)) from exc
            out.append(rel)
    return out


def _pick_dataset(
    folder: Path, members: list[str], display: str, layer: str | None, kmz: bool
) -> tuple[Path, str]:
    """The one dataset inside an extracted zip: (its path, its display name)."""
    wanted = (".kml",) if kmz else (".shp", ".gpkg", ".geojson", ".json", ".kml")
    found = [m for m in members if PurePosixPath(m).suffix.lower() in wanted]
    if layer and len(found) > 1:
        chosen = [m for m in found if PurePosixPath(m).stem == layer or m == layer]
        found = chosen or found
    if not found:
        listed = ", ".join(members[:10]) or "nothing"
        msg = f"holds no Shapefile, GeoPackage, GeoJSON or KML (found: {listed})"
        raise DataError(Problem(display, None, None, msg))
    if len(found) > 1:
        msg = f"holds several datasets ({', '.join(found)}); choose one with --layer NAME"
        raise DataError(Problem(display, None, None, msg))
    return folder / found[0], f"{display}/{found[0]}"


def _stage_shapefile(path: Path, folder: Path) -> Path:
    """Copy a .shp and its sidecars (any case) into ``folder`` under one plain name."""
    target = folder / "upload.shp"
    shutil.copyfile(path, target)
    for suffix in _SHAPEFILE_SIDECARS:
        sidecar = _sidecar(path, suffix)
        if sidecar is not None:
            shutil.copyfile(sidecar, folder / f"upload{suffix}")
    return target


def _sidecar(shp: Path, suffix: str) -> Path | None:
    """The file next to ``shp`` with ``suffix`` (``.dbf``, ``.DBF``...), or None."""
    for candidate in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


# --------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Read:
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
            msg = f"cannot be reprojected from {self.crs_name} to WGS84 ({_gdal_message(exc)})"
            raise DataError(Problem(display, None, "crs", msg)) from exc
        return list(values)


def _sniff(path: Path, display: str) -> tuple[str, bool]:
    """Check the content matches the extension before GDAL opens it.

    Returns (kind, crs_is_implicit_wgs84).
    """
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(64)
    if suffix == ".gpkg":
        if not head.startswith(b"SQLite format 3\x00"):
            raise DataError(Problem(display, None, None, "not a GeoPackage (no SQLite header)"))
        return "gpkg", False
    if suffix == ".shp":
        if head[:4] != b"\x00\x00\x27\x0a":
            raise DataError(Problem(display, None, None, "not a Shapefile (bad .shp header)"))
        for sidecar in (".shx", ".dbf"):
            if _sidecar(path, sidecar) is None:
                msg = f"the Shapefile has no {sidecar} file; send .shp, .shx, .dbf and .prj"
                raise DataError(Problem(display, None, None, msg))
        return "shp", False
    if suffix in (".kml",):
        text = _decode(path, display)
        if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
            msg = "KML with a DOCTYPE or ENTITY declaration is refused (entity expansion)"
            raise DataError(Problem(display, None, None, msg))
        if "<kml" not in text[:4096].lower():
            raise DataError(Problem(display, None, None, "not KML (no <kml> element)"))
        return "kml", True
    text = _decode(path, display)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise DataError(Problem(display, exc.lineno, None, msg)) from exc
    except RecursionError as exc:
        raise DataError(Problem(display, None, None, "not valid JSON: nested too deep")) from exc
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise DataError(
            Problem(display, None, None, "not GeoJSON (expected a FeatureCollection)")
        )
    return "geojson", "crs" not in doc


def _decode(path: Path, display: str) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        raise DataError(Problem(display, None, None, msg)) from exc


def _dbf_encoding(shp: Path, display: str, problems: list[Problem]) -> str | None:
    """The encoding to read a Shapefile's text with when it has no .cpg: None (GDAL decides:
    the DBF's code page byte), else UTF-8 or GB18030 guessed from the bytes."""
    dbf_path = _sidecar(shp, ".dbf")
    if _sidecar(shp, ".cpg") is not None or dbf_path is None:
        return None
    dbf = dbf_path.read_bytes()
    if len(dbf) > 29 and dbf[29] != 0:
        return None
    if all(b < 0x80 for b in dbf[32:]):
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            dbf[32:].decode(encoding)
        except UnicodeDecodeError:
            continue
        msg = f"no .cpg file: attribute text read as {encoding.upper()} (guessed)"
        problems.append(Problem(display, None, None, msg, "note"))
        return encoding.upper()
    return None


def _source_crs(value: str | None) -> CRS | None:
    if value is None or not str(value).strip():
        return None
    try:
        return CRS.from_user_input(str(value).strip())
    except CRSError as exc:
        raise UnknownValueError(
            "CRS", str(value), ["EPSG:4326", "EPSG:4490", "EPSG:4549"]
        ) from exc


def _same_crs(a: CRS, b: CRS) -> bool:
    """True when ``a`` and ``b`` are the same CRS (axis order and WKT dialect aside)."""
    if a.equals(b, ignore_axis_order=True):
        return True
    code = a.to_epsg(min_confidence=70)
    return code is not None and code == b.to_epsg(min_confidence=70)


def _crs_name(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else (crs.name or "custom CRS")


def _choose_layers(path: Path, display: str, kind: str, layer: str | None) -> list[str]:
    try:
        layers = [(str(n), str(t)) for n, t in pyogrio.list_layers(path)]
    except Exception as exc:
        what = {"gpkg": "GeoPackage", "shp": "Shapefile", "kml": "KML"}.get(kind, "GeoJSON")
        msg = f"cannot be read as {what} ({_gdal_message(exc)}); is it complete?"
        raise DataError(Problem(display, None, None, msg)) from exc
    names = [n for n, _ in layers]
    if kind in ("shp", "geojson"):
        return names[:1]
    if layer and kind == "gpkg":
        if layer not in names:
            msg = f"has no layer {layer!r}; its layers: {', '.join(names) or 'none'}"
            raise DataError(Problem(display, None, None, msg))
        return [layer]
    polygonal = [n for n, t in layers if "polygon" in t.lower() or t.lower() in ("unknown", "")]
    if kind == "kml":
        return polygonal or names
    if len(polygonal) == 1:
        return polygonal
    if "parks" in polygonal:  # a zones GeoPackage (export or bundle) sent back
        return ["parks"]
    if not polygonal:
        listed = ", ".join(f"{n} ({t})" for n, t in layers) or "none"
        raise DataError(Problem(display, None, None, f"has no polygon layer (layers: {listed})"))
    msg = f"has several polygon layers ({', '.join(polygonal)}); choose one with --layer NAME"
    raise DataError(Problem(display, None, None, msg))


def _gdal_message(exc: BaseException) -> str:
    text = plain_text(str(exc), 300)
    return text or type(exc).__name__


def _read(
    path: Path,
    display: str,
    *,
    kind: str,
    implicit_wgs84: bool,
    layer: str | None,
    source_crs: str | None,
    encoding: str | None,
    limits: Limits,
) -> _Read:
    problems: list[Problem] = []
    wanted = _source_crs(source_crs)
    read_encoding = encoding
    if kind == "shp" and not encoding:
        read_encoding = _dbf_encoding(path, display, problems)
    frames = []
    declared: CRS | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in _choose_layers(path, display, kind, layer):
            try:
                info = pyogrio.read_info(path, layer=name, encoding=read_encoding)
                count = int(info.get("features") or 0)
                if count > limits.max_features:
                    msg = f"has {count} features; at most {limits.max_features} are accepted"
                    raise DataError(Problem(display, None, None, msg))
                frame = pyogrio.read_dataframe(path, layer=name, encoding=read_encoding)
            except DataError:
                raise
            except Exception as exc:
                msg = f"cannot be read ({_gdal_message(exc)}); is it complete and not damaged?"
                raise DataError(Problem(display, None, None, msg)) from exc
            if info.get("crs"):
                try:
                    declared = CRS.from_user_input(info["crs"])
                except CRSError as exc:
                    msg = f"its CRS cannot be understood ({_gdal_message(exc)}); fix the .prj"
                    raise DataError(Problem(display, None, "crs", msg)) from exc
            frames.append(gpd.GeoDataFrame(frame).set_crs(None, allow_override=True))
    for w in caught:
        problems.append(Problem(display, None, None, f"GDAL: {plain_text(w.message, 300)}", "note"))

    if implicit_wgs84:
        if kind == "kml" and wanted is not None and not _same_crs(wanted, CRS(WGS84)):
            msg = "KML coordinates are WGS84 by definition; drop the CRS option"
            raise DataError(Problem(display, None, "crs", msg))
        crs = wanted or CRS(WGS84)
        if wanted is not None and not _same_crs(wanted, CRS(WGS84)):
            msg = f"no crs member: coordinates read as {_crs_name(wanted)}, as asked"
            problems.append(Problem(display, None, "crs", msg, "note"))
    elif declared is None:
        if wanted is None:
            what = "a Shapefile without .prj" if kind == "shp" else "no CRS defined"
            msg = (
                f"has no coordinate reference system ({what}); name it with --crs "
                "(e.g. --crs EPSG:4549 for CGCS2000 Gauss-Kruger 120E metres, "
                "--crs EPSG:4326 for WGS84 lon/lat)"
            )
            raise DataError(Problem(display, None, "crs", msg))
        crs = wanted
        msg = f"no CRS in the file: read as {_crs_name(wanted)}"
        problems.append(Problem(display, None, "crs", msg, "note"))
    else:
        if wanted is not None and not _same_crs(wanted, declared):
            msg = (
                f"declares {_crs_name(declared)} but the CRS option says {_crs_name(wanted)}; "
                "drop the option, or fix the file's CRS (.prj)"
            )
            raise DataError(Problem(display, None, "crs", msg))
        crs = declared
    if not frames:
        raise DataError(Problem(display, None, None, "holds no layer to read"))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = gpd.GeoDataFrame(frame, geometry=frame.geometry.name).set_crs(crs)
    return _Read(frame, crs, _crs_name(crs), problems)


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


def _clean_geometry(
    geom: Any, crs: str, display: str, number: int, label: str
) -> tuple[BaseGeometry | None, list[Problem]]:
    """One feature's polygon (already in WGS84), repaired and on the grid, or None with the
    reason. ``crs`` names the CRS it was read in, for messages."""
    who = f"“{label}”: " if label else ""

    def problem(msg: str, severity: str = "error") -> Problem:
        return Problem(display, number, "geometry", who + msg, severity)

    if geom is None or geom.is_empty:
        return None, [problem("has no geometry")]
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        return None, [problem(f"cannot be reprojected from {crs} to WGS84")]
    geom = shapely.force_2d(geom)
    notes: list[Problem] = []
    if geom.geom_type not in geo.POLYGONAL:
        polygons = _polygonal(geom)
        if polygons.is_empty:
            return None, [problem(f"is a {geom.geom_type}; expected a polygon")]
        notes.append(problem(f"only the polygons of a {geom.geom_type} are kept", "note"))
        geom = polygons
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        geom = _polygonal(shapely.make_valid(geom))
        if geom.is_empty:
            return None, [problem(f"is invalid ({reason}) and nothing is left after repair")]
        notes.append(problem(f"was invalid ({reason}); repaired with make_valid", "note"))
    geom = _polygonal(geo.on_grid(geom))
    if geom.is_empty or not geom.is_valid:
        return None, [problem("is degenerate (no area left on a 1 cm grid)")]
    if not shapely.box(*NINGBO_BOUNDS).contains(geom):
        bounds = ", ".join(f"{v:.4f}" for v in geom.bounds)
        msg = (
            f"lies outside Ningbo (lon/lat {bounds}, read as {crs}); is the CRS right "
            "(a projected file without .prj, swapped axes)?"
        )
        return None, [problem(msg)]
    return geom, notes


# --------------------------------------------------------------------------------------------
# Previews


def _column(frame: pd.DataFrame, wanted: str | None, candidates: Sequence[str]) -> list[str]:
    """Columns of ``frame`` to use: ``wanted`` (must exist) or the candidates present."""
    lower = {str(c).casefold(): str(c) for c in frame.columns if c != frame.geometry.name}
    if wanted:
        if wanted.casefold() not in lower:
            available = sorted(lower.values())
            raise UnknownValueError("field", wanted, available[:20])
        return [lower[wanted.casefold()]]
    return [lower[c.casefold()] for c in candidates if c.casefold() in lower]


def _current_surveyed(geo_dir: Path | None) -> dict[str, str]:
    """park_id -> source of the footprints in geo/surveyed_footprints.geojson now."""
    if geo_dir is None:
        return {}
    path = Path(geo_dir) / SURVEYED_FILE
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        return {
            str(f["properties"]["park_id"]): str(f["properties"].get("source", ""))
            for f in doc.get("features", [])
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _assignments(assign: Mapping[str, str] | None, parks: _Parks) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, park_id in (assign or {}).items():
        if park_id not in parks.names:
            raise UnknownValueError("park id", str(park_id), parks.suggest(str(park_id), []))
        out[str(key).strip()] = park_id
    return out


def _preview(
    read: _Read,
    *,
    display: str,
    source: str,
    parks: _Parks,
    gcj02: bool,
    id_field: str | None,
    name_field: str | None,
    assign: Mapping[str, str],
    current: Mapping[str, str],
) -> ImportPreview:
    frame = read.frame
    id_cols = _column(frame, id_field, ID_FIELDS)
    name_cols = _column(frame, name_field, NAME_FIELDS)
    note_cols = _column(frame, None, NOTE_FIELDS)
    kind_cols = _column(frame, None, ("footprint",))
    preview = ImportPreview(
        file=display,
        source=source,
        crs=read.crs_name,
        gcj02=gcj02,
        features=len(frame),
        problems=list(read.problems),
        parks=len(parks.names),
    )
    if not len(frame):
        preview.problems.append(Problem(display, None, None, "holds no features"))
    elif not id_cols and not name_cols:
        fields = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name) or "none"
        msg = (
            f"no id or name field to match parks by (fields: {fields}); name one with "
            "--id-field or --name-field"
        )
        preview.problems.append(Problem(display, None, None, msg))
    if gcj02:
        msg = "coordinates converted from GCJ-02 to WGS84, as asked"
        preview.problems.append(Problem(display, None, "crs", msg, "note"))

    candidates: list[MatchedFeature] = []
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    geoms = read.wgs84(gcj02, display)
    for number, (row, geom) in enumerate(zip(records, geoms, strict=True), start=1):
        ident = next((plain_text(row[c], _MAX_LABEL) for c in id_cols if plain_text(row[c])), "")
        names = [plain_text(row[c], _MAX_LABEL) for c in name_cols if plain_text(row[c])]
        note = next((plain_text(row[c]) for c in note_cols if plain_text(row[c])), "")
        label = names[0] if names else ident
        park_id = assign.get(f"#{number}") or assign.get(label) or assign.get(ident)
        how = "assigned" if park_id else ""
        ambiguous: list[str] = []
        if not park_id:
            park_id, how, ambiguous = parks.match(ident, names)
        if any(plain_text(row[c]).casefold() == "indicative" for c in kind_cols):
            msg = (
                f"“{label}”: marked footprint = indicative (an estimate from a zones export, not "
                "a survey); not imported. Set footprint to surveyed once it is surveyed"
            )
            preview.problems.append(Problem(display, number, "footprint", msg))
            continue
        try:
            polygon, notes = _clean_geometry(geom, read.crs_name, display, number, label)
        except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
            msg = f"“{label}”: unusable geometry ({_gdal_message(exc)})"
            polygon, notes = None, [Problem(display, number, "geometry", msg)]
        preview.problems += notes
        if polygon is None:
            continue
        if park_id is None:
            suggested = ambiguous or parks.suggest(ident, names)
            entry = UnmatchedFeature(
                number, label or f"#{number}", tuple((p, parks.names[p]) for p in suggested)
            )
            (preview.unmatched if suggested else preview.new).append(entry)
            continue
        candidates.append(
            MatchedFeature(
                feature=number,
                label=label or ident or f"#{number}",
                park_id=park_id,
                park_name=parks.names[park_id],
                how=how,
                geometry=polygon,
                area_km2=geo.area_km2(polygon),
                replaces="surveyed" if park_id in current else "indicative",
                note=note,
            )
        )
        preview.problems += _distance_note(parks, park_id, polygon, display, number)

    by_park: dict[str, list[MatchedFeature]] = {}
    for m in candidates:
        by_park.setdefault(m.park_id, []).append(m)
    for park_id, group in by_park.items():
        if len(group) == 1:
            preview.matched.append(group[0])
            continue
        numbers = ", ".join(f"#{m.feature}" for m in group)
        for m in group:
            msg = (
                f"“{m.label}”: features {numbers} all match park {park_id} (duplicate); "
                "none of them is imported"
            )
            preview.problems.append(Problem(display, m.feature, "park_id", msg))
    preview.matched.sort(key=lambda m: m.feature)
    return preview


def _distance_note(
    parks: _Parks, park_id: str, polygon: BaseGeometry, display: str, number: int
) -> list[Problem]:
    row = parks.rows.get(park_id, {})
    lon, lat = row.get("lon"), row.get("lat")
    if row.get("location_basis") != "sourced" or not _finite(lon) or not _finite(lat):
        return []
    precision = float(row.get("location_precision_m") or 0)
    distance = geo.distance_m(shapely.Point(float(lon), float(lat)), polygon)
    if distance <= precision + FAR_FROM_LOCATION_M:
        return []
    msg = (
        f"lies {distance / 1000:.1f} km from {park_id}'s sourced location (precision "
        f"{precision:.0f} m): is it the right park?"
    )
    return [Problem(display, number, "geometry", msg, "note")]


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def preview_upload(
    data: bytes,
    filename: str,
    parks: pd.DataFrame,
    *,
    geo_dir: Path | str | None = None,
    source_crs: str | None = None,
    gcj02: bool = False,
    layer: str | None = None,
    id_field: str | None = None,
    name_field: str | None = None,
    encoding: str | None = None,
    assign: Mapping[str, str] | None = None,
    limits: Limits | None = None,
) -> ImportPreview:
    """Preview importing an uploaded file (its bytes and its original name).

    Parameters
    ----------
    data, filename
        The upload. The name's extension says the format (see :data:`SUPPORTED`); the name
        itself is only shown and recorded, never used as a path.
    parks
        The parks to match: a frame with ``id``, ``name_zh``, ``name_en`` (and ``lon``,
        ``lat``, ``location_basis``, ``location_precision_m`` for a distance check), e.g.
        ``Dataset.parks`` or :func:`load_parks`.
    geo_dir
        geo/ folder, to say which parks already have a surveyed footprint.
    source_crs
        The CRS of a file that has none (``EPSG:4549``...). A file declaring another CRS is
        refused rather than silently re-read.
    gcj02
        The coordinates are GCJ-02 (from a Chinese web map): convert them to WGS84.
    layer
        Layer of a GeoPackage, or dataset of a zip, when it holds several.
    id_field, name_field
        Attribute holding the park id / name (default: the first of :data:`ID_FIELDS` /
        :data:`NAME_FIELDS` present).
    encoding
        Encoding of a Shapefile's text when it has no .cpg (guessed otherwise).
    assign
        Explicit matches: feature label, id, or ``#n`` (feature number) -> park id. This is
        how a proposed close match is taken.
    limits
        Size bounds, see :class:`Limits` (default :data:`DEFAULT_LIMITS`).

    Raises
    ------
    DataError
        When the file cannot be read at all (malformed, truncated, unsafe zip, no CRS...),
        naming the file (and the zip entry).
    UnknownValueError
        For an option naming an unknown CRS, field or park id.
    """
    display = safe_file_name(filename)
    limits = limits or DEFAULT_LIMITS
    if len(data) > limits.max_file_bytes:
        msg = f"is {len(data):,} bytes, over the limit of {limits.max_file_bytes:,}"
        raise DataError(Problem(display, None, None, msg))
    with tempfile.TemporaryDirectory(prefix="zones-import-") as tmp:
        folder = Path(tmp)
        suffix = _suffix(display)
        staged = folder / f"upload{suffix}"
        staged.write_bytes(data)
        return _preview_staged(
            staged,
            display,
            source=display,
            parks=parks,
            geo_dir=geo_dir,
            options={
                "source_crs": source_crs,
                "gcj02": gcj02,
                "layer": layer,
                "id_field": id_field,
                "name_field": name_field,
                "encoding": encoding,
                "assign": assign,
            },
            limits=limits,
        )


def preview_file(
    path: Path | str,
    parks: pd.DataFrame,
    *,
    geo_dir: Path | str | None = None,
    source_crs: str | None = None,
    gcj02: bool = False,
    layer: str | None = None,
    id_field: str | None = None,
    name_field: str | None = None,
    encoding: str | None = None,
    assign: Mapping[str, str] | None = None,
    limits: Limits | None = None,
) -> ImportPreview:
    """Preview importing the file at ``path``; see :func:`preview_upload` for the options.

    A ``.shp`` is read with the ``.shx``, ``.dbf``, ``.prj`` and ``.cpg`` next to it.
    """
    path = Path(path)
    display = plain_text(str(path), 300)
    limits = limits or DEFAULT_LIMITS
    try:
        size = path.stat().st_size
    except OSError as exc:
        msg = f"cannot read: {exc.strerror or exc}"
        raise DataError(Problem(display, None, None, msg)) from exc
    if not path.is_file():
        raise DataError(Problem(display, None, None, "is not a file"))
    if size > limits.max_file_bytes:
        msg = f"is {size:,} bytes, over the limit of {limits.max_file_bytes:,}"
        raise DataError(Problem(display, None, None, msg))
    options = {
        "source_crs": source_crs,
        "gcj02": gcj02,
        "layer": layer,
        "id_field": id_field,
        "name_field": name_field,
        "encoding": encoding,
        "assign": assign,
    }
    with tempfile.TemporaryDirectory(prefix="zones-import-") as tmp:
        folder = Path(tmp)
        suffix = _suffix(path.name, display)
        if suffix == ".shp":
            staged = _stage_shapefile(path, folder)
        else:
            staged = folder / f"upload{suffix}"
            shutil.copyfile(path, staged)
        return _preview_staged(
            staged,
            display,
            source=safe_file_name(path.name),
            parks=parks,
            geo_dir=geo_dir,
            options=options,
            limits=limits,
        )


def _suffix(name: str, display: str | None = None) -> str:
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if suffix not in SUPPORTED:
        kinds = ", ".join(f"{s} ({k})" for s, k in SUPPORTED.items())
        msg = f"unsupported file type {suffix or '(none)'!r}; expected one of: {kinds}"
        raise DataError(Problem(display or name, None, None, msg))
    return suffix


def _preview_staged(
    staged: Path,
    display: str,
    *,
    source: str,
    parks: pd.DataFrame,
    geo_dir: Path | str | None,
    options: dict[str, Any],
    limits: Limits,
) -> ImportPreview:
    index = _Parks(parks)
    assign = _assignments(options["assign"], index)
    try:
        return _read_and_match(staged, display, source, index, assign, geo_dir, options, limits)
    except ZonesError:
        raise
    except Exception as exc:  # untrusted input: report, never crash the CLI or the app
        msg = f"cannot be imported ({type(exc).__name__}: {_gdal_message(exc)})"
        raise DataError(Problem(display, None, None, msg)) from exc


def _read_and_match(
    staged: Path,
    display: str,
    source: str,
    index: _Parks,
    assign: dict[str, str],
    geo_dir: Path | str | None,
    options: dict[str, Any],
    limits: Limits,
) -> ImportPreview:
    suffix = staged.suffix.lower()
    path, shown = staged, display
    if suffix in (".zip", ".kmz"):
        head = staged.read_bytes()[:4]
        if head[:2] != b"PK":
            raise DataError(Problem(display, None, None, "not a zip file"))
        unpacked = staged.parent / "unpacked"
        unpacked.mkdir()
        members = _extract_zip(staged, unpacked, display, limits)
        path, shown = _pick_dataset(unpacked, members, display, options["layer"], suffix == ".kmz")
    kind, implicit = _sniff(path, shown)
    read = _read(
        path,
        shown,
        kind=kind,
        implicit_wgs84=implicit,
        layer=options["layer"],
        source_crs=options["source_crs"],
        encoding=options["encoding"],
        limits=limits,
    )
    return _preview(
        read,
        display=shown,
        source=source,
        parks=index,
        gcj02=bool(options["gcj02"]),
        id_field=options["id_field"],
        name_field=options["name_field"],
        assign=assign,
        current=_current_surveyed(Path(geo_dir) if geo_dir is not None else None),
    )


# --------------------------------------------------------------------------------------------
# Applying and undoing


@dataclass(frozen=True)
class ImportResult:
    """What :func:`apply_import` wrote.

    Attributes
    ----------
    path
        geo/surveyed_footprints.geojson.
    snapshot
        The previous version kept in geo/surveyed_history/ (a ``.absent`` marker when there
        was no file).
    imported
        Park ids whose footprint this import set.
    kept
        Park ids whose earlier surveyed footprint was kept (not in this file).
    """

    path: Path
    snapshot: Path
    imported: tuple[str, ...]
    kept: tuple[str, ...]


def _feature_json(properties: dict[str, Any], geom: BaseGeometry) -> str:
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    rounded = shapely.transform(oriented, lambda xy: np.round(xy, COORD_DECIMALS))
    feature = {"type": "Feature", "properties": properties, "geometry": mapping(rounded)}
    return json.dumps(feature, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _collection(lines: list[str]) -> bytes:
    body = "[\n" + ",\n".join(lines) + "\n]" if lines else "[]"
    head = '{"type":"FeatureCollection","name":"surveyed_footprints","features":'
    return f"{head}{body}}}\n".encode()


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _snapshots(history: Path) -> list[Path]:
    """Versions an undo can restore, oldest first."""
    if not history.is_dir():
        return []
    stem = Path(SURVEYED_FILE).stem
    found = [
        p
        for p in history.iterdir()
        if p.name.startswith(f"{stem}.")
        and (p.name.endswith(".absent") or p.name.endswith(".geojson"))
        and ".undone." not in p.name
    ]
    return sorted(found, key=lambda p: p.name)


def import_history(geo_dir: Path | str) -> list[Path]:
    """The versions kept by earlier imports (oldest first); :func:`undo_import` restores the
    last one."""
    return _snapshots(Path(geo_dir) / HISTORY_DIR)


def _existing_lines(path: Path) -> dict[str, str]:
    """park_id -> the feature's JSON line, for every feature of the current file."""
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        out = {}
        for feature in doc["features"]:
            out[str(feature["properties"]["park_id"])] = json.dumps(
                feature, ensure_ascii=False, separators=(",", ":")
            )
        return out
    except (OSError, ValueError, KeyError, TypeError) as exc:
        msg = f"cannot be updated: it is not a readable FeatureCollection ({exc}); fix or remove it"
        raise DataError(Problem(str(path), None, None, msg)) from exc


def apply_import(
    preview: ImportPreview, geo_dir: Path | str, *, imported_on: date | None = None
) -> ImportResult:
    """Write the matched features of ``preview`` into ``geo_dir/surveyed_footprints.geojson``.

    The file is RFC 7946 GeoJSON (WGS84, no ``crs``, counter-clockwise exterior rings, 1e-7
    degree coordinates, one feature per line, sorted by park id) with properties ``park_id``,
    ``source`` (the original file name), ``imported_on`` (ISO date) and ``note``. Surveyed
    footprints of parks not in this import are kept. The previous file (or a marker that there
    was none) is kept in ``geo_dir/surveyed_history/`` for :func:`undo_import`. The new file
    is checked as `zones build` will read it before it replaces the old one; on any error
    nothing is changed.

    Raises
    ------
    ZonesError
        When the preview has nothing to import.
    DataError
        When the current file cannot be read (it would be lost).
    ValidationError
        When the written file would not pass the build's checks (a bug).
    """
    if not preview.can_apply:
        raise ZonesError(f"nothing to import from {preview.file}")
    geo_dir = Path(geo_dir)
    path = geo_dir / SURVEYED_FILE
    when = (imported_on or date.today()).isoformat()
    lines = _existing_lines(path)
    imported = tuple(m.park_id for m in preview.matched)
    kept = tuple(sorted(set(lines) - set(imported)))
    for m in preview.matched:
        note = f"Surveyed boundary imported from {preview.source} (feature {m.feature}) on {when}."
        if m.note:
            note += f" Note in the file: {m.note}"
        properties = {
            "park_id": m.park_id,
            "source": preview.source,
            "imported_on": when,
            "note": note,
        }
        lines[m.park_id] = _feature_json(properties, m.geometry)

    history = geo_dir / HISTORY_DIR
    history.mkdir(parents=True, exist_ok=True)
    stem = Path(SURVEYED_FILE).stem
    stamp = _stamp()
    if path.exists():
        snapshot = history / f"{stem}.{stamp}.geojson"
        shutil.copyfile(path, snapshot)
    else:
        snapshot = history / f"{stem}.{stamp}.absent"
        snapshot.write_bytes(b"")
    try:
        with atomic_write(path) as tmp:
            tmp.write_bytes(_collection([lines[k] for k in sorted(lines)]))
            _, problems = geo.read_features(tmp, id_field="park_id")
            if problems:
                raise ValidationError(problems)
    except BaseException:
        with contextlib.suppress(OSError):
            snapshot.unlink()
        raise
    return ImportResult(path=path, snapshot=snapshot, imported=imported, kept=kept)


@dataclass(frozen=True)
class UndoResult:
    """What :func:`undo_import` did: the snapshot it restored (``restored``), where the undone
    version was kept (``undone``), and ``emptied``: there was no file before the import, so the
    file now holds no feature (every park's footprint is indicative again)."""

    path: Path
    restored: Path
    undone: Path | None
    emptied: bool


def undo_import(geo_dir: Path | str) -> UndoResult:
    """Put back the version of geo/surveyed_footprints.geojson before the last import.

    The restored snapshot leaves the history (so a second undo goes one import further back);
    the version being undone is kept there as ``*.undone.geojson``. When there was no file
    before the import, the file is left as an empty FeatureCollection (not deleted, so that
    `zones build --if-stale` sees the change).

    Raises
    ------
    ZonesError
        When no import can be undone.
    """
    geo_dir = Path(geo_dir)
    path = geo_dir / SURVEYED_FILE
    history = geo_dir / HISTORY_DIR
    snapshots = _snapshots(history)
    if not snapshots:
        raise ZonesError(f"nothing to undo: {history} holds no earlier version")
    last = snapshots[-1]
    undone = None
    if path.exists():
        undone = history / f"{Path(SURVEYED_FILE).stem}.{_stamp()}.undone.geojson"
        shutil.copyfile(path, undone)
    # No file before the import: write an empty collection rather than delete, so that the
    # file's new time makes `zones build --if-stale` rebuild.
    emptied = last.name.endswith(".absent")
    data = _collection([]) if emptied else last.read_bytes()
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)
    last.unlink()
    return UndoResult(path=path, restored=last, undone=undone, emptied=emptied)


__all__ = [
    "HISTORY_DIR",
    "SUPPORTED",
    "ImportPreview",
    "ImportResult",
    "Limits",
    "MatchedFeature",
    "UndoResult",
    "UnmatchedFeature",
    "apply_import",
    "import_history",
    "load_parks",
    "plain_text",
    "preview_file",
    "preview_upload",
    "undo_import",
]
