"""Import surveyed park boundaries from a GIS team: read safely, match to parks, preview, apply.

Three steps, the same for the CLI (`zones import`) and the app (an upload):

1. :func:`preview_file` (a path) or :func:`preview_upload` (bytes and a file name) reads a
   GeoJSON, GeoPackage, zipped Shapefile (or a bare ``.shp`` with its sidecars), KML or KMZ,
   reprojects it to WGS84 and matches each feature to a park: by id, else by name (exact,
   then normalised). Close matches are *proposed*, never taken; ``assign`` takes one
   explicitly. The result is an :class:`ImportPreview` (matched, unmatched, new, problems)
   with a ``text(lang)`` rendering. Nothing is written.
2. :func:`apply_import` writes ``geo/surveyed_footprints.geojson`` (what `zones build` reads)
   atomically, keeping the previous version in ``geo/surveyed_history/`` (the last
   :data:`HISTORY_KEEP`). It holds an exclusive lock (:func:`import_lock`) across the
   read-modify-write, and refuses a preview made against a file that has changed since.
3. :func:`undo_import` puts the previous version back.

Checks against Ningbo and the park: a footprint farther than :data:`LAND_BUFFER_M` from every
district (land, or water the city plausibly reclaims) is an error; one whose area is more than
:data:`AREA_RATIO` times off its park's recorded area, or that lies more than
:data:`MISMATCH_DISTANCE_M` beyond the recorded location and its precision, is a *mismatch*:
imported only with ``confirm_mismatch``. Every problem says itself in English (``message``)
and Chinese (:class:`ImportProblem` ``zh``); :func:`problem_text` and :func:`error_message`
render them in either language.

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
import functools
import hashlib
import json
import math
import os
import re
import shutil
import stat
import tempfile
import threading
import time
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
from zones.build import DISTRICTS_FILE, SURVEYED_FILE
from zones.datum import shift_geometries
from zones.errors import (
    DataError,
    OutputError,
    Problem,
    UnknownValueError,
    ValidationError,
    ZonesError,
)
from zones.settings import DATA_DIR, GEO_DIR, NINGBO_BOUNDS, WGS84

try:  # POSIX; elsewhere imports are not locked against each other
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

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
#: A surveyed footprint must come within this distance (metres, EPSG:4549) of one of Ningbo's
#: districts: on land, or on tidal flats and sea the city plausibly reclaims. Farther out it is
#: refused (an error), whatever the park.
LAND_BUFFER_M = 5000.0
#: A footprint whose area is more than this many times larger or smaller than the park's
#: recorded area needs an explicit confirmation (``confirm_mismatch``, ``--confirm-mismatch``).
AREA_RATIO = 3.0
#: ... as does one lying farther than this beyond the park's recorded location and its
#: ``location_precision_m``.
MISMATCH_DISTANCE_M = 5000.0
#: Versions kept in geo/surveyed_history/: this many an undo can restore, and this many undone
#: ones; the oldest are removed on each write.
HISTORY_KEEP = 20
#: How long an import waits for another one writing the same geo/ folder (seconds).
LOCK_TIMEOUT_S = 120.0
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
        not imported), mismatches (a matched feature whose area or position is far from its
        park's records: imported only when confirmed) and notes (repairs, conversions).
    parks
        Number of parks known.
    surveyed_sha256
        SHA-256 of geo/surveyed_footprints.geojson when the preview was made ('' when there
        was none; None when no geo/ folder was given). :func:`apply_import` refuses a preview
        whose file has changed since.
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
    surveyed_sha256: str | None = None

    @property
    def can_apply(self) -> bool:
        """True when at least one feature would be imported."""
        return bool(self.matched)

    @property
    def errors(self) -> list[Problem]:
        """The problems that kept a feature out."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def mismatches(self) -> list[Problem]:
        """Matched features far from their park's recorded area or location."""
        return [p for p in self.problems if p.severity == "mismatch"]

    @property
    def needs_confirmation(self) -> bool:
        """True when applying needs ``confirm_mismatch`` (see :attr:`mismatches`)."""
        return bool(self.mismatches)

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

    def text(self, lang: str = "zh", problem_lang: str | None = None) -> str:
        """The preview as plain text in ``zh`` or ``en`` (attribute text shown as it is, minus
        control characters: never interpreted); problems in ``problem_lang`` (default
        ``lang``)."""
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
                mismatches=len(self.mismatches),
                notes=len(self.problems) - len(self.errors) - len(self.mismatches),
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
            shown = problem_lang or lang
            lines += [
                f"  {problem_text(p, shown)}" for p in sorted(self.problems, key=Problem.sort_key)
            ]
        lines.append(s["ok"].format(n=len(self.matched)) if self.can_apply else s["nothing"])
        if self.can_apply and self.mismatches:
            rows = {p.row for p in self.mismatches}
            lines.append(s["confirm"].format(n=len(rows)))
        return "\n".join(_printable(line) for line in lines)


_TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "head": "导入预览：{file}（{n} 个要素，坐标系 {crs} → WGS84）",
        "summary": (
            "匹配 {matched} · 未匹配 {unmatched} · 新园区 {new} · 错误 {errors} · "
            "需确认 {mismatches} · 说明 {notes}"
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
        "confirm": (
            "其中 {n} 个要素与园区记录（面积或位置）相差很大，须确认后才能导入："
            "命令行加 --confirm-mismatch，应用中勾选“确认不一致”。"
        ),
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
            "to confirm {mismatches} · notes {notes}"
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
        "confirm": (
            "{n} feature(s) differ widely from their park's records (area or position) and are "
            "imported only when confirmed: --confirm-mismatch on the command line, the "
            "“confirm the mismatch” box in the app."
        ),
        "how": {},
    },
}


def _printable(text: str) -> str:
    return _UNSAFE_CHARS.sub("\ufffd", text)


# --------------------------------------------------------------------------------------------
# Messages, in English (the CLI, ``Problem.message``) and Chinese (``ImportProblem.zh``)

_OPTION_EN = "--layer NAME on the command line, the layer list in the app"
_OPTION_ZH = "命令行用 --layer 名称，应用中在图层列表里选择"
_CRS_EN = (
    "name it with --crs on the command line or the source CRS in the app (e.g. EPSG:4549 for "
    "CGCS2000 Gauss-Kruger 120E metres, EPSG:4326 for WGS84 lon/lat)"
)
_CRS_ZH = (
    "请指定坐标系：命令行用 --crs，应用中选择“源坐标系”（例如 EPSG:4549 为 CGCS2000 高斯-克吕格"
    "中央经线120°E、单位米，EPSG:4326 为 WGS84 经纬度）"
)
_CONFIRM_EN = "import it only if the survey is right, by confirming the mismatch"
_CONFIRM_ZH = "仅当实测无误时，确认不一致后才导入"

#: key -> (English, Chinese) message templates; ``{who}`` is the feature's label, if any.
_MSG: dict[str, tuple[str, str]] = {
    "too_big": (
        "is {size:,} bytes, over the limit of {limit:,}",
        "文件大小 {size:,} 字节，超过上限 {limit:,} 字节",
    ),
    "cannot_read": ("cannot read: {reason}", "无法读取：{reason}"),
    "not_file": ("is not a file", "不是文件"),
    "unsupported": (
        "unsupported file type {suffix}; expected one of: .geojson, .json (GeoJSON), .gpkg "
        "(GeoPackage), .zip (zipped Shapefile, or a zip of another supported file), .shp "
        "(Shapefile with its .shx, .dbf, .prj and .cpg), .kml (KML), .kmz (KMZ)",
        "不支持的文件类型 {suffix}；支持：.geojson、.json（GeoJSON）、.gpkg（GeoPackage）、"
        ".zip（压缩的 Shapefile 或其他支持的文件）、.shp（连同 .shx、.dbf、.prj、.cpg）、"
        ".kml（KML）、.kmz（KMZ）",
    ),
    "cannot_import": ("cannot be imported ({kind}: {reason})", "无法导入（{kind}：{reason}）"),
    "not_zip": ("not a zip file", "不是 zip 文件"),
    "zip_nul": ("zip entry {name} has a NUL in its name", "压缩包条目 {name} 的名称含 NUL 字符"),
    "zip_absolute": (
        "zip entry {name} has an absolute path; refused",
        "压缩包条目 {name} 使用绝对路径，已拒绝",
    ),
    "zip_dotdot": (
        "zip entry {name} points outside the archive (..)",
        "压缩包条目 {name} 指向压缩包之外（..），已拒绝",
    ),
    "zip_link": ("zip entry {name} is a link; refused", "压缩包条目 {name} 是链接，已拒绝"),
    "zip_encrypted": ("zip entry {name} is encrypted", "压缩包条目 {name} 已加密，无法读取"),
    "zip_unreadable": ("not a readable zip file ({reason})", "不是可读的 zip 文件（{reason}）"),
    "zip_members": (
        "holds {n} entries; at most {limit} are accepted",
        "包含 {n} 个条目，最多接受 {limit} 个",
    ),
    "zip_total": (
        "unpacks to {total:,} bytes, over the limit of {limit:,}; refused (send the files "
        "without padding, or split them)",
        "解压后共 {total:,} 字节，超过上限 {limit:,} 字节，已拒绝（请去掉多余内容或拆分文件）",
    ),
    "zip_outside": (
        "zip entry {name} points outside the archive",
        "压缩包条目 {name} 指向压缩包之外，已拒绝",
    ),
    "zip_over": (
        "unpacks to more than {limit:,} bytes (entry {name}); refused",
        "解压后超过 {limit:,} 字节（条目 {name}），已拒绝",
    ),
    "zip_twice": ("zip entry {name} appears twice", "压缩包条目 {name} 出现了两次"),
    "zip_extract": (
        "zip entry {name} cannot be extracted ({reason})",
        "压缩包条目 {name} 无法解压（{reason}）",
    ),
    "zip_empty": (
        "holds no Shapefile, GeoPackage, GeoJSON or KML (found: {listed})",
        "不含 Shapefile、GeoPackage、GeoJSON 或 KML（找到：{listed}）",
    ),
    "zip_several": (
        f"holds several datasets ({{found}}); choose one ({_OPTION_EN})",
        f"包含多个数据集（{{found}}）；请选择其一（{_OPTION_ZH}）",
    ),
    "not_gpkg": ("not a GeoPackage (no SQLite header)", "不是 GeoPackage（缺少 SQLite 文件头）"),
    "not_shp": ("not a Shapefile (bad .shp header)", "不是 Shapefile（.shp 文件头有误）"),
    "shp_sidecar": (
        "the Shapefile has no {sidecar} file; send .shp, .shx, .dbf and .prj",
        "Shapefile 缺少 {sidecar} 文件；请一并提供 .shp、.shx、.dbf 和 .prj",
    ),
    "kml_doctype": (
        "KML with a DOCTYPE or ENTITY declaration is refused (entity expansion)",
        "含 DOCTYPE 或 ENTITY 声明的 KML 已被拒绝（实体扩展风险）",
    ),
    "not_kml": ("not KML (no <kml> element)", "不是 KML（没有 <kml> 元素）"),
    "bad_json": (
        "not valid JSON: {msg} (line {line}, column {col})",
        "不是有效的 JSON（第 {line} 行，第 {col} 列）",
    ),
    "deep_json": ("not valid JSON: nested too deep", "不是有效的 JSON：嵌套过深"),
    "not_geojson": (
        "not GeoJSON (expected a FeatureCollection)",
        "不是 GeoJSON（应为 FeatureCollection）",
    ),
    "not_utf8": (
        "not UTF-8 text (byte {byte} at offset {offset})",
        "不是 UTF-8 文本（偏移 {offset} 处的字节 {byte}）",
    ),
    "guessed_encoding": (
        "no .cpg file: attribute text read as {enc} (guessed)",
        "没有 .cpg 文件：属性文本按 {enc} 读取（推测）",
    ),
    "reproject": (
        "cannot be reprojected from {crs} to WGS84 ({reason})",
        "无法从 {crs} 转换到 WGS84（{reason}）",
    ),
    "unreadable_as": (
        "cannot be read as {what} ({reason}); is it complete?",
        "无法按 {what} 读取（{reason}）；文件是否完整？",
    ),
    "no_layer": (
        "has no layer {layer}; its layers: {names}",
        "没有图层 {layer}；现有图层：{names}",
    ),
    "no_polygon_layer": ("has no polygon layer (layers: {listed})", "没有面图层（图层：{listed}）"),
    "several_layers": (
        f"has several polygon layers ({{names}}); choose one ({_OPTION_EN})",
        f"有多个面图层（{{names}}）；请选择其一（{_OPTION_ZH}）",
    ),
    "too_many_features": (
        "has {n} features; at most {limit} are accepted",
        "有 {n} 个要素，最多接受 {limit} 个",
    ),
    "unreadable": (
        "cannot be read ({reason}); is it complete and not damaged?",
        "无法读取（{reason}）；文件是否完整、未损坏？",
    ),
    "bad_prj": (
        "its CRS cannot be understood ({reason}); fix the .prj",
        "无法识别其坐标系（{reason}）；请修正 .prj",
    ),
    "gdal": ("GDAL: {text}", "GDAL 提示：{text}"),
    "kml_crs": (
        "KML coordinates are WGS84 by definition; drop the CRS option",
        "KML 坐标按定义为 WGS84；请不要指定源坐标系",
    ),
    "no_crs_member": (
        "no crs member: coordinates read as {crs}, as asked",
        "文件未声明坐标系：已按所选的 {crs} 读取坐标",
    ),
    "no_crs_shp": (
        f"has no coordinate reference system (a Shapefile without .prj); {_CRS_EN}",
        f"没有坐标参考系（Shapefile 缺少 .prj）；{_CRS_ZH}",
    ),
    "no_crs": (
        f"has no coordinate reference system (no CRS defined); {_CRS_EN}",
        f"没有坐标参考系（文件未定义坐标系）；{_CRS_ZH}",
    ),
    "read_as": ("no CRS in the file: read as {crs}", "文件中没有坐标系：已按 {crs} 读取"),
    "crs_conflict": (
        "declares {declared} but the CRS option says {wanted}; drop the option, or fix the "
        "file's CRS (.prj)",
        "文件声明为 {declared}，但所选源坐标系为 {wanted}；"
        "请取消该选项，或修正文件的坐标系（.prj）",
    ),
    "no_layer_to_read": ("holds no layer to read", "没有可读取的图层"),
    "no_geometry": ("{who}has no geometry", "{who}没有几何图形"),
    "not_finite": (
        "{who}cannot be reprojected from {crs} to WGS84",
        "{who}无法从 {crs} 转换到 WGS84",
    ),
    "not_polygon": ("{who}is a {kind}; expected a polygon", "{who}是 {kind}，应为面（多边形）"),
    "polygons_kept": (
        "{who}only the polygons of a {kind} are kept",
        "{who}{kind} 中只保留了面（多边形）部分",
    ),
    "invalid_empty": (
        "{who}is invalid ({reason}) and nothing is left after repair",
        "{who}几何无效（{reason}），修复后什么也不剩",
    ),
    "repaired": (
        "{who}was invalid ({reason}); repaired with make_valid",
        "{who}几何无效（{reason}），已用 make_valid 修复",
    ),
    "degenerate": (
        "{who}is degenerate (no area left on a 1 cm grid)",
        "{who}几何退化（在 1 厘米网格上没有面积）",
    ),
    "outside_ningbo": (
        "{who}lies outside Ningbo (lon/lat {bounds}, read as {crs}); is the CRS right (a "
        "projected file without .prj, swapped axes)?",
        "{who}位于宁波范围之外（经纬度 {bounds}，按 {crs} 读取）；坐标系是否正确"
        "（缺少 .prj 的投影坐标文件、经纬度颠倒）？",
    ),
    "off_land": (
        "{who}lies {km:.1f} km from the nearest Ningbo district, more than the {limit:g} km "
        "allowed for reclaimed land and tidal flats; not imported (is the CRS right, is it the "
        "right place?)",
        "{who}距最近的宁波区县 {km:.1f} 公里，超出围垦与滩涂允许的 {limit:g} 公里，不导入"
        "（坐标系是否正确？位置是否正确？）",
    ),
    "no_land": (
        "the districts (geo/districts.geojson) cannot be read: footprints are not checked "
        "against Ningbo's land",
        "无法读取区县边界（geo/districts.geojson）：未检查范围是否位于宁波陆域",
    ),
    "holds_nothing": ("holds no features", "不含任何要素"),
    "no_fields": (
        "no id or name field to match parks by (fields: {fields}); name one with --id-field "
        "or --name-field",
        "没有可用于匹配园区的标识或名称字段（字段：{fields}）；"
        "请用 --id-field 或 --name-field 指定",
    ),
    "gcj02_note": (
        "coordinates converted from GCJ-02 to WGS84, as asked",
        "已按要求将坐标从 GCJ-02 转换为 WGS84",
    ),
    "indicative": (
        "{who}marked footprint = indicative (an estimate from a zones export, not a survey); "
        "not imported. Set footprint to surveyed once it is surveyed",
        "{who}标记为 footprint = indicative（zones 导出的示意范围，不是实测），不导入；"
        "实测后请把 footprint 改为 surveyed",
    ),
    "unusable": ("{who}unusable geometry ({reason})", "{who}几何不可用（{reason}）"),
    "duplicate": (
        "{who}features {numbers} all match park {park} (duplicate); none of them is imported",
        "{who}要素 {numbers} 都匹配园区 {park}（重复），均不导入",
    ),
    "far_note": (
        "lies {km:.1f} km from {park}'s sourced location (precision {m:.0f} m): is it the "
        "right park?",
        "距 {park} 的有来源位置 {km:.1f} 公里（精度 {m:.0f} 米）：园区是否正确？",
    ),
    "mismatch_area": (
        f"{{who}}its area, {{got:.2f}} km², is {{ratio:.2g}} times the {{want:g}} km² "
        f"recorded for {{park}} (more than {{limit:g}} times off); {_CONFIRM_EN}",
        f"{{who}}面积 {{got:.2f}} 平方公里，是 {{park}} 记录面积 {{want:g}} 平方公里的 "
        f"{{ratio:.2g}} 倍（相差超过 {{limit:g}} 倍）；{_CONFIRM_ZH}",
    ),
    "mismatch_far": (
        f"{{who}}lies {{km:.1f}} km from {{park}}'s recorded location, {{beyond:.1f}} km "
        f"beyond its precision of {{precision:.1f}} km (more than {{limit:g}} km); "
        f"{_CONFIRM_EN}",
        f"{{who}}距 {{park}} 的记录位置 {{km:.1f}} 公里，超出其位置精度（{{precision:.1f}} 公里）"
        f"{{beyond:.1f}} 公里（超过 {{limit:g}} 公里）；{_CONFIRM_ZH}",
    ),
    "confirmed_note": (
        " Imported although it differs from the park's records, as confirmed: {what}",
        "",
    ),
    # Refusals of apply and undo (ImportRefused)
    "nothing_to_import": ("nothing to import from {file}", "{file} 中没有可导入的要素"),
    "unconfirmed": (
        "{n} feature(s) differ widely from their park's records; nothing written. If the "
        "survey is right, confirm the mismatch (--confirm-mismatch; in the app, tick the "
        "box):\n{details}",
        "{n} 个要素与园区记录相差很大，未写入任何内容。如实测无误，请确认不一致"
        "（命令行 --confirm-mismatch；应用中勾选确认框）：\n{details}",
    ),
    "stale": (
        "{name} changed since the preview (another import or undo was applied meanwhile); "
        "nothing written: preview the file again",
        "预览之后 {name} 已被修改（期间有其他导入或撤销），未写入任何内容：请重新预览",
    ),
    "locked": (
        "another import is writing {name} (waited {s:.0f} s; lock file {lock}); nothing "
        "written: try again",
        "另一个导入正在写入 {name}（已等待 {s:.0f} 秒；锁文件 {lock}），未写入任何内容：请稍后重试",
    ),
    "unreadable_current": (
        "cannot be updated: it is not a readable FeatureCollection ({reason}); fix or remove it",
        "无法更新：不是可读的 FeatureCollection（{reason}）；请修正或删除它",
    ),
    "nothing_to_undo": (
        "nothing to undo: {history} holds no earlier version",
        "没有可撤销的导入：{history} 中没有更早的版本",
    ),
}


@dataclass(frozen=True)
class ImportProblem(Problem):
    """A :class:`~zones.errors.Problem` of an import that also says its message in Chinese
    (``zh``; ``message`` is English)."""

    zh: str = field(default="", compare=False)


class ImportRefused(ZonesError):
    """An import or undo that was refused before writing anything; ``str()`` is English,
    ``zh`` Chinese."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


def _problem(
    file: str,
    row: int | None,
    fld: str | None,
    key: str,
    severity: str = "error",
    *,
    label: str = "",
    **values: Any,
) -> ImportProblem:
    """The problem ``key`` of :data:`_MSG` with ``values`` filled in, in both languages."""
    en, zh = _MSG[key]
    message = en.format(who=f"“{label}”: " if label else "", **values)
    chinese = zh.format(who=f"“{label}”：" if label else "", **values)
    return ImportProblem(file, row, fld, message, severity, chinese)


def _fail(
    file: str, key: str, *, row: int | None = None, fld: str | None = None, **values: Any
) -> DataError:
    """A DataError for the whole ``file`` (or ``row``) with message ``key``."""
    return DataError(_problem(file, row, fld, key, **values))


def _refused(key: str, **values: Any) -> ImportRefused:
    en, zh = _MSG[key]
    return ImportRefused(en.format(**values), zh.format(**values))


_SEVERITY_ZH = {"error": "错误", "note": "说明", "mismatch": "需确认"}


def problem_text(problem: Problem, lang: str) -> str:
    """``problem`` as one line in ``lang``: ``error: file:row [field]: message`` or
    ``错误：file:row [field]：……`` (problems without a Chinese text keep their English one)."""
    if lang != "zh":
        return str(problem)
    where = problem.file if problem.row is None else f"{problem.file}:{problem.row}"
    if problem.field:
        where += f" [{problem.field}]"
    severity = _SEVERITY_ZH.get(problem.severity, problem.severity)
    return f"{severity}：{where}：{getattr(problem, 'zh', '') or problem.message}"


def error_message(exc: BaseException, lang: str) -> str:
    """What went wrong in an import, apply or undo, as one plain-text line in ``lang``.

    Errors zones raises on purpose say what and where; anything else (a bug) is named by its
    type only, so that no server path or internal detail reaches a user.
    """
    zh = lang == "zh"
    if isinstance(exc, DataError):
        return problem_text(exc.problem, lang)
    if isinstance(exc, ImportRefused):
        return exc.zh if zh else str(exc)
    if isinstance(exc, UnknownValueError):
        if not zh:
            return str(exc)
        hint = f"；是否想用：{'、'.join(exc.suggestions)}？" if exc.suggestions else ""
        return f"未知的{exc.field}：{exc.value!r}{hint}"
    if isinstance(exc, ValidationError):
        errors = [p for p in exc.problems if p.severity == "error"] or exc.problems
        return "; ".join(problem_text(p, lang) for p in errors)
    if isinstance(exc, OutputError):
        return f"无法写入 {exc.path}：{exc.reason}" if zh else str(exc)
    if isinstance(exc, ZonesError):
        return str(exc)
    kind = type(exc).__name__
    if zh:
        return f"意外错误（{kind}），未写入任何内容"
    return f"unexpected error ({kind}); nothing written"


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
        raise _fail(display, "zip_nul", name=repr(raw))
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise _fail(display, "zip_absolute", name=repr(raw))
    parts = PurePosixPath(name).parts
    if any(part == ".." for part in parts):
        raise _fail(display, "zip_dotdot", name=repr(raw))
    if _is_link(info):
        raise _fail(display, "zip_link", name=repr(raw))
    if info.flag_bits & 0x1:
        raise _fail(display, "zip_encrypted", name=repr(raw))
    return "/".join(p for p in parts if p not in ("", "."))


def _extract_zip(archive: Path, dest: Path, display: str, limits: Limits) -> list[str]:
    """Check every member of ``archive``, then extract the files into ``dest``.

    Returns the extracted relative paths. Raises DataError naming the archive (and entry)
    for anything unsafe: before a single byte is written when the central directory shows it.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _fail(display, "zip_unreadable", reason=exc) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise _fail(display, "zip_members", n=len(infos), limit=limits.max_members)
        safe = [(info, _check_member(info, display)) for info in infos]
        total = sum(info.file_size for info in infos)
        if total > limits.max_unpacked_bytes:
            raise _fail(display, "zip_total", total=total, limit=limits.max_unpacked_bytes)
        written = 0
        out: list[str] = []
        root = dest.resolve()
        for info, rel in safe:
            if info.is_dir() or not rel or _IGNORED_MEMBERS.search(rel):
                continue
            target = (dest / rel).resolve()
            if not target.is_relative_to(root):  # belt and braces after _check_member
                raise _fail(display, "zip_outside", name=repr(_member_name(info)))
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "xb") as dst:
                    while chunk := src.read(1 << 16):
                        written += len(chunk)
                        if written > limits.max_unpacked_bytes:
                            raise _fail(
                                display,
                                "zip_over",
                                limit=limits.max_unpacked_bytes,
                                name=repr(_member_name(info)),
                            )
                        dst.write(chunk)
            except FileExistsError as exc:
                raise _fail(display, "zip_twice", name=repr(_member_name(info))) from exc
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
                name = repr(_member_name(info))
                raise _fail(display, "zip_extract", name=name, reason=exc) from exc
            except Exception as exc:  # zlib.error, NotImplementedError (unknown compression)
                if isinstance(exc, DataError):
                    raise
                name = repr(_member_name(info))
                raise _fail(display, "zip_extract", name=name, reason=exc) from exc
            out.append(rel)
    return out


def _datasets(members: list[str], kmz: bool) -> list[str]:
    """The members of a zip that are datasets an import reads."""
    wanted = (".kml",) if kmz else (".shp", ".gpkg", ".geojson", ".json", ".kml")
    return [m for m in members if PurePosixPath(m).suffix.lower() in wanted]


def _pick_dataset(
    folder: Path, members: list[str], display: str, layer: str | None, kmz: bool
) -> tuple[Path, str, str | None]:
    """The one dataset inside an extracted zip: (its path, its display name, the layer to read
    in it).

    ``layer`` names a member (its path or its name without extension), or a layer of a
    GeoPackage member as ``MEMBER:LAYER``; with one dataset in the zip it is that dataset's
    layer.
    """
    found = _datasets(members, kmz)
    inner = layer
    if layer and len(found) > 1:
        chosen = [m for m in found if PurePosixPath(m).stem == layer or m == layer]
        member, sep, name = layer.rpartition(":")
        if not chosen and sep and member in found and member.lower().endswith(".gpkg"):
            chosen, inner = [member], name
        elif chosen:
            inner = None
        found = chosen or found
    if not found:
        listed = ", ".join(members[:10]) or "—"
        raise _fail(display, "zip_empty", listed=listed)
    if len(found) > 1:
        raise _fail(display, "zip_several", found=", ".join(found))
    return folder / found[0], f"{display}/{found[0]}", inner


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
            reason = _gdal_message(exc)
            raise _fail(display, "reproject", fld="crs", crs=self.crs_name, reason=reason) from exc
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
            raise _fail(display, "not_gpkg")
        return "gpkg", False
    if suffix == ".shp":
        if head[:4] != b"\x00\x00\x27\x0a":
            raise _fail(display, "not_shp")
        for sidecar in (".shx", ".dbf"):
            if _sidecar(path, sidecar) is None:
                raise _fail(display, "shp_sidecar", sidecar=sidecar)
        return "shp", False
    if suffix in (".kml",):
        text = _decode(path, display)
        if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
            raise _fail(display, "kml_doctype")
        if "<kml" not in text[:4096].lower():
            raise _fail(display, "not_kml")
        return "kml", True
    text = _decode(path, display)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(
            display, "bad_json", row=exc.lineno, msg=exc.msg, line=exc.lineno, col=exc.colno
        ) from exc
    except RecursionError as exc:
        raise _fail(display, "deep_json") from exc
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise _fail(display, "not_geojson")
    return "geojson", "crs" not in doc


def _decode(path: Path, display: str) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(display, "not_utf8", byte=f"0x{raw[exc.start]:02x}", offset=exc.start) from exc


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
        enc = encoding.upper()
        problems.append(_problem(display, None, None, "guessed_encoding", "note", enc=enc))
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
        raise _fail(display, "unreadable_as", what=what, reason=_gdal_message(exc)) from exc
    names = [n for n, _ in layers]
    if kind in ("shp", "geojson"):
        return names[:1]
    if layer and kind == "gpkg":
        if layer not in names:
            raise _fail(display, "no_layer", layer=repr(layer), names=", ".join(names) or "—")
        return [layer]
    polygonal = [n for n, t in layers if "polygon" in t.lower() or t.lower() in ("unknown", "")]
    if kind == "kml":
        return polygonal or names
    if len(polygonal) == 1:
        return polygonal
    if "parks" in polygonal:  # a zones GeoPackage (export or bundle) sent back
        return ["parks"]
    if not polygonal:
        listed = ", ".join(f"{n} ({t})" for n, t in layers) or "—"
        raise _fail(display, "no_polygon_layer", listed=listed)
    raise _fail(display, "several_layers", names=", ".join(polygonal))


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
                    raise _fail(display, "too_many_features", n=count, limit=limits.max_features)
                frame = pyogrio.read_dataframe(path, layer=name, encoding=read_encoding)
            except DataError:
                raise
            except Exception as exc:
                raise _fail(display, "unreadable", reason=_gdal_message(exc)) from exc
            if info.get("crs"):
                try:
                    declared = CRS.from_user_input(info["crs"])
                except CRSError as exc:
                    reason = _gdal_message(exc)
                    raise _fail(display, "bad_prj", fld="crs", reason=reason) from exc
            frames.append(gpd.GeoDataFrame(frame).set_crs(None, allow_override=True))
    for w in caught:
        text = plain_text(w.message, 300)
        problems.append(_problem(display, None, None, "gdal", "note", text=text))

    if implicit_wgs84:
        if kind == "kml" and wanted is not None and not _same_crs(wanted, CRS(WGS84)):
            raise _fail(display, "kml_crs", fld="crs")
        crs = wanted or CRS(WGS84)
        if wanted is not None and not _same_crs(wanted, CRS(WGS84)):
            problems.append(
                _problem(display, None, "crs", "no_crs_member", "note", crs=_crs_name(wanted))
            )
    elif declared is None:
        if wanted is None:
            key = "no_crs_shp" if kind == "shp" else "no_crs"
            raise _fail(display, key, fld="crs")
        crs = wanted
        problems.append(_problem(display, None, "crs", "read_as", "note", crs=_crs_name(wanted)))
    else:
        if wanted is not None and not _same_crs(wanted, declared):
            raise _fail(
                display,
                "crs_conflict",
                fld="crs",
                declared=_crs_name(declared),
                wanted=_crs_name(wanted),
            )
        crs = declared
    if not frames:
        raise _fail(display, "no_layer_to_read")
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

    def problem(key: str, severity: str = "error", **values: Any) -> Problem:
        return _problem(display, number, "geometry", key, severity, label=label, **values)

    if geom is None or geom.is_empty:
        return None, [problem("no_geometry")]
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        return None, [problem("not_finite", crs=crs)]
    geom = shapely.force_2d(geom)
    notes: list[Problem] = []
    if geom.geom_type not in geo.POLYGONAL:
        polygons = _polygonal(geom)
        if polygons.is_empty:
            return None, [problem("not_polygon", kind=geom.geom_type)]
        notes.append(problem("polygons_kept", "note", kind=geom.geom_type))
        geom = polygons
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        geom = _polygonal(shapely.make_valid(geom))
        if geom.is_empty:
            return None, [problem("invalid_empty", reason=reason)]
        notes.append(problem("repaired", "note", reason=reason))
    geom = _polygonal(geo.on_grid(geom))
    if geom.is_empty or not geom.is_valid:
        return None, [problem("degenerate")]
    if not shapely.box(*NINGBO_BOUNDS).contains(geom):
        bounds = ", ".join(f"{v:.4f}" for v in geom.bounds)
        return None, [problem("outside_ningbo", bounds=bounds, crs=crs)]
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


def _digest(raw: bytes | None) -> str:
    """SHA-256 of a surveyed file's bytes; '' for no file."""
    return "" if raw is None else hashlib.sha256(raw).hexdigest()


def _read_current(path: Path) -> bytes | None:
    """The bytes of geo/surveyed_footprints.geojson, None when there is none."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def surveyed_digest(geo_dir: Path | str) -> str:
    """SHA-256 of ``geo_dir``'s surveyed_footprints.geojson now ('' when there is none): equal
    to a preview's ``surveyed_sha256`` while the file is as the preview saw it."""
    return _digest(_read_current(Path(geo_dir) / SURVEYED_FILE))


def _current_surveyed(geo_dir: Path | None) -> tuple[dict[str, str], str | None]:
    """(park_id -> source of the footprints in geo/surveyed_footprints.geojson now, the
    file's :func:`_digest`); ({}, None) without a geo/ folder."""
    if geo_dir is None:
        return {}, None
    try:
        raw = _read_current(Path(geo_dir) / SURVEYED_FILE)
    except OSError:
        return {}, None
    if raw is None:
        return {}, ""
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
        return {
            str(f["properties"]["park_id"]): str(f["properties"].get("source", ""))
            for f in doc.get("features", [])
        }, _digest(raw)
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}, _digest(raw)


@functools.lru_cache(maxsize=4)
def _land_m(path: str, stamp: int) -> BaseGeometry:
    """The union of the districts in ``path`` (as of ``stamp``), in EPSG:4549 metres."""
    features, _ = geo.read_features(Path(path), id_field="adcode")
    return geo.to_metres(shapely.union_all([f["geometry"] for f in features]))


def _land(geo_dir: Path | str | None) -> BaseGeometry | None:
    """Ningbo's districts (of ``geo_dir``, else the repository's geo/) in metres; None when
    they cannot be read."""
    for folder in (geo_dir, GEO_DIR):
        if folder is None:
            continue
        path = Path(folder) / DISTRICTS_FILE
        try:
            land = _land_m(str(path), path.stat().st_mtime_ns)
        except (OSError, ZonesError):
            continue
        if not land.is_empty:
            return land
    return None


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
    land: BaseGeometry | None,
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
        preview.problems.append(_problem(display, None, None, "holds_nothing"))
    elif not id_cols and not name_cols:
        fields = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name) or "—"
        preview.problems.append(_problem(display, None, None, "no_fields", fields=fields))
    if gcj02:
        preview.problems.append(_problem(display, None, "crs", "gcj02_note", "note"))
    if land is None and len(frame):
        preview.problems.append(_problem(display, None, None, "no_land", "note"))

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
            preview.problems.append(
                _problem(display, number, "footprint", "indicative", label=label)
            )
            continue
        try:
            polygon, notes = _clean_geometry(geom, read.crs_name, display, number, label)
            if polygon is not None and land is not None:
                off = geo.to_metres(polygon).distance(land)
                if off > LAND_BUFFER_M:
                    km, limit = off / 1000, LAND_BUFFER_M / 1000
                    notes.append(
                        _problem(
                            display, number, "geometry", "off_land", label=label, km=km, limit=limit
                        )
                    )
                    polygon = None
        except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
            reason = _gdal_message(exc)
            polygon = None
            notes = [_problem(display, number, "geometry", "unusable", label=label, reason=reason)]
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

    by_park: dict[str, list[MatchedFeature]] = {}
    for m in candidates:
        by_park.setdefault(m.park_id, []).append(m)
    for park_id, group in by_park.items():
        if len(group) == 1:
            preview.matched.append(group[0])
            preview.problems += _against_records(parks, group[0], display)
            continue
        numbers = ", ".join(f"#{m.feature}" for m in group)
        for m in group:
            preview.problems.append(
                _problem(
                    display,
                    m.feature,
                    "park_id",
                    "duplicate",
                    label=m.label,
                    numbers=numbers,
                    park=park_id,
                )
            )
    preview.matched.sort(key=lambda m: m.feature)
    return preview


def _against_records(parks: _Parks, match: MatchedFeature, display: str) -> list[Problem]:
    """How a matched footprint compares with its park's records: a mismatch (to confirm) when
    its area is more than :data:`AREA_RATIO` times off the recorded area, or it lies more than
    :data:`MISMATCH_DISTANCE_M` beyond the recorded location and its precision; a note when a
    sourced location is more than :data:`FAR_FROM_LOCATION_M` beyond."""
    row = parks.rows.get(match.park_id, {})
    number, park_id = match.feature, match.park_id
    out: list[Problem] = []
    recorded = row.get("area_km2")
    if _finite(recorded) and float(recorded) > 0:
        ratio = match.area_km2 / float(recorded)
        if not 1 / AREA_RATIO <= ratio <= AREA_RATIO:
            out.append(
                _problem(
                    display,
                    number,
                    "geometry",
                    "mismatch_area",
                    "mismatch",
                    label=match.label,
                    got=match.area_km2,
                    want=float(recorded),
                    ratio=ratio,
                    park=park_id,
                    limit=AREA_RATIO,
                )
            )
    lon, lat = row.get("lon"), row.get("lat")
    if not _finite(lon) or not _finite(lat):
        return out
    precision = row.get("location_precision_m")
    precision = float(precision) if _finite(precision) else 0.0
    distance = geo.distance_m(shapely.Point(float(lon), float(lat)), match.geometry)
    if distance > precision + MISMATCH_DISTANCE_M:
        out.append(
            _problem(
                display,
                number,
                "geometry",
                "mismatch_far",
                "mismatch",
                label=match.label,
                km=distance / 1000,
                park=park_id,
                beyond=(distance - precision) / 1000,
                precision=precision / 1000,
                limit=MISMATCH_DISTANCE_M / 1000,
            )
        )
    elif distance > precision + FAR_FROM_LOCATION_M and row.get("location_basis") == "sourced":
        out.append(
            _problem(
                display,
                number,
                "geometry",
                "far_note",
                "note",
                km=distance / 1000,
                park=park_id,
                m=precision,
            )
        )
    return out


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
        raise _fail(display, "too_big", size=len(data), limit=limits.max_file_bytes)
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
        raise _fail(display, "cannot_read", reason=exc.strerror or exc) from exc
    if not path.is_file():
        raise _fail(display, "not_file")
    if size > limits.max_file_bytes:
        raise _fail(display, "too_big", size=size, limit=limits.max_file_bytes)
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
        raise _fail(display or name, "unsupported", suffix=repr(suffix or "(none)"))
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
        kind, reason = type(exc).__name__, _gdal_message(exc)
        raise _fail(display, "cannot_import", kind=kind, reason=reason) from exc


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
    path, shown, layer = staged, display, options["layer"]
    if suffix in (".zip", ".kmz"):
        members = _unzip(staged, display, limits)
        path, shown, layer = _pick_dataset(
            staged.parent / "unpacked", members, display, layer, suffix == ".kmz"
        )
    kind, implicit = _sniff(path, shown)
    read = _read(
        path,
        shown,
        kind=kind,
        implicit_wgs84=implicit,
        layer=layer,
        source_crs=options["source_crs"],
        encoding=options["encoding"],
        limits=limits,
    )
    current, digest = _current_surveyed(Path(geo_dir) if geo_dir is not None else None)
    preview = _preview(
        read,
        display=shown,
        source=source,
        parks=index,
        gcj02=bool(options["gcj02"]),
        id_field=options["id_field"],
        name_field=options["name_field"],
        assign=assign,
        current=current,
        land=_land(geo_dir),
    )
    preview.surveyed_sha256 = digest
    return preview


def _unzip(staged: Path, display: str, limits: Limits) -> list[str]:
    """Extract the zip (or KMZ) ``staged`` into ``unpacked/`` next to it; its members."""
    if staged.read_bytes()[:2] != b"PK":
        raise _fail(display, "not_zip")
    unpacked = staged.parent / "unpacked"
    unpacked.mkdir()
    return _extract_zip(staged, unpacked, display, limits)


def _polygon_layers(path: Path) -> list[str]:
    """The layers of the GeoPackage at ``path`` that may hold polygons."""
    return [
        str(n)
        for n, t in pyogrio.list_layers(path)
        if "polygon" in str(t).lower() or str(t).lower() in ("unknown", "")
    ]


def upload_layers(data: bytes, filename: str, *, limits: Limits | None = None) -> list[str]:
    """The layers an upload offers to choose from, as ``layer`` values for
    :func:`preview_upload`: a GeoPackage's polygon layers; a zip's datasets (a GeoPackage in it
    with several polygon layers as ``MEMBER:LAYER``). Empty when there is nothing to choose.

    Raises DataError as :func:`preview_upload` does for a file it cannot open.
    """
    display = safe_file_name(filename)
    limits = limits or DEFAULT_LIMITS
    if len(data) > limits.max_file_bytes:
        raise _fail(display, "too_big", size=len(data), limit=limits.max_file_bytes)
    suffix = _suffix(display)
    if suffix not in (".gpkg", ".zip"):
        return []
    with tempfile.TemporaryDirectory(prefix="zones-import-") as tmp:
        staged = Path(tmp) / f"upload{suffix}"
        staged.write_bytes(data)
        try:
            if suffix == ".gpkg":
                choices = _polygon_layers(staged)
            else:
                choices = []
                for member in _datasets(_unzip(staged, display, limits), kmz=False):
                    inner = (
                        _polygon_layers(staged.parent / "unpacked" / member)
                        if member.lower().endswith(".gpkg")
                        else []
                    )
                    choices += [f"{member}:{n}" for n in inner] if len(inner) > 1 else [member]
        except ZonesError:
            raise
        except Exception as exc:  # a damaged file: the preview says why
            kind, reason = type(exc).__name__, _gdal_message(exc)
            raise _fail(display, "cannot_import", kind=kind, reason=reason) from exc
    return choices if len(choices) > 1 else []


def preferred_layer(choices: Sequence[str]) -> str | None:
    """The choice an import takes by default: a zones export's parks (a GeoPackage's ``parks``
    layer first), else the first."""
    layers = [c for c in choices if c == "parks" or c.endswith(":parks")]
    files = [c for c in choices if PurePosixPath(c).stem == "parks"]
    return next(iter(layers + files + list(choices)), None)


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


_held = threading.local()


@contextlib.contextmanager
def import_lock(geo_dir: Path | str, timeout: float | None = None) -> Iterator[Path]:
    """Hold the exclusive lock on ``geo_dir``'s surveyed footprints while the block runs.

    An exclusive ``flock`` on ``surveyed_footprints.geojson.lock`` next to the file: imports
    and undos in other processes (or threads) wait for it, for up to ``timeout`` seconds
    (default :data:`LOCK_TIMEOUT_S`). Re-entrant within a thread. Yields the lock file.

    Raises
    ------
    ImportRefused
        When another import holds the lock for longer than ``timeout``.
    """
    geo_dir = Path(geo_dir)
    lock = geo_dir / f"{SURVEYED_FILE}.lock"
    key = str(lock.resolve())
    held: dict[str, int] = _held.__dict__.setdefault("paths", {})
    if held.get(key) or fcntl is None:
        held[key] = held.get(key, 0) + 1
        try:
            yield lock
        finally:
            held[key] -= 1
        return
    wait = LOCK_TIMEOUT_S if timeout is None else timeout
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - start
                if waited >= wait:
                    name = str(geo_dir / SURVEYED_FILE)
                    raise _refused("locked", name=name, s=waited, lock=str(lock)) from None
                time.sleep(0.02)
        held[key] = 1
        try:
            yield lock
        finally:
            held[key] = 0
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


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


def _undone(history: Path) -> list[Path]:
    """Versions an undo replaced (kept for reference, never restored), oldest first."""
    if not history.is_dir():
        return []
    stem = Path(SURVEYED_FILE).stem
    found = [
        p
        for p in history.iterdir()
        if p.name.startswith(f"{stem}.") and p.name.endswith(".undone.geojson")
    ]
    return sorted(found, key=lambda p: p.name)


def _prune_history(history: Path, keep: int | None = None) -> list[Path]:
    """Remove all but the newest ``keep`` (default :data:`HISTORY_KEEP`) restorable and undone
    versions in ``history``; returns what was removed."""
    keep = HISTORY_KEEP if keep is None else keep
    removed = []
    for versions in (_snapshots(history), _undone(history)):
        for old in versions[: max(len(versions) - keep, 0)]:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
                removed.append(old)
    return removed


def _keep_version(history: Path, raw: bytes | None, kind: str) -> Path:
    """Write ``raw`` (None: an ``.absent`` marker) into ``history`` under a new time-stamped
    name ending in ``kind`` (``geojson`` or ``undone.geojson``), atomically."""
    history.mkdir(parents=True, exist_ok=True)
    stem = Path(SURVEYED_FILE).stem
    while True:
        ending = "absent" if raw is None else kind
        target = history / f"{stem}.{_stamp()}.{ending}"
        if not target.exists():
            break
    with atomic_write(target) as tmp:
        tmp.write_bytes(raw or b"")
    return target


def import_history(geo_dir: Path | str) -> list[Path]:
    """The versions kept by earlier imports (oldest first); :func:`undo_import` restores the
    last one."""
    return _snapshots(Path(geo_dir) / HISTORY_DIR)


def _existing_lines(path: Path, raw: bytes | None) -> dict[str, str]:
    """park_id -> the feature's JSON line, for every feature of the current file (``raw``)."""
    if raw is None:
        return {}
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
        out = {}
        for feature in doc["features"]:
            out[str(feature["properties"]["park_id"])] = json.dumps(
                feature, ensure_ascii=False, separators=(",", ":")
            )
        return out
    except (ValueError, KeyError, TypeError) as exc:
        raise _fail(str(path), "unreadable_current", reason=exc) from exc


def apply_import(
    preview: ImportPreview,
    geo_dir: Path | str,
    *,
    imported_on: date | None = None,
    confirm_mismatch: bool = False,
) -> ImportResult:
    """Write the matched features of ``preview`` into ``geo_dir/surveyed_footprints.geojson``.

    The file is RFC 7946 GeoJSON (WGS84, no ``crs``, counter-clockwise exterior rings, 1e-7
    degree coordinates, one feature per line, sorted by park id) with properties ``park_id``,
    ``source`` (the original file name), ``imported_on`` (ISO date) and ``note``. Surveyed
    footprints of parks not in this import are kept. The previous file (or a marker that there
    was none) is kept in ``geo_dir/surveyed_history/`` for :func:`undo_import` (the newest
    :data:`HISTORY_KEEP`). The new file is checked as `zones build` will read it before it
    replaces the old one; on any error nothing is changed.

    The whole read-modify-write holds :func:`import_lock`, so concurrent imports each keep
    what the others wrote; a preview made against a file that has changed since (its
    ``surveyed_sha256``) is refused rather than applied over changes it did not show.

    Raises
    ------
    ImportRefused
        When the preview has nothing to import, has mismatches and ``confirm_mismatch`` is
        false, is stale, or another import holds the lock too long. Nothing is written.
    DataError
        When the current file cannot be read (it would be lost).
    ValidationError
        When the written file would not pass the build's checks (a bug).
    """
    if not preview.can_apply:
        raise _refused("nothing_to_import", file=preview.file)
    if preview.needs_confirmation and not confirm_mismatch:
        raise ImportRefused(
            _MSG["unconfirmed"][0].format(
                n=len({p.row for p in preview.mismatches}),
                details="\n".join(f"  {problem_text(p, 'en')}" for p in preview.mismatches),
            ),
            _MSG["unconfirmed"][1].format(
                n=len({p.row for p in preview.mismatches}),
                details="\n".join(f"  {problem_text(p, 'zh')}" for p in preview.mismatches),
            ),
        )
    geo_dir = Path(geo_dir)
    path = geo_dir / SURVEYED_FILE
    when = (imported_on or date.today()).isoformat()
    imported = tuple(m.park_id for m in preview.matched)
    history = geo_dir / HISTORY_DIR
    with import_lock(geo_dir):
        raw = _read_current(path)
        if preview.surveyed_sha256 is not None and _digest(raw) != preview.surveyed_sha256:
            raise _refused("stale", name=str(path))
        lines = _existing_lines(path, raw)
        kept = tuple(sorted(set(lines) - set(imported)))
        for m in preview.matched:
            note = (
                f"Surveyed boundary imported from {preview.source} (feature {m.feature}) on "
                f"{when}."
            )
            if m.note:
                note += f" Note in the file: {m.note}"
            confirmed = [p.message for p in preview.mismatches if p.row == m.feature]
            if confirmed:
                note += _MSG["confirmed_note"][0].format(what="; ".join(confirmed))
            properties = {
                "park_id": m.park_id,
                "source": preview.source,
                "imported_on": when,
                "note": note,
            }
            lines[m.park_id] = _feature_json(properties, m.geometry)
        snapshot = _keep_version(history, raw, "geojson")
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
        _prune_history(history)
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
    the version being undone is kept there as ``*.undone.geojson`` (the newest
    :data:`HISTORY_KEEP` of them). When there was no file before the import, the file is left
    as an empty FeatureCollection (not deleted, so that `zones build --if-stale` sees the
    change). Holds :func:`import_lock`.

    Raises
    ------
    ImportRefused
        When no import can be undone (or another import holds the lock too long).
    """
    geo_dir = Path(geo_dir)
    path = geo_dir / SURVEYED_FILE
    history = geo_dir / HISTORY_DIR
    with import_lock(geo_dir):
        snapshots = _snapshots(history)
        if not snapshots:
            raise _refused("nothing_to_undo", history=str(history))
        last = snapshots[-1]
        raw = _read_current(path)
        undone = None if raw is None else _keep_version(history, raw, "undone.geojson")
        # No file before the import: write an empty collection rather than delete, so that the
        # file's new time makes `zones build --if-stale` rebuild.
        emptied = last.name.endswith(".absent")
        data = _collection([]) if emptied else last.read_bytes()
        with atomic_write(path) as tmp:
            tmp.write_bytes(data)
        last.unlink()
        _prune_history(history)
    return UndoResult(path=path, restored=last, undone=undone, emptied=emptied)


__all__ = [
    "AREA_RATIO",
    "HISTORY_DIR",
    "HISTORY_KEEP",
    "LAND_BUFFER_M",
    "MISMATCH_DISTANCE_M",
    "SUPPORTED",
    "ImportPreview",
    "ImportProblem",
    "ImportRefused",
    "ImportResult",
    "Limits",
    "MatchedFeature",
    "UndoResult",
    "UnmatchedFeature",
    "apply_import",
    "error_message",
    "import_history",
    "import_lock",
    "load_parks",
    "plain_text",
    "preferred_layer",
    "preview_file",
    "preview_upload",
    "problem_text",
    "surveyed_digest",
    "undo_import",
    "upload_layers",
]
