"""The app in a real browser (Debian's Chromium), with every off-host request aborted.

Only what a browser can show is tested here: Leaflet drawing the parks offline, clicks in the
map iframe, the URL, downloads, the map tools (full screen, measure, PNG, colours, search,
labels), the layout at a laptop's and a phone's size, and that hostile names run nothing. Park
footprints are ``path.zones-park`` in the st_folium iframe; a park too small to see also has a
marker (``path.zones-park-marker``) drawn over it, and both carry ``data-park`` (its id).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Frame, expect
from pyproj import Geod

from tests.conftest import HOSTILE, OfflinePage
from zones.map.mapping import LABEL_ZOOM

pytestmark = pytest.mark.browser


def sidebar_multiselect(op: OfflinePage, label: str, option: str) -> None:
    box = op.page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
        has_text=label
    )
    box.locator("input").click()
    op.page.get_by_role("option", name=option, exact=True).click()
    expect(box.get_by_text(option, exact=True)).to_be_visible()  # the chip, before the list closes
    op.page.keyboard.press("Escape")


def test_every_park_draws_with_no_internet(offline_page: OfflinePage, tmp_path: Path) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    expect(op.map.locator(".zones-legend")).to_contain_text("示意范围（估计）")
    expect(op.page.get_by_test_id("stMetricValue")).to_have_text(str(op.server.n_parks))
    op.page.screenshot(path=tmp_path / "zones-app.png", full_page=True)
    assert op.blocked_assets() == []


def test_under_a_sub_path_the_map_draws_and_fetches_from_there(subpath_page: OfflinePage) -> None:
    """Behind a reverse proxy at ``/zones/`` (``--server.baseUrlPath``): every park draws,
    and everything the map loads from the app (scripts, the outlines it fetches, whose URLs
    the server's warm-up made before any run) comes from under ``/zones/``, nothing failing."""
    op = subpath_page
    failed: list[str] = []
    op.page.on("response", lambda r: r.status < 400 or failed.append(f"{r.status} {r.url}"))
    assert urlsplit(op.server.url).path == "/zones/"
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    frame = map_frame(op)
    frame.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        ".some(e => e.name.includes('/static/cache/outlines-'))"
    )
    loaded = frame.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    local = [urlsplit(u).path for u in loaded if urlsplit(u).hostname == "127.0.0.1"]
    assert any("/app/static/vendor/leaflet/" in p for p in local)
    assert local and [p for p in local if not p.startswith("/zones/")] == []
    assert failed == []
    assert op.blocked_assets() == []


def test_parks_are_drawn_over_the_district_and_belt_fills(offline_page: OfflinePage) -> None:
    """What the eye sees, not only what the page holds: the outlines arrive later (fetched
    files), yet the parks stay on top. Hiding the parks must change the pixels at the middle of
    the largest one (the districts' opaque fill, drawn last, once covered every park)."""
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    frame = map_frame(op)
    outlines = "path:not(.zones-park):not(.zones-park-marker)"  # the fetched districts, belts
    frame.wait_for_function(f"() => document.querySelectorAll('{outlines}').length > 0")
    frame_at = op.page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
    boxes = [b for b in (p.bounding_box() for p in op.polygons.all()) if b]
    largest = max(boxes, key=lambda b: b["width"] * b["height"])
    assert largest["width"] > 6, largest  # a park drawn large enough to look at
    clip = {
        "x": largest["x"] + largest["width"] / 2 - 2,
        "y": largest["y"] + largest["height"] / 2 - 2,
        "width": 4,
        "height": 4,
    }
    assert frame_at and clip["x"] > frame_at["x"] and clip["y"] > frame_at["y"]

    def pixels() -> bytes:
        return op.page.screenshot(clip=clip, animations="disabled")

    shown = pixels()
    frame.evaluate(
        """() => document.querySelectorAll('path.zones-park, path.zones-park-marker')
            .forEach(p => { p.style.visibility = 'hidden'; })"""
    )
    assert pixels() != shown
    # The PNG draws the shapes in the same order: every outline before the first park.
    order = frame.evaluate(
        """() => ZonesMap.paneOrder(window.map, l => l instanceof L.Polyline).map(l =>
            l.options.pane === 'zonesOutlines' ? 'outline'
                : (l.options.className || '').includes('zones-park') ? 'park' : 'other')"""
    )
    assert "park" in order and "outline" in order
    assert order.index("park") > max(i for i, kind in enumerate(order) if kind == "outline")


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


def zoom_to_group(op: OfflinePage, group: str) -> None:
    """Zoom to the test parks of one district (``west``: even ids, ``east``: odd ids), close
    enough that each park is its own footprint: at city zoom they are a few pixels apart, and
    their markers overlap (only the topmost can be clicked there, as for a user)."""
    lon = 121.07 if group == "west" else 121.57
    map_frame(op).evaluate(f"window.map.setView([29.954, {lon}], 12.5, {{animate: false}})")
    expect(op.markers).to_have_count(0)


def test_clicking_a_park_shows_its_details(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    zoom_to_group(op, "east")
    op.park("p3").click()
    expect(op.page.get_by_role("heading", name="测试园区3")).to_be_visible()
    expect(op.page.get_by_text("未知（无可靠来源）")).to_be_visible()
    expect(op.page).to_have_url(re.compile(r"[?&]park=p3\b"))
    # The map outlines the selection (a non-interactive path in the selection colour).
    expect(op.map.locator('path.zones-selected[stroke="#ffab00"]')).to_have_count(1)
    # Another park replaces it.
    op.park("p5").click()
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
    zoom_to_group(op, "west")
    op.park("p4").click()
    expect(op.page.get_by_role("heading", name="Test Park 4")).to_be_visible()


def test_the_map_fetches_a_data_url_as_it_does_a_served_file(offline_page: OfflinePage) -> None:
    """Where the app cannot write static/cache/, the outlines and the canvas table come as
    ``data:`` URLs (zones.map.assets.fetch_url); the map's frame must fetch and draw them."""
    from zones.map import assets

    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    square = [[121.5, 29.8], [121.6, 29.8], [121.6, 29.9], [121.5, 29.9], [121.5, 29.8]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }
    url = assets.data_url(json.dumps(fc).encode())
    drawn = map_frame(op).evaluate(
        """async (url) => {
            const data = await (await fetch(url, {credentials: "same-origin"})).json();
            const layer = L.geoJSON(data, {className: "zones-probe"}).addTo(window.map);
            return [data.features.length, document.querySelectorAll("path.zones-probe").length];
        }""",
        url,
    )
    assert drawn == [1, 1]
    assert op.blocked == []


def map_frame(op: OfflinePage) -> Frame:
    """The map's frame, once the map has settled: a map first laid out while hidden refits
    Ningbo as its frame grows, until its size has kept for 3 s (FitWhenShown), which a view
    set by a test (not a user's touch) would not survive."""
    frame = next(f for f in op.page.frames if "streamlit_folium" in f.url)
    for _ in range(150):
        if not frame.evaluate("Boolean(window.map && window.map._zonesRefitting)"):
            break
        op.page.wait_for_timeout(100)
    return frame


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
    expect(op.map.locator('path.zones-selected[stroke="#ffab00"]')).to_have_count(1)


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
    zoom_to_group(op, "west")
    op.park("p0").hover()
    expect(op.map.locator(".leaflet-tooltip:not(.zones-label)")).to_contain_text(HOSTILE)
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
    chip = box.get_by_text(option, exact=True)
    # Typed, not clicked: a click on an option far down the page scrolls the page, and the
    # scroll closes the list under the pointer. A scroll also comes from the page itself when
    # something above the box is drawn late (the heatmap, on a loaded machine): the list closes,
    # the typed text is cleared, and Enter selects nothing (seen in CI). Type again then.
    for _ in range(3):
        box.scroll_into_view_if_needed()
        box.locator("input").click()
        box.locator("input").fill(option)
        expect(op.page.get_by_role("option", name=option, exact=True)).to_be_visible()
        op.page.keyboard.press("Enter")
        try:
            expect(chip).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            continue
    op.page.keyboard.press("Escape")
    expect(chip).to_be_visible()


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
    # The heatmap above the box drawn first: it moves the box when it is.
    expect(op.page.locator(".vega-embed").locator("canvas, svg").first).to_be_visible()
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


# --- the map gets the screen; phones; keyboard ------------------------------------------------


def frame_box(op: OfflinePage) -> dict[str, float]:
    box = op.page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
    assert box
    return box


def wait_for(check: Callable[[], bool], what: str, op: OfflinePage, tries: int = 60) -> None:
    for _ in range(tries):
        if check():
            return
        op.page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting until {what}")


def test_at_a_laptop_size_the_whole_map_and_its_legend_are_visible(
    offline_page: OfflinePage, tmp_path: Path
) -> None:
    op = offline_page
    op.page.set_viewport_size({"width": 1440, "height": 900})
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    # The map's script fits its frame to the window below it.
    wait_for(lambda: frame_box(op)["y"] + frame_box(op)["height"] <= 900, "the map fits", op)
    box = frame_box(op)
    assert box["y"] < 260, "a compact header: the map starts high on the page"
    assert box["height"] >= 600, "the map takes the rest of the window"
    legend = op.map.locator(".zones-legend").bounding_box()
    assert legend and legend["y"] >= box["y"] and legend["y"] + legend["height"] <= 900
    assert legend["x"] + legend["width"] <= box["x"] + box["width"]
    # The map fills its frame, and nothing had to be scrolled to see it.
    size = map_frame(op).evaluate("[window.map.getSize().x, window.map.getSize().y]")
    assert abs(size[1] - box["height"]) <= 2
    assert op.page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop") == 0
    # The count and the filter sentence are beside the map, above it.
    count = op.page.get_by_test_id("stMetricValue").bounding_box()
    assert count and count["y"] + count["height"] <= box["y"]
    op.page.screenshot(path=tmp_path / "zones-1440x900.png")


def test_on_a_phone_the_map_comes_first_and_a_click_shows_the_details_below(
    offline_page: OfflinePage, tmp_path: Path
) -> None:
    op = offline_page
    op.page.set_viewport_size({"width": 375, "height": 812})
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    sidebar = op.page.get_by_test_id("stSidebar")
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    side = sidebar.bounding_box()
    assert side is None or side["x"] + side["width"] <= 0, "the sidebar is out of the way"
    wait_for(lambda: frame_box(op)["height"] >= 360, "the map is tall enough", op)
    box = frame_box(op)
    assert box["y"] < 812 / 2, "the map comes first"
    assert box["y"] + box["height"] <= 812 and box["width"] >= 330
    details = op.page.get_by_role("heading", name="园区详情").bounding_box()
    assert details and details["y"] >= box["y"] + box["height"], "the details are below the map"
    op.page.screenshot(path=tmp_path / "zones-375x812.png")
    zoom_to_group(op, "east")
    op.park("p3").click()
    heading = op.page.get_by_role("heading", name="测试园区3")
    heading.scroll_into_view_if_needed()
    expect(heading).to_be_visible()
    expect(op.page.get_by_text("未知（无可靠来源）")).to_be_visible()
    op.page.screenshot(path=tmp_path / "zones-375x812-details.png")


def test_keyboard_reaches_the_details_and_the_map_has_a_text_alternative(
    offline_page: OfflinePage,
) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    container = op.map.locator("#map_div")
    expect(container).to_have_attribute("role", "region")
    expect(container).to_have_attribute("aria-label", re.compile(r"全部园区 8 个"))
    # The park list beside the map drives the same selection as a click, by keyboard alone.
    op.choose_park("测试园区6")
    expect(op.page).to_have_url(re.compile(r"[?&]park=p6\b"))
    # The sentence follows the filter.
    sidebar_multiselect(op, "产业圈 / 产业带", "东部临港产业带")
    expect(container).to_have_attribute("aria-label", re.compile(r"东部临港产业带"))


# --- the map tools --------------------------------------------------------------------------


def test_small_parks_get_a_marker_that_selects_them(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    # At city zoom every test park (under 1 km across) is a few pixels: each gets a marker,
    # 12 pixels across whatever the park's size; the last drawn is on top.
    expect(op.markers).to_have_count(op.server.n_parks)
    marker = op.map.locator('path.zones-park-marker[data-park="p6"]')
    box = marker.bounding_box()
    assert box and box["width"] >= 12 and box["height"] >= 12
    marker.click()
    expect(op.page.get_by_role("heading", name="测试园区6")).to_be_visible()
    # Zoomed in, a park is big enough and its marker goes.
    map_frame(op).evaluate("window.map.setView([29.954, 121.054], 15, {animate: false})")
    expect(op.map.locator('path.zones-park-marker[data-park="p0"]')).to_have_count(0)


def test_fullscreen_toggles(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    frame = map_frame(op)
    button = op.map.locator(".leaflet-control-zoom-fullscreen")
    expect(button).to_have_attribute("title", "全屏显示地图")
    button.click()
    wait_for(
        lambda: frame.evaluate("document.fullscreenElement === window.map.getContainer()"),
        "the map is full screen",
        op,
    )
    expect(button).to_have_attribute("title", "退出全屏")
    size = frame.evaluate("[window.map.getSize().x, window.map.getSize().y]")
    viewport = op.page.viewport_size
    assert viewport and size == [viewport["width"], viewport["height"]]
    button.click()
    wait_for(lambda: frame.evaluate("document.fullscreenElement === null"), "back", op)
    expect(button).to_have_attribute("title", "全屏显示地图")


def test_measuring_reads_the_geodesic_distance_and_area(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    frame = map_frame(op)
    frame.evaluate("window.map.setView([30.0, 121.2], 11, {animate: false})")
    op.map.locator(".zones-tool-measure").click()
    known = [(29.95, 121.10), (30.05, 121.30), (30.06, 121.12)]  # (lat, lon)
    pixels = frame.evaluate(
        "pts => pts.map(p => { const c = window.map.latLngToContainerPoint(p);"
        " return [Math.round(c.x), Math.round(c.y)]; })",
        [list(p) for p in known],
    )
    container = op.map.locator("#map_div")
    result = op.map.locator(".zones-measure-result")
    geod = Geod(ellps="WGS84")
    (lat1, lon1), (lat2, lon2), (lat3, lon3) = known
    container.click(position={"x": pixels[0][0], "y": pixels[0][1]})
    op.page.wait_for_timeout(400)  # two clicks at once would be a double click
    container.click(position={"x": pixels[1][0], "y": pixels[1][1]})
    expect(result).to_contain_text("km")
    km = float(re.search(r"距离 ([\d.]+) km", result.inner_text())[1])  # type: ignore[index]
    expected_km = geod.inv(lon1, lat1, lon2, lat2)[2] / 1000
    assert km == pytest.approx(expected_km, rel=0.01)
    op.page.wait_for_timeout(400)
    container.click(position={"x": pixels[2][0], "y": pixels[2][1]})
    expect(result).to_contain_text("km²")
    km2 = float(re.search(r"面积 ([\d.]+) km²", result.inner_text())[1])  # type: ignore[index]
    area, _ = geod.polygon_area_perimeter([lon1, lon2, lon3], [lat1, lat2, lat3])
    assert km2 == pytest.approx(abs(area) / 1e6, rel=0.01)
    # Measuring selects no park, and the line is on the map.
    expect(op.map.locator("path.zones-measure-line")).to_have_count(1)
    assert "park=" not in op.page.url


def test_the_view_saves_as_a_png_of_the_stated_size(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    op.map.locator(".zones-tool-png").click()
    op.map.locator(".zones-png-size").select_option(label="1600 × 1000")
    with op.page.expect_download() as info:
        op.map.locator(".zones-png-download").click()
    download = info.value
    assert re.fullmatch(r"ningbo-map_\d{4}-\d{2}-\d{2}_1600x1000\.png", download.suggested_filename)
    with Image.open(download.path()) as image:
        assert image.format == "PNG" and image.size == (1600, 1000)
        image.load()
        pixels = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    counts = {rgb: n for n, rgb in pixels}
    assert counts.get((0xDB, 0xE7, 0xEE), 0) > 1600 * 1000 // 20, "the sea of the map"
    assert sum(n for rgb, n in counts.items() if max(rgb) < 60) > 500, "dark text: title, legend"
    assert len(counts) > 50, "a drawing, not a blank picture"


def test_colouring_by_tier_changes_the_legend_and_the_parks_fill(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    map_frame(op).evaluate("window.__zones_probe = 3")
    footprint = op.map.locator('path.zones-park[data-park="p1"]')
    expect(footprint).to_have_attribute("fill", "#b0bec5")  # an estimated location's grey
    legend = op.map.locator(".zones-legend-parks")
    expect(legend).to_contain_text("园区着色：范围类型")
    op.page.locator(".st-key-zones_bar [data-testid='stSelectbox']").first.click()
    op.page.get_by_role("option", name="着色：主要产业层级").click()
    expect(legend).to_contain_text("园区着色：主要产业层级")
    expect(legend).to_contain_text("优势产业")
    expect(footprint).to_have_attribute("fill", "#0072b2")  # the first tier's colour
    expect(op.map.locator('path.zones-park-marker[data-park="p1"]')).to_have_attribute(
        "fill", "#0072b2"
    )
    assert map_frame(op).evaluate("window.__zones_probe") == 3  # the map was not rebuilt


def test_the_search_box_zooms_to_the_park_typed(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    frame = map_frame(op)
    before = frame.evaluate("window.map.getZoom()")
    search = op.map.locator(".zones-search-input")
    expect(search).to_have_attribute("aria-label", "查找园区")
    search.fill("csyq3")  # pinyin initials of 测试园区3
    expect(op.map.locator(".zones-search-list li").first).to_have_text("测试园区3")
    search.press("Enter")
    expect(op.page.get_by_role("heading", name="测试园区3")).to_be_visible()
    expect(op.page).to_have_url(re.compile(r"[?&]park=p3\b"))
    assert frame.evaluate("window.map.getZoom()") >= max(before + 3, 13)
    lat, lon = frame.evaluate("[window.map.getCenter().lat, window.map.getCenter().lng]")
    assert 29.95 <= lat <= 29.958 and 121.56 <= lon <= 121.568  # inside park 3
    # By English name too, and the list says when nothing matches.
    search.fill("test park 5")
    expect(op.map.locator(".zones-search-list li").first).to_have_text("测试园区5")
    search.fill("no such park")
    expect(op.map.locator(".zones-search-list li")).to_have_text(["没有找到园区"])


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two boxes overlap by more than a pixel."""
    return not (
        a["x"] + a["width"] <= b["x"] + 1
        or b["x"] + b["width"] <= a["x"] + 1
        or a["y"] + a["height"] <= b["y"] + 1
        or b["y"] + b["height"] <= a["y"] + 1
    )


def test_park_names_appear_as_labels_past_the_zoom_level(offline_page: OfflinePage) -> None:
    op = offline_page
    op.open()
    expect(op.polygons).to_have_count(op.server.n_parks)
    frame = map_frame(op)
    frame.evaluate(f"window.map.setView([29.954, 121.08], {LABEL_ZOOM - 1}, {{animate: false}})")
    expect(op.map.locator(".zones-label")).to_have_count(0)
    frame.evaluate(f"window.map.setZoom({LABEL_ZOOM}, {{animate: false}})")
    shown = op.map.locator(".zones-label:not(.zones-label-hidden)")
    expect(shown.first).to_be_visible()
    boxes = [b for b in (shown.nth(i).bounding_box() for i in range(shown.count())) if b]
    for i, a in enumerate(boxes):  # no label over another
        for b in boxes[i + 1 :]:
            assert not overlap(a, b), (a, b)
    frame.evaluate("window.map.setView([29.954, 121.054], 15, {animate: false})")
    expect(op.map.locator(".zones-label", has_text=HOSTILE)).to_be_visible()  # text, not HTML
    expect(op.map.locator("img[src='x']")).to_have_count(0)
