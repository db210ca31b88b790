"""Validation rules: references between tables, sources of facts, and citations of the plan.

Each case breaks one cell of the valid tree of tests/inputs.py and names the problem it must
cause (file, line, field); the valid tree itself causes none.
"""

from __future__ import annotations

import pytest

from tests.inputs import add_row, edit_csv, write_inputs
from zones.build.assemble import read_inputs
from zones.errors import Problem
from zones.model.validate import check_citations, check_references, check_sources, errors_in


def _problems(tmp_path, **overrides) -> dict[str, list[Problem]]:
    tree = write_inputs(tmp_path, **overrides)
    inputs = read_inputs(tree.geo, tree.data)
    assert errors_in(inputs.problems) == [], "the case must break a rule, not the reading"
    adcodes = {str(d["adcode"]) for d in inputs.districts}
    part_ids = {str(p["id"]) for p in inputs.parts}
    return {
        "references": check_references(inputs.tables, adcodes=adcodes, part_ids=part_ids),
        "sources": check_sources(inputs.tables),
        "citations": check_citations(inputs.tables, inputs.plan),
    }


def _expect(found: list[Problem], tmp_path, file: str, line: int, field: str, message: str):
    path = str(tmp_path / "data" / file)
    matching = [p for p in found if (p.file, p.row, p.field) == (path, line, field)]
    assert matching, f"no problem at {file}:{line} [{field}] among {[str(p) for p in found]}"
    assert any(message in p.message for p in matching), [p.message for p in matching]
    assert all(p.severity == "error" for p in matching)


def test_valid_tree_breaks_no_rule(tmp_path):
    assert _problems(tmp_path) == {"references": [], "sources": [], "citations": []}


# (file, line, cells to change, expected field, expected message)
REFERENCES = [
    ("industries.csv", 2, {"tier_id": "advantag"}, "tier_id", "unknown tier 'advantag'"),
    ("industries.csv", 3, {"parent_id": "automotiv"}, "parent_id", "unknown industry"),
    ("belt_areas.csv", 2, {"belt_id": "metro"}, "belt_id", "unknown belt 'metro'"),
    ("belt_areas.csv", 2, {"ref": "330299"}, "ref", "unknown district '330299'"),
    ("belt_areas.csv", 4, {"ref": "yuyao-south"}, "ref", "unknown district_part 'yuyao-south'"),
    ("belt_areas.csv", 4, {"kind": "park", "ref": "no-park"}, "ref", "unknown park 'no-park'"),
    (
        "belt_areas.csv",
        4,
        {"kind": "district"},
        "ref",
        "unknown district 'yuyao-north'",
    ),
    ("belt_industries.csv", 3, {"belt_id": "nort-bay"}, "belt_id", "unknown belt"),
    ("belt_industries.csv", 2, {"industry_id": "new-material"}, "industry_id", "unknown industry"),
    ("parks.csv", 2, {"district_adcodes": "330281;330299"}, "district_adcodes", "'330299'"),
    ("parks.csv", 2, {"district_adcodes": "330211"}, "district_adcodes", "district adcode"),
    ("parks.csv", 4, {"parent_id": "qianwan"}, "parent_id", "unknown park 'qianwan'"),
    ("park_belts.csv", 2, {"park_id": "yuyao"}, "park_id", "unknown park 'yuyao'"),
    ("park_belts.csv", 3, {"belt_id": "south-coast"}, "belt_id", "unknown belt 'south-coast'"),
    ("park_industries.csv", 4, {"park_id": "cixi"}, "park_id", "unknown park 'cixi'"),
    ("park_industries.csv", 4, {"industry_id": "6g"}, "industry_id", "unknown industry '6g'"),
    ("industries.csv", 2, {"parent_id": "new-energy-vehicles"}, "parent_id", "cycle"),
    ("industries.csv", 3, {"parent_id": "new-energy-vehicles"}, "parent_id", "cycle"),
    ("industries.csv", 4, {"parent_id": "new-materials"}, "parent_id", "cycle"),
]


@pytest.mark.parametrize(("file", "line", "cells", "field", "message"), REFERENCES)
def test_unknown_references(tmp_path, file, line, cells, field, message):
    found = _problems(tmp_path, **{f"data/{file}": edit_csv(f"data/{file}", line, **cells)})
    _expect(found["references"], tmp_path, file, line, field, message)


def test_cycle_is_reported_on_every_row_of_it(tmp_path):
    """automotive -> new-energy-vehicles -> automotive: both rows name the cycle."""
    text = edit_csv("data/industries.csv", 2, parent_id="new-energy-vehicles")
    found = _problems(tmp_path, **{"data/industries.csv": text})["references"]
    assert sorted((p.row, p.field) for p in found if "cycle" in p.message) == [
        (2, "parent_id"),
        (3, "parent_id"),
    ]


def test_parent_chain_without_cycle_is_fine(tmp_path):
    text = add_row(
        "data/industries.csv",
        id="electric-vehicles",
        name_zh="电动汽车",
        name_en="Electric vehicles",
        tier_id="advantage",
        parent_id="new-energy-vehicles",
        source="plan:L6",
        quote="新能源汽车",
    )
    assert _problems(tmp_path, **{"data/industries.csv": text})["references"] == []


SOURCES = [
    (4, {"sources": ""}, "sources", "at least one source"),
    (2, {"sources": " | "}, "sources", "at least one source"),
    (2, {"location_source": ""}, "location_source", "sourced location needs its source"),
    (4, {"location_basis": "sourced"}, "lon", "sourced location needs lon and lat"),
    (2, {"lat": ""}, "lon", "both lon and lat"),
    (2, {"area_source": ""}, "area_source", "an area needs its source"),
    (3, {"area_km2": "12.5"}, "area_source", "an area needs its source"),
    (2, {"area_km2": "-1"}, "area_km2", "positive"),
    (2, {"area_km2": "0"}, "area_km2", "positive"),
    (2, {"location_precision_m": ""}, "location_precision_m", "precision"),
    (2, {"lon": "200"}, "lon", "not WGS84 lon/lat"),
    (2, {"lon": "29.95", "lat": "121.15"}, "lon", "not WGS84 lon/lat"),
]


@pytest.mark.parametrize(("line", "cells", "field", "message"), SOURCES)
def test_facts_need_sources(tmp_path, line, cells, field, message):
    found = _problems(tmp_path, **{"data/parks.csv": edit_csv("data/parks.csv", line, **cells)})
    _expect(found["sources"], tmp_path, "parks.csv", line, field, message)


@pytest.mark.parametrize(
    ("line", "cells"),
    [
        (3, {"location_basis": "estimated", "location_source": ""}),
        (4, {"area_km2": "3", "area_source": "https://example.org/a"}),
        (4, {"sources": "plan:L4"}),
    ],
)
def test_sourced_facts_pass(tmp_path, line, cells):
    found = _problems(tmp_path, **{"data/parks.csv": edit_csv("data/parks.csv", line, **cells)})
    assert found["sources"] == []


# (file, line, cells to change, expected field, expected message)
CITATIONS = [
    ("tiers.csv", 2, {"source": "plan:L2"}, "source", "plan:L2 is not a line of the plan"),
    ("tiers.csv", 2, {"source": "plan:L99"}, "source", "plan:L99 is not a line of the plan"),
    ("belts.csv", 2, {"source": "plan:L0"}, "source", "not a line of the plan"),
    ("belts.csv", 3, {"source": "plan:L5"}, "source", "not a line of the plan"),
    ("targets.csv", 2, {"source": "L8"}, "source", "'L8' is not a plan citation"),
    ("tiers.csv", 2, {"source": "plan: L3"}, "source", "is not a plan citation"),
    ("industries.csv", 4, {"quote": "新能源材料"}, "quote", "not on plan line 3"),
    ("industries.csv", 2, {"source": "plan:L4"}, "quote", "not on plan line 4"),
    ("belts.csv", 3, {"quote": "北部湾区产业带包括慈溪"}, "quote", "not on plan line 6"),
    (
        "belt_industries.csv",
        3,
        {"quote": "汽车产业（智能网联汽车）"},
        "quote",
        "not on plan line 6",
    ),
    ("targets.csv", 2, {"quote": "规上工业增加值达到6900亿元"}, "quote", "not on plan line 8"),
    ("tiers.csv", 2, {"quote": "做强一批优势产业。……生物医药"}, "quote", "not on plan line 3"),
    ("tiers.csv", 2, {"quote": "做强一批优势产业...生物医药"}, "quote", "not on plan line 3"),
    ("belt_areas.csv", 3, {"area_zh": "慈溪市"}, "area_zh", "not on plan line 6"),
    ("park_belts.csv", 2, {"plan_name": "余姚开发区"}, "plan_name", "not on plan line 4"),
    ("park_belts.csv", 3, {"source": "plan:L4"}, "plan_name", "'前湾新区' is not on plan line 4"),
    ("park_belts.csv", 3, {"source": "plan:L2"}, "source", "not a line of the plan"),
    (
        "park_industries.csv",
        2,
        {"note": "宁波前湾新区将重点布局电子信息"},
        "note",
        "not on plan line 7",
    ),
    ("park_industries.csv", 2, {"source": "https://x.org"}, "source", "not a plan citation"),
    ("parks.csv", 3, {"sources": "plan:L6 | plan:L70"}, "sources", "plan:L70 is not a line"),
    ("parks.csv", 4, {"sources": "plan:L5"}, "sources", "plan:L5 is not a line"),
]


@pytest.mark.parametrize(("file", "line", "cells", "field", "message"), CITATIONS)
def test_citations(tmp_path, file, line, cells, field, message):
    found = _problems(tmp_path, **{f"data/{file}": edit_csv(f"data/{file}", line, **cells)})
    _expect(found["citations"], tmp_path, file, line, field, message)


@pytest.mark.parametrize(
    ("file", "line", "cells"),
    [
        # …… (or ...) marks omitted words: each fragment must be on the line, in any order.
        ("tiers.csv", 2, {"quote": "做强一批优势产业。……新材料等一批优势产业"}),
        ("tiers.csv", 2, {"quote": "做强一批优势产业...推动优势产业向高端化发展"}),
        ("tiers.csv", 2, {"quote": "……聚焦汽车及零部件……"}),
        # Spaces and line breaks do not count.
        ("targets.csv", 2, {"quote": "规上工业增加值 达到 6800亿元"}),
        ("belts.csv", 3, {"quote": "北部湾区产业带空间范围\n包括慈溪、余姚北部"}),
        # A source link (basis ``source``) needs no plan citation; a plan one needs no quote.
        ("park_industries.csv", 4, {"source": "https://example.org/other"}),
        ("park_industries.csv", 4, {"source": "plan:L6", "note": "any words"}),
        ("parks.csv", 2, {"sources": "https://example.org/only"}),
    ],
)
def test_citations_that_hold(tmp_path, file, line, cells):
    found = _problems(tmp_path, **{f"data/{file}": edit_csv(f"data/{file}", line, **cells)})
    assert found["citations"] == []


def test_every_citation_problem_is_reported(tmp_path):
    """Two broken tables: every bad row of both comes back, not just the first."""
    overrides = {
        "data/tiers.csv": edit_csv("data/tiers.csv", 2, source="plan:L99"),
        "data/park_belts.csv": edit_csv("data/park_belts.csv", 3, plan_name="北仑"),
    }
    found = _problems(tmp_path, **overrides)["citations"]
    where = sorted((p.file.rsplit("/", 1)[-1], p.row, p.field) for p in found)
    assert where == [("park_belts.csv", 3, "plan_name"), ("tiers.csv", 2, "source")]


@pytest.mark.parametrize("quote", ["……", "...", "…… ……"])
def test_a_quote_of_only_ellipses_is_not_on_the_line(tmp_path, quote):
    text = edit_csv("data/tiers.csv", 2, quote=quote)
    found = _problems(tmp_path, **{"data/tiers.csv": text})
    _expect(found["citations"], tmp_path, "tiers.csv", 2, "quote", "not on plan line 3")
