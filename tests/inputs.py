"""A tiny but complete, valid input tree (geo/ and data/) written into a test's folder.

Two box districts inside Ningbo's bounds with real adcodes, one district part, every table of
``zones.model.tables.SCHEMAS`` with one to three rows, and a plan text whose lines the rows cite and
quote. Tests break one thing and check the problem it causes::

    tree = write_inputs(tmp_path, **{"data/parks.csv": edit_csv("data/parks.csv", 2, lon="")})
    build_dataset(tree.geo, tree.data)

The layout (CSV line numbers count the header as line 1):

- districts: 余姚 330281 = box(121.0, 29.9, 121.3, 30.2),
  慈溪 330282 = box(121.3, 29.9, 121.6, 30.2);
- part ``yuyao-north`` of 余姚: box(121.0, 30.05, 121.3, 30.2);
- belts: ``metro-circle`` = 余姚 (order 1), ``north-bay`` = 慈溪 + yuyao-north (order 2);
- parks.csv line 2 ``yuyao-edz`` (余姚, sourced point (121.15, 29.95), area 10 km², platform of
  metro-circle), line 3 ``qianwan-new-area`` (慈溪, sourced point (121.45, 30.10), no area,
  platform of north-bay, designated 汽车 and 新材料 by plan line 7), line 4 ``cixi-park``
  (慈溪, no point: estimated, no platform, one ``source`` link). Each park's notes are in
  English and, beside them, in Chinese (``location_note`` / ``location_note_zh``…).
"""

from __future__ import annotations

import copy
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping
from shapely.geometry.base import BaseGeometry

from zones.model.tables import SCHEMAS

YUYAO = box(121.0, 29.9, 121.3, 30.2)
CIXI = box(121.3, 29.9, 121.6, 30.2)
YUYAO_NORTH = box(121.0, 30.05, 121.3, 30.2)
DISTRICT_BOXES = {"330281": YUYAO, "330282": CIXI}

PLAN_LINES = [
    "宁波制造业规划（测试摘录）",
    "",
    "做强一批优势产业。聚焦汽车及零部件、新材料等一批优势产业，推动优势产业向高端化发展。",
    "都市工业圈空间范围包括余姚，将依托余姚经济开发区等重点平台，重点发展新材料等产业。",
    "",
    "北部湾区产业带空间范围包括慈溪、余姚北部，将依托前湾新区等重点平台，"
    "大力发展汽车产业（新能源汽车）等产业。",
    "比如，宁波前湾新区将重点布局汽车、新材料等产业。",
    "到2025年，规上工业增加值达到6800亿元。",
]

Q_QIANWAN = "宁波前湾新区将重点布局汽车、新材料等产业"

#: Rows of each table, by path under the tree; every column not given is empty.
ROWS: dict[str, list[dict[str, str]]] = {
    "data/tiers.csv": [
        {
            "id": "advantage",
            "name_zh": "优势产业",
            "name_en": "Advantage industries",
            "order": "1",
            "source": "plan:L3",
            "quote": "聚焦汽车及零部件、新材料等一批优势产业",
        }
    ],
    "data/industries.csv": [
        {
            "id": "automotive",
            "name_zh": "汽车及零部件",
            "name_en": "Automobiles and parts",
            "tier_id": "advantage",
            "aliases": "汽车;汽车产业",
            "source": "plan:L3",
            "quote": "聚焦汽车及零部件",
        },
        {
            "id": "new-energy-vehicles",
            "name_zh": "新能源汽车",
            "name_en": "New-energy vehicles",
            "tier_id": "advantage",
            "parent_id": "automotive",
            "source": "plan:L6",
            "quote": "汽车产业（新能源汽车）",
        },
        {
            "id": "new-materials",
            "name_zh": "新材料",
            "name_en": "New materials",
            "tier_id": "advantage",
            "source": "plan:L3",
            "quote": "新材料",
        },
    ],
    "data/belts.csv": [
        {
            "id": "metro-circle",
            "name_zh": "都市工业圈",
            "name_en": "Metropolitan Industrial Circle",
            "kind": "circle",
            "color": "#7b3294",
            "order": "1",
            "source": "plan:L4",
            "quote": "都市工业圈空间范围包括余姚",
        },
        {
            "id": "north-bay",
            "name_zh": "北部湾区产业带",
            "name_en": "Northern Bay Area Industrial Belt",
            "kind": "belt",
            "color": "#2166ac",
            "order": "2",
            "source": "plan:L6",
            "quote": "北部湾区产业带空间范围包括慈溪、余姚北部",
        },
    ],
    "data/belt_areas.csv": [
        {
            "belt_id": "metro-circle",
            "area_zh": "余姚",
            "kind": "district",
            "ref": "330281",
            "source": "plan:L4",
        },
        {
            "belt_id": "north-bay",
            "area_zh": "慈溪",
            "kind": "district",
            "ref": "330282",
            "source": "plan:L6",
        },
        {
            "belt_id": "north-bay",
            "area_zh": "余姚北部",
            "kind": "district_part",
            "ref": "yuyao-north",
            "source": "plan:L6",
        },
    ],
    "data/belt_industries.csv": [
        {
            "belt_id": "metro-circle",
            "industry_id": "new-materials",
            "role": "focus",
            "source": "plan:L4",
            "quote": "重点发展新材料等产业",
        },
        {
            "belt_id": "north-bay",
            "industry_id": "automotive",
            "role": "focus",
            "source": "plan:L6",
            "quote": "大力发展汽车产业",
        },
        {
            "belt_id": "north-bay",
            "industry_id": "new-energy-vehicles",
            "role": "cultivate",
            "source": "plan:L6",
            "quote": "新能源汽车",
        },
    ],
    "data/parks.csv": [
        {
            "id": "yuyao-edz",
            "name_zh": "余姚经济开发区",
            "name_en": "Yuyao Economic Development Zone",
            "level": "provincial",
            "type": "省级经济开发区",
            "district_adcodes": "330281",
            "lon": "121.15",
            "lat": "29.95",
            "location_basis": "sourced",
            "location_precision_m": "5000",
            "location_source": "https://example.org/yuyao-edz",
            "location_note": "Test point.",
            "location_note_zh": "测试点。",
            "area_km2": "10",
            "area_source": "https://example.org/yuyao-edz/area",
            "sources": "plan:L4 | https://example.org/yuyao-edz",
        },
        {
            "id": "qianwan-new-area",
            "name_zh": "宁波前湾新区",
            "name_en": "Ningbo Qianwan New Area",
            "level": "provincial",
            "type": "新区",
            "district_adcodes": "330282",
            "lon": "121.45",
            "lat": "30.1",
            "location_basis": "sourced",
            "location_precision_m": "5000",
            "location_source": "https://example.org/qianwan",
            "location_note": "Test point.",
            "location_note_zh": "测试点。",
            "sources": "plan:L6 | plan:L7",
        },
        {
            "id": "cixi-park",
            "name_zh": "慈溪测试园",
            "name_en": "Cixi Test Park",
            "level": "unknown",
            "district_adcodes": "330282",
            "location_basis": "estimated",
            "location_note": "No source gives a location.",
            "location_note_zh": "无来源给出位置。",
            "notes": "Leading industries: one source link.",
            "notes_zh": "主导产业：一条来源关联。",
            "sources": "https://example.org/cixi-park",
        },
    ],
    "data/park_belts.csv": [
        {
            "park_id": "yuyao-edz",
            "belt_id": "metro-circle",
            "plan_name": "余姚经济开发区",
            "source": "plan:L4",
        },
        {
            "park_id": "qianwan-new-area",
            "belt_id": "north-bay",
            "plan_name": "前湾新区",
            "source": "plan:L6",
        },
    ],
    "data/park_industries.csv": [
        {
            "park_id": "qianwan-new-area",
            "industry_id": "automotive",
            "basis": "park",
            "source": "plan:L7",
            "note": Q_QIANWAN,
        },
        {
            "park_id": "qianwan-new-area",
            "industry_id": "new-materials",
            "basis": "park",
            "source": "plan:L7",
            "note": Q_QIANWAN,
        },
        {
            "park_id": "cixi-park",
            "industry_id": "new-materials",
            "basis": "source",
            "source": "https://example.org/cixi-park",
            "note": "A source says so.",
        },
    ],
    "data/targets.csv": [
        {
            "id": "value-added-above-scale",
            "name_zh": "规上工业增加值",
            "name_en": "Value added of industry above designated size",
            "value": "6800",
            "unit_zh": "亿元",
            "unit_en": "100 million yuan",
            "year": "2025",
            "source": "plan:L8",
            "quote": "规上工业增加值达到6800亿元",
        }
    ],
    "data/transport_nodes.csv": [
        {
            "id": "test-port",
            "name_zh": "测试港区",
            "name_en": "Test port",
            "kind": "seaport",
            "lon": "121.55",
            "lat": "30.15",
            "location_basis": "sourced",
            "location_precision_m": "2000",
            "location_note": "Test point.",
            "sources": "https://example.org/port",
        },
        {
            "id": "test-station",
            "name_zh": "测试车站",
            "name_en": "Test station",
            "kind": "rail",
            "location_basis": "missing",
            "location_note": "Not found.",
            "sources": "https://example.org/station",
        },
    ],
}

assert {name.removeprefix("data/") for name in ROWS} <= set(SCHEMAS), "ROWS names a non-table"


def rows(name: str) -> list[dict[str, str]]:
    """A fresh copy of the default rows of table ``name`` (``"data/parks.csv"``)."""
    return copy.deepcopy(ROWS[name])


def csv_text(name: str, table: list[dict[str, str]]) -> str:
    """``table`` as the CSV text of ``name``: the schema's header, then one line per row."""
    header = SCHEMAS[name.removeprefix("data/")].names
    unknown = {key for row in table for key in row} - set(header)
    assert not unknown, f"{name} has no column(s) {sorted(unknown)}"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in table:
        writer.writerow([row.get(col, "") for col in header])
    return out.getvalue()


def edit_csv(name: str, line: int, **cells: str) -> str:
    """The default text of ``name`` with ``cells`` changed on file line ``line`` (header = 1)."""
    table = rows(name)
    assert 2 <= line <= len(table) + 1, f"{name} has no data line {line}"
    table[line - 2].update(cells)
    return csv_text(name, table)


def add_row(name: str, **cells: str) -> str:
    """The default text of ``name`` with one more row (its line is ``len(ROWS[name]) + 2``)."""
    return csv_text(name, [*rows(name), cells])


def feature(properties: dict[str, Any], geometry: BaseGeometry | dict[str, Any]) -> dict:
    """A GeoJSON feature; ``geometry`` is a shapely geometry or a GeoJSON geometry dict."""
    geom = geometry if isinstance(geometry, dict) else mapping(geometry)
    return {"type": "Feature", "properties": dict(properties), "geometry": geom}


def district_features() -> list[dict]:
    """The two district features (余姚, 慈溪), fresh copies."""
    return [
        feature(
            {"adcode": "330281", "name_zh": "余姚市", "name_en": "Yuyao", "source": "test"},
            YUYAO,
        ),
        feature(
            {"adcode": "330282", "name_zh": "慈溪市", "name_en": "Cixi", "source": "test"},
            CIXI,
        ),
    ]


def part_features() -> list[dict]:
    """The one district-part feature (``yuyao-north``), a fresh copy."""
    props = {
        "id": "yuyao-north",
        "district_adcode": "330281",
        "name_zh": "余姚北部",
        "name_en": "Northern Yuyao",
        "basis": "indicative",
        "source": "plan:L6",
        "note": "Drawn as 余姚 north of 30.05°N.",
    }
    return [feature(props, YUYAO_NORTH)]


def geojson(features: list[dict], **members: Any) -> str:
    """A FeatureCollection of ``features`` with extra top-level ``members`` (e.g. ``crs``)."""
    doc = {"type": "FeatureCollection", **members, "features": features}
    return json.dumps(doc, ensure_ascii=False, indent=1)


def default_files() -> dict[str, str]:
    """Every file of the valid tree: path under the root -> text."""
    # A table added to SCHEMAS later gets its header only, until it gets rows here.
    files = {
        f"data/{name}": csv_text(f"data/{name}", ROWS.get(f"data/{name}", [])) for name in SCHEMAS
    }
    files["data/plan.zh.txt"] = "\n".join(PLAN_LINES) + "\n"
    files["geo/districts.geojson"] = geojson(district_features())
    files["geo/district_parts.geojson"] = geojson(part_features())
    return files


@dataclass(frozen=True)
class Tree:
    """Where write_inputs put the tree."""

    root: Path

    @property
    def geo(self) -> Path:
        return self.root / "geo"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def path(self, name: str) -> Path:
        """The file ``name`` (``"data/parks.csv"``) of the tree."""
        return self.root / name


def write_inputs(root: Path, **overrides: str | bytes | None) -> Tree:
    """Write the valid tree under ``root``, with some files replaced.

    ``overrides`` maps a path under ``root`` (``"data/parks.csv"``) to its new text (str is
    written as UTF-8, bytes as they are) or to None to leave the file out. Writing over an
    existing tree replaces every file, so a test can break a tree it built before.
    """
    files: dict[str, str | bytes | None] = dict(default_files())
    unknown = set(overrides) - set(files)
    assert not unknown, f"not a file of the tree: {sorted(unknown)}"
    files.update(overrides)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.unlink(missing_ok=True)
        else:
            write_file(path, content)
    return Tree(root)


def write_file(path: Path, content: str | bytes) -> Path:
    """Write ``content`` to ``path`` (str as UTF-8, line ends as they are; bytes as they are);
    returns ``path``."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path
