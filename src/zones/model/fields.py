"""The bilingual field dictionary: every exported column of every layer, in Chinese and English.

Each column has a :class:`Field`: its name in the dataset (and in GeoPackage and GeoJSON), its
Shapefile name (at most 10 ASCII characters, unique in its layer, as DBF requires), its kind and
what it holds in Chinese and English. The export bundle ships the dictionary as ``fields.csv``
and ``fields.md`` and renames Shapefile fields with it; any module may reuse it.

``tests/test_fields.py`` fails when a layer of a real build has a column without an entry here,
so a new column cannot reach an export undescribed.

It also states how each format encodes values (:data:`LIST_ENCODING`, :func:`format_rules`):
list columns are JSON arrays in GeoJSON and ``;``-joined text in every flat format (GeoPackage,
Shapefile, CSV, KML); CSV text cells that start like a spreadsheet formula get a leading ``'``,
every other format keeps text exactly as it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from zones.errors import UnknownValueError
from zones.model.dataset import POINT_TABLES
from zones.text import pick, t

#: Kinds of columns: how each format stores them.
KINDS = ("text", "list", "real", "integer", "geometry")
#: Longest DBF field name.
SHAPEFILE_NAME_MAX = 10
_SHAPEFILE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,9}$")

#: Separator of list items in every flat format (CSV, KML, GeoPackage, Shapefile).
LIST_SEPARATOR = ";"
#: How each export format stores ``list`` columns: ``array`` (a JSON array, GeoJSON only) or
#: ``joined`` (text, the items joined by :data:`LIST_SEPARATOR`: what QGIS filters with
#: ``"field" LIKE '%item%'`` or ``string_to_array("field", ';')``). Every format that writes
#: list columns has an entry: :func:`zones.io.layers.export_frame` encodes by it.
LIST_ENCODING: dict[str, str] = {
    "geojson": "array",
    "gpkg": "joined",
    "shapefile": "joined",
    "csv": "joined",
    "kml": "joined",
    "filegdb": "joined",
}
#: How each export format stores the rows of a point table
#: (:data:`zones.model.dataset.POINT_TABLES`):
#: ``point`` (a point geometry at lon/lat, null where the row has no coordinates) or ``columns``
#: (the lon and lat columns only). :func:`zones.io.layers.export_frame` follows it.
POINT_ENCODING: dict[str, str] = {
    "geojson": "point",
    "gpkg": "point",
    "shapefile": "point",
    "csv": "columns",
    "kml": "point",
    "filegdb": "point",
}
#: Leading characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_FORMAT_NAMES = {
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
    "shapefile": "Shapefile",
    "csv": "CSV",
    "kml": "KML",
    "filegdb": "File Geodatabase",
}


def neutralise_formula(text: str) -> str:
    """``text`` with a leading ``'`` when it starts like a spreadsheet formula, else as is.

    OWASP's rule against CSV injection: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return is prefixed with a single quote, so Excel, LibreOffice and Numbers
    show it as text; the rest of the cell is kept. Apply it to text cells only: a negative
    number in a numeric column is a number, not a formula. Every CSV zones writes applies it
    (the exports, ``fields.csv``); every other format keeps text as it is.
    """
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def format_rules(lang: str = "zh") -> tuple[str, ...]:
    """How the exports encode lists, text in CSV and point tables, as sentences in ``lang``
    (``fields.rule.*`` in the text catalogs)."""
    arrays = [_FORMAT_NAMES[f] for f, how in LIST_ENCODING.items() if how == "array"]
    joined = [_FORMAT_NAMES[f] for f, how in LIST_ENCODING.items() if how == "joined"]
    points = ", ".join(POINT_TABLES)
    as_points = [_FORMAT_NAMES[f] for f, how in POINT_ENCODING.items() if how == "point"]
    as_columns = [_FORMAT_NAMES[f] for f, how in POINT_ENCODING.items() if how == "columns"]
    kept = [_FORMAT_NAMES[f] for f in LIST_ENCODING if f != "csv"]
    sep = t("punct.list", lang)
    return (
        t(
            "fields.rule.lists",
            lang,
            arrays=sep.join(arrays),
            joined=sep.join(joined),
            sep=LIST_SEPARATOR,
        ),
        t("fields.rule.csv", lang, kept=sep.join(kept[:-1]), last=kept[-1]),
        t(
            "fields.rule.points",
            lang,
            points=points,
            as_points=sep.join(as_points),
            as_columns=sep.join(as_columns),
        ),
    )


@dataclass(frozen=True)
class Field:
    """One column of one layer.

    Attributes
    ----------
    name
        Column name in the dataset, the GeoPackage and GeoJSON.
    shp
        Field name in the Shapefile (DBF): ASCII, at most 10 characters; ``""`` for geometry.
    kind
        One of :data:`KINDS`. ``list`` columns are JSON arrays in GeoJSON and ``;``-joined
        text in every flat format (GeoPackage, Shapefile, CSV, KML): see :data:`LIST_ENCODING`.
    zh, en
        What the column holds, in Chinese and in English.
    """

    name: str
    shp: str
    kind: str
    zh: str
    en: str


def _f(name: str, kind: str, zh: str, en: str, shp: str | None = None) -> Field:
    """The field ``name``; its Shapefile name is ``shp``, else ``name`` (none for geometry)."""
    if shp is None:
        shp = "" if kind == "geometry" else name
    return Field(name, shp, kind, zh, en)


# Fields that several layers share, word for word.
_NAME_ZH = _f("name_zh", "text", "中文名称", "Chinese name")
_NAME_EN = _f("name_en", "text", "英文名称", "English name")
_PLAN_SOURCE = _f(
    "source",
    "text",
    "出处（plan:L行号 指规划原文行号，或网址）",
    "source (plan:Lnn is a line of the plan text, or a URL)",
)
_QUOTE = _f("quote", "text", "规划原文引文", "quotation from the plan")
_AREA_KM2 = _f(
    "area_km2", "real", "面积（平方公里，EPSG:4549 计算）", "area (km², measured in EPSG:4549)"
)
_ORDER = _f("order", "integer", "排列顺序", "display order")
_NOTE = _f("note", "text", "说明", "note")
_LOCATION_PRECISION = _f(
    "location_precision_m",
    "integer",
    "位置精度（米）",
    "location precision (metres)",
    shp="loc_prec_m",
)

#: Every layer's fields, in the layer's column order (see :mod:`zones.model.dataset`).
FIELDS: dict[str, tuple[Field, ...]] = {
    "districts": (
        _f("adcode", "text", "行政区划代码", "administrative division code (adcode)"),
        _NAME_ZH,
        _NAME_EN,
        _AREA_KM2,
        _f("source", "text", "边界来源", "source of the boundary"),
        _f("geometry", "geometry", "区县（市）边界多边形", "district boundary polygon"),
    ),
    "belts": (
        _f("id", "text", "产业圈 / 产业带标识", "circle / belt id"),
        _NAME_ZH,
        _NAME_EN,
        _f("kind", "text", "类型：circle 产业圈 / belt 产业带", "kind: circle / belt"),
        _f("color", "text", "地图配色（#rrggbb）", "map colour (#rrggbb)"),
        _ORDER,
        _f(
            "areas",
            "list",
            "规划所列空间范围（原文写法）",
            "areas the plan lists (as the plan writes them)",
        ),
        _f(
            "district_adcodes",
            "list",
            "涉及区县（市）行政区划代码",
            "adcodes of the districts it covers",
            shp="dist_codes",
        ),
        _f(
            "focus_industry_ids", "list", "重点产业标识", "ids of focus industries", shp="focus_ids"
        ),
        _f(
            "focus_industries",
            "list",
            "重点产业名称（中文，规划用名，同 industries 的 name_zh）",
            "names of focus industries in Chinese (the plan's names, as industries.name_zh)",
            shp="focus_inds",
        ),
        _f(
            "cultivate_industry_ids",
            "list",
            "培育产业标识",
            "ids of industries to cultivate",
            shp="cultiv_ids",
        ),
        _f(
            "cultivate_industries",
            "list",
            "培育产业名称（中文，规划用名，同 industries 的 name_zh）",
            "names of industries to cultivate in Chinese (the plan's names, as industries.name_zh)",
            shp="cultiv_ind",
        ),
        _f(
            "geometry_basis",
            "text",
            "范围依据：districts 整区 / indicative 含示意分区（乡镇驻地的泰森多边形）",
            "basis of the outline: districts (whole districts) / indicative (includes district "
            "parts drawn from town seats' Voronoi cells)",
            shp="geom_basis",
        ),
        _AREA_KM2,
        _PLAN_SOURCE,
        _QUOTE,
        _f("geometry", "geometry", "产业圈 / 产业带范围多边形", "circle / belt polygon"),
    ),
    "parks": (
        _f("id", "text", "园区标识（稳定的英文短名）", "park id (a stable ASCII slug)"),
        _NAME_ZH,
        _NAME_EN,
        _f(
            "level",
            "text",
            "级别：national 国家级 / provincial 省级 / unknown 级别不详",
            "level: national / provincial / unknown",
        ),
        _f("level_note", "text", "级别说明（英文）", "note on the level (English)"),
        _f(
            "level_note_zh",
            "text",
            "级别说明（中文）",
            "note on the level (Chinese)",
            shp="lvl_nt_zh",
        ),
        _f(
            "type",
            "text",
            "园区类型（如经济技术开发区）",
            "park type (e.g. economic and technological development zone)",
        ),
        _f("parent_id", "text", "上级园区标识（一区多园时）", "id of the parent park, if any"),
        _f(
            "district_adcodes",
            "list",
            "所在区县（市）行政区划代码",
            "adcodes of its districts",
            shp="dist_codes",
        ),
        _f("districts", "list", "所在区县（市）名称", "names of its districts"),
        _f("belt_ids", "list", "所在产业圈 / 产业带标识", "ids of its circle / belts"),
        _f("belts", "list", "所在产业圈 / 产业带名称", "names of its circle / belts"),
        _f(
            "platform_belt_ids",
            "list",
            "规划将其列为平台的产业圈 / 产业带标识",
            "ids of the belts the plan names it a platform of",
            shp="plat_belts",
        ),
        _f(
            "industry_ids",
            "list",
            "全部相关产业标识（指定 + 产业带重点 + 其他来源）",
            "ids of every linked industry (designated + belt focus + other sources)",
            shp="ind_ids",
        ),
        _f("industries", "list", "全部相关产业名称", "names of every linked industry"),
        _f(
            "designated_industry_ids",
            "list",
            "规划为园区指定的产业标识",
            "ids of the industries designated for it",
            shp="desig_ids",
        ),
        _f(
            "designated_industries",
            "list",
            "规划为园区指定的产业名称",
            "names of the industries designated for it",
            shp="desig_inds",
        ),
        _f("tier_ids", "list", "相关产业所属层级标识", "tier ids of its industries"),
        _f("tiers", "list", "相关产业所属层级名称", "tier names of its industries"),
        _f("lon", "real", "代表点经度（WGS84）", "longitude of its representative point (WGS84)"),
        _f("lat", "real", "代表点纬度（WGS84）", "latitude of its representative point (WGS84)"),
        _f(
            "location_basis",
            "text",
            "位置依据：sourced 有出处 / estimated 估计 / located 经审核更正的点",
            "location basis: sourced / estimated / located (a reviewed correction)",
            shp="loc_basis",
        ),
        _LOCATION_PRECISION,
        _f("location_source", "text", "位置来源", "source of the location", shp="loc_source"),
        _f(
            "location_note",
            "text",
            "位置说明（英文）",
            "note on the location (English)",
            shp="loc_note",
        ),
        _f(
            "location_note_zh",
            "text",
            "位置说明（中文）",
            "note on the location (Chinese)",
            shp="loc_nt_zh",
        ),
        _f(
            "area_km2",
            "real",
            "有出处的面积（平方公里），未知则为空",
            "sourced area (km²), empty when unknown",
        ),
        _f("area_source", "text", "面积来源", "source of the area", shp="area_src"),
        _f("area_note", "text", "面积说明（英文）", "note on the area (English)"),
        _f(
            "area_note_zh",
            "text",
            "面积说明（中文）",
            "note on the area (Chinese)",
            shp="area_nt_zh",
        ),
        _f(
            "footprint",
            "text",
            "范围类型：surveyed 实测 / indicative 示意（估计）",
            "footprint kind: surveyed / indicative (estimated)",
        ),
        _f(
            "footprint_note",
            "text",
            "范围说明（英文）",
            "note on the footprint (English)",
            shp="fp_note",
        ),
        _f(
            "footprint_note_zh",
            "text",
            "范围说明（中文）",
            "note on the footprint (Chinese)",
            shp="fp_note_zh",
        ),
        _f(
            "footprint_source",
            "text",
            "范围来源（实测范围的导入文件）",
            "source of the footprint (the imported file, for surveyed ones)",
            shp="fp_source",
        ),
        _f(
            "footprint_area_km2",
            "real",
            "图上范围面积（平方公里，EPSG:4549 计算），示意范围为估计值",
            "area of the drawn footprint (km², EPSG:4549); an estimate when indicative",
            shp="fp_km2",
        ),
        _f(
            "sources",
            "list",
            "来源列表（plan:L行号 指规划原文行号）",
            "sources (plan:Lnn is a line of the plan text)",
        ),
        _f("notes", "text", "备注（英文）", "notes (English)"),
        _f("notes_zh", "text", "备注（中文）", "notes (Chinese)"),
        _f(
            "nearest_port_km",
            "real",
            "距最近港区（公里，大地线）",
            "distance to the nearest seaport area (km, geodesic)",
            shp="port_km",
        ),
        _f("nearest_port", "text", "最近港区标识", "id of the nearest seaport area", shp="port"),
        _f(
            "airport_km",
            "real",
            "距栎社机场（公里，大地线）",
            "distance to Lishe airport (km, geodesic)",
        ),
        _f(
            "nearest_rail_km",
            "real",
            "距最近火车站（公里，大地线）",
            "distance to the nearest railway station (km, geodesic)",
            shp="rail_km",
        ),
        _f(
            "nearest_rail",
            "text",
            "最近火车站标识",
            "id of the nearest railway station",
            shp="rail",
        ),
        _f(
            "geometry",
            "geometry",
            "园区范围多边形（实测，或示意：见 footprint）",
            "footprint polygon (surveyed, or indicative: see footprint)",
        ),
    ),
    "industries": (
        _f("id", "text", "产业标识", "industry id"),
        _NAME_ZH,
        _NAME_EN,
        _f(
            "tier_id",
            "text",
            "所属层级标识（空 = 规划未分层）",
            "tier id (empty = not tiered by the plan)",
        ),
        _f("parent_id", "text", "上级产业标识", "id of the parent industry"),
        _f(
            "aliases", "list", "别名（规划中的其他写法）", "aliases (other ways the plan writes it)"
        ),
        _PLAN_SOURCE,
        _QUOTE,
        _NOTE,
    ),
    "tiers": (
        _f("id", "text", "产业层级标识（五个一批）", "tier id (五个一批)"),
        _NAME_ZH,
        _NAME_EN,
        _ORDER,
        _PLAN_SOURCE,
        _QUOTE,
    ),
    "park_industries": (
        _f("park_id", "text", "园区标识", "park id"),
        _f("industry_id", "text", "产业标识", "industry id", shp="ind_id"),
        _f(
            "basis",
            "text",
            "依据：park 园区指定（一园一业）/ belt 所在产业带重点 / source 其他来源",
            "basis: park (一园一业 designation) / belt (focus of its belt) / source (other source)",
        ),
        _PLAN_SOURCE,
        _NOTE,
    ),
    "targets": (
        _f("id", "text", "指标标识", "target id"),
        _NAME_ZH,
        _NAME_EN,
        _f("value", "real", "目标值", "target value"),
        _f("unit_zh", "text", "单位（中文）", "unit (Chinese)"),
        _f("unit_en", "text", "单位（英文）", "unit (English)"),
        _f("year", "integer", "目标年份", "target year"),
        _PLAN_SOURCE,
        _QUOTE,
    ),
    "transport_nodes": (
        _f("id", "text", "交通节点标识", "transport node id"),
        _NAME_ZH,
        _NAME_EN,
        _f(
            "kind",
            "text",
            "类型：seaport 港区 / river-port 内河港 / airport 机场 / rail 火车站 / bridge 桥梁",
            "kind: seaport / river-port / airport / rail / bridge",
        ),
        _f(
            "lon",
            "real",
            "经度（WGS84），无出处则为空",
            "longitude (WGS84), empty when not sourced",
        ),
        _f(
            "lat", "real", "纬度（WGS84），无出处则为空", "latitude (WGS84), empty when not sourced"
        ),
        _f(
            "location_basis",
            "text",
            "位置依据：sourced 有出处 / missing 缺失",
            "location basis: sourced / missing",
            shp="loc_basis",
        ),
        _LOCATION_PRECISION,
        _f("location_note", "text", "位置说明", "note on the location", shp="loc_note"),
        _NOTE,
        _f("sources", "list", "来源列表", "sources"),
        _f(
            "geometry",
            "geometry",
            "交通节点位置（点，来自 lon/lat；无出处坐标时为空；CSV 中无此列）",
            "node location (a point at lon/lat; empty without a sourced coordinate; not in CSV)",
        ),
    ),
}


#: Longest short Chinese label (:func:`label_zh`), in characters.
LABEL_ZH_MAX = 12
#: Short Chinese label of each column, by column name: what a QGIS attribute table shows as the
#: field's alias (:mod:`zones.io.qgis`). A column whose label depends on its layer is in
#: :data:`LABELS_ZH_BY_LAYER` instead; :func:`check_dictionary` wants a label for every field.
LABELS_ZH: dict[str, str] = {
    "adcode": "行政区划代码",
    "name_zh": "中文名称",
    "name_en": "英文名称",
    "area_km2": "面积（km²）",
    "source": "出处",
    "quote": "规划原文",
    "note": "说明",
    "kind": "类型",
    "color": "地图配色",
    "order": "顺序",
    "areas": "规划空间范围",
    "district_adcodes": "区县代码",
    "focus_industry_ids": "重点产业标识",
    "focus_industries": "重点产业",
    "cultivate_industry_ids": "培育产业标识",
    "cultivate_industries": "培育产业",
    "geometry_basis": "范围依据",
    "level": "级别",
    "level_note": "级别说明",
    "level_note_zh": "级别说明（中文）",
    "type": "园区类型",
    "districts": "所在区县",
    "belt_ids": "产业带标识",
    "belts": "所在产业带",
    "platform_belt_ids": "平台所属产业带",
    "industry_ids": "相关产业标识",
    "industries": "相关产业",
    "designated_industry_ids": "指定产业标识",
    "designated_industries": "指定产业",
    "tier_ids": "产业层级标识",
    "tiers": "产业层级",
    "lon": "经度",
    "lat": "纬度",
    "location_basis": "位置依据",
    "location_precision_m": "位置精度（米）",
    "location_source": "位置来源",
    "location_note": "位置说明",
    "location_note_zh": "位置说明（中文）",
    "area_source": "面积来源",
    "area_note": "面积说明",
    "area_note_zh": "面积说明（中文）",
    "footprint": "范围类型",
    "footprint_note": "范围说明",
    "footprint_note_zh": "范围说明（中文）",
    "footprint_source": "范围来源",
    "footprint_area_km2": "图上面积（km²）",
    "sources": "来源",
    "notes": "备注",
    "notes_zh": "备注（中文）",
    "nearest_port_km": "距港区（km）",
    "nearest_port": "最近港区",
    "airport_km": "距机场（km）",
    "nearest_rail_km": "距火车站（km）",
    "nearest_rail": "最近火车站",
    "tier_id": "层级标识",
    "aliases": "别名",
    "park_id": "园区标识",
    "industry_id": "产业标识",
    "basis": "关联依据",
    "value": "目标值",
    "unit_zh": "单位（中文）",
    "unit_en": "单位（英文）",
    "year": "目标年份",
}
#: Short Chinese labels that depend on the layer: ``(layer, column)`` -> label.
LABELS_ZH_BY_LAYER: dict[tuple[str, str], str] = {
    ("districts", "source"): "边界来源",
    ("belts", "id"): "产业带标识",
    ("belts", "kind"): "圈 / 带",
    ("belts", "district_adcodes"): "涉及区县代码",
    ("parks", "id"): "园区标识",
    ("parks", "parent_id"): "上级园区标识",
    ("industries", "id"): "产业标识",
    ("industries", "parent_id"): "上级产业标识",
    ("tiers", "id"): "层级标识",
    ("targets", "id"): "指标标识",
    ("transport_nodes", "id"): "节点标识",
    ("transport_nodes", "kind"): "节点类型",
}


def layer_fields(layer: str) -> tuple[Field, ...]:
    """The fields of ``layer``.

    Raises
    ------
    UnknownValueError
        When the dictionary has no layer called ``layer``.
    """
    if layer not in FIELDS:
        raise UnknownValueError("layer", str(layer), sorted(FIELDS))
    return FIELDS[layer]


def field(layer: str, column: str) -> Field:
    """The entry of ``column`` in ``layer``.

    Raises
    ------
    UnknownValueError
        When the layer or the column has no entry (the message lists the layer's columns).
    """
    for entry in layer_fields(layer):
        if entry.name == column:
            return entry
    names = [f.name for f in FIELDS[layer]]
    raise UnknownValueError(f"column of {layer}", str(column), names)


def undescribed(layer: str, columns: Iterable[str]) -> list[str]:
    """The ``columns`` of ``layer`` that have no entry (all of them for an unknown layer)."""
    known = {f.name for f in FIELDS.get(layer, ())}
    return [c for c in columns if c not in known]


def shapefile_names(layer: str) -> dict[str, str]:
    """Column -> Shapefile field name for every attribute column of ``layer``."""
    return {f.name: f.shp for f in layer_fields(layer) if f.kind != "geometry"}


def description(layer: str, column: str, lang: str = "zh") -> str:
    """What ``column`` of ``layer`` holds, in ``lang``'s data language
    (:func:`zones.text.data_languages`: the dictionary is data, in Chinese and English)."""
    entry = field(layer, column)
    return pick({"zh": entry.zh, "en": entry.en}, lang)


def label_zh(layer: str, column: str) -> str:
    """The short Chinese label of ``column`` of ``layer`` (a QGIS field alias): from
    :data:`LABELS_ZH_BY_LAYER`, else :data:`LABELS_ZH`; ``""`` when it has none."""
    return LABELS_ZH_BY_LAYER.get((layer, column)) or LABELS_ZH.get(column, "")


def check_dictionary() -> list[str]:
    """Every inconsistency of :data:`FIELDS` (empty when it is sound), for tests and CI.

    Shapefile names must be ASCII identifiers of at most 10 characters, unique (case-
    insensitively, as DBF compares them) within a layer; kinds must be known; descriptions
    must be non-empty in both languages; every attribute field needs a short Chinese label
    (:func:`label_zh`) of at most :data:`LABEL_ZH_MAX` characters, unique within its layer.
    """
    out: list[str] = []
    for layer, entries in FIELDS.items():
        seen_names: set[str] = set()
        seen_shp: dict[str, str] = {}
        seen_labels: dict[str, str] = {}
        for f in entries:
            where = f"{layer}.{f.name}"
            if f.name in seen_names:
                out.append(f"{where}: listed twice")
            seen_names.add(f.name)
            if f.kind not in KINDS:
                out.append(f"{where}: kind {f.kind!r} is not one of {', '.join(KINDS)}")
            if not f.zh.strip() or not f.en.strip():
                out.append(f"{where}: needs both a Chinese and an English description")
            if f.kind == "geometry":
                if f.shp:
                    out.append(f"{where}: geometry has no Shapefile field name")
                continue
            short = label_zh(layer, f.name)
            if not short or len(short) > LABEL_ZH_MAX:
                out.append(
                    f"{where}: needs a short Chinese label of 1-{LABEL_ZH_MAX} characters in "
                    f"LABELS_ZH (or LABELS_ZH_BY_LAYER), not {short!r}"
                )
            elif short in seen_labels:
                out.append(f"{where}: Chinese label {short!r} also used by {seen_labels[short]}")
            seen_labels[short] = f.name
            if not _SHAPEFILE_NAME.match(f.shp):
                out.append(
                    f"{where}: Shapefile name {f.shp!r} must be 1-{SHAPEFILE_NAME_MAX} ASCII "
                    "letters, digits or _ starting with a letter"
                )
            key = f.shp.casefold()
            if key in seen_shp:
                out.append(f"{where}: Shapefile name {f.shp!r} also used by {seen_shp[key]}")
            seen_shp[key] = f.name
    return out


# --------------------------------------------------------------------------------------------
# The dictionary as files

_HEADER = ("layer", "field", "shapefile_field", "kind", "description_zh", "description_en")


def dictionary_rows(layers: Iterable[str] | None = None) -> list[tuple[str, ...]]:
    """One row per field: layer, field, Shapefile field, kind, Chinese, English."""
    names = list(FIELDS) if layers is None else list(layers)
    return [
        (layer, f.name, f.shp, f.kind, f.zh, f.en) for layer in names for f in layer_fields(layer)
    ]


def dictionary_csv(layers: Iterable[str] | None = None) -> bytes:
    """The dictionary as CSV: UTF-8 with a BOM (Excel), every cell quoted, ``\\n`` line ends.

    Cells that start like a spreadsheet formula get a leading ``'``, as in every CSV export
    (:func:`neutralise_formula`).
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(_HEADER)
    writer.writerows([neutralise_formula(cell) for cell in row] for row in dictionary_rows(layers))
    return buffer.getvalue().encode("utf-8-sig")


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def dictionary_markdown(layers: Iterable[str] | None = None) -> str:
    """The dictionary as Markdown: one bilingual table per layer."""
    names = list(FIELDS) if layers is None else list(layers)
    lines = ["# 字段说明 / Field dictionary", ""]
    for zh, en in zip(format_rules("zh"), format_rules("en"), strict=True):
        lines += [f"- {zh}", f"  {en}"]
    lines.append("")
    for layer in names:
        lines += [
            f"## {layer}",
            "",
            "| 字段 field | Shapefile | 类型 kind | 说明 | description |",
            "|---|---|---|---|---|",
        ]
        for f in layer_fields(layer):
            cells = (f.name, f.shp or "—", f.kind, f.zh, f.en)
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)
