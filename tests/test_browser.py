"""The app in a real browser (Debian's Chromium), with every off-host request aborted.

Only what a browser can show is tested here: Leaflet drawing the parks offline, clicks in the
map iframe, the URL, downloads, and that hostile names run nothing. Polygons are
``path.leaflet-interactive`` in the st_folium iframe, surveyed parks first, then indicative
ones, each in dataset order (so the n-th indicative polygon is park n here).
"""

from __future__ import annotations

import json
import re
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


def test_every_park_draws_with_no_internet(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    expect(op.map.locator(".zones-legend")).to_contain_text("示意范围（估计）")
    expect(op.page.get_by_test_id("stMetricValue")).to_have_text(str(op.server.n_parks))
    op.page.screenshot(path="/tmp/zones-app.png", full_page=True)
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
