"""The app in a real browser (Debian's Chromium), with every off-host request aborted.

Only what a browser can show is tested here: Leaflet drawing the parks offline, clicks in the
map iframe, the URL, downloads, and that hostile names run nothing. Polygons are
``path.leaflet-interactive`` in the st_folium iframe, surveyed parks first, then indicative
ones, each in dataset order (so the n-th indicative polygon is park n here).
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Frame, expect

from tests.conftest import HOSTILE, OfflinePage

pytestmark = pytest.mark.browser


def sidebar_multiselect(op: OfflinePage, label: str, option: str) -> None:
    box = op.page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
        has_text=label
    )
    box.locator("input").click()
    op.page.get_by_role("option", name=option, exact=True).click()
    op.page.keyboard.press("Escape")


def test_every_park_draws_with_no_internet(offline_page: OfflinePage, tmp_path: Path) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    expect(op.map.locator(".zones-legend")).to_contain_text("示意范围（估计）")
    expect(op.page.get_by_test_id("stMetricValue")).to_have_text(str(op.server.n_parks))
    op.page.screenshot(path=tmp_path / "zones-app.png", full_page=True)
    assert op.blocked_assets() == []


def test_no_script_or_stylesheet_comes_from_another_host(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open("basemap=osm")
    expect(op.polygons).to_have_count(op.server.n_parks)
    assert op.blocked_assets() == []
    # Tiles were requested and blocked; the map still draws without them.
    assert all(kind not in ("script", "stylesheet") for kind, _ in op.blocked)
    sources = op.map.locator("script[src], link[href]").evaluate_all(
        "els => els.map(e => e.src || e.href)"
    )
    assert sources and all(s.startswith(op.server.url) for s in sources), sources


def test_clicking_a_park_shows_its_details(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    op.polygons.nth(3).click()
    expect(op.page.get_by_role("heading", name="测试园区3")).to_be_visible()
    expect(op.page.get_by_text("未知（无可靠来源）")).to_be_visible()
    expect(op.page).to_have_url(re.compile(r"[?&]park=p3\b"))
    # The map outlines the selection (a non-interactive path in the selection colour).
    expect(op.map.locator('path[stroke="#ffab00"]')).to_have_count(1)
    # Another park replaces it.
    op.polygons.nth(5).click()
    expect(op.page.get_by_role("heading", name="测试园区5")).to_be_visible()
    expect(op.page).to_have_url(re.compile(r"[?&]park=p5\b"))


def test_a_click_selects_even_when_the_map_is_partly_below_the_fold(
    offline_page: OfflinePage,
) -> None:
    # Leaflet focuses the map on mousedown; without preventScroll the browser scrolled the
    # page between mousedown and mouseup, and the click missed the park.
    op = offline_page
    op.page.set_viewport_size({"width": 1200, "height": 640})
    op.open("lang=en")
    expect(op.polygons).to_have_count(op.server.n_parks)
    op.polygons.nth(4).click()
    expect(op.page.get_by_role("heading", name="Test Park 4")).to_be_visible()


def map_frame(op: OfflinePage) -> Frame:
    return next(f for f in op.page.frames if "streamlit_folium" in f.url)


def test_a_filter_changes_the_polygons_drawn_and_keeps_the_view(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    # The user zooms and pans; a probe shows whether the map is rebuilt (it must not be).
    frame = map_frame(op)
    frame.evaluate("window.map.setView([30.0, 121.3], 10.5, {animate: false})")
    frame.evaluate("window.__zones_probe = 42")
    sidebar_multiselect(op, "产业圈 / 产业带", "东部临港产业带")
    expect(op.polygons).to_have_count(op.server.n_parks // 2)
    expect(op.page.get_by_test_id("stMetricValue")).to_have_text(str(op.server.n_parks // 2))
    expect(op.page).to_have_url(re.compile(r"[?&]belt=east\b"))
    assert frame.evaluate("window.__zones_probe") == 42
    assert frame.evaluate("window.map.getZoom()") == 10.5
    center = frame.evaluate("[window.map.getCenter().lat, window.map.getCenter().lng]")
    # A scrollbar coming or going may resize the map by a few pixels: allow ~100 m.
    assert center == pytest.approx([30.0, 121.3], abs=1e-3)


def test_a_link_reopens_the_same_view(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open("belt=north&park=p2&lang=en")
    expect(op.polygons).to_have_count((op.server.n_parks + 1) // 2)
    expect(op.page.get_by_role("heading", name="Test Park 2")).to_be_visible()
    expect(op.page.get_by_role("heading", name="Park details")).to_be_visible()
    expect(op.map.locator('path[stroke="#ffab00"]')).to_have_count(1)


def test_unknown_link_values_show_a_notice(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open("belt=atlantis")
    expect(op.page.get_by_text("链接中的产业带“atlantis”无法识别，已忽略。")).to_be_visible()
    expect(op.polygons).to_have_count(op.server.n_parks)


def test_download_is_valid_geojson_of_the_filtered_parks(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open("belt=east")
    expect(op.polygons).to_have_count(op.server.n_parks // 2)
    with op.page.expect_download() as info:
        op.page.get_by_role("button", name="下载筛选后的园区").click()
    download = info.value
    assert re.fullmatch(
        r"ningbo-parks_belt-east_\d{4}-\d{2}-\d{2}\.geojson", download.suggested_filename
    )
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    ids = {f["properties"]["id"] for f in data["features"]}
    assert ids == {f"p{i}" for i in range(1, op.server.n_parks, 2)}


def test_hostile_name_shows_as_text_and_runs_nothing(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open("park=p0")
    expect(op.polygons).to_have_count(op.server.n_parks)
    expect(op.page.get_by_role("heading", name=HOSTILE)).to_be_visible()
    op.polygons.nth(0).hover()
    expect(op.map.locator(".leaflet-tooltip")).to_contain_text(HOSTILE)
    expect(op.page.locator("img[src='x']")).to_have_count(0)
    expect(op.map.locator("img[src='x']")).to_have_count(0)
    # The offline_page fixture fails the test if any dialog (alert) opened.


# --- the plan analysis and GIS tabs ------------------------------------------------------------


def open_tab(op: OfflinePage, name: str) -> None:
    op.page.get_by_role("tab", name=name).click()
    expect(op.page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")


def main_multiselect(op: OfflinePage, label: str, option: str) -> None:
    box = op.page.locator('[data-testid="stMain"] [data-testid="stMultiSelect"]').filter(
        has_text=label
    )
    # Typed, not clicked: a click on an option far down the page scrolls the page, and the
    # scroll closes the list under the pointer.
    box.scroll_into_view_if_needed()
    box.locator("input").click()
    box.locator("input").fill(option)
    expect(op.page.get_by_role("option", name=option, exact=True)).to_be_visible()
    op.page.keyboard.press("Enter")
    op.page.keyboard.press("Escape")
    expect(box.get_by_text(option, exact=True)).to_be_visible()  # the chip


def test_analysis_tab_draws_the_heatmap_offline_and_keeps_the_map(
    offline_page: OfflinePage, tmp_path: Path
) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    map_frame(op).evaluate("window.__zones_probe = 7")
    open_tab(op, "规划分析")
    chart = op.page.locator(".vega-embed")
    expect(chart).to_have_count(1)
    expect(chart.locator("canvas, svg").first).to_be_visible()
    box = chart.bounding_box()
    assert box and box["height"] > 3 * 22  # three industry rows of 22 px, plus the axes
    expect(op.page.get_by_text("产业带重点产业的重叠（特色错位）")).to_be_visible()
    expect(op.page.get_by_text("规划原文第12行")).to_be_visible()
    op.page.screenshot(path=tmp_path / "zones-analysis.png", full_page=True)
    # Vega-Lite comes with Streamlit's own frontend: nothing at all was asked of another host.
    assert op.blocked == []
    # Back on the map tab the same map is there: not rebuilt, every park drawn.
    open_tab(op, "地图")
    expect(op.polygons).to_have_count(op.server.n_parks)
    assert map_frame(op).evaluate("window.__zones_probe") == 7


def test_compare_view_shows_two_parks_side_by_side(
    offline_page: OfflinePage, tmp_path: Path
) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    open_tab(op, "规划分析")
    expect(op.page.get_by_text("请至少选择 2 个园区进行对比（最多 4 个）。")).to_be_visible()
    main_multiselect(op, "选择 2–4 个园区", HOSTILE)
    main_multiselect(op, "选择 2–4 个园区", "测试园区1")
    compare = op.page.locator('[data-testid="stTable"]').filter(has_text="园区指定产业")
    expect(compare).to_have_count(1)
    headers = compare.locator("thead th")
    expect(headers).to_have_count(3)  # the row labels, then one column per park
    expect(headers.nth(1)).to_have_text(HOSTILE)  # shown as text, not run as HTML
    expect(headers.nth(2)).to_have_text("测试园区1")
    row = compare.locator("tbody tr").filter(has_text="园区指定产业")
    expect(row.locator("td").nth(-2)).to_have_text("汽车及零部件")
    expect(row.locator("td").nth(-1)).to_have_text("新材料")
    distances = op.page.locator('[data-testid="stTable"]').filter(has_text="48.3")
    expect(distances).to_have_count(1)
    expect(op.page.get_by_text("请至少选择 2 个园区")).to_have_count(0)
    expect(op.page.locator("img[src='x']")).to_have_count(0)
    compare.screenshot(path=tmp_path / "zones-compare.png")


def test_gis_bundle_download_is_a_zip(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open("belt=east")
    expect(op.polygons).to_have_count(op.server.n_parks // 2)
    open_tab(op, "GIS 数据交换")
    expect(op.page.get_by_text("导入实测边界")).to_be_visible()
    with op.page.expect_download() as info:
        op.page.get_by_role("button", name="下载 GIS 数据包（zip）").click()
    download = info.value
    assert re.fullmatch(
        r"ningbo-zones_belt-east_epsg4326_\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename
    )
    with zipfile.ZipFile(download.path()) as z:
        assert any(n.endswith("/zones.gpkg") for n in z.namelist())


def test_a_map_redrawn_behind_another_tab_still_fits_ningbo(offline_page: OfflinePage) -> None:
    # A language switch on the analysis tab redraws the map while its tab is hidden: Leaflet
    # then has no size and would fit Ningbo at zoom 0 (the whole world) without FitWhenShown.
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    zoom = map_frame(op).evaluate("window.map.getZoom()")
    assert zoom > 6
    open_tab(op, "规划分析")
    op.page.locator('[data-testid="stSidebar"]').get_by_text("English").click()
    expect(op.page.get_by_role("tab", name="Plan analysis")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(op.page.locator(".vega-embed")).to_have_count(1)
    open_tab(op, "Map")
    expect(op.map.locator(".zones-legend")).to_contain_text("Legend")
    expect(op.polygons).to_have_count(op.server.n_parks)
    frame = map_frame(op)
    for _ in range(50):  # the refit follows the frame's resizes
        if frame.evaluate("window.map.getZoom()") == zoom:
            break
        op.page.wait_for_timeout(100)
    assert frame.evaluate("window.map.getZoom()") == zoom
