"""Tiny in-code datasets for unit tests: shaped exactly like a real build
(see zones.model.dataset)."""

from __future__ import annotations

import json
import math
import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from zones import text
from zones.model import filters
from zones.model.dataset import Dataset
from zones.model.filters import Dimension, Option

TIERS = [
    ("advantage", "优势产业", "Advantage industries", 1),
    ("emerging", "新兴产业", "Emerging industries", 2),
]
INDUSTRIES = [
    # id, zh, en, tier, parent
    ("automotive", "汽车及零部件", "Automobiles and parts", "advantage", ""),
    ("new-energy-vehicles", "新能源汽车", "New-energy vehicles", "advantage", "automotive"),
    ("new-materials", "新材料", "New materials", "advantage", ""),
    ("biomedicine", "生物医药", "Biomedicine", "emerging", ""),
]


def make_dataset(n_parks: int = 3, *, hostile_name: str | None = None) -> Dataset:
    """A two-district, two-belt dataset with ``n_parks`` square parks (all indicative but #0).

    Park i sits in district A when i is even, else in district B; belt "north" covers A and
    belt "east" covers B. Park 0 is designated for 汽车及零部件, park 1 for 新材料, the rest have
    only belt-basis links. ``hostile_name`` replaces park 0's Chinese name.
    """
    a = box(121.0, 29.9, 121.5, 30.3)
    b = box(121.5, 29.9, 122.0, 30.3)
    districts = gpd.GeoDataFrame(
        {
            "adcode": ["330281", "330206"],
            "name_zh": ["余姚市", "北仑区"],
            "name_en": ["Yuyao", "Beilun"],
            "area_km2": [1900.0, 1900.0],
            "source": ["test", "test"],
        },
        geometry=[a, b],
        crs="EPSG:4326",
    )
    belts = gpd.GeoDataFrame(
        {
            "id": ["north", "east"],
            "name_zh": ["北部湾区产业带", "东部临港产业带"],
            "name_en": ["Northern Bay Area Industrial Belt", "Eastern Port Industrial Belt"],
            "kind": ["belt", "belt"],
            "color": ["#1f77b4", "#d62728"],
            "order": [2, 3],
            "areas": [["余姚"], ["北仑"]],
            "district_adcodes": [["330281"], ["330206"]],
            "focus_industry_ids": [["automotive", "new-energy-vehicles"], ["new-materials"]],
            "focus_industries": [["汽车及零部件", "新能源汽车"], ["新材料"]],
            "cultivate_industry_ids": [[], ["biomedicine"]],
            "cultivate_industries": [[], ["生物医药"]],
            "geometry_basis": ["districts", "districts"],
            "area_km2": [1900.0, 1900.0],
            "source": ["plan:L60", "plan:L64"],
            "quote": ["北部湾区产业带空间范围包括余姚", "东部临港产业带包括北仑"],
        },
        geometry=[a, b],
        crs="EPSG:4326",
    )
    names = dict((i[0], i) for i in INDUSTRIES)
    tier_names = {t[0]: t[1] for t in TIERS}
    rows, geoms, links = [], [], []
    for i in range(n_parks):
        in_a = i % 2 == 0
        x0 = (121.05 if in_a else 121.55) + 0.01 * (i // 2 % 30)
        y0 = 29.95 + 0.01 * (i // 60 % 30)
        geoms.append(box(x0, y0, x0 + 0.008, y0 + 0.008))
        belt = "north" if in_a else "east"
        focus = ["automotive", "new-energy-vehicles"] if in_a else ["new-materials"]
        designated = {0: ["automotive"], 1: ["new-materials"]}.get(i, [])
        industry_ids = sorted(set(focus) | set(designated))
        for ind in industry_ids:
            basis = "park" if ind in designated else "belt"
            links.append((f"p{i}", ind, basis, "plan:L70" if basis == "park" else f"plan:{belt}"))
        tiers = sorted({names[x][3] for x in industry_ids})
        rows.append(
            {
                "id": f"p{i}",
                "name_zh": hostile_name if (i == 0 and hostile_name) else f"测试园区{i}",
                "name_en": f"Test Park {i}",
                "level": "national" if i == 0 else "provincial",
                "level_note": "",
                "level_note_zh": "",
                "type": "经济技术开发区",
                "parent_id": "",
                "district_adcodes": ["330281" if in_a else "330206"],
                "districts": ["余姚市" if in_a else "北仑区"],
                "belt_ids": [belt],
                "belts": ["北部湾区产业带" if in_a else "东部临港产业带"],
                "platform_belt_ids": [belt],
                "industry_ids": industry_ids,
                "industries": [names[x][1] for x in industry_ids],
                "designated_industry_ids": designated,
                "designated_industries": [names[x][1] for x in designated],
                "tier_ids": tiers,
                "tiers": [tier_names[t] for t in tiers],
                "lon": x0 + 0.004,
                "lat": y0 + 0.004,
                "location_basis": "sourced" if i == 0 else "estimated",
                "location_precision_m": 500 if i == 0 else 5000,
                "location_source": "https://example.org/p0" if i == 0 else "",
                "location_note": "" if i == 0 else "estimated for the test",
                "location_note_zh": "" if i == 0 else "为测试估计",
                "area_km2": 0.64 if i == 0 else math.nan,
                "area_source": "https://example.org/p0" if i == 0 else "",
                "area_note": "",
                "area_note_zh": "",
                "footprint": "surveyed" if i == 0 else "indicative",
                "footprint_note": "" if i == 0 else "disk of the default area",
                "footprint_note_zh": "" if i == 0 else "默认面积的圆",
                "footprint_source": "test-survey.geojson" if i == 0 else "",
                "footprint_area_km2": 0.7,
                "sources": ["plan:L70"],
                "notes": "",
                "notes_zh": "",
                "nearest_port_km": 10.0 + i,
                "nearest_port": "port-a",
                "airport_km": 20.0 + i,
                "nearest_rail_km": 5.0 + i,
                "nearest_rail": "station-a",
            }
        )
    parks = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    industries = pd.DataFrame(
        [
            {
                "id": i[0],
                "name_zh": i[1],
                "name_en": i[2],
                "tier_id": i[3],
                "parent_id": i[4],
                "aliases": [],
                "source": "plan:L34",
                "quote": i[1],
            }
            for i in INDUSTRIES
        ]
    )
    tiers_df = pd.DataFrame(
        [
            {
                "id": t[0],
                "name_zh": t[1],
                "name_en": t[2],
                "order": t[3],
                "source": "plan:L34",
                "quote": t[1],
            }
            for t in TIERS
        ]
    )
    park_industries = pd.DataFrame(
        links, columns=["park_id", "industry_id", "basis", "source"]
    ).assign(note="")
    targets = pd.DataFrame(
        [
            {
                "id": "value-added-above-scale",
                "name_zh": "规上工业增加值",
                "name_en": "Value added of industry above designated size",
                "value": 6800.0,
                "unit_zh": "亿元",
                "unit_en": "100 million yuan",
                "year": 2025,
                "source": "plan:L12",
                "quote": "规上工业增加值达到6800亿元",
            }
        ]
    )
    transport_nodes = pd.DataFrame(
        [
            {
                "id": "port-a",
                "name_zh": "测试港区",
                "name_en": "Test port",
                "kind": "seaport",
                "lon": 121.9,
                "lat": 30.0,
                "location_basis": "sourced",
                "location_precision_m": 1000,
                "location_note": "test",
                "note": "",
                "sources": ["https://example.org/port"],
            },
            {
                "id": "station-b",
                "name_zh": "未定位车站",
                "name_en": "Unlocated station",
                "kind": "rail",
                "lon": math.nan,
                "lat": math.nan,
                "location_basis": "missing",
                "location_precision_m": None,
                "location_note": "not found",
                "note": "",
                "sources": ["https://example.org/station"],
            },
        ]
    )
    return Dataset(
        districts=districts,
        belts=belts,
        parks=parks,
        industries=industries,
        tiers=tiers_df,
        park_industries=park_industries,
        targets=targets,
        transport_nodes=transport_nodes,
    )


def point_in(ds: Dataset, park_id: str) -> Point:
    """A point inside park ``park_id``'s footprint."""
    row = ds.parks.set_index("id").loc[park_id]
    return row.geometry.representative_point()


def with_link(ds: Dataset, park_id: str, industry_id: str, basis: str = "source") -> Dataset:
    """``ds`` with one more park-industry link, kept consistent across ``park_industries`` and
    the park's ``industry_ids`` (and ``designated_industry_ids`` for basis ``park``)."""
    link = pd.DataFrame(
        [{"park_id": park_id, "industry_id": industry_id, "basis": basis, "source": "test"}]
    ).assign(note="")
    parks = ds.parks.copy()
    row = parks.index[parks["id"] == park_id][0]
    columns = ["industry_ids"] + (["designated_industry_ids"] if basis == "park" else [])
    for column in columns:
        order = list(ds.industries["id"])
        ids = set(parks.at[row, column]) | {industry_id}
        parks.at[row, column] = sorted(ids, key=order.index)
    links = pd.concat([ds.park_industries, link], ignore_index=True)
    return replace(ds, parks=parks, park_industries=links)


def footprint_dimension() -> Dimension:
    """A throwaway filter dimension (the park's ``footprint``: surveyed or indicative), declared
    once as the real ones are: registering it in ``zones.model.filters.DIMENSIONS`` alone must bring
    it to every consumer (tests/test_filters.py, tests/test_app.py)."""
    return Dimension.multi(
        "footprints",
        "footprint",
        cli_help="footprint: surveyed or indicative",
        vocabulary=lambda ds: [
            Option("surveyed", "实测范围", "surveyed"),
            Option("indicative", "示意范围", "indicative", aliases=("estimated",)),
        ],
        mask=lambda ds, f: ds.parks["footprint"].isin(f.footprints).to_numpy(),
    )


#: The texts of :func:`footprint_dimension` in each catalog: its widget label, its notices' name
#: and its phrase in the filter sentence.
FOOTPRINT_STRINGS = {
    "filter.footprint": {"zh": "园区范围", "en": "Footprint"},
    "field.footprint": {"zh": "园区范围", "en": "footprint"},
    "say.footprints": {"zh": "范围为{values}", "en": "whose footprint is {values}"},
}
#: The group of each language's sentence (``sentence.groups``) its phrase joins, at the end.
FOOTPRINT_GROUPS = {"zh": "what", "en": "what"}


def add_texts(
    monkeypatch: pytest.MonkeyPatch,
    strings: Mapping[str, Mapping[str, str]],
    groups: Mapping[str, str] | None = None,
    dimension: str = "",
) -> None:
    """Put ``strings`` (key -> language -> text) into the loaded catalogs, and ``dimension``'s
    phrase at the end of the group ``groups[lang]`` of each language's sentence; undone with
    ``monkeypatch``."""
    for key, by_lang in strings.items():
        for lang, value in by_lang.items():
            monkeypatch.setitem(text.catalog(lang), key, value)
    for lang, name in (groups or {}).items():
        specs = [dict(g) for g in text.value("sentence.groups", lang)]
        for spec in specs:
            if spec["name"] == name:
                spec["dims"] = [*spec["dims"], dimension]
        monkeypatch.setitem(text.catalog(lang), "sentence.groups", specs)


def add_footprint_dimension(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register :func:`footprint_dimension` in ``zones.model.filters.DIMENSIONS`` with its texts."""
    monkeypatch.setattr(filters, "DIMENSIONS", [*filters.DIMENSIONS, footprint_dimension()])
    add_texts(monkeypatch, FOOTPRINT_STRINGS, FOOTPRINT_GROUPS, "footprints")


def pseudo_language(
    monkeypatch: pytest.MonkeyPatch, folder: Path, code: str = "xx", prefix: str = "⟦xx⟧"
) -> str:
    """Register a throwaway language ``code``: a catalog made from the Chinese one with
    ``prefix`` before every text (its ``[language]`` entries aside), in ``folder`` beside
    copies of the real catalogs, and ``code`` added to the language list. Returns ``prefix``.

    Nothing else is told about it: this is all a new language takes.
    """
    for lang in text.LANGUAGES:
        shutil.copyfile(text.catalog_path(lang), folder / f"{lang}.toml")
    with text.catalog_path(text.DEFAULT_LANGUAGE).open("rb") as f:
        source = tomllib.load(f)
    lines = []
    for section, entries in source.items():
        lines.append(f"[{section}]")
        for key, value in entries.items():
            if isinstance(value, str) and section != "language":
                value = prefix + value
            elif section == "language" and key == "name":
                value = f"Pseudo ({code})"
            lines.append(f"{json.dumps(key, ensure_ascii=False)} = {_toml(value)}")
    (folder / f"{code}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(text, "CATALOG_DIR", folder)
    monkeypatch.setattr(text, "LANGUAGES", (*text.LANGUAGES, code))
    return prefix


def _toml(value: object) -> str:
    """``value`` (text, a list, a table of them) as TOML."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
