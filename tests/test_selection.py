"""Map click -> selected park, and the details panel's content (safe Markdown)."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from tests.conftest import HOSTILE
from tests.factories import make_dataset
from zones.present.selection import (
    Drawn,
    clicked_park,
    drawings_for,
    drawn_shapes,
    matching_parks,
    next_selection,
    park_details,
    source_markdown,
)
from zones.text.i18n import md_text

SHOWN = {"p0", "p1", "p2"}


def feature(park_id: str, *, in_properties: bool = False) -> dict:
    props = {"name": "x", "ind": 1, "est": 0}
    if in_properties:
        props["id"] = park_id
    return {"type": "Feature", "id": park_id, "properties": props, "geometry": None}


def returned(park_id: str | None, point: tuple[float, float] | None = (30.0, 121.0)) -> dict:
    clicked = {"lat": point[0], "lng": point[1]} if point else None
    drawing = feature(park_id) if park_id else None
    return {"last_active_drawing": drawing, "last_object_clicked": clicked}


@pytest.mark.parametrize(
    ("value", "park_id"),
    [
        (None, None),
        ("not a dict", None),
        ({}, None),
        ({"last_active_drawing": None}, None),
        ({"last_active_drawing": {"type": "Feature", "properties": {}}}, None),
        ({"last_active_drawing": {"id": 7, "properties": None}}, None),
        ({"last_active_drawing": feature("p1")}, "p1"),
        ({"last_active_drawing": feature("p2", in_properties=True)}, "p2"),
        ({"last_active_drawing": {"id": "p1", "properties": {"id": "p2"}}}, "p2"),
    ],
)
def test_clicked_park(value: object, park_id: str | None) -> None:
    assert clicked_park(value)[0] == park_id


def test_every_click_has_its_own_fingerprint() -> None:
    a = clicked_park(returned("p1", (30.0, 121.0)))[1]
    b = clicked_park(returned("p1", (30.0, 121.001)))[1]
    assert a and b and a != b
    assert clicked_park(returned("p1", (30.0, 121.0)))[1] == a


@pytest.mark.parametrize(
    ("current", "value", "last_seen", "shown", "expected"),
    [
        # A first click selects its park.
        (None, returned("p1"), None, SHOWN, "p1"),
        # A new click replaces the selection.
        ("p0", returned("p1"), None, SHOWN, "p1"),
        # The same (stale) value on a later rerun changes nothing: the user deselected.
        (None, returned("p1"), "SEEN", SHOWN, None),
        # A click on a park the filter hides (stale iframe) selects nothing.
        (None, returned("p9"), None, SHOWN, None),
        ("p0", returned("p9"), None, SHOWN, None),
        # No click: the current selection stays if shown, else is dropped.
        ("p2", returned(None), None, SHOWN, "p2"),
        ("p7", returned(None), None, SHOWN, None),
        # Not checked yet (the map's on_change callback runs before the filter is known).
        (None, returned("p9"), None, None, "p9"),
    ],
)
def test_next_selection(
    current: str | None,
    value: dict,
    last_seen: str | None,
    shown: set[str] | None,
    expected: str | None,
) -> None:
    if last_seen == "SEEN":
        last_seen = clicked_park(value)[1]
    selected, seen = next_selection(current, value, last_seen, shown)
    assert selected == expected
    assert seen == (clicked_park(value)[1] or last_seen)


def test_reclicking_a_park_after_deselecting_selects_it_again() -> None:
    selected, seen = next_selection(None, returned("p1", (30.0, 121.0)), None, SHOWN)
    assert selected == "p1"
    selected, seen = next_selection(None, returned("p1", (30.0, 121.0)), seen, SHOWN)
    assert selected is None  # deselected, same stale value
    selected, seen = next_selection(None, returned("p1", (30.001, 121.0)), seen, SHOWN)
    assert selected == "p1"  # a second click on the same park


@pytest.mark.parametrize(
    ("source", "zh", "en"),
    [
        ("plan:L58", "规划原文第58行", "plan text&#44; line 58"),
        ("plan:L58-L60", "规划原文第58–60行", "plan text&#44; line 58–60"),
        (
            "https://www.ningbo.gov.cn/art/2021/x.html",
            "[www&#46;ningbo&#46;gov&#46;cn&#47;art&#47;2021&#47;x&#46;html]"
            "(https://www.ningbo.gov.cn/art/2021/x.html)",
            None,
        ),
        ("javascript:alert(1)", "javascript&#58;alert&#40;1&#41;", None),
        ("survey.geojson", "survey&#46;geojson", None),
        ("", "", ""),
    ],
)
def test_source_markdown(source: str, zh: str, en: str | None) -> None:
    assert source_markdown(source, "zh") == zh
    assert source_markdown(source, "en") == (zh if en is None else en)


def test_a_url_cannot_break_out_of_its_link() -> None:
    out = source_markdown("https://e.org/a) [x](javascript:alert(1) <b>", "zh")
    target = re.fullmatch(r"\[[^\]]*\]\(([^()\s]*)\)", out)
    assert target, out
    assert "javascript:alert(1)" not in target.group(1)


def test_details_of_a_surveyed_sourced_park() -> None:
    ds = make_dataset(3)
    details = park_details(ds, "p0", "zh")
    assert details is not None
    assert details.title == "测试园区0" and details.subtitle == "Test Park 0"
    facts = dict(details.facts)
    assert facts["级别"] == "国家级"
    assert facts["所在区县（市）"] == "余姚市"
    assert facts["所在产业圈 / 产业带"].startswith("北部湾区产业带")
    assert facts["面积"].startswith(md_text("0.64 平方公里"))
    assert "(https://example.org/p0)" in facts["面积"]
    assert facts["范围"].startswith("实测范围")
    assert facts["位置"].startswith("有出处") and md_text("±500") in facts["位置"]
    assert details.industries == [
        ("园区指定产业", ["汽车及零部件（优势产业）"]),
        ("所在产业带重点产业", ["新能源汽车（优势产业）"]),
    ]
    assert details.sources == ["规划原文第70行"]
    assert details.bounds == pytest.approx((121.05, 29.95, 121.058, 29.958))


def test_details_of_an_indicative_estimated_park_say_so() -> None:
    ds = make_dataset(3)
    zh = dict(park_details(ds, "p1", "zh").facts)  # type: ignore[union-attr]
    assert zh["面积"] == "未知（无可靠来源）"
    assert zh["范围"].startswith("示意范围（估计）")
    assert zh["位置"].startswith("估计")
    en = dict(park_details(ds, "p1", "en").facts)  # type: ignore[union-attr]
    assert en["Area"] == md_text("unknown (no reliable source)")
    assert en["Footprint"].startswith(md_text("indicative footprint (estimated)"))
    assert en["Location"].startswith("estimated")


def test_details_group_other_source_industries_last() -> None:
    ds = make_dataset(3)
    extra = ds.park_industries.iloc[[0]].assign(industry_id="biomedicine", basis="source")
    ds = dataclasses.replace(ds, park_industries=pd.concat([ds.park_industries, extra]))
    details = park_details(ds, "p0", "en")
    assert details is not None
    assert [basis for basis, _ in details.industries] == [
        "Designated for the park",
        "Focus of the park's belt",
        "Other sources",
    ]
    assert details.industries[-1][1] == [md_text("Biomedicine (Emerging industries)")]


def test_details_escape_everything_from_the_data() -> None:
    ds = make_dataset(2, hostile_name=HOSTILE)
    parks = ds.parks.copy()
    parks.loc[0, "notes"] = "**bold** [x](javascript:alert(1))"
    parks.loc[0, "footprint_note"] = "<script>alert(1)</script>"
    ds = dataclasses.replace(ds, parks=parks)
    details = park_details(ds, "p0", "zh")
    assert details is not None
    text = details.title + details.markdown()
    assert "<" not in text and "javascript:" not in text
    assert details.title == md_text(HOSTILE)
    assert md_text("**bold** [x](javascript:alert(1))") in text


def test_details_show_each_note_in_the_panel_language() -> None:
    """The Chinese panel shows ``<note>_zh``, the English one the English column; a note
    written in one language only is shown in that language rather than not at all."""
    ds = make_dataset(2)
    parks = ds.parks.copy()
    parks.loc[1, ["notes", "notes_zh"]] = ["Formerly a bonded area.", "原为保税区。"]
    parks.loc[1, ["level_note", "level_note_zh"]] = ["Provincial since 1994.", "1994 年起为省级。"]
    parks.loc[1, ["area_note", "area_note_zh"]] = ["Only in English.", ""]
    ds = dataclasses.replace(ds, parks=parks)
    zh = park_details(ds, "p1", "zh")
    en = park_details(ds, "p1", "en")
    assert zh is not None and en is not None
    zh_text, en_text = zh.markdown(), en.markdown()
    for chinese, english in (
        ("原为保税区。", "Formerly a bonded area."),
        ("1994 年起为省级。", "Provincial since 1994."),
        ("为测试估计", "estimated for the test"),
        ("默认面积的圆", "disk of the default area"),
    ):
        assert md_text(chinese) in zh_text and md_text(english) not in zh_text, chinese
        assert md_text(english) in en_text and md_text(chinese) not in en_text, english
    assert md_text("Only in English.") in zh_text and md_text("Only in English.") in en_text


def test_unknown_park_has_no_details() -> None:
    assert park_details(make_dataset(2), "nope", "zh") is None


# --- what an editor drew on the map ---------------------------------------------------------

POLYGON = {
    "type": "Feature",
    "properties": {},
    "geometry": {"type": "Polygon", "coordinates": [[[121.5, 30.0], [121.6, 30.0], [121.6, 30.1],
                                                      [121.5, 30.0]]]},
}  # fmt: skip
POINT = {
    "type": "Feature",
    "properties": {},
    "geometry": {"type": "Point", "coordinates": [121.5, 30.0]},
}


def drawings(*features: dict) -> dict:
    return {"last_active_drawing": None, "all_drawings": list(features)}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, (None, None)),
        ({}, (None, None)),
        ({"all_drawings": None}, (None, None)),
        ({"all_drawings": ["x", {"geometry": None}]}, (None, None)),
        (drawings(POLYGON), (POLYGON, None)),
        (drawings(POINT, POLYGON), (POLYGON, POINT)),
        # The last of each kind (the map keeps one, but a stale value may hold more).
        (drawings({**POLYGON, "id": "old"}, POLYGON), (POLYGON, None)),
    ],
)
def test_drawn_shapes(value: object, expected: tuple) -> None:
    assert drawn_shapes(value) == expected


def test_a_drawing_belongs_to_the_park_selected_when_it_came() -> None:
    drawn, owners = drawings_for("p1", drawings(POLYGON, POINT), {})
    assert drawn == Drawn(shape=POLYGON, point=(121.5, 30.0), new_shape=True, new_point=True)
    # Seen again: still p1's, no longer new (the form is not filled again over a user's edits).
    drawn, owners = drawings_for("p1", drawings(POLYGON, POINT), owners)
    assert drawn == Drawn(shape=POLYGON, point=(121.5, 30.0))
    # Another park selected: not offered, and not for p1 again once used or cleared.
    assert drawings_for("p2", drawings(POLYGON, POINT), owners)[0] == Drawn()
    drawn, owners = drawings_for("p1", drawings(POLYGON, POINT), owners, used=True)
    assert drawn == Drawn() and set(owners.values()) == {None}
    assert drawings_for("p1", drawings(POLYGON, POINT), owners)[0] == Drawn()
    # Nothing selected: a drawing belongs to no park.
    drawn, owners = drawings_for(None, drawings(POLYGON), {})
    assert drawn == Drawn() and owners == {next(iter(owners)): None}
    # Only what the map still reports is remembered.
    _, owners = drawings_for("p1", drawings(POLYGON, POINT), {})
    assert len(drawings_for("p1", drawings(), owners)[1]) == 0


# --- the keyboard's park list when there are many parks ---------------------------------------


def test_matching_parks_lists_the_matches_up_to_the_limit_and_keeps_the_selection() -> None:
    names = {f"p{n}": f"园区{n}" for n in range(1, 40)} | {"hz": "杭州湾新区", "nb": "宁波 Park"}
    assert matching_parks(names, "", None, 5) == {}
    assert matching_parks(names, "", "hz", 5) == {"hz": "杭州湾新区"}
    found = matching_parks(names, "园区1", None, 5)
    assert list(found) == ["p1", "p10", "p11", "p12", "p13"]
    assert list(matching_parks(names, "园区1", "nb", 3)) == ["nb", "p1", "p10"]
    # Compared as the map's search compares: case, width and spaces do not matter.
    assert list(matching_parks(names, "ＰＡＲＫ", None, 5)) == ["nb"]
    assert list(matching_parks(names, "NB", None, 5)) == ["nb"]
    assert matching_parks(names, "重庆", "gone", 5) == {}
