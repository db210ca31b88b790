"""The map tab without a browser (AppTest): the bar above the map, colours, the PDF briefing.

The map's own tools (full screen, measure, PNG, search, labels) run in the browser: see
tests/test_browser.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from streamlit.testing.v1 import AppTest

from tests import test_app as base
from tests.test_app import map_args, map_parks
from zones.map import styles
from zones.present import briefing_pdf

# The app on its test dataset, and the download buttons' arguments: test_app's fixtures.
gpkg = base.gpkg
app = base.app
downloads = base.downloads


def park_view(at: AppTest) -> dict[str, Any]:
    """What the map's tools are told about the parks (ZonesMap.update's argument)."""
    script = map_args(at)["feature_group"]
    match = re.search(r"ZonesMap\.update\([^,]+, (\{.*?\})\);\n", script)
    assert match, "the parks' view is sent to the map tools"
    return json.loads(match.group(1))


def test_the_bar_says_the_count_and_the_filter_and_the_map_gets_the_sentence(
    app: Callable[..., AppTest],
) -> None:
    at = app(belt="east")
    assert at.metric[0].value == "3"
    view = park_view(at)
    assert view["sentence"] == "东部临港产业带中的园区 3 个"
    assert "东部临港产业带中的园区 3 个" in view["description"]
    assert view["legend"]["title"] == "园区着色：范围类型"


def test_colouring_by_level_fills_the_parks_and_changes_the_legend(
    app: Callable[..., AppTest],
) -> None:
    at = app()
    assert at.selectbox(key="color_by").value == "footprint"
    at = at.selectbox(key="color_by").set_value("level").run()
    fills = {f["id"]: f["properties"]["fill"] for f in map_parks(at)}
    assert fills["p0"] == styles.LEVEL_COLORS["national"]
    assert fills["p1"] == styles.LEVEL_COLORS["provincial"]
    assert [r["label"] for r in park_view(at)["legend"]["rows"]] == ["国家级", "省级"]
    assert "color_industry" not in [w.key for w in at.selectbox]  # asked only for an industry


def test_colouring_by_one_industry_asks_which(app: Callable[..., AppTest]) -> None:
    at = app()
    at = at.selectbox(key="color_by").set_value("industry").run()
    at = at.selectbox(key="color_industry").set_value("new-materials").run()
    fills = {f["id"]: f["properties"]["fill"] for f in map_parks(at)}
    assert fills["p1"] == styles.INDUSTRY_BASIS_COLORS["park"]  # designated
    assert fills["p3"] == styles.INDUSTRY_BASIS_COLORS["belt"]  # its belt's focus
    assert fills["p0"] == styles.NONE_COLOR
    assert park_view(at)["legend"]["title"] == "园区着色：新材料"


def test_the_pdf_briefing_is_built_on_click_for_the_filtered_parks(
    app: Callable[..., AppTest], downloads: dict[str, dict[str, Any]]
) -> None:
    at = app(belt="north")
    assert not at.exception
    button = downloads["dl_pdf"]
    assert re.fullmatch(r"ningbo-briefing_belt-north_\d{4}-\d{2}-\d{2}\.pdf", button["file_name"])
    assert button["mime"] == "application/pdf" and callable(button["data"])
    if briefing_pdf.cjk_font() is not None:
        data = button["data"]()
        assert data.startswith(b"%PDF-")
        # The map, the matrix, the overlap and targets, then the list of 4 parks.
        assert len(re.findall(rb"/MediaBox", data)) == 4
