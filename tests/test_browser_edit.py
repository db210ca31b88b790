"""Correcting parks on the map, in a real browser (Debian's Chromium), offline.

An editor signs in, selects a park and draws its boundary with Leaflet.draw's tools in the map
iframe (real mouse clicks), gives a source and a note and proposes it; the proposal is drawn
apart on the map (dashed red) and listed in the park's history; a reviewer accepts it in the
GIS tab; the park is then ``surveyed`` on the map, in its details and in the GeoJSON export.
A viewer sees no edit control at all. Hostile text in the note and source shows as text
everywhere (any ``alert`` would open a dialog, which fails the test).

The server is ``edit_server``: a store of this module's own, with an editor and a reviewer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.conftest import EDITOR, HOSTILE, REVIEWER, OfflinePage
from tests.test_browser import map_frame, open_tab
from zones.map.styles import PROPOSED_STYLE, SURVEYED_STYLE

pytestmark = pytest.mark.browser

MAP_IFRAME = "iframe[title='streamlit_folium.st_folium']"
#: A source and a note that would run script or make links if any layer rendered them.
SOURCE = "[测绘成果](javascript:alert(2)) <script>alert(3)</script>"
NOTE = f"{HOSTILE} 按实地测量 **修正**"


# --- helpers ---------------------------------------------------------------------------------


def sidebar(op: OfflinePage) -> Any:
    return op.page.get_by_test_id("stSidebar")


def one_map(op: OfflinePage) -> None:
    """Wait until the page holds one map: while a rerun swaps an editor's map for a viewer's
    (or back), Streamlit shows both for a moment."""
    expect(op.page.locator(MAP_IFRAME)).to_have_count(1)
    expect(op.polygons).to_have_count(op.server.n_parks)


def sign_in(op: OfflinePage, account: tuple[str, str]) -> None:
    name, password = account
    side = sidebar(op)
    field = side.get_by_label("用户名")
    if not field.is_visible():
        side.get_by_text("编辑登录").click()
    field.fill(name)
    side.get_by_label("密码").fill(password)
    side.get_by_role("button", name="登录", exact=True).click()
    expect(side.get_by_text(re.compile(f"已登录：{name}"))).to_be_visible()
    one_map(op)


def sign_out(op: OfflinePage) -> None:
    side = sidebar(op)
    side.get_by_role("button", name="退出登录").click()
    expect(side.get_by_role("button", name="登录", exact=True)).to_be_visible()
    one_map(op)


def pixels(op: OfflinePage, latlngs: list[tuple[float, float]]) -> list[tuple[int, int]]:
    """Where (lat, lon) points are in the map's container, in pixels."""
    return [
        (int(x), int(y))
        for x, y in map_frame(op).evaluate(
            "pts => pts.map(p => { const c = window.map.latLngToContainerPoint(p);"
            " return [Math.round(c.x), Math.round(c.y)]; })",
            [list(p) for p in latlngs],
        )
    ]


def show_map(op: OfflinePage) -> None:
    """Scroll the map into view (opening the form below it may have scrolled it away)."""
    op.page.locator(MAP_IFRAME).scroll_into_view_if_needed()


def map_origin(op: OfflinePage) -> tuple[float, float]:
    """Where the map's container starts on the page."""
    box = op.page.locator(MAP_IFRAME).bounding_box()
    assert box
    return box["x"], box["y"]


def click_map(op: OfflinePage, x: int, y: int) -> None:
    """Click the map at container pixel (x, y) as a hand does: the pointer moves there over the
    map first (Leaflet.draw's tools follow it), then clicks."""
    left, top = map_origin(op)
    op.page.mouse.move(left + x, top + y, steps=5)
    op.page.wait_for_timeout(100)
    op.page.mouse.click(left + x, top + y)
    op.page.wait_for_timeout(400)  # two clicks at once would be a double click


def drag_map(op: OfflinePage, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press at container pixel ``start``, move to ``end``, release."""
    left, top = map_origin(op)
    op.page.mouse.move(left + start[0], top + start[1], steps=5)
    op.page.mouse.down()
    op.page.mouse.move(left + end[0], top + end[1], steps=10)
    op.page.mouse.up()


def drawn_count(op: OfflinePage) -> int:
    return int(map_frame(op).evaluate("window.drawnItems.getLayers().length"))


def form(op: OfflinePage) -> Any:
    """The correction form (opened)."""
    box = op.page.get_by_test_id("stExpander").filter(has_text="更正此园区")
    if not box.get_by_role("button", name="提交更正（待审核）").is_visible():
        box.get_by_text("更正此园区", exact=True).click()
    expect(box.get_by_role("button", name="提交更正（待审核）")).to_be_visible()
    return box


def history(op: OfflinePage) -> Any:
    """The history table of the selected park (the details' one table). While a rerun moves
    it (the form above it comes or goes), the old one stays on the page, marked stale."""
    return op.page.locator(
        "[data-testid=stElementContainer]:not([data-stale=true]) [data-testid=stTable]"
    ).filter(has_text="提交人")


def idle(op: OfflinePage) -> None:
    """Wait until the app has finished its run: no element left over from the run before."""
    stale = op.page.locator("[data-stale=true]")
    quiet = 0
    for _ in range(300):
        quiet = quiet + 1 if stale.count() == 0 else 0
        if quiet >= 3:
            return
        op.page.wait_for_timeout(100)
    raise AssertionError("the app did not finish its run")


def download(op: OfflinePage, name: str) -> Path:
    """Click the download button ``name`` and return the file. A click in the moment a rerun
    replaces the button names a file the rerun dropped, and nothing comes: click again."""
    for attempt in range(3):
        idle(op)
        try:
            with op.page.expect_download(timeout=20_000) as info:
                op.page.get_by_role("button", name=name).click()
            return Path(info.value.path())
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# --- tests -----------------------------------------------------------------------------------


def test_a_viewer_sees_no_edit_control(edit_page: OfflinePage) -> None:
    op = edit_page
    op.open("park=p3")
    one_map(op)
    expect(op.page.get_by_role("heading", name="测试园区3")).to_be_visible()
    # The park's history is for everyone (read-only); nothing to correct or draw with.
    expect(op.page.get_by_text("更正记录", exact=True)).to_be_visible()
    expect(op.page.get_by_text("更正此园区", exact=True)).to_have_count(0)
    expect(op.page.get_by_role("button", name="提交更正（待审核）")).to_have_count(0)
    expect(op.page.get_by_role("button", name=re.compile("撤销此更正"))).to_have_count(0)
    expect(op.map.locator(".leaflet-draw")).to_have_count(0)
    expect(op.map.locator("[class*='leaflet-draw']")).to_have_count(0)
    expect(op.map.locator("path.zones-proposed")).to_have_count(0)
    expect(op.map.locator(".zones-legend")).not_to_contain_text("待审核的更正")
    scripts = op.map.locator("script[src]").evaluate_all("els => els.map(e => e.src)")
    assert scripts and not [s for s in scripts if "leaflet-draw" in s], scripts
    assert op.blocked_assets() == []


def test_an_editor_draws_a_boundary_a_reviewer_accepts_it_and_the_park_is_surveyed(
    edit_page: OfflinePage,
) -> None:
    op = edit_page
    op.open()
    one_map(op)
    sign_in(op, EDITOR)
    # The drawing tools are on the editor's map (served by the app), shown once a park is chosen.
    draw = op.map.locator(".leaflet-draw")
    expect(draw).to_have_count(1)
    expect(draw).to_be_hidden()
    map_frame(op).evaluate("window.map.setView([29.954, 121.57], 12.5, {animate: false})")
    op.park("p3").click()
    expect(op.page.get_by_role("heading", name="测试园区3")).to_be_visible()
    expect(draw).to_be_visible()
    expect(op.map.locator(".leaflet-draw-draw-polygon")).to_have_attribute(
        "title", "绘制园区边界（多边形）"
    )
    op.page.get_by_role("button", name="缩放到园区").click()
    frame = map_frame(op)
    # Zoomed in, and done zooming: Leaflet's zoom animation moves the drawing tools' pointer
    # marker late, and a click meanwhile would miss it.
    for _ in range(100):
        if frame.evaluate(
            "window.map.getZoom() >= 13 && !window.map._animatingZoom"
            " && !window.map.getContainer().classList.contains('leaflet-zoom-anim')"
        ):
            break
        op.page.wait_for_timeout(100)

    # The polygon tool: four corners, then the first again to close the boundary.
    corners = [(29.9488, 121.5588), (29.9488, 121.5692), (29.9594, 121.5695), (29.9592, 121.5585)]
    points = pixels(op, corners)
    op.map.locator(".leaflet-draw-draw-polygon").click()
    for x, y in [*points, points[0]]:
        click_map(op, x, y)
    expect(op.page.get_by_text("地图上已绘制新的边界")).to_be_visible()
    assert drawn_count(op) == 1

    # The form has taken up the drawing: a boundary, "use the shape drawn on the map".
    box = form(op)
    expect(box.get_by_role("radio", name="范围（边界）")).to_be_checked()
    expect(box.get_by_role("checkbox", name="使用地图上绘制的范围")).to_be_checked()
    box.get_by_label("来源（网址或文件名，必填）").fill(SOURCE)
    box.get_by_label("说明（必填）").fill(NOTE)
    proposed = op.map.locator("path.zones-proposed")
    before = proposed.count()  # the other tests' proposals, if they ran first
    box.get_by_role("button", name="提交更正（待审核）").click()
    done = box.get_by_text(re.compile(r"已提交更正 #\d+，等待审核"))
    expect(done).to_be_visible()
    change = re.search(r"#(\d+)", done.inner_text())[1]  # type: ignore[index]

    # Drawn apart on the map (dashed red, with its legend entry); the drawing is cleared.
    expect(proposed).to_have_count(before + 1)
    expect(proposed.last).to_have_attribute("stroke", PROPOSED_STYLE["color"])
    expect(proposed.last).to_have_attribute("stroke-dasharray", PROPOSED_STYLE["dashArray"])
    expect(op.map.locator(".zones-legend")).to_contain_text("待审核的更正")
    expect(op.map.locator('path.zones-park[data-park="p3"]')).to_have_attribute(
        "stroke-dasharray", re.compile(".+")
    )  # the park itself is still indicative until the change is accepted
    for _ in range(50):
        if drawn_count(op) == 0:
            break
        op.page.wait_for_timeout(100)
    assert drawn_count(op) == 0
    # The history lists it, proposed, the note and source as typed.
    rows = history(op)
    expect(rows).to_contain_text(f"#{change}")
    expect(rows).to_contain_text("待审核")
    expect(rows).to_contain_text(EDITOR[0])
    expect(rows).to_contain_text(HOSTILE)
    expect(rows).to_contain_text(SOURCE)

    # A viewer sees the history, read-only, and no proposal on the map.
    sign_out(op)
    expect(op.map.locator(".leaflet-draw")).to_have_count(0)
    expect(op.map.locator("path.zones-proposed")).to_have_count(0)
    expect(history(op)).to_contain_text("待审核")
    expect(op.page.get_by_text("更正此园区", exact=True)).to_have_count(0)

    # The reviewer accepts it in the GIS tab, where the note and source show as text.
    sign_in(op, REVIEWER)
    open_tab(op, "GIS 数据交换")
    expect(op.page.get_by_role("heading", name="待审核的更正")).to_be_visible()
    expect(op.page.get_by_text(f"说明：{NOTE}")).to_be_visible()
    expect(op.page.get_by_text(f"来源：{SOURCE}")).to_be_visible()
    queue = op.page.get_by_test_id("stVerticalBlock").filter(
        has=op.page.get_by_text(f"说明：{NOTE}")
    )
    queue.last.get_by_label("审核意见").fill("已核对")
    queue.last.get_by_role("button", name="通过", exact=True).click()
    expect(op.page.get_by_text(f"更正 #{change}：已通过。")).to_be_visible()

    # The park is surveyed: on the map (solid, no dashes), in the details, in its history.
    open_tab(op, "地图")
    one_map(op)
    park = op.map.locator('path.zones-park[data-park="p3"]')
    expect(park).not_to_have_attribute("stroke-dasharray", re.compile(".*"))
    expect(park).to_have_attribute("stroke", SURVEYED_STYLE["color"])
    expect(op.map.locator("path.zones-proposed")).to_have_count(before)
    expect(op.page.get_by_text(re.compile("范围：实测范围；")).first).to_be_visible()
    expect(history(op)).to_contain_text("已通过")
    expect(op.page.get_by_role("button", name=f"撤销此更正 #{change}")).to_be_visible()

    # ... and in the GeoJSON export, with the source and note as they were typed.
    expect(op.page.get_by_role("radio", name="GeoJSON")).to_be_checked()
    exported = json.loads(download(op, "下载筛选后的园区").read_text(encoding="utf-8"))
    feature = next(f for f in exported["features"] if f["properties"]["id"] == "p3")
    props = feature["properties"]
    assert props["footprint"] == "surveyed" and props["location_basis"] == "sourced"
    assert props["footprint_source"] == SOURCE
    assert NOTE in props["footprint_note"] and "accepted by li" in props["footprint_note"]
    ring = feature["geometry"]["coordinates"][0]
    for lat, lon in corners:  # the boundary drawn, to about a metre
        assert min(abs(x - lon) + abs(y - lat) for x, y in ring) < 2e-4, (lat, lon, ring)
    # Nothing was ever rendered as HTML (the offline page fails on any dialog).
    expect(op.page.locator("img[src='x']")).to_have_count(0)
    expect(op.map.locator("img[src='x']")).to_have_count(0)
    assert op.blocked_assets() == []


def test_an_editor_places_and_drags_a_point_and_a_drawing_stays_with_its_park(
    edit_page: OfflinePage,
) -> None:
    op = edit_page
    op.open()
    one_map(op)
    sign_in(op, EDITOR)
    op.choose_park("测试园区5")
    show_map(op)
    frame = map_frame(op)
    frame.evaluate("window.map.setView([29.954, 121.58], 14, {animate: false})")
    expect(op.map.locator(".leaflet-draw")).to_be_visible()

    # The marker tool: a click places the point, whose coordinates fill the form (WGS84).
    ((x, y),) = pixels(op, [(29.957, 121.5865)])
    op.map.locator(".leaflet-draw-draw-marker").click()
    click_map(op, x, y)
    expect(op.page.get_by_text(re.compile("地图上点选的位置已填入经纬度"))).to_be_visible()
    box = form(op)
    expect(box.get_by_role("radio", name="位置（点）")).to_be_checked()
    lon, lat = box.get_by_label("经度"), box.get_by_label("纬度")
    placed = lon.input_value()
    assert float(placed) == pytest.approx(121.5865, abs=2e-4)
    assert float(lat.input_value()) == pytest.approx(29.957, abs=2e-4)

    # Dragged, it moves, and the form follows.
    show_map(op)
    marker = op.map.locator(".leaflet-marker-icon.leaflet-marker-draggable")
    start = marker.bounding_box()
    assert start
    left, top = map_origin(op)
    grip = (start["x"] - left + start["width"] / 2, start["y"] - top + start["height"] / 2)
    drag_map(op, grip, (grip[0] + 60, grip[1] + 40))
    dropped = frame.evaluate(
        "(() => { const p = window.drawnItems.getLayers()[0].getLatLng();"
        " return [p.lat, p.lng]; })()"
    )
    assert dropped[1] > 121.5865 and dropped[0] < 29.957
    expect(lon).not_to_have_value(placed)
    assert float(lon.input_value()) == pytest.approx(dropped[1], abs=2e-6)
    assert float(lat.input_value()) == pytest.approx(dropped[0], abs=2e-6)
    box.get_by_label("来源（网址或文件名，必填）").fill("GPS 实地测量")
    box.get_by_label("说明（必填）").fill("园区大门")
    proposed = op.map.locator("path.zones-proposed")
    before = proposed.count()
    box.get_by_role("button", name="提交更正（待审核）").click()
    expect(box.get_by_text(re.compile(r"已提交更正 #\d+，等待审核"))).to_be_visible()
    expect(proposed).to_have_count(before + 1)  # the proposed point: a dashed red ring
    expect(proposed.last).to_have_attribute("stroke-dasharray", PROPOSED_STYLE["dashArray"])

    # A shape drawn for one park is not offered for another: choosing another park clears it.
    show_map(op)
    (x0, y0), (x1, y1) = pixels(op, [(29.9565, 121.5795), (29.9515, 121.5855)])
    op.map.locator(".leaflet-draw-draw-rectangle").click()
    drag_map(op, (x0, y0), (x1, y1))
    expect(op.page.get_by_text("地图上已绘制新的边界")).to_be_visible()
    expect(form(op).get_by_role("radio", name="范围（边界）")).to_be_checked()
    op.choose_park("测试园区7")
    expect(op.page.get_by_text("地图上已绘制新的边界")).to_have_count(0)
    for _ in range(50):
        if drawn_count(op) == 0:
            break
        op.page.wait_for_timeout(100)
    assert drawn_count(op) == 0
    expect(form(op).get_by_role("checkbox", name="使用地图上绘制的范围")).not_to_be_checked()
