"""Every string the app shows, in Chinese (the default) and English, and safe text helpers.

``t(key, lang, **values)`` looks a string up and fills ``{placeholders}``; a key missing in one
language is a bug that ``tests/test_i18n.py`` catches. Export field descriptions come from the
project's field dictionary (:mod:`zones.fields`) through :func:`field_description`. Values that
come from data (park names, notes, sources) are never trusted: :func:`md_text` makes them inert
in Streamlit Markdown and :func:`html_text` in HTML.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
#: How each language offers itself in the language switch.
LANG_NAMES = {"zh": "中文", "en": "English"}

STRINGS: dict[str, dict[str, str]] = {
    # --- page -------------------------------------------------------------------------------
    "app.title": {
        "zh": "宁波市制造业空间布局：一圈三带多园",
        "en": "Ningbo manufacturing layout: one circle, three belts, many parks",
    },
    "app.caption": {
        "zh": "依据《{plan}》整理的产业圈、产业带与园区及其产业。点击地图上的园区查看详情。",
        "en": "Industrial circle, belts and parks with their industries, compiled from "
        "“{plan}”. Click a park on the map for its details.",
    },
    "app.language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "app.basemap": {"zh": "底图", "en": "Basemap"},
    "app.basemap_help": {
        "zh": "“无底图”离线可用；在线底图需要互联网。",
        "en": "“No basemap” works offline; online basemaps need the internet.",
    },
    # --- errors and notices -----------------------------------------------------------------
    "error.dataset": {
        "zh": "无法读取构建好的数据集 {path}：{reason}",
        "en": "Cannot read the built dataset {path}: {reason}",
    },
    "error.rebuild": {
        "zh": "请在项目目录运行以下命令重新构建数据，然后刷新本页：",
        "en": "Rebuild it from the project folder with the command below, then reload this page:",
    },
    "error.assets": {
        "zh": "缺少地图脚本文件（{files}）：请运行 `scripts/vendor_assets.sh`。",
        "en": "Map script files are missing ({files}): run `scripts/vendor_assets.sh`.",
    },
    "notice.unknown_value": {
        "zh": "链接中的{field}“{value}”无法识别，已忽略。",
        "en": "The link's {field} “{value}” is not known and was ignored.",
    },
    "notice.unknown_values": {
        "zh": "链接中的{field}{values}无法识别，已忽略。",
        "en": "The link's {field} values {values} are not known and were ignored.",
    },
    "notice.list_sep": {"zh": "、", "en": ", "},
    "notice.and_more": {"zh": "{values}及另外 {n} 个", "en": "{values} and {n} more"},
    "notice.unread": {
        "zh": "链接中的{field}超过 {max} 个值：只读取前 {max} 个，其余 {n} 个未读取。",
        "en": "The link holds more than {max} {field} values: only the first {max} were "
        "read, the other {n} were not.",
    },
    "notice.text_cut": {
        "zh": "链接中的{field}超过 {max} 个字符，已截取前 {max} 个字符进行搜索：“{value}”。",
        "en": "The link's {field} is longer than {max} characters; its first {max} are "
        "searched for: “{value}”.",
    },
    "notice.dismiss": {"zh": "知道了", "en": "Dismiss"},
    "notice.park_hidden": {
        "zh": "所选园区不符合当前筛选条件，已取消选择。",
        "en": "The selected park does not match the filters and was deselected.",
    },
    # --- query-string fields, as notices name them ------------------------------------------
    "field.belt": {"zh": "产业带", "en": "belt"},
    "field.industry": {"zh": "产业", "en": "industry"},
    "field.tier": {"zh": "产业层级", "en": "industry tier"},
    "field.district": {"zh": "区县（市）", "en": "district"},
    "field.level": {"zh": "园区级别", "en": "park level"},
    "field.type": {"zh": "园区类型", "en": "park type"},
    "field.designated": {"zh": "“仅指定产业”选项", "en": "“designated only” option"},
    "field.park": {"zh": "园区", "en": "park"},
    "field.lang": {"zh": "语言", "en": "language"},
    "field.basemap": {"zh": "底图", "en": "basemap"},
    "field.q": {"zh": "名称搜索", "en": "name search"},
    # --- sidebar filters --------------------------------------------------------------------
    "filter.header": {"zh": "筛选园区", "en": "Filter parks"},
    "filter.tier": {"zh": "产业层级", "en": "Industry tier"},
    "filter.industry": {"zh": "产业", "en": "Industry"},
    "filter.industry_help": {
        "zh": "选择上级产业即包含其全部下级产业。",
        "en": "Choosing an industry includes all its sub-industries.",
    },
    "filter.belt": {"zh": "产业圈 / 产业带", "en": "Circle / belt"},
    "filter.district": {"zh": "区县（市）", "en": "District"},
    "filter.level": {"zh": "园区级别", "en": "Park level"},
    "filter.type": {"zh": "园区类型", "en": "Park type"},
    "filter.designated_only": {"zh": "仅指定发展的产业", "en": "Designated industries only"},
    "filter.designated_help": {
        "zh": "只按规划为园区指定的产业筛选（不含所在产业带的重点产业）。",
        "en": "Match only the industries the plan designates for the park "
        "(not its belt's focus industries).",
    },
    "filter.text": {"zh": "按名称搜索", "en": "Search by name"},
    "filter.text_placeholder": {"zh": "例如：杭州湾", "en": "e.g. Hangzhou Bay"},
    "filter.reset": {"zh": "清除筛选", "en": "Clear filters"},
    "filter.placeholder": {"zh": "全部", "en": "All"},
    # --- map and legend ---------------------------------------------------------------------
    "map.parks_surveyed": {"zh": "园区（实测范围）", "en": "Parks (surveyed footprint)"},
    "map.parks_indicative": {
        "zh": "园区（示意范围，估计）",
        "en": "Parks (indicative footprint, estimated)",
    },
    "map.parks_estimated": {
        "zh": "园区（位置估计）",
        "en": "Parks (estimated location)",
    },
    "map.selected": {"zh": "所选园区", "en": "Selected park"},
    "map.districts": {"zh": "区县（市）界线", "en": "District boundaries"},
    "map.belts": {"zh": "产业圈 / 产业带", "en": "Circle and belts"},
    "legend.title": {"zh": "图例", "en": "Legend"},
    "legend.surveyed": {"zh": "园区实测范围", "en": "Park, surveyed footprint"},
    "legend.indicative": {
        "zh": "示意范围（估计）",
        "en": "indicative footprint (estimated)",
    },
    "legend.estimated_location": {
        "zh": "位置亦为估计（“≈”）",
        "en": "location estimated too (“≈”)",
    },
    "legend.district": {"zh": "区县（市）界线", "en": "District boundary"},
    "legend.selected": {"zh": "所选园区", "en": "Selected park"},
    "tooltip.indicative": {"zh": "示意范围（估计）", "en": "indicative footprint (estimated)"},
    "tooltip.estimated": {"zh": "≈ 位置为估计（±{m} 米）", "en": "≈ estimated location (±{m} m)"},
    "map.no_parks": {
        "zh": "没有符合筛选条件的园区。",
        "en": "No park matches the filters.",
    },
    # --- basemaps ---------------------------------------------------------------------------
    "basemap.none": {"zh": "无底图（离线）", "en": "No basemap (offline)"},
    "basemap.osm": {"zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "basemap.tianditu": {"zh": "天地图", "en": "Tianditu"},
    "basemap.amap": {"zh": "高德地图（GCJ-02）", "en": "AMap / Gaode (GCJ-02)"},
    "basemap.amap_note": {
        "zh": "高德底图使用 GCJ-02 坐标：地图上的图形已临时偏移以对齐底图，导出数据仍为 WGS84。",
        "en": "AMap tiles use GCJ-02: shapes are shifted on screen to line up with them; "
        "exports stay WGS84.",
    },
    # --- details panel ----------------------------------------------------------------------
    "details.header": {"zh": "园区详情", "en": "Park details"},
    "details.none": {
        "zh": "点击地图上的园区，或在此选择",
        "en": "Click a park on the map, or pick one here",
    },
    "details.choose": {"zh": "选择园区", "en": "Choose a park"},
    "details.zoom": {"zh": "缩放到园区", "en": "Zoom to park"},
    "details.clear": {"zh": "取消选择", "en": "Deselect"},
    "details.level": {"zh": "级别", "en": "Level"},
    "details.type": {"zh": "类型", "en": "Type"},
    "details.districts": {"zh": "所在区县（市）", "en": "District(s)"},
    "details.belts": {"zh": "所在产业圈 / 产业带", "en": "Circle / belt(s)"},
    "details.industries": {"zh": "产业", "en": "Industries"},
    "details.area": {"zh": "面积", "en": "Area"},
    "details.area_unknown": {"zh": "未知（无可靠来源）", "en": "unknown (no reliable source)"},
    "details.footprint": {"zh": "范围", "en": "Footprint"},
    "details.footprint_area": {
        "zh": "图上面积约 {km2} 平方公里",
        "en": "drawn area about {km2} km²",
    },
    "details.location": {"zh": "位置", "en": "Location"},
    "details.precision": {"zh": "精度约 ±{m} 米", "en": "precision about ±{m} m"},
    "details.platform": {"zh": "规划平台", "en": "plan platform"},
    "details.transport": {"zh": "交通", "en": "Transport"},
    "details.port": {"zh": "最近港区{name} {km} 公里", "en": "nearest port{name} {km} km"},
    "details.airport": {"zh": "机场{name} {km} 公里", "en": "airport{name} {km} km"},
    "details.rail": {
        "zh": "最近铁路站{name} {km} 公里",
        "en": "nearest rail station{name} {km} km",
    },
    "details.transport_note": {
        "zh": "（直线距离，从园区位置量起，误差同该位置：±{m} 米）",
        "en": "(straight-line, from the park's location, so as rough as it: ±{m} m)",
    },
    "details.transport_note_unknown": {
        "zh": "（直线距离，从园区位置量起，误差同该位置，精度不详）",
        "en": "(straight-line, from the park's location, so as rough as it: precision unknown)",
    },
    "details.transport_missing": {
        "zh": "没有可靠坐标的 {n} 个港区、机场或车站未计入。",
        "en": "{n} port area(s), airport(s) or station(s) without a sourced coordinate are "
        "left out.",
    },
    "details.sources": {"zh": "来源", "en": "Sources"},
    "details.notes": {"zh": "备注", "en": "Notes"},
    "details.none_value": {"zh": "无", "en": "none"},
    "basis.park": {"zh": "园区指定产业", "en": "Designated for the park"},
    "basis.belt": {"zh": "所在产业带重点产业", "en": "Focus of the park's belt"},
    "basis.source": {"zh": "其他来源", "en": "Other sources"},
    "footprint.surveyed": {"zh": "实测范围", "en": "surveyed footprint"},
    "footprint.indicative": {"zh": "示意范围（估计）", "en": "indicative footprint (estimated)"},
    "location.sourced": {"zh": "有出处", "en": "sourced"},
    "location.estimated": {"zh": "估计", "en": "estimated"},
    "source.plan_line": {"zh": "规划原文第{line}行", "en": "plan text, line {line}"},
    "unit.km2": {"zh": "{km2} 平方公里", "en": "{km2} km²"},
    # --- export -----------------------------------------------------------------------------
    "export.header": {"zh": "下载数据", "en": "Download data"},
    "export.format": {"zh": "格式", "en": "Format"},
    "export.parks": {"zh": "下载筛选后的园区", "en": "Download the filtered parks"},
    "export.belts": {"zh": "下载产业圈 / 产业带", "en": "Download the circle and belts"},
    "export.note": {
        "zh": "注意：示意范围（footprint = indicative）与估计位置（location_basis = "
        "estimated）均为估计，不是实测边界或坐标。坐标为 WGS84（EPSG:4326）。",
        "en": "Note: indicative footprints (footprint = indicative) and estimated locations "
        "(location_basis = estimated) are estimates, not surveyed boundaries or positions. "
        "Coordinates are WGS84 (EPSG:4326).",
    },
    "export.fields": {"zh": "字段说明", "en": "Field descriptions"},
    "export.layer": {"zh": "图层", "en": "Layer"},
    "export.field": {"zh": "字段", "en": "Field"},
    "export.description": {"zh": "说明", "en": "Description"},
    "fmt.geojson": {"zh": "GeoJSON", "en": "GeoJSON"},
    "fmt.gpkg": {"zh": "GeoPackage", "en": "GeoPackage"},
    "fmt.csv": {"zh": "CSV（表格）", "en": "CSV (table)"},
    "fmt.kml": {"zh": "KML（奥维、Google 地球）", "en": "KML (Google Earth)"},
    "fmt.filegdb": {
        "zh": "File Geodatabase（ArcGIS，.gdb 压缩包）",
        "en": "File Geodatabase (ArcGIS, zipped .gdb)",
    },
    "fmt.bundle": {"zh": "GIS 数据包（zip）", "en": "GIS bundle (zip)"},
    # --- views (tabs) -----------------------------------------------------------------------
    "tab.map": {"zh": "地图", "en": "Map"},
    "tab.analysis": {"zh": "规划分析", "en": "Plan analysis"},
    "tab.gis": {"zh": "GIS 数据交换", "en": "GIS exchange"},
    # --- plan analysis ----------------------------------------------------------------------
    "analysis.scope": {
        "zh": "以下分析涵盖全部 {n} 个园区，不受左侧筛选影响。",
        "en": "The analysis covers all {n} parks; the sidebar filters do not apply here.",
    },
    "analysis.matrix_header": {
        "zh": "产业带 × 产业：园区数",
        "en": "Belt × industry: number of parks",
    },
    "analysis.basis": {"zh": "计入的产业关联", "en": "Links counted"},
    "analysis.basis_help": {
        "zh": "“指定产业”为规划为园区指定的产业（一园一业）；“所在产业带重点产业”把产业带的"
        "重点产业计入带内每个园区；“其他来源”为规划以外的资料。",
        "en": "“Designated” are the industries the plan designates for a park (one park, one "
        "industry); “belt focus” counts a belt's focus industries for every park in it; "
        "“other sources” are links from outside the plan.",
    },
    "analysis.basis.park": {"zh": "仅园区指定产业", "en": "Designated only"},
    "analysis.basis.belt": {"zh": "+ 所在产业带重点产业", "en": "+ belt focus"},
    "analysis.basis.source": {"zh": "+ 其他来源", "en": "+ other sources"},
    "analysis.matrix_note": {
        "zh": "每格为该产业带内与该产业关联的园区数（一个园区计入它所在的每个产业带）；"
        "上级产业包含其下级产业，与左侧“产业”筛选的规则相同。"
        "★：规划列为该产业带的重点产业；带 ★ 的 0 表示重点产业尚无园区承接。"
        "“└”为上一级产业的细分。",
        "en": "Each cell counts the parks of the belt linked to the industry (a park counts "
        "in every belt it lies in); an industry includes its sub-industries, as in the "
        "sidebar's industry filter. ★: the plan names the industry a focus "
        "of the belt; a ★ with 0 is a focus no park takes up yet. “└” marks a sub-industry.",
    },
    "analysis.matrix_empty": {
        "zh": "按所选依据没有任何园区与产业的关联。",
        "en": "No park is linked to an industry on the chosen basis.",
    },
    "analysis.matrix_table": {"zh": "以表格查看", "en": "Show as a table"},
    "analysis.industry": {"zh": "产业", "en": "Industry"},
    "analysis.belt": {"zh": "产业带", "en": "Belt"},
    "analysis.parks": {"zh": "园区数", "en": "Parks"},
    "analysis.focus": {"zh": "规划重点产业", "en": "Plan focus"},
    "analysis.yes": {"zh": "是", "en": "yes"},
    "analysis.no": {"zh": "否", "en": "no"},
    "analysis.overlap_header": {
        "zh": "产业带重点产业的重叠（特色错位）",
        "en": "Overlap of the belts' focus industries (differentiation, 特色错位)",
    },
    "analysis.overlap_note": {
        "zh": "相似度为 Jaccard 系数：共同重点产业数 ÷ 两带重点产业的并集数（0 为完全错位，"
        "1 为完全相同）。",
        "en": "Similarity is the Jaccard index: shared focus industries ÷ the union of the two "
        "belts' focus industries (0: fully differentiated, 1: identical).",
    },
    "analysis.pair": {"zh": "产业带组合", "en": "Belts"},
    "analysis.shared": {"zh": "共同重点产业", "en": "Shared focus industries"},
    "analysis.shared_count": {"zh": "共同数", "en": "Shared"},
    "analysis.jaccard": {"zh": "相似度（Jaccard）", "en": "Similarity (Jaccard)"},
    "analysis.none": {"zh": "—", "en": "—"},
    "analysis.crowded": {
        "zh": "{n} 个产业同时是 {at} 个及以上产业带的重点产业，存在特色错位风险：",
        "en": "{n} industr(ies) are a focus of {at} or more belts, a risk to differentiation "
        "(特色错位):",
    },
    "analysis.crowded_none": {
        "zh": "没有产业同时是 {at} 个及以上产业带的重点产业。",
        "en": "No industry is a focus of {at} or more belts.",
    },
    "analysis.belts": {"zh": "产业带", "en": "Belts"},
    "analysis.belt_count": {"zh": "产业带数", "en": "Number of belts"},
    "analysis.compare_header": {"zh": "园区对比", "en": "Compare parks"},
    "analysis.compare_pick": {"zh": "选择 2–4 个园区", "en": "Choose 2 to 4 parks"},
    "analysis.compare_need": {
        "zh": "请至少选择 2 个园区进行对比（最多 4 个）。",
        "en": "Choose at least 2 parks to compare (at most 4).",
    },
    "analysis.distances": {
        "zh": "园区间直线距离（公里，按园区位置；估计位置的误差见“位置”一行）",
        "en": "Straight-line distances between the parks (km, from their locations; see the "
        "“Location” row for how rough an estimated location is)",
    },
    "analysis.targets_header": {"zh": "规划目标（2025 年）", "en": "Plan targets (2025)"},
    "analysis.targets_note": {
        "zh": "仅列规划原文所定目标值，不含实际完成值。",
        "en": "Targets as the plan text states them; no actual values are shown.",
    },
    "analysis.target": {"zh": "指标", "en": "Indicator"},
    "analysis.target_value": {"zh": "目标值", "en": "Target"},
    "analysis.year": {"zh": "年份", "en": "Year"},
    "analysis.source": {"zh": "出处", "en": "Source"},
    "analysis.quote": {"zh": "规划原文", "en": "Plan text"},
    "analysis.report_header": {"zh": "简报", "en": "Briefing"},
    "analysis.report": {"zh": "下载 HTML 简报", "en": "Download the HTML briefing"},
    "analysis.report_help": {
        "zh": "单个 HTML 文件（地图、矩阵、重叠、目标与园区一览），可离线打开、邮件发送；"
        "语言同当前界面。",
        "en": "One HTML file (map, matrix, overlap, targets and the parks) that opens offline "
        "and can be mailed; in the current language.",
    },
    # --- park comparison rows ---------------------------------------------------------------
    "compare.level": {"zh": "级别", "en": "Level"},
    "compare.districts": {"zh": "所在区县（市）", "en": "District(s)"},
    "compare.belts": {"zh": "所在产业圈 / 产业带", "en": "Circle / belt(s)"},
    "compare.designated": {"zh": "园区指定产业", "en": "Designated industries"},
    "compare.belt_focus": {"zh": "所在产业带重点产业", "en": "Focus of its belt(s)"},
    "compare.other_sources": {"zh": "其他来源的产业", "en": "Industries from other sources"},
    "compare.tiers": {"zh": "产业层级", "en": "Industry tiers"},
    "compare.area_km2": {"zh": "面积", "en": "Area"},
    "compare.footprint": {"zh": "范围", "en": "Footprint"},
    "compare.location": {"zh": "位置", "en": "Location"},
    "compare.nearest_port_km": {"zh": "最近港区", "en": "Nearest port area"},
    "compare.airport_km": {"zh": "机场", "en": "Airport"},
    "compare.nearest_rail_km": {"zh": "最近铁路站", "en": "Nearest rail station"},
    "unit.km": {"zh": "{km} 公里", "en": "{km} km"},
    # --- GIS exchange -----------------------------------------------------------------------
    "gis.import_header": {"zh": "导入实测边界", "en": "Import surveyed boundaries"},
    "gis.import_help": {
        "zh": "上传 GIS 部门的园区实测边界（GeoJSON、GeoPackage、压缩的 Shapefile、KML 或 KMZ）。"
        "要素按园区标识（park_id / id）或名称匹配；应用后替换这些园区的示意范围，并重新构建数据。"
        "可随时撤销。",
        "en": "Upload surveyed park boundaries from a GIS team (GeoJSON, GeoPackage, zipped "
        "Shapefile, KML or KMZ). Features are matched to parks by id (park_id / id) or name; "
        "applying replaces those parks' indicative footprints and rebuilds the data. It can "
        "be undone.",
    },
    "gis.file": {"zh": "边界文件", "en": "Boundary file"},
    "gis.source_crs": {
        "zh": "源坐标系（仅当文件未声明时需要）",
        "en": "Source CRS (only when the file declares none)",
    },
    "gis.source_crs_help": {
        "zh": "Shapefile 的 .prj、GeoPackage 与 GeoJSON 的 crs 会被采用；"
        "文件没有坐标系时请在此选择。文件声明了其他坐标系时会拒绝导入。",
        "en": "A Shapefile's .prj and a GeoPackage's or GeoJSON's crs are used; choose here "
        "only when the file has none. A file declaring another CRS is refused.",
    },
    "gis.crs_from_file": {"zh": "采用文件自带的坐标系", "en": "The file's own CRS"},
    "gis.gcj02": {
        "zh": "坐标为 GCJ-02（高德、腾讯等网络地图）",
        "en": "Coordinates are GCJ-02 (AMap, Tencent and other Chinese web maps)",
    },
    "gis.gcj02_help": {
        "zh": "勾选后会把 GCJ-02 坐标转换为 WGS84。",
        "en": "Converts the GCJ-02 coordinates to WGS84.",
    },
    "gis.matched": {"zh": "已匹配", "en": "Matched"},
    "gis.unmatched": {"zh": "未匹配", "en": "Unmatched"},
    "gis.new": {"zh": "新园区", "en": "New"},
    "gis.problems": {"zh": "错误", "en": "Errors"},
    "gis.preview": {"zh": "预览（尚未写入）", "en": "Preview (nothing written yet)"},
    "gis.apply": {
        "zh": "应用：导入 {n} 个园区的实测范围并重新构建",
        "en": "Apply: import {n} surveyed footprint(s) and rebuild",
    },
    "gis.nothing": {
        "zh": "没有可导入的要素：请核对名称或坐标系。",
        "en": "Nothing can be imported: check the names or the CRS.",
    },
    "gis.applied": {
        "zh": "已导入 {n} 个园区的实测范围并重新构建数据；原版本已保存，可撤销。",
        "en": "Imported {n} surveyed footprint(s) and rebuilt the data; the previous version is "
        "kept and can be restored.",
    },
    "gis.undo": {"zh": "撤销上次导入", "en": "Undo the last import"},
    "gis.undo_help": {
        "zh": "恢复上次导入之前的实测边界文件并重新构建（可连续撤销 {n} 次）。",
        "en": "Puts back the surveyed-boundary file from before the last import and rebuilds "
        "({n} import(s) can be undone).",
    },
    "gis.undone": {
        "zh": "已撤销上次导入并重新构建数据。",
        "en": "Undid the last import and rebuilt the data.",
    },
    "gis.error": {"zh": "导入失败：{reason}", "en": "Import failed: {reason}"},
    "gis.rebuild_failed": {
        "zh": "重新构建失败，导入已撤销：{reason}",
        "en": "The rebuild failed, so the import was undone: {reason}",
    },
    "gis.status": {
        "zh": "当前 {surveyed} 个园区为实测范围，{indicative} 个为示意范围。",
        "en": "{surveyed} park(s) have a surveyed footprint, {indicative} an indicative one.",
    },
    "gis.col.status": {"zh": "状态", "en": "Status"},
    "gis.col.feature": {"zh": "要素", "en": "Feature"},
    "gis.col.label": {"zh": "文件中的名称", "en": "Name in the file"},
    "gis.col.park": {"zh": "园区", "en": "Park"},
    "gis.col.how": {"zh": "匹配方式", "en": "Matched by"},
    "gis.col.area": {"zh": "面积（平方公里）", "en": "Area (km²)"},
    "gis.col.replaces": {"zh": "替换", "en": "Replaces"},
    "gis.col.suggestions": {"zh": "相近园区", "en": "Close parks"},
    "gis.how.id": {"zh": "按标识", "en": "id"},
    "gis.how.id (normalised)": {"zh": "按标识（规范化）", "en": "id (normalised)"},
    "gis.how.name": {"zh": "按名称", "en": "name"},
    "gis.how.name (normalised)": {"zh": "按名称（规范化）", "en": "name (normalised)"},
    "gis.how.assigned": {"zh": "手动指定", "en": "assigned"},
    "gis.status.matched": {"zh": "已匹配", "en": "matched"},
    "gis.status.unmatched": {"zh": "未匹配", "en": "unmatched"},
    "gis.status.new": {"zh": "新园区", "en": "new"},
    "gis.bundle_header": {"zh": "导出 GIS 数据包", "en": "Export a GIS bundle"},
    "gis.bundle_help": {
        "zh": "一个 zip：GeoPackage（含 QGIS 样式）、GeoJSON、Shapefile、字段说明、来源与校验和。"
        "园区按左侧筛选；GeoJSON 始终为 WGS84。",
        "en": "One zip: GeoPackage (with QGIS styles), GeoJSON, Shapefiles, the field "
        "dictionary, sources and checksums. Parks follow the sidebar filters; GeoJSON is "
        "always WGS84.",
    },
    "gis.bundle_crs": {"zh": "坐标系", "en": "CRS"},
    "gis.bundle": {"zh": "下载 GIS 数据包（zip）", "en": "Download the GIS bundle (zip)"},
    "gis.file_help": {
        "zh": "把文件拖到此处，或点击选择文件（Browse files）。支持 GeoJSON、GeoPackage、"
        "压缩的 Shapefile（含 .prj 与 .cpg）、KML 与 KMZ。",
        "en": "Drag the file here, or click Browse files. GeoJSON, GeoPackage, zipped "
        "Shapefile (with its .prj and .cpg), KML and KMZ.",
    },
    "gis.file_limit": {
        "zh": "上传区的英文提示来自 Streamlit：“Drag and drop file here”即把文件拖到此处，"
        "“Browse files”即选择文件；每个文件不超过 {mb} MB。",
        "en": "One file at a time, at most {mb} MB.",
    },
    "gis.layer": {"zh": "图层", "en": "Layer"},
    "gis.layer_help": {
        "zh": "文件包含多个图层或数据集：选择要导入的一个（zones 导出的数据包默认选园区图层）。",
        "en": "The file holds several layers or datasets: choose the one to import (the parks "
        "layer of a zones export by default).",
    },
    "gis.unexpected": {
        "zh": "预览这个文件时出现意外错误（{kind}），未写入任何内容。请把文件发给 zones 团队；"
        "本页其他功能不受影响。",
        "en": "An unexpected error ({kind}) occurred while previewing this file; nothing was "
        "written. Please send the file to the zones team; the rest of this page still works.",
    },
    "gis.mismatch": {
        "zh": "{n} 个要素与园区记录（面积或位置）相差很大，只有确认后才能导入：",
        "en": "{n} feature(s) differ widely from their park's records (area or position) and "
        "are imported only when confirmed:",
    },
    "gis.confirm_mismatch": {
        "zh": "确认不一致：实测范围无误，照此导入",
        "en": "Confirm the mismatch: the survey is right, import it as it is",
    },
    # --- counts -----------------------------------------------------------------------------
    "count.metric": {"zh": "符合条件的园区", "en": "Matching parks"},
    # --- sign-in, corrections and review (issue 11) ------------------------------------------
    "signin.title": {"zh": "编辑登录", "en": "Sign in to edit"},
    "signin.name": {"zh": "用户名", "en": "User name"},
    "signin.password": {"zh": "密码", "en": "Password"},
    "signin.submit": {"zh": "登录", "en": "Sign in"},
    "signin.out": {"zh": "退出登录", "en": "Sign out"},
    "signin.as": {"zh": "已登录：**{name}**（{role}）", "en": "Signed in as **{name}** ({role})"},
    "signin.failed": {"zh": "用户名或密码错误。", "en": "Wrong user name or password."},
    "signin.viewers": {
        "zh": "浏览、筛选和下载无需登录；登录后可提交或审核园区位置与范围的更正。",
        "en": "Viewing, filtering and downloads need no sign-in; editors and reviewers sign in "
        "to propose or review corrections.",
    },
    "signin.role.editor": {"zh": "编辑", "en": "editor"},
    "signin.role.reviewer": {"zh": "审核", "en": "reviewer"},
    "fix.title": {"zh": "更正此园区", "en": "Correct this park"},
    "fix.kind": {"zh": "更正内容", "en": "What to correct"},
    "fix.kind.location": {"zh": "位置（点）", "en": "Location (point)"},
    "fix.kind.footprint": {"zh": "范围（边界）", "en": "Footprint (boundary)"},
    "fix.kind.area": {"zh": "面积", "en": "Area"},
    "fix.kind.level": {"zh": "级别", "en": "Level"},
    "fix.kind.district": {"zh": "所属区县", "en": "District(s)"},
    "fix.datum": {"zh": "坐标来自", "en": "Coordinates from"},
    "fix.datum.wgs84": {"zh": "GPS / WGS84（天地图、奥维）", "en": "GPS / WGS84 (Tianditu, OSM)"},
    "fix.datum.cgcs2000": {"zh": "CGCS2000（国家大地坐标系）", "en": "CGCS2000"},
    "fix.datum.gcj02": {"zh": "高德、腾讯地图（GCJ-02）", "en": "AMap, Tencent (GCJ-02)"},
    "fix.datum.bd09": {"zh": "百度地图拾取（BD-09）", "en": "Baidu Maps picker (BD-09)"},
    "fix.lon": {"zh": "经度", "en": "Longitude"},
    "fix.lat": {"zh": "纬度", "en": "Latitude"},
    "fix.precision": {"zh": "位置精度（米）", "en": "Precision (m)"},
    "fix.ring": {
        "zh": "边界顶点：每行一个“经度,纬度”，或粘贴 GeoJSON；也可在地图上绘制后点“使用地图上绘制的范围”",
        "en": "Boundary vertices: one 'lon,lat' per line, or GeoJSON; or draw on the map and "
        "use the drawing",
    },
    "fix.use_drawing": {"zh": "使用地图上绘制的范围", "en": "Use the shape drawn on the map"},
    "fix.no_drawing": {
        "zh": "地图上还没有绘制的范围：用地图左侧的多边形或矩形工具绘制。",
        "en": "Nothing drawn on the map yet: use the polygon or rectangle tool on the map.",
    },
    "fix.area": {"zh": "面积（平方公里）", "en": "Area (km²)"},
    "fix.level": {"zh": "级别", "en": "Level"},
    "fix.districts": {"zh": "所属区县", "en": "District(s)"},
    "fix.source": {"zh": "来源（网址或文件名，必填）", "en": "Source (URL or document, required)"},
    "fix.note": {"zh": "说明（必填）", "en": "Note (required)"},
    "fix.submit": {"zh": "提交更正（待审核）", "en": "Propose the correction"},
    "fix.proposed": {
        "zh": "已提交更正 #{id}，等待审核；在地图上以红色虚线显示。",
        "en": "Correction #{id} proposed and waiting for review; drawn dashed red on the map.",
    },
    "fix.error": {"zh": "未提交：{reason}", "en": "Not proposed: {reason}"},
    "review.title": {"zh": "待审核的更正", "en": "Corrections to review"},
    "review.none": {"zh": "没有待审核的更正。", "en": "No correction waits for review."},
    "review.head": {
        "zh": "#{id} {park} · {kind} · {author} 于 {at}",
        "en": "#{id} {park} · {kind} · by {author} at {at}",
    },
    "review.area": {
        "zh": "面积：{before} → {after} 平方公里",
        "en": "Area: {before} → {after} km²",
    },
    "review.moved": {"zh": "位置移动约 {m} 米", "en": "Moves about {m} m"},
    "review.source": {"zh": "来源：{source}", "en": "Source: {source}"},
    "review.note": {"zh": "说明：{note}", "en": "Note: {note}"},
    "review.comment": {"zh": "审核意见", "en": "Review comment"},
    "review.accept": {"zh": "通过", "en": "Accept"},
    "review.reject": {"zh": "驳回", "en": "Reject"},
    "review.revert": {"zh": "撤销此更正", "en": "Revert this change"},
    "review.done": {"zh": "更正 #{id}：{status}。", "en": "Correction #{id}: {status}."},
    "review.error": {"zh": "未能处理：{reason}", "en": "Not done: {reason}"},
    "review.legend": {
        "zh": "灰色虚线：现状；红色：更正后",
        "en": "Grey dashed: now; red: after the correction",
    },
    "status.proposed": {"zh": "待审核", "en": "proposed"},
    "status.accepted": {"zh": "已通过", "en": "accepted"},
    "status.rejected": {"zh": "已驳回", "en": "rejected"},
    "status.reverted": {"zh": "已撤销", "en": "reverted"},
    "history.title": {"zh": "更正记录", "en": "History of corrections"},
    "history.none": {"zh": "尚无更正记录。", "en": "No correction yet."},
    "history.cols": {
        "zh": "编号|内容|状态|提交人|时间|来源|说明",
        "en": "No.|What|Status|By|When|Source|Note",
    },
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def norm_lang(lang: str | None) -> str:
    """``lang`` if it is a supported language, else the default (Chinese)."""
    return lang if lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str, **values: Any) -> str:
    """The string ``key`` in ``lang`` with ``{name}`` placeholders filled from ``values``.

    Values are inserted as given: escape data text for its destination first.

    Raises
    ------
    KeyError
        When ``key`` is not a known string (a bug, not a user error).
    """
    entry = STRINGS[key]
    text = entry[norm_lang(lang)]
    if not values:
        return text
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def label(prefix: str, code: str, lang: str) -> str:
    """The label of a code such as ``fmt``/``geojson``; the code itself when unknown."""
    key = f"{prefix}.{code}"
    return t(key, lang) if key in STRINGS else str(code)


#: Park types as data/parks.csv writes them (Chinese) -> English.
PARK_TYPES: dict[str, str] = {
    "国家级经济技术开发区": "national economic and technological development zone",
    "国家高新技术产业开发区": "national high-tech industrial development zone",
    "省级经济开发区": "provincial economic development zone",
    "经济开发区": "economic development zone",
    "经济开发区（片区）": "economic development zone (sub-area)",
    "经济技术开发区": "economic and technological development zone",
    "高新技术产业园区": "high-tech industrial park",
    "工业园区": "industrial park",
    "综合保税区": "comprehensive bonded zone",
    "保税区": "bonded zone",
    "出口加工区": "export processing zone",
    "新区": "new area",
    "经贸合作区": "economic and trade cooperation zone",
    "临空经济示范区": "airport economy demonstration zone",
}


def park_type_label(value: Any, lang: str) -> str:
    """A park's type in ``lang``: as written (Chinese) in ``zh``; in ``en`` its English name
    from :data:`PARK_TYPES`, else the text as it is."""
    text = "" if value is None else str(value).strip()
    return PARK_TYPES.get(text, text) if norm_lang(lang) == "en" else text


def level_label(code: str, lang: str) -> str:
    """国家级 / 省级 / 级别不详 (national / provincial / unknown-level) for a level code.

    The labels are the filters' (:data:`zones.filters.LEVELS`), so the app, the filter sentence
    and the details say the same; the code itself when unknown.
    """
    from zones.filters import LEVELS  # a data module; imported late to keep i18n light

    if code not in LEVELS:
        return str(code)
    zh, en = LEVELS[code]
    return en if norm_lang(lang) == "en" else zh


def field_description(column: str, lang: str, layer: str = "parks") -> str:
    """What an exported column holds, in ``lang``, from the field dictionary (:mod:`zones.fields`).

    '' for a column the dictionary does not describe.
    """
    from zones.errors import UnknownValueError
    from zones.fields import description

    try:
        return description(layer, column, "en" if norm_lang(lang) == "en" else "zh")
    except UnknownValueError:
        return ""


def pick_name(row: Any, lang: str) -> str:
    """``row``'s ``name_en`` in English when present, else its ``name_zh`` (and vice versa)."""
    first, second = ("name_en", "name_zh") if norm_lang(lang) == "en" else ("name_zh", "name_en")
    for col in (first, second):
        value = row.get(col) if hasattr(row, "get") else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return str(row.get("id", "")) if hasattr(row, "get") else ""


def pick_names(frame: Any, lang: str) -> list[str]:
    """:func:`pick_name` of every row of a DataFrame, fast (no ``iterrows``)."""
    n = len(frame)
    zh = frame["name_zh"] if "name_zh" in frame else [None] * n
    en = frame["name_en"] if "name_en" in frame else [None] * n
    ids = frame["id"] if "id" in frame else [""] * n
    return [
        pick_name({"name_zh": a, "name_en": b, "id": c}, lang)
        for a, b, c in zip(zh, en, ids, strict=True)
    ]


def format_km2(value: float) -> str:
    """An area in km² with sensible precision (0.64, 12.3, 150)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value < 10:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if value < 100:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.0f}"


# --- safe text ------------------------------------------------------------------------------

# Every ASCII punctuation character can start Markdown, HTML or a Streamlit directive
# (:red[...], :material/..., $latex$). As numeric character references they are plain text.
_MD_SPECIAL = re.compile(r"[!-/:-@\[-`{-~]")


def md_text(value: Any) -> str:
    """``value`` as inert text inside Streamlit Markdown: no markup, links, HTML or LaTeX.

    ASCII punctuation becomes numeric character references (``<`` -> ``&#60;``) and line
    breaks become spaces, so ``<img src=x onerror=alert(1)>`` shows exactly as typed.
    """
    text = "" if value is None else str(value)
    text = re.sub(r"\s+", " ", text)
    return _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", text)


def html_text(value: Any) -> str:
    """``value`` escaped for HTML text and attribute values."""
    return html.escape("" if value is None else str(value), quote=True)
