"""The briefing report: contents, languages, escaping, offline-ness."""

from __future__ import annotations

import re

from tests.factories import make_dataset, with_link
from zones.filters import ParkFilter, apply_filter
from zones.report import report_html, write_report

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
