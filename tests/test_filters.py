"""Park filters: resolving what users type, selecting parks, describing and naming the selection."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from tests.factories import add_footprint_dimension, make_dataset
from tests.inputs import write_inputs
from zones import text
from zones.build.assemble import build
from zones.cli.main import main, parser
from zones.errors import EmptyValueError, UnknownValueError, ZonesError
from zones.model.dataset import Dataset
from zones.model.filters import (
    DIMENSIONS,
    ParkFilter,
    apply_filter,
    describe_filter,
    expand_industries,
    filter_choices,
    filter_dataset,
    filter_slug,
    industry_ancestors,
    industry_subtrees,
    resolve_filter,
)
from zones.present import urlstate
from zones.text import i18n

EVEN, ODD, ALL = ["p0", "p2", "p4"], ["p1", "p3", "p5"], [f"p{i}" for i in range(6)]


TYPES = ["国家级经济技术开发区", "综合保税区", "新区", "综合保税区", "经济技术开发区", ""]


def _dataset() -> Dataset:
    """make_dataset(6), varied so that every kind of constraint tells parks apart.

    p0..p5: even parks lie in 余姚市 (330281) and belt north, odd ones in 北仑区 (330206) and belt
    east; p0 is national, the rest provincial. Industries (designated in brackets):
    p0 automotive+NEV [automotive], p1 new-materials [new-materials], p2 automotive only [NEV],
    p3 new-materials, p4 NEV only (the child of automotive), p5 new-materials+biomedicine.
    automotive has the aliases 汽车产业 and Auto. Park types: p0 国家级经济技术开发区, p1 and p3
    综合保税区, p2 新区, p4 经济技术开发区, p5 none.
    """
    ds = make_dataset(6)
    industries = ds.industries.copy()
    industries["aliases"] = [["汽车产业", "Auto"], [], [], []]
    parks = ds.parks.copy()
    industry_ids = list(parks["industry_ids"])
    designated = list(parks["designated_industry_ids"])
    industry_ids[2] = ["automotive"]
    designated[2] = ["new-energy-vehicles"]
    industry_ids[4] = ["new-energy-vehicles"]
    industry_ids[5] = ["biomedicine", "new-materials"]
    parks["industry_ids"] = industry_ids
    parks["designated_industry_ids"] = designated
    parks["type"] = TYPES
    return dataclasses.replace(ds, industries=industries, parks=parks)


DS = _dataset()

CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("empty", {}, ALL),
    # belts: id, zh, en (any case), several, a lone string
    ("belt id", {"belts": ["north"]}, EVEN),
    ("belt zh", {"belts": ["东部临港产业带"]}, ODD),
    ("belt en", {"belts": ["Northern Bay Area Industrial Belt"]}, EVEN),
    ("belt en lower", {"belts": ["northern bay area industrial belt"]}, EVEN),
    ("belt en upper+spaces", {"belts": ["  EASTERN PORT INDUSTRIAL BELT "]}, ODD),
    ("two belts", {"belts": ["north", "东部临港产业带"]}, ALL),
    ("lone string", {"belts": "north"}, EVEN),
    ("duplicates", {"belts": ["north", "North", "北部湾区产业带"]}, EVEN),
    # industries: id, zh, en, aliases, a parent includes its children
    ("industry id", {"industries": ["new-materials"]}, ODD),
    ("industry zh", {"industries": ["新材料"]}, ODD),
    ("industry en", {"industries": ["new materials"]}, ODD),
    ("industry alias zh", {"industries": ["汽车产业"]}, EVEN),
    ("industry alias en", {"industries": ["auto"]}, EVEN),
    ("parent includes child", {"industries": ["automotive"]}, EVEN),
    ("child alone", {"industries": ["新能源汽车"]}, ["p0", "p4"]),
    ("full-width letters", {"industries": ["ＢＩＯＭＥＤＩＣＩＮＥ"]}, ["p5"]),
    ("two industries", {"industries": ["new-energy-vehicles", "biomedicine"]}, ["p0", "p4", "p5"]),
    # tiers select their industries (and descendants)
    ("tier id", {"tiers": ["emerging"]}, ["p5"]),
    ("tier zh", {"tiers": ["新兴产业"]}, ["p5"]),
    ("tier en", {"tiers": ["Advantage Industries"]}, ALL),
    # designated_only
    ("designated, any", {"designated_only": True}, ["p0", "p1", "p2"]),
    ("designated parent", {"industries": ["automotive"], "designated_only": True}, ["p0", "p2"]),
    ("designated child", {"industries": ["新能源汽车"], "designated_only": True}, ["p2"]),
    ("designated materials", {"industries": ["新材料"], "designated_only": True}, ["p1"]),
    ("designated tier", {"tiers": ["advantage"], "designated_only": True}, ["p0", "p1", "p2"]),
    ("designated emerging", {"tiers": ["emerging"], "designated_only": True}, []),
    # districts: adcode, zh, short zh, en, en with a suffix
    ("district adcode", {"districts": ["330206"]}, ODD),
    ("district zh", {"districts": ["北仑区"]}, ODD),
    ("district short zh", {"districts": ["北仑"]}, ODD),
    ("district short zh 市", {"districts": ["余姚"]}, EVEN),
    ("district en", {"districts": ["beilun"]}, ODD),
    ("two districts", {"districts": ["余姚市", "Beilun"]}, ALL),
    # levels: code, zh label
    ("level code", {"levels": ["national"]}, ["p0"]),
    ("level zh", {"levels": ["省级"]}, ["p1", "p2", "p3", "p4", "p5"]),
    ("level unknown", {"levels": ["unknown"]}, []),
    # park types: as the data writes them, English name (any case), its slug
    ("type zh", {"types": ["综合保税区"]}, ["p1", "p3"]),
    ("type en", {"types": ["Comprehensive BONDED zone"]}, ["p1", "p3"]),
    ("type slug", {"types": ["new-area"]}, ["p2"]),
    (
        "two types",
        {"types": ["新区", "national economic and technological development zone"]},
        [
            "p0",
            "p2",
        ],
    ),
    (
        "type+level",
        {"types": ["国家级经济技术开发区", "综合保税区"], "levels": ["省级"]},
        [
            "p1",
            "p3",
        ],
    ),
    ("type+belt", {"types": ["经济技术开发区"], "belts": ["north"]}, ["p4"]),
    # text: zh name, en name, id; case-insensitive substring
    ("text zh", {"text": "园区3"}, ["p3"]),
    ("text en", {"text": "test park 1"}, ["p1"]),
    ("text id", {"text": "P5"}, ["p5"]),
    ("text everywhere", {"text": "TEST"}, ALL),
    ("text nowhere", {"text": "港口"}, []),
    # combinations: every constraint must hold
    ("belt+level", {"belts": ["north"], "levels": ["provincial"]}, ["p2", "p4"]),
    (
        "belt+industry+designated",
        {"belts": ["east"], "industries": ["新材料"], "designated_only": True},
        ["p1"],
    ),
    ("district+text", {"districts": ["余姚"], "text": "4"}, ["p4"]),
    ("belt+foreign industry", {"belts": ["north"], "industries": ["新材料"]}, []),
    ("industry+tier", {"industries": ["new-materials"], "tiers": ["emerging"]}, ["p5"]),
    (
        "everything",
        {
            "belts": ["north"],
            "industries": ["汽车及零部件"],
            "tiers": ["advantage"],
            "districts": ["余姚"],
            "levels": ["national", "provincial"],
            "designated_only": True,
            "text": "园区",
        },
        ["p0", "p2"],
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_filter_cases(kwargs: dict[str, Any], expected: list[str]) -> None:
    f = resolve_filter(DS, **kwargs)
    assert list(apply_filter(DS, f)["id"]) == expected


def test_resolved_filter_holds_ids() -> None:
    f = resolve_filter(
        DS,
        belts=["北部湾区产业带", "north"],
        industries=["汽车产业"],
        tiers=["新兴产业"],
        districts=["北仑"],
        levels=["国家级"],
        text="  园区 ",
    )
    assert f == ParkFilter(
        belts=("north",),
        industries=("automotive",),
        tiers=("emerging",),
        districts=("330206",),
        levels=("national",),
        text="园区",
    )
    assert hash(f) == hash(ParkFilter(**dataclasses.asdict(f)))


def test_park_filter_accepts_lists_and_is_hashable() -> None:
    f = ParkFilter(belts=["north"], industries="automotive")  # type: ignore[arg-type]
    assert f.belts == ("north",) and f.industries == ("automotive",)
    assert {f: 1}[ParkFilter(belts=("north",), industries=("automotive",))] == 1
    assert ParkFilter().is_empty and not f.is_empty
    assert not ParkFilter(designated_only=True).is_empty


UNKNOWN = [
    ("belts", "nroth", "belt", ["north"]),
    ("belts", "北部湾区", "belt", ["北部湾区产业带"]),
    ("industries", "汽车", "industry", ["汽车及零部件", "新能源汽车"]),
    ("industries", "automotiv", "industry", ["automotive"]),
    ("industries", "new material", "industry", ["New materials"]),
    ("tiers", "advantge", "tier", ["advantage"]),
    ("districts", "Beilung", "district", ["Beilun"]),
    ("districts", "北", "district", ["北仑区"]),
    ("levels", "nationl", "level", ["national"]),
    ("industries", "zzzz", "industry", []),
    ("types", "综合保税", "type", ["综合保税区"]),
    ("types", "new aera", "type", ["new area"]),
    ("types", "保税区", "type", ["综合保税区"]),  # a type no park of the data has is unknown
]


@pytest.mark.parametrize(("kw", "value", "field", "suggested"), UNKNOWN)
def test_unknown_value_suggests_close_matches(
    kw: str, value: str, field: str, suggested: list[str]
) -> None:
    with pytest.raises(UnknownValueError) as info:
        resolve_filter(DS, **{kw: [value]})
    err = info.value
    assert isinstance(err, ZonesError) and isinstance(err, ValueError)
    assert (err.field, err.value) == (field, value)
    assert len(err.suggestions) <= 5
    for s in suggested:
        assert s in err.suggestions
        assert s in str(err)
    if not suggested:
        assert err.suggestions == [] and "did you mean" not in str(err)
    assert f"unknown {field} {value!r}" in str(err)


EMPTY = [
    ("belts", "", "belt"),
    ("belts", ["", "east"], "belt"),  # one blank among good values is refused too
    ("industries", "", "industry"),
    ("industries", ["   "], "industry"),
    ("tiers", ["\u3000"], "tier"),  # a full-width space is blank too
    ("districts", "", "district"),
    ("levels", [" "], "level"),
    ("types", "", "type"),
    ("types", ["新区", "  "], "type"),
]


@pytest.mark.parametrize(("kw", "value", "field"), EMPTY)
def test_empty_value_is_refused_not_read_as_every_park(kw: str, value: Any, field: str) -> None:
    with pytest.raises(EmptyValueError) as info:
        resolve_filter(DS, **{kw: value})
    err = info.value
    assert isinstance(err, UnknownValueError) and err.field == field  # the CLI exits 2 on it
    assert str(err).startswith(f"empty {field} value")


@pytest.fixture(scope="module")
def cli_gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GeoPackage built from the tiny input tree (as tests/test_cli.py does)."""
    folder = tmp_path_factory.mktemp("cli")
    tree = write_inputs(folder / "tree")
    out = folder / "zones.gpkg"
    build(out, tree.geo, tree.data)
    return out


@pytest.mark.parametrize(
    "args",
    [
        ["--industry", ""],
        ["--belt", ""],
        ["--tier", " "],
        ["--district", ""],
        ["--level", ""],
        ["--type", ""],
        ["--industry", "汽车", "--industry", ""],
        ["--search", ""],
        ["--search", "  "],
    ],
)
def test_cli_refuses_an_empty_filter_value(
    cli_gpkg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    out = tmp_path / "parks.geojson"
    assert main(["export", "--dataset", str(cli_gpkg), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    field = args[-2].removeprefix("--")
    assert f"error: empty {field} value" in err
    assert not out.exists()


def test_cli_industry_filter_still_works(
    cli_gpkg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "parks.geojson"
    args = ["export", "--dataset", str(cli_gpkg), "--out", str(out), "--industry", "汽车"]
    assert main(args) == 0
    assert out.is_file()


def test_suggestions_name_each_item_once() -> None:
    with pytest.raises(UnknownValueError) as info:
        resolve_filter(DS, belts=["belt"])
    assert len(info.value.suggestions) == len({"north", "east"})


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["automotive"], {"automotive", "new-energy-vehicles"}),
        (["new-energy-vehicles"], {"new-energy-vehicles"}),
        (["advantage"], {"automotive", "new-energy-vehicles", "new-materials"}),
        (["emerging", "new-materials"], {"biomedicine", "new-materials"}),
        ([], set()),
    ],
)
def test_expand_industries(ids: list[str], expected: set[str]) -> None:
    assert expand_industries(DS, ids) == expected


def test_expand_industries_follows_deep_chains_and_survives_cycles() -> None:
    industries = DS.industries.copy()
    # biomedicine -> new-materials -> automotive -> new-energy-vehicles -> biomedicine (a cycle)
    industries["parent_id"] = ["new-materials", "automotive", "biomedicine", "new-energy-vehicles"]
    ds = dataclasses.replace(DS, industries=industries)
    everything = {"automotive", "new-energy-vehicles", "new-materials", "biomedicine"}
    assert expand_industries(ds, ["biomedicine"]) == everything


def test_industry_subtrees_and_ancestors_are_one_rule() -> None:
    subtrees, ancestors = industry_subtrees(DS), industry_ancestors(DS)
    assert subtrees["automotive"] == {"automotive", "new-energy-vehicles"}
    assert subtrees["new-energy-vehicles"] == {"new-energy-vehicles"}
    assert ancestors["new-energy-vehicles"] == {"new-energy-vehicles", "automotive"}
    assert ancestors["automotive"] == {"automotive"}
    # The filter expands exactly by the subtrees; the ancestors are their inverse.
    for ident, subtree in subtrees.items():
        assert expand_industries(DS, [ident]) == subtree
        assert all(ident in ancestors[member] for member in subtree)


def test_expand_industries_unknown_id() -> None:
    with pytest.raises(UnknownValueError, match="did you mean: automotive"):
        expand_industries(DS, ["automotiv"])


def test_apply_filter_keeps_order_index_and_columns() -> None:
    parks = DS.parks.iloc[::-1]
    ds = dataclasses.replace(DS, parks=parks)
    out = apply_filter(ds, ParkFilter(belts=("east",)))
    assert list(out["id"]) == ["p5", "p3", "p1"]
    assert list(out.index) == [5, 3, 1]
    assert list(out.columns) == list(DS.parks.columns)
    assert out.crs == DS.parks.crs


def test_filter_dataset_restricts_parks_and_links_only() -> None:
    out = filter_dataset(DS, ParkFilter(industries=("new-materials",), designated_only=True))
    assert list(out.parks["id"]) == ["p1"]
    assert set(out.park_industries["park_id"]) == {"p1"}
    for name in ("districts", "belts", "industries", "tiers", "targets"):
        assert getattr(out, name) is getattr(DS, name)
    assert len(DS.parks) == 6  # the input is untouched
    assert filter_dataset(DS, ParkFilter()) is DS


DESCRIPTIONS = [
    (ParkFilter(), 6, "全部园区 6 个", "All 6 parks"),
    (
        ParkFilter(belts=("north",), industries=("automotive",), designated_only=True),
        7,
        "北部湾区产业带中指定发展汽车及零部件的园区 7 个",
        "7 parks in Northern Bay Area Industrial Belt designated for Automobiles and parts",
    ),
    (
        ParkFilter(belts=("north", "east")),
        6,
        "北部湾区产业带或东部临港产业带中的园区 6 个",
        "6 parks in Northern Bay Area Industrial Belt or Eastern Port Industrial Belt",
    ),
    (
        ParkFilter(industries=("new-materials", "biomedicine", "automotive")),
        5,
        "涉及新材料或生物医药或汽车及零部件的园区 5 个",
        "5 parks with New materials, Biomedicine or Automobiles and parts",
    ),
    (
        ParkFilter(tiers=("emerging",), designated_only=True),
        0,
        "指定发展新兴产业的园区 0 个",
        "0 parks designated for Emerging industries",
    ),
    (
        ParkFilter(industries=("new-materials",), tiers=("advantage",)),
        3,
        "涉及新材料、涉及优势产业的园区 3 个",
        "3 parks with New materials and with Advantage industries",
    ),
    (
        ParkFilter(designated_only=True),
        1,
        "有指定发展产业的园区 1 个",
        "1 park with a designated industry",
    ),
    (
        ParkFilter(districts=("330206",), levels=("provincial",)),
        3,
        "位于北仑区的省级园区 3 个",
        "3 provincial parks in Beilun",
    ),
    (
        ParkFilter(belts=("north",), districts=("330281",)),
        3,
        "北部湾区产业带中位于余姚市的园区 3 个",
        "3 parks in Northern Bay Area Industrial Belt and Yuyao",
    ),
    (
        ParkFilter(levels=("national", "unknown")),
        1,
        "国家级或级别不详的园区 1 个",
        "1 national or unknown-level park",
    ),
    (
        ParkFilter(text="园区"),
        6,
        "名称含“园区”的园区 6 个",
        '6 parks whose name contains "园区"',
    ),
    (
        ParkFilter(belts=("gone",), industries=("gone-too",)),
        0,
        "gone中涉及gone-too的园区 0 个",
        "0 parks in gone with gone-too",
    ),
    (
        ParkFilter(types=("综合保税区",)),
        2,
        "类型为综合保税区的园区 2 个",
        "2 parks of type comprehensive bonded zone",
    ),
    (
        ParkFilter(
            belts=("east",),
            districts=("330206",),
            types=("综合保税区", "新区"),
            industries=("new-materials",),
            levels=("provincial",),
            designated_only=True,
        ),
        1,
        "东部临港产业带中位于北仑区、类型为综合保税区或新区、指定发展新材料的省级园区 1 个",
        "1 provincial park in Eastern Port Industrial Belt and Beilun of type comprehensive "
        "bonded zone or new area designated for New materials",
    ),
    (
        ParkFilter(types=("某类园区",)),  # a type without an English name shows as written
        0,
        "类型为某类园区的园区 0 个",
        "0 parks of type 某类园区",
    ),
]


@pytest.mark.parametrize(("f", "count", "zh", "en"), DESCRIPTIONS)
def test_describe_filter(f: ParkFilter, count: int, zh: str, en: str) -> None:
    assert describe_filter(DS, f, count) == zh
    assert describe_filter(DS, f, count, lang="zh") == zh
    assert describe_filter(DS, f, count, lang="en") == en


def test_describe_filter_is_pure_and_checks_language() -> None:
    before = DS.parks.copy()
    f = ParkFilter(belts=("north",))
    assert describe_filter(DS, f, 3, "en") == describe_filter(DS, f, 3, "en")
    assert DS.parks.equals(before)
    with pytest.raises(UnknownValueError, match="unknown language 'fr'"):
        describe_filter(DS, f, 3, lang="fr")


SLUGS = [
    (ParkFilter(), "all"),
    (ParkFilter(belts=("north",), industries=("automotive",)), "belt-north_industry-automotive"),
    (ParkFilter(belts=("north", "east")), "belt-north+east"),
    (ParkFilter(tiers=("emerging",), designated_only=True), "tier-emerging_designated"),
    (ParkFilter(districts=("330206",), levels=("national",)), "district-330206_level-national"),
    (ParkFilter(designated_only=True), "designated"),
    (ParkFilter(text="Test Park"), "text-test-park"),
    (ParkFilter(industries=("Weird id_with/slash",)), "industry-weird-id-with-slash"),
    (ParkFilter(types=("综合保税区",)), "type-comprehensive-bonded-zone"),
    (
        ParkFilter(levels=("national",), types=("新区",), designated_only=True, text="x"),
        "level-national_type-new-area_designated_text-x",
    ),
]


@pytest.mark.parametrize(("f", "slug"), SLUGS)
def test_filter_slug(f: ParkFilter, slug: str) -> None:
    assert filter_slug(DS, f) == slug


def test_filter_slug_of_chinese_text_and_long_filters_is_short_ascii() -> None:
    zh = filter_slug(DS, ParkFilter(text="测试园区"))
    assert zh.startswith("text-") and zh.isascii() and len(zh) == len("text-") + 8
    assert zh != filter_slug(DS, ParkFilter(text="测试"))
    many = ParkFilter(industries=tuple(f"industry-number-{i}" for i in range(20)))
    fewer = ParkFilter(industries=tuple(f"industry-number-{i}" for i in range(19)))
    slug = filter_slug(DS, many)
    assert len(slug) <= 80 and slug.isascii()
    assert slug != filter_slug(DS, fewer)
    for f, _ in SLUGS:
        assert all(c.isalnum() or c in "-_+" for c in filter_slug(DS, f))


def test_filter_slug_of_a_type_without_an_english_name_is_a_hash() -> None:
    slug = filter_slug(DS, ParkFilter(types=("某类园区",)))
    assert slug.startswith("type-") and slug.isascii() and len(slug) == len("type-") + 8


# --- the registry ---------------------------------------------------------------------------


def test_filter_choices_order_and_labels() -> None:
    zh = filter_choices(DS, "zh")
    assert list(zh) == ["belts", "industries", "tiers", "districts", "levels", "types"]
    assert list(zh["belts"]) == ["north", "east"]  # by the belts' order
    industries = list(zh["industries"])
    # Tier order first, each sub-industry right after its parent.
    assert industries == ["automotive", "new-energy-vehicles", "new-materials", "biomedicine"]
    assert zh["industries"]["new-energy-vehicles"] == "优势产业 › 汽车及零部件 › 新能源汽车"
    en = filter_choices(DS, "en")
    assert en["industries"]["biomedicine"] == "Emerging industries › Biomedicine"
    assert en["districts"] == {"330281": "Yuyao", "330206": "Beilun"}
    assert zh["levels"]["unknown"] == "级别不详"
    # Park types: those of the data, in the order of i18n.PARK_TYPES, named in each language.
    assert zh["types"] == {
        t: t for t in ["国家级经济技术开发区", "经济技术开发区", "综合保税区", "新区"]
    }
    assert en["types"] == {
        "国家级经济技术开发区": "national economic and technological development zone",
        "经济技术开发区": "economic and technological development zone",
        "综合保税区": "comprehensive bonded zone",
        "新区": "new area",
    }
    assert {t: i18n.park_type_label(t, "en") for t in en["types"]} == en["types"]


def test_every_dimension_is_declared_once_with_distinct_names() -> None:
    for attr in ("key", "name", "url_key", "cli_option", "slug", "widget_key"):
        values = [getattr(d, attr) for d in DIMENSIONS]
        assert len(values) == len(set(values)), attr
    assert not set(d.url_key for d in DIMENSIONS) & set(urlstate.VIEW_KEYS)
    for d in DIMENSIONS:
        for key in (d.label, d.help, d.placeholder, f"field.{d.url_key}", f"say.{d.key}"):
            if key:
                assert all(text.has(key, lang) for lang in text.LANGUAGES), key


def test_park_filter_is_one_mapping_by_dimension() -> None:
    f = ParkFilter(types="新区", belts=["north"], text="  x ", designated_only=0)
    assert f.values == (("belts", ("north",)), ("types", ("新区",)), ("text", "x"))
    assert f == ParkFilter(f.values) == ParkFilter(belts=("north",), types=("新区",), text="x")
    assert f.types == f.get("types") == ("新区",) and f.designated_only is False
    assert ParkFilter(belts=(), levels="", text=" ").is_empty
    with pytest.raises(TypeError, match="unknown dimension"):
        ParkFilter(colour=("red",))
    with pytest.raises(TypeError, match="unknown dimension"):
        resolve_filter(DS, colour=["red"])
    with pytest.raises(AttributeError):
        _ = f.colour


def test_one_registered_dimension_reaches_every_consumer(
    monkeypatch: pytest.MonkeyPatch,
    cli_gpkg: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A dimension added to DIMENSIONS, and nothing else (but its i18n strings), is resolved,
    applied, described, slugged, put in and read from a link, and offered by ``zones export``."""
    add_footprint_dimension(monkeypatch)

    # The library: resolve (id, name, alias; unknown and empty refused), apply, describe, slug.
    f = resolve_filter(DS, footprints=["Surveyed"], belts=["north"])
    assert f == ParkFilter(belts=("north",), footprints=("surveyed",))
    assert list(apply_filter(DS, f)["id"]) == ["p0"]
    indicative = resolve_filter(DS, footprints="estimated")  # an alias
    assert list(apply_filter(DS, indicative)["id"]) == ["p1", "p2", "p3", "p4", "p5"]
    with pytest.raises(UnknownValueError, match=r"unknown footprint 'surveyd'.*surveyed"):
        resolve_filter(DS, footprints=["surveyd"])
    with pytest.raises(EmptyValueError, match="empty footprint value"):
        resolve_filter(DS, footprints=[""])
    assert describe_filter(DS, f, 1) == "北部湾区产业带中范围为实测范围的园区 1 个"
    assert describe_filter(DS, f, 1, "en") == (
        "1 park in Northern Bay Area Industrial Belt whose footprint is surveyed"
    )
    assert filter_slug(DS, f) == "belt-north_footprint-surveyed"
    assert filter_choices(DS, "en")["footprints"] == {
        "surveyed": "surveyed",
        "indicative": "indicative",
    }

    # The link: written, read back, unknown values reported, the key owned by the app.
    state = urlstate.ViewState(f, park="p0")
    query = urlstate.to_query(state)
    assert query == {"belt": "north", "footprint": "surveyed", "park": "p0"}
    allowed = urlstate.allowed_values(DS, ("none",))
    assert allowed["footprint"] == {"surveyed", "indicative"}
    assert urlstate.from_query(query, allowed) == (state, [])
    assert urlstate.from_query({"footprint": "surveyed,lunar"}, allowed) == (
        urlstate.ViewState(footprints=("surveyed",)),
        [urlstate.Notice("footprint", ("lunar",))],
    )
    assert "footprint" in urlstate.query_keys()
    assert urlstate.query_updates({"footprint": ["surveyed"]}, {}) == ({}, ["footprint"])

    # The command line: the option, its help, and an export filtered by it.
    export = next(
        a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)
    ).choices["export"]
    option = next(a for a in export._actions if "--footprint" in a.option_strings)
    assert option.help == "footprint: surveyed or indicative"
    out = tmp_path / "parks.geojson"
    args = ["export", "--dataset", str(cli_gpkg), "--out", str(out), "--footprint", "surveyed"]
    assert main(args) == 0
    assert "范围为实测范围的园区 0 个" in capsys.readouterr().out
    assert main([*args[:-1], "indicative", "--lang", "en"]) == 0
    assert "3 parks whose footprint is indicative" in capsys.readouterr().out
    assert main([*args[:-1], "lunar"]) == 2
    assert "unknown footprint 'lunar'" in capsys.readouterr().err


# --- park type through the command line -----------------------------------------------------


@pytest.mark.parametrize("value", ["新区", "New Area", "new-area", "ＮＥＷ ＡＲＥＡ"])
def test_cli_exports_by_park_type(
    cli_gpkg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    out = tmp_path / "parks.geojson"
    args = ["export", "--dataset", str(cli_gpkg), "--out", str(out), "--type", value]
    assert main(args) == 0
    assert "类型为新区的园区 1 个" in capsys.readouterr().out
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["id"] for f in features] == ["qianwan-new-area"]


def test_cli_unknown_park_type_exits_2_with_close_matches(
    cli_gpkg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "parks.geojson"
    args = ["export", "--dataset", str(cli_gpkg), "--out", str(out), "--type", "经济开发区"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "unknown type '经济开发区'" in err and "did you mean: 省级经济开发区" in err
    assert not out.exists()
