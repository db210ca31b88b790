"""The briefing report: contents, languages, escaping, offline-ness."""

from __future__ import annotations

import dataclasses
import random
import re
import unicodedata
import xml.etree.ElementTree as ET

import numpy as np
import shapely
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_dataset, with_link
from zones.model.filters import ParkFilter, apply_filter
from zones.present.report import (
    _POINT,
    LABEL_GAP,
    LABEL_SIZE,
    Box,
    _Projection,
    label_box,
    label_width,
    place_labels,
    report_html,
    svg_map,
    write_report,
)
from zones.text.i18n import html_text

HOSTILE = "<img src=x onerror=alert(1)>"


def test_report_holds_map_matrix_overlap_targets_in_chinese(tmp_path):
    ds = make_dataset(4, hostile_name=HOSTILE)
    out = write_report(ds, tmp_path / "report.html")
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for heading in (
        "产业圈、产业带与园区",
        "产业带 × 产业：园区数",
        "产业带重点产业重叠",
        "2025 年目标",
    ):
        assert heading in html
    assert html.count("<svg") == 1
    # One path per belt, per district and per park in the static map.
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<path") == len(ds.belts) + len(ds.districts) + len(ds.parks)
    assert svg.count('stroke-dasharray="3 2"') == int((ds.parks["footprint"] == "indicative").sum())
    # Targets cite the plan and quote it; no actual values are invented.
    assert "规划原文第 12 行" in html and "规上工业增加值达到6800亿元" in html
    assert "6800 亿元" in html
    # The legend says indicative footprints are estimates.
    assert "园区示意范围（估计，非边界）" in html


def test_report_matrix_cells_match_hand_count():
    html = report_html(make_dataset(4))
    table = html[html.index("<table class='matrix'>") :]
    row = re.search(r"<tr><th>汽车及零部件</th>(.*?)</tr>", table).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == ["2 ★", "0"]


def test_report_matrix_counts_a_sub_industry_for_its_parent_as_the_filter_does():
    # p3 (east) is linked to 新能源汽车 only: the filter east × 汽车及零部件 selects it.
    ds = with_link(make_dataset(4), "p3", "new-energy-vehicles", "source")
    f = ParkFilter(belts=("east",), industries=("automotive",))
    assert len(apply_filter(ds, f)) == 1
    html = report_html(ds)
    table = html[html.index("<table class='matrix'>") :]
    row = re.search(r"<tr><th>汽车及零部件</th>(.*?)</tr>", table).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == ["2 ★", "1"]
    assert "上级产业包含其下级产业" in html


def test_report_in_english():
    html = report_html(make_dataset(2), lang="en")
    assert '<html lang="en">' in html
    assert "Belt × industry: number of parks" in html
    assert "plan text, line 12" in html
    assert "Northern Bay Area Industrial Belt" in html


def test_report_escapes_data_and_loads_nothing():
    html = report_html(make_dataset(2, hostile_name=HOSTILE))
    assert HOSTILE not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)


# --- park labels on the map --------------------------------------------------------------------


def _labels(svg: str) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each park label's text and box, worked out here from its x, y, font size and text: a
    full em per wide (CJK) character, 0.62 em per other; one em above the baseline to a
    quarter em below."""
    root = ET.fromstring(svg)  # the SVG is well-formed XML: data is escaped
    out = []
    for text in root.iter("{http://www.w3.org/2000/svg}text"):
        x, y, size = (float(text.get(k, "nan")) for k in ("x", "y", "font-size"))
        assert text.get("text-anchor") in (None, "start")
        content = text.text or ""
        wide = sum(unicodedata.east_asian_width(c) in "WF" for c in content)
        width = (wide + 0.62 * (len(content) - wide)) * size
        out.append((content, (x, y - size, x + width, y + 0.25 * size)))
    return out


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_map_labels_each_park_by_its_escaped_name():
    ds = make_dataset(2, hostile_name=HOSTILE)
    svg = svg_map(ds, "zh")
    labels = _labels(svg)
    assert sorted(text for text, _ in labels) == sorted(ds.parks["name_zh"])
    for name in ds.parks["name_zh"]:
        assert f">{html_text(name)}</text>" in svg
    assert "<img" not in svg
    assert "未标注" not in report_html(ds)  # room for both
    english = [text for text, _ in _labels(svg_map(ds, "en"))]
    assert sorted(english) == sorted(ds.parks["name_en"])


def test_labels_never_overlap_and_crowded_parks_are_counted():
    ds = make_dataset(60)  # rows of parks 0.01° apart: no room to name them all
    svg = svg_map(ds, "zh")
    labels = _labels(svg)
    assert 0 < len(labels) < len(ds.parks)
    width, height = (float(v) for v in ET.fromstring(svg).get("viewBox", "").split()[2:])
    for i, (_, a) in enumerate(labels):
        assert a[0] >= 0 and a[1] >= 0 and a[2] <= width and a[3] <= height
        for _, b in labels[i + 1 :]:
            assert not _overlap(a, b), (a, b)
    assert {text for text, _ in labels} <= set(ds.parks["name_zh"])
    assert f"{len(ds.parks) - len(labels)} 个园区未标注" in report_html(ds)
    english = _labels(svg_map(ds, "en"))
    assert f"{len(ds.parks) - len(english)} parks not labelled" in report_html(ds, lang="en")


def test_larger_parks_are_labelled_first():
    ds = make_dataset(60)
    parks = ds.parks.copy()
    parks["footprint_area_km2"] = [0.1] * 59 + [9.0]  # the last park is the largest
    svg = svg_map(dataclasses.replace(ds, parks=parks), "zh")
    assert _labels(svg)[0][0] == parks["name_zh"].iloc[-1]


def _place_one_by_one(items, width, height):
    """place_labels' rule as its docstring says it, checking every label placed before."""
    placed, out = [], []
    g, size = LABEL_GAP, LABEL_SIZE
    for text, park in items:
        w = label_width(text)
        cy, cx = (park.y0 + park.y1) / 2 + 0.375 * size, (park.x0 + park.x1) / 2 - w / 2
        above, below = park.y0 - g - 0.25 * size, park.y1 + g + size
        right, left = park.x1 + g, park.x0 - g - w
        spot = None
        for x, y in [(right, cy), (left, cy), (cx, above), (cx, below),
                     (right, above), (left, above), (right, below), (left, below)]:  # fmt: skip
            box = label_box(text, x, y)
            inside = box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height
            if inside and not any(box.grown(g).overlaps(other) for other in placed):
                spot = (text, x, y)
                placed.append(box)
                break
        out.append(spot)
    return out


def test_label_placement_equals_checking_every_placed_label():
    rng = random.Random(7)
    names = ["宁波经济技术开发区", "Park 12", "杭州湾新区", "x", "前湾新区 (B)", "Cixi Binhai EDZ"]
    items = []
    for n in range(3000):
        x, y = rng.uniform(-20, 780), rng.uniform(-20, 620)
        w, h = rng.choice([0.0, 0.5, 3.0, 15.0]), rng.choice([0.0, 0.5, 3.0, 15.0])
        items.append((f"{rng.choice(names)}{n % 7}", Box(x, y, x + w, y + h)))
    spots = place_labels(items, 760, 600)
    assert 50 < sum(s is not None for s in spots) < len(items)
    assert spots == _place_one_by_one(items, 760, 600)


@given(st.floats(), st.floats())
def test_a_path_point_is_written_as_str_format_writes_it(x, y):
    assert _POINT % (x, y) == f"{x:.1f},{y:.1f}"  # as path() wrote them before


def test_park_shapes_drawn_all_at_once_match_one_by_one():
    square = shapely.box(121.5, 29.8, 121.6, 29.9)
    holed = square.difference(shapely.box(121.52, 29.82, 121.54, 29.84))
    geoms = np.array(
        [
            square,
            holed,
            shapely.MultiPolygon([shapely.box(121.1, 29.5, 121.2, 29.6), holed]),
            shapely.Polygon(),
            shapely.GeometryCollection([square, shapely.Point(121.3, 29.7)]),
            shapely.box(121.0, 30.0, 121.0001, 30.0001),
            shapely.MultiPolygon([square]),
            shapely.from_wkt(
                "MULTIPOLYGON (EMPTY, ((121.1 29.6, 121.2 29.6, 121.2 29.7, 121.1 29.6)))"
            ),
            shapely.MultiPolygon(),
            shapely.Point(121.4, 29.9),
        ],
        dtype=object,
    )
    proj = _Projection((121.0, 29.5, 122.0, 30.2))
    assert proj.paths(geoms) == [proj.path(g) for g in geoms]
    shown = geoms[[0, 1, 2, 4, 5, 6, 7]]
    assert proj.boxes(shown) == [proj.box(g) for g in shown]
