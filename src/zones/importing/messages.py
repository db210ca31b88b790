"""What an import says, in English and Chinese: its message tables, problems and refusals.

Every message of the import stages is one entry of :data:`MESSAGES` (key -> English, Chinese
template), and the preview's own lines are :data:`PREVIEW_TEXT`. A problem of a feature or a
file is an :class:`ImportProblem` (``message`` English, ``zh`` Chinese); an apply or undo that
was refused before writing anything is an :class:`ImportRefused`. :func:`problem_text` and
:func:`error_message` render either in the language asked, and never leak a server path or
internal detail of an unexpected error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zones.errors import (
    DataError,
    OutputError,
    Problem,
    UnknownValueError,
    ValidationError,
    ZonesError,
)
from zones.text.escape import plain_text

#: Longest label (a feature's id or name) and note kept from a file, in characters.
MAX_LABEL = 200
MAX_NOTE = 500

#: The lines of :meth:`zones.importing.preview.ImportPreview.text`, by language.
PREVIEW_TEXT: dict[str, dict[str, Any]] = {
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
MESSAGES: dict[str, tuple[str, str]] = {
    "too_big": (
        "is {size:,} bytes, over the limit of {limit:,}",
        "文件大小 {size:,} 字节，超过上限 {limit:,} 字节",
    ),
    "cannot_read": ("cannot read: {reason}", "无法读取：{reason}"),
    "not_file": ("is not a file", "不是文件"),
    "unsupported": (
        "unsupported file type {suffix}; expected one of: {expected_en}",
        "不支持的文件类型 {suffix}；支持：{expected_zh}",
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
        "holds no dataset zones reads ({kinds}; found: {listed})",
        "不含可读取的数据集（{kinds}；找到：{listed}）",
    ),
    "gdb_loose": (
        "holds the tables of a File Geodatabase ({listed}) but no folder ending in .gdb; zip "
        "the .gdb folder itself, not what is in it",
        "包含 File Geodatabase 的数据表（{listed}），但没有以 .gdb 结尾的文件夹；"
        "请压缩 .gdb 文件夹本身，而不是其中的文件",
    ),
    "folder_zip": (
        "is a folder (a File Geodatabase); zip it, the .gdb folder at the top of the zip "
        "(e.g. survey.gdb.zip holding survey.gdb/), and import the zip",
        "是文件夹（File Geodatabase）；请将其压缩（.gdb 文件夹位于压缩包顶层，如 survey.gdb.zip "
        "中含 survey.gdb/），再导入该压缩包",
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
    "not_tab": (
        "not a MapInfo table (a .tab starts with !table); send the .tab MapInfo saved",
        "不是 MapInfo 表（.tab 应以 !table 开头）；请提供 MapInfo 保存的 .tab",
    ),
    "tab_raster": (
        "is the .tab of a raster image, not a table of boundaries; send the boundaries' table",
        "是栅格影像的 .tab，不是边界数据表；请提供边界所在的数据表",
    ),
    "tab_sidecar": (
        "the MapInfo table has no {sidecar} file; send the .tab with its .dat, .map and .id, "
        "zipped together",
        "MapInfo 表缺少 {sidecar} 文件；请把 .tab 连同 .dat、.map、.id 一起压缩后提供",
    ),
    "not_mif": (
        "not a MapInfo interchange file (a .mif starts with Version); export it again as MIF",
        "不是 MapInfo 交换文件（.mif 应以 Version 开头）；请重新导出 MIF",
    ),
    "mif_sidecar": (
        "the .mif has no .mid file (its attributes); send the .mif with its .mid, zipped together",
        ".mif 缺少 .mid 文件（属性数据）；请把 .mif 连同 .mid 一起压缩后提供",
    ),
    "not_gdb": (
        "not a File Geodatabase (no a00000001.gdbtable, its table of tables); zip the whole "
        ".gdb folder again from ArcGIS or QGIS",
        "不是 File Geodatabase（缺少其总表 a00000001.gdbtable）；"
        "请从 ArcGIS 或 QGIS 重新压缩整个 .gdb 文件夹",
    ),
    "gdb_cut": (
        "is damaged: its table {table} is {size:,} bytes where its header says {declared:,} (cut "
        "short, e.g. by an interrupted copy); nothing read. Zip the .gdb folder again (ArcGIS "
        "closed) and send the whole zip",
        "已损坏：其数据表 {table} 只有 {size:,} 字节，而表头声明为 {declared:,} 字节（被截断，"
        "如复制中断），未读取任何内容。请关闭 ArcGIS 后重新压缩 .gdb 文件夹，并提供完整的压缩包",
    ),
    "not_dxf": (
        "not a DXF drawing (no SECTION at its start); save the drawing as DXF in CAD",
        "不是 DXF 图纸（开头没有 SECTION）；请在 CAD 中另存为 DXF",
    ),
    "dwg": (
        "is a DWG drawing, not DXF; save it as DXF in CAD (Save As, AutoCAD DXF) and import the "
        ".dxf",
        "是 DWG 图纸，不是 DXF；请在 CAD 中“另存为” AutoCAD DXF，再导入 .dxf 文件",
    ),
    "too_many_entities": (
        "holds more than {limit:,} drawing entities; send a drawing of the boundaries only "
        "(their layers isolated and written out, e.g. LAYISO then WBLOCK)",
        "图元超过 {limit:,} 个；请只提供边界所在的图层（如用 LAYISO 隔离后 WBLOCK 写块）",
    ),
    "dxf_no_shapes": (
        "has no closed shapes (found: {found}); only closed polylines, hatches and polygons "
        "become boundaries: make each park's boundary one closed polyline in CAD (PEDIT: Join, "
        "then Close) and save the DXF again",
        "没有闭合图形（找到：{found_zh}）；只有闭合多段线、填充和多边形才能作为边界："
        "请在 CAD 中把各园区边界合并为一条闭合多段线（PEDIT：合并，再闭合）后重新保存 DXF",
    ),
    "dxf_open_lines": (
        "{n} open line(s) ignored (layers {layers}): only closed polylines, hatches and polygons "
        "become boundaries",
        "已忽略 {n} 条不闭合的线（图层 {layers}）：只有闭合多段线、填充和多边形才能作为边界",
    ),
    "dxf_repaired": (
        "{n} closed polyline(s) crossing themselves repaired with make_valid (layers {layers})",
        "{n} 条自相交的闭合多段线已用 make_valid 修复（图层 {layers}）",
    ),
    "dxf_encoding": (
        "layer names and texts read as {enc} (the drawing declares another code page, or none)",
        "图层名与文字已按 {enc} 读取（图纸声明的是其他代码页，或未声明）",
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
        "cannot be read as {what_en} ({reason}); is it complete?",
        "无法按 {what_zh} 读取（{reason}）；文件是否完整？",
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
    "no_crs_cad": (
        "CAD files carry no CRS: give --crs EPSG:4549 (CGCS2000 Gauss-Kruger 120°E, metres; "
        "EPSG:4528 when the X coordinates start with the zone number 40), or the drawing's own "
        "CRS, on the command line; in the app, choose the source CRS",
        "CAD 文件不带坐标系：请在命令行用 --crs 指定，例如 EPSG:4549（CGCS2000 高斯-克吕格"
        "中央经线120°E，单位米；X 坐标以带号 40 开头时为 EPSG:4528）或图纸实际所用的坐标系；"
        "应用中请选择“源坐标系”",
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
    "merged": (
        "{who}features {numbers} (layer “{group}”) are parts of park {park}: imported as one "
        "footprint",
        "{who}要素 {numbers}（图层“{group}”）都是园区 {park} 的组成部分：合并为一个范围导入",
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
    "other_store": (
        "{file} was previewed against {made}, not against the store {store}; nothing written: "
        "preview it against this store",
        "{file} 的预览不是针对存储库 {store}（而是 {made}），未写入任何内容："
        "请针对该存储库重新预览",
    ),
    "stale": (
        "park {park} changed since the preview (version {seen}, now {now}: change #{change} by "
        "{by} at {at}); nothing written, no park of {file} imported: preview the file again",
        "预览之后园区 {park} 已被修改（版本 {seen}，现为 {now}：{by} 于 {at} 的变更 #{change}），"
        "未写入任何内容，{file} 中的园区均未导入：请重新预览",
    ),
    "busy": (
        "the store {store} kept changing while {file} was previewed; nothing written: try again",
        "预览 {file} 期间存储库 {store} 不断变化，未写入任何内容：请重试",
    ),
    "nothing_to_undo": (
        "nothing to undo: the store {store} holds no import by {author} still in force",
        "没有可撤销的导入：存储库 {store} 中没有 {author} 导入且仍然有效的变更",
    ),
    "undo_conflict": (
        "the import of {source} changed while it was undone ({reason}); nothing undone: try again",
        "撤销期间 {source} 的导入已被修改（{reason}），未撤销任何内容：请重试",
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


def problem(
    file: str,
    row: int | None,
    fld: str | None,
    key: str,
    severity: str = "error",
    *,
    label: str = "",
    **values: Any,
) -> ImportProblem:
    """The problem ``key`` of :data:`MESSAGES` with ``values`` filled in, in both languages."""
    en, zh = MESSAGES[key]
    message = en.format(who=f"“{label}”: " if label else "", **values)
    chinese = zh.format(who=f"“{label}”：" if label else "", **values)
    return ImportProblem(file, row, fld, message, severity, chinese)


def fail(
    file: str, key: str, *, row: int | None = None, fld: str | None = None, **values: Any
) -> DataError:
    """A DataError for the whole ``file`` (or ``row``) with message ``key``."""
    return DataError(problem(file, row, fld, key, **values))


def refused(key: str, **values: Any) -> ImportRefused:
    """The refusal ``key`` of :data:`MESSAGES` with ``values`` filled in."""
    en, zh = MESSAGES[key]
    return ImportRefused(en.format(**values), zh.format(**values))


def unsupported(file: str, suffix: str) -> DataError:
    """The error for a file whose extension no readable format of :data:`zones.io.formats.FORMATS`
    claims; it lists those that do, in both languages."""
    from zones.io.formats import readable_formats

    def listed(lang: str) -> str:
        sep, colon = ("；", "：") if lang == "zh" else ("; ", ": ")
        return sep.join(
            f"{' '.join(f.extensions)}{colon}{f.label(lang)}" for f in readable_formats()
        )

    shown = repr(suffix or "(none)")
    return fail(
        file, "unsupported", suffix=shown, expected_en=listed("en"), expected_zh=listed("zh")
    )


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


def safe_file_name(name: str) -> str:
    """The last component of ``name`` (``/`` or ``\\`` separated) as plain text, for display
    and as a footprint's ``source``."""
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    return plain_text(base, 120) or "upload"


def gdal_message(exc: BaseException) -> str:
    """An exception of GDAL, pyproj or shapely as a short plain line (its type when empty)."""
    return plain_text(str(exc), 300) or type(exc).__name__


def printable(line: str) -> str:
    """One line of a preview as plain text, its indentation kept (attribute text is never
    interpreted: control and bidirectional-override characters go)."""
    body = line.lstrip(" ")
    return line[: len(line) - len(body)] + plain_text(body, max(len(body), 1))
