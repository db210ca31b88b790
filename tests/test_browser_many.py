"""The map at 5,000 parks, in Chromium, offline: the canvas layer (static/zones/many-parks.js)
draws exactly the parks each filter keeps, and a click on any park shows that park.

Not timed: the speed at scale is measured by benchmarks/bench_browser.py."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from typing import Any

import pytest
import shapely
from playwright.sync_api import Frame, expect

from tests.conftest import AppServer, OfflinePage, _offline, _serve
from tests.factories import make_dataset
from tests.test_browser import map_frame
from zones.model.dataset import Dataset
from zones.model.filters import DIMENSIONS, MULTI, ParkFilter, apply_filter

pytestmark = pytest.mark.browser
N_PARKS = 5000
#: Parks clicked, besides the smallest and the largest.
N_CLICKS = 16
#: The zoom of the clicks: every park is a polygon there (the smallest synthetic park, 0.02
#: km², is about 140 px across), so the park under the pointer is exact.
CLICK_ZOOM = 17


@pytest.fixture(scope="module")
def many_ds() -> Dataset:
    from benchmarks.synthetic import synthetic_dataset

    return synthetic_dataset(make_dataset(6), N_PARKS, seed=11)


@pytest.fixture(scope="module")
def many_server(tmp_path_factory: pytest.TempPathFactory, many_ds: Dataset) -> Iterator[AppServer]:
    from zones.model.dataset import save_dataset

    folder = tmp_path_factory.mktemp("many")
    yield from _serve(folder, save_dataset(many_ds, folder / "zones.gpkg"))


@pytest.fixture
def many_page(page: Any, many_server: AppServer) -> Iterator[OfflinePage]:
    yield from _offline(page, many_server)


def opened(op: OfflinePage) -> Frame:
    """Open the app and wait until its map draws every park; the map's frame, settled."""
    op.open()
    canvas_ids(op, N_PARKS)
    return map_frame(op)


def canvas_ids(op: OfflinePage, expected: int) -> set[str]:
    """The ids the map's canvas layer draws, once it draws ``expected`` parks."""
    frame = None
    for _ in range(600):
        frame = next((f for f in op.page.frames if "streamlit_folium" in f.url), None)
        status = frame and frame.evaluate("window.ZonesMap && ZonesMap.status()")
        if status and status["mode"] == "canvas" and status["parks"] == expected:
            break
        op.page.wait_for_timeout(100)
    else:
        pytest.fail(f"the map did not draw {expected} parks: {status}")
    return set(frame.evaluate("ZonesMap._many.entries().map(function (e) { return e.id; })"))


def test_every_filter_draws_exactly_its_parks(many_page: OfflinePage, many_ds: Dataset) -> None:
    op = many_page
    op.open()
    assert canvas_ids(op, N_PARKS) == set(many_ds.parks["id"])
    tried = 0
    for d in DIMENSIONS:
        if d.kind != MULTI:
            continue
        # The option that keeps the share of parks closest to half: the hardest to fake.
        counts = {
            o.id: len(apply_filter(many_ds, ParkFilter(**{d.key: (o.id,)})))
            for o in d.options(many_ds)
        }
        counts = {o: n for o, n in counts.items() if 0 < n < N_PARKS}
        if not counts:  # every option keeps every park (or none): nothing to tell apart
            continue
        option = min(counts, key=lambda o: abs(counts[o] - N_PARKS / 2))
        expected = apply_filter(many_ds, ParkFilter(**{d.key: (option,)}))
        op.open(f"{d.url_key}={option}")
        assert canvas_ids(op, len(expected)) == set(expected["id"]), (d.key, option)
        expect(op.page.get_by_test_id("stMetricValue")).to_have_text(str(len(expected)))
        tried += 1
    assert tried >= 4


def _reach(geom: shapely.Geometry) -> float:
    """What the canvas layer ranks polygons under the pointer by (smallest first): the larger
    side of the bounding box in Web Mercator."""
    w, s, e, n = geom.bounds
    y = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
    return max(math.radians(e - w), y(n) - y(s))


def _click_point(ds: Dataset, park_id: str) -> tuple[float, float] | None:
    """(lon, lat) inside park ``park_id`` and outside every smaller park (the map names the
    smallest park under the pointer); None when smaller parks cover it all."""
    geoms = ds.parks.geometry.to_numpy()
    ids = list(ds.parks["id"])
    own = geoms[ids.index(park_id)]
    smaller = [
        geoms[i]
        for i in shapely.STRtree(geoms).query(own)
        if ids[i] != park_id and _reach(geoms[i]) < _reach(own)
    ]
    free = own.difference(shapely.union_all(smaller)) if smaller else own
    inner = free.buffer(-2e-5)  # a few metres from any edge
    if inner.is_empty:
        return None
    point = inner.representative_point()
    return point.x, point.y


def _page_point(op: OfflinePage, frame: Frame, lon: float, lat: float) -> tuple[float, float]:
    """Centre the map on (lon, lat) at CLICK_ZOOM; that point's place on the page."""
    x, y = frame.evaluate(
        f"""(() => {{
            var m = ZonesMap._map, ll = [{lat}, {lon}];
            m.setView(ll, {CLICK_ZOOM}, {{animate: false}});
            var p = m.latLngToContainerPoint(ll), r = m.getContainer().getBoundingClientRect();
            return [r.x + p.x, r.y + p.y];
        }})()"""
    )
    box = op.page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
    return box["x"] + x, box["y"] + y


def _click(op: OfflinePage, frame: Frame, lon: float, lat: float) -> None:
    op.page.mouse.click(*_page_point(op, frame, lon, lat))


def test_a_click_on_any_park_shows_that_park(many_page: OfflinePage, many_ds: Dataset) -> None:
    op = many_page
    frame = opened(op)
    parks = many_ds.parks
    by_area = parks.sort_values("footprint_area_km2")["id"].tolist()
    chosen = [by_area[0], by_area[-1], *random.Random(5).sample(by_area[1:-1], N_CLICKS)]
    clicked = 0
    for park_id in chosen:
        point = _click_point(many_ds, park_id)
        if point is None:  # wholly under other parks: no click can name it alone
            continue
        _click(op, frame, *point)
        name = parks.loc[parks["id"] == park_id, "name_zh"].iloc[0]
        expect(op.page.get_by_role("heading", name=name, exact=True)).to_be_visible()
        assert frame.evaluate(
            f"ZonesMap._many.table.raw.ids[ZonesMap._many.selected] === {json.dumps(park_id)}"
        )
        clicked += 1
    assert clicked >= 10  # the others lie wholly under smaller parks


def test_the_search_box_finds_a_park_among_thousands(
    many_page: OfflinePage, many_ds: Dataset
) -> None:
    op = many_page
    frame = opened(op)
    park = many_ds.parks.iloc[1234]
    assert (
        frame.evaluate(f"ZonesMap.find(ZonesMap._map, {json.dumps(park['name_zh'])})")[0]
        == park["id"]
    )
    assert frame.evaluate(f"ZonesMap.pick(ZonesMap._map, {json.dumps(park['id'])})")
    expect(op.page.get_by_role("heading", name=park["name_zh"], exact=True)).to_be_visible()


def test_the_park_list_narrows_by_a_typed_name(many_page: OfflinePage, many_ds: Dataset) -> None:
    """With thousands of parks the keyboard's list asks for part of a name first."""
    op = many_page
    op.open()
    canvas_ids(op, N_PARKS)
    park = many_ds.parks.iloc[42]
    field = op.page.get_by_role("textbox", name="按名称查找园区")
    field.fill(park["name_zh"])
    field.press("Enter")
    op.page.get_by_label("选择园区").click()
    op.page.get_by_role("option", name=park["name_zh"], exact=True).click()
    expect(op.page.get_by_role("heading", name=park["name_zh"], exact=True)).to_be_visible()


def test_hovering_a_park_names_it_in_a_tooltip_as_text(
    many_page: OfflinePage, many_ds: Dataset
) -> None:
    op = many_page
    frame = opened(op)
    by_area = many_ds.parks.sort_values("footprint_area_km2", ascending=False)["id"]
    park_id, point = next((i, p) for i in by_area if (p := _click_point(many_ds, i)) is not None)
    x, y = _page_point(op, frame, *point)
    op.page.mouse.move(x - 3, y)
    op.page.mouse.move(x, y)
    name = many_ds.parks.loc[many_ds.parks["id"] == park_id, "name_zh"].iloc[0]
    tip = op.map.locator(".zones-tip")
    expect(tip).to_contain_text(name)
    assert tip.locator("img, script").count() == 0
    # Its outline is drawn thicker on the hover canvas (as the SVG map thickens it), and
    # cleared when the pointer leaves the map.
    frame.wait_for_function("id => ZonesMap.status().hovered === id", arg=park_id)
    assert frame.evaluate(HOVER_INK) > 0
    op.page.mouse.move(1, 1)
    frame.wait_for_function("() => ZonesMap.status().hovered === null")
    assert frame.evaluate(HOVER_INK) == 0


#: Painted pixels of the hover canvas.
HOVER_INK = """() => {
    const c = document.querySelector('canvas.zones-parks-hover');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) { if (d[i]) { n++; } }
    return n;
}"""
