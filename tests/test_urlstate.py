"""The view <-> query string: round trips, and unknown values dropped with a notice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, quote

import pytest
from streamlit.testing.v1 import AppTest

from tests.factories import make_dataset
from zones.model.dataset import save_dataset
from zones.model.filters import ParkFilter
from zones.present import views
from zones.present.urlstate import (
    KEYS,
    MAX_TEXT,
    MAX_VALUES,
    SHOWN,
    SHOWN_CHARS,
    Notice,
    ViewState,
    allowed_values,
    from_query,
    query_updates,
    shorten,
    to_query,
)

BASEMAPS = ("none", "osm", "amap")


@pytest.fixture(scope="module")
def allowed() -> dict[str, frozenset[str]]:
    return allowed_values(make_dataset(4), BASEMAPS)


def test_empty_query_is_the_default_view(allowed: dict[str, frozenset[str]]) -> None:
    assert from_query({}, allowed) == (ViewState(), [])
    assert to_query(ViewState()) == {}


@pytest.mark.parametrize(
    "state",
    [
        ViewState(belts=("north",)),
        ViewState(belts=("north", "east"), industries=("automotive",), tiers=("emerging",)),
        ViewState(districts=("330206",), levels=("national", "provincial")),
        ViewState(designated_only=True, text="杭州湾 park"),
        ViewState(park="p2", lang="en", basemap="osm"),
        ViewState(types=("经济技术开发区",), levels=("national",)),
        ViewState(
            belts=("east",), industries=("new-materials",), designated_only=True,
            park="p1", lang="en", basemap="amap",
        ),
        ViewState(color_by="level"),
        ViewState(color_by="industry", color_industry="new-materials"),
        ViewState(belts=("north",), park="p0", lang="en", color_by="industry",
                  color_industry="automotive"),
    ],
)  # fmt: skip
def test_round_trip(state: ViewState, allowed: dict[str, frozenset[str]]) -> None:
    assert from_query(to_query(state), allowed) == (state, [])


def test_to_query_writes_only_non_defaults_with_commas() -> None:
    state = ViewState(belts=("north", "east"), designated_only=True, park="p1")
    assert to_query(state) == {"belt": "north,east", "designated": "1", "park": "p1"}
    state = ViewState(ParkFilter(types=("新区", "综合保税区"), text="港"), lang="en")
    assert to_query(state) == {"type": "新区,综合保税区", "q": "港", "lang": "en"}
    assert state.types == ("新区", "综合保税区") and state.park_filter.text == "港"


def test_the_colouring_is_written_only_when_not_the_default() -> None:
    assert to_query(ViewState(color_by="footprint", color_industry="automotive")) == {}
    assert to_query(ViewState(color_by="belt")) == {"color": "belt"}
    # The industry goes with colouring by one industry, and only then.
    assert to_query(ViewState(color_by="tier", color_industry="automotive")) == {"color": "tier"}
    assert to_query(ViewState(color_by="industry", color_industry="automotive")) == {
        "color": "industry",
        "color_industry": "automotive",
    }


def test_repeated_keys_and_commas_are_both_read(allowed: dict[str, frozenset[str]]) -> None:
    state, notices = from_query({"belt": ["north", "east,north"], "level": " national , "}, allowed)
    assert state.belts == ("north", "east")
    assert state.levels == ("national",)
    assert notices == []


@pytest.mark.parametrize(
    ("params", "expected", "notices"),
    [
        ({"belt": "north,nowhere"}, ViewState(belts=("north",)), [Notice("belt", ("nowhere",))]),
        ({"industry": "cars"}, ViewState(), [Notice("industry", ("cars",))]),
        ({"tier": "x"}, ViewState(), [Notice("tier", ("x",))]),
        ({"district": "999999"}, ViewState(), [Notice("district", ("999999",))]),
        ({"level": "galactic"}, ViewState(), [Notice("level", ("galactic",))]),
        (
            {"type": "新区,经济技术开发区"},
            ViewState(types=("经济技术开发区",)),
            [
                Notice("type", ("新区",)),  # no park of the dataset has that type
            ],
        ),
        ({"park": "p99"}, ViewState(), [Notice("park", ("p99",))]),
        ({"lang": "fr"}, ViewState(), [Notice("lang", ("fr",))]),
        ({"basemap": "tianditu"}, ViewState(), [Notice("basemap", ("tianditu",))]),
        ({"designated": "maybe"}, ViewState(), [Notice("designated", ("maybe",))]),
        ({"color": "rainbow"}, ViewState(), [Notice("color", ("rainbow",))]),
        ({"color": "Level"}, ViewState(), [Notice("color", ("Level",))]),  # ids are exact
        (
            {"color": "industry", "color_industry": "cars"},
            ViewState(color_by="industry"),  # the map then takes the first industry
            [Notice("color_industry", ("cars",))],
        ),
        (
            {"color": "<script>", "color_industry": "automotive"},
            ViewState(color_industry="automotive"),
            [Notice("color", ("<script>",))],
        ),
        ({"designated": "true"}, ViewState(designated_only=True), []),
        ({"designated": "0"}, ViewState(), []),
        ({"utm_source": "mail"}, ViewState(), []),  # not ours: left alone
        ({"belt": "<script>", "lang": "en"}, ViewState(lang="en"), [Notice("belt", ("<script>",))]),
    ],
)
def test_unknown_values_are_dropped_and_reported(
    params: dict[str, str],
    expected: ViewState,
    notices: list[Notice],
    allowed: dict[str, frozenset[str]],
) -> None:
    assert from_query(params, allowed) == (expected, notices)


def test_overlong_search_is_cut_and_reported(allowed: dict[str, frozenset[str]]) -> None:
    state, notices = from_query({"q": "x" * 500}, allowed)
    assert state.text == "x" * 100
    # The notice says the text was cut (and applied), not ignored; it shows a short start.
    assert notices == [Notice("q", ("x" * 39 + "…",), cut=True)]


def test_many_unknown_values_make_one_short_notice(allowed: dict[str, frozenset[str]]) -> None:
    values = [f"nowhere-{i}" for i in range(3000)]
    state, notices = from_query({"belt": ",".join(["north", *values])}, allowed)
    assert state.belts == ("north",)
    (notice,) = notices
    assert notice.key == "belt" and not notice.cut
    assert notice.values == tuple(values[:SHOWN])
    # MAX_VALUES read (north and 199 unknown ones); the rest counted, not read.
    assert notice.more == MAX_VALUES - 1 - SHOWN
    assert notice.unread == 3001 - MAX_VALUES


def test_a_key_is_read_up_to_max_values_even_when_repeated(
    allowed: dict[str, frozenset[str]],
) -> None:
    repeated = [f"r{i}" for i in range(MAX_VALUES)] + ["east", "r0"]  # east comes too late
    state, notices = from_query({"belt": repeated}, allowed)
    assert state.belts == ()
    assert [(n.key, n.more, n.unread) for n in notices] == [("belt", MAX_VALUES - SHOWN, 1)]


def test_long_values_are_cut_in_notices(allowed: dict[str, frozenset[str]]) -> None:
    long = "atlantis-" * 2300
    _, notices = from_query({"park": long, "belt": long, "designated": long}, allowed)
    assert [n.key for n in notices] == ["belt", "designated", "park"]
    for n in notices:
        (shown,) = n.values
        assert len(shown) == SHOWN_CHARS and shown.endswith("…")
        assert long.lower().startswith(shown[:-1])


def test_shorten() -> None:
    assert shorten("abc") == "abc"
    assert shorten("x" * SHOWN_CHARS) == "x" * SHOWN_CHARS
    assert shorten("x" * (SHOWN_CHARS + 1)) == "x" * (SHOWN_CHARS - 1) + "…"


def test_allowed_values_come_from_the_dataset(allowed: dict[str, frozenset[str]]) -> None:
    assert allowed["belt"] == {"north", "east"}
    assert allowed["park"] == {"p0", "p1", "p2", "p3"}
    assert allowed["district"] == {"330281", "330206"}
    assert allowed["level"] == {"national", "provincial", "unknown"}
    assert allowed["type"] == {"经济技术开发区"}  # the types the parks have
    assert allowed["basemap"] == set(BASEMAPS)
    assert allowed["color"] == {"footprint", "belt", "tier", "level", "industry"}
    assert {"automotive", "new-materials"} <= allowed["color_industry"]


def test_query_updates_touch_only_what_changed() -> None:
    current = {"belt": ["north"], "park": ["p1"], "utm": ["x"]}
    assert query_updates(current, {"belt": "north", "park": "p1"}) == ({}, [])
    assert query_updates(current, {"belt": "east"}) == ({"belt": "east"}, ["park"])
    # A repeated key is rewritten in the app's comma form.
    assert query_updates({"belt": ["north", "east"]}, {"belt": "north,east"}) == (
        {"belt": "north,east"},
        [],
    )


# --- hostile links in the app (AppTest): how many banners, how long ------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bad_input"
APP = Path(__file__).resolve().parents[1] / "app.py"
N_PARKS = 5
#: Generous bound on one banner's Markdown: 5 values of 40 characters, escaped, and the words.
BANNER_MAX = 1200


def bad_link(name: str) -> str:
    """The query string kept in tests/fixtures/bad_input/``name``."""
    return (FIXTURES / name).read_text(encoding="utf-8").strip()


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_dataset(make_dataset(N_PARKS), tmp_path_factory.mktemp("links") / "zones.gpkg")


@pytest.fixture
def open_link(gpkg: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], AppTest]:
    """Open the app on a query string, as a browser would pass it (repeated keys as lists)."""
    monkeypatch.setenv("ZONES_GPKG", str(gpkg))
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)

    def make(query_string: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        for key, values in parse_qs(query_string, keep_blank_values=True).items():
            at.query_params[key] = values[0] if len(values) == 1 else values
        return at.run()

    return make


def banners(at: AppTest) -> list[str]:
    assert not at.exception
    return [w.value for w in at.warning]


def shown_count(at: AppTest) -> int:
    return int(at.metric[0].value)


def test_3000_unknown_belts_make_one_short_banner(open_link: Callable[[str], AppTest]) -> None:
    at = open_link(bad_link("url_3000_unknown_belts.txt"))
    (banner,) = banners(at)
    assert len(banner) < BANNER_MAX
    for i in range(SHOWN):
        assert f"nowhere&#45;{i:04d}" in banner  # md_text escapes the hyphen
    assert f"nowhere&#45;{SHOWN:04d}" not in banner
    assert f"及另外 {MAX_VALUES - SHOWN} 个" in banner
    assert f"其余 {3000 - MAX_VALUES} 个未读取" in banner
    assert shown_count(at) == N_PARKS  # nothing known: no constraint
    assert "belt" not in at.query_params  # the link is rewritten without them


def test_repeated_belt_keys_are_read_up_to_the_cap(open_link: Callable[[str], AppTest]) -> None:
    at = open_link(bad_link("url_300_repeated_belt_keys.txt"))
    (banner,) = banners(at)
    assert f"其余 {301 - MAX_VALUES} 个未读取" in banner  # "east", the 301st, among them
    assert shown_count(at) == N_PARKS


def test_a_20000_character_park_is_cut_in_its_banner(open_link: Callable[[str], AppTest]) -> None:
    link = bad_link("url_long_park.txt")
    assert len(link) > 20000
    (banner,) = banners(at := open_link(link))
    assert "atlantis" in banner and "…" in banner
    assert len(banner) < 300
    assert at.session_state["park"] is None


def test_a_long_search_is_applied_cut_and_the_banner_says_so(
    open_link: Callable[[str], AppTest],
) -> None:
    link = bad_link("url_long_q.txt")
    text = parse_qs(link)["q"][0]
    assert len(text) == 2000
    at = open_link(link)
    (banner,) = banners(at)
    # Applied: the first 100 characters are in the search box, in the URL, and filter the map
    # (no park's name holds them); a search that was ignored would show every park.
    assert at.text_input(key="f_text").value == text[:MAX_TEXT]
    assert at.query_params["q"] == text[:MAX_TEXT]
    assert shown_count(at) == 0
    # ... and the banner says it was cut, not ignored.
    assert f"已截取前 {MAX_TEXT} 个字符进行搜索" in banner and "忽略" not in banner
    assert text[: SHOWN_CHARS - 1] + "…" in banner and len(banner) < 300
    at_en = open_link(link + "&lang=en")
    (banner_en,) = banners(at_en)
    assert f"its first {MAX_TEXT} are searched for" in banner_en
    assert "ignored" not in banner_en


def test_every_key_hostile_gives_one_short_banner_per_key(
    open_link: Callable[[str], AppTest],
) -> None:
    link = bad_link("url_every_key_hostile.txt")
    # The keys the fixture predates (the colouring), as hostile as the rest.
    hostile = {"color": "[x](javascript:alert(1))" * 400, "color_industry": "<img src=x>" * 400}
    have = parse_qs(link, keep_blank_values=True)
    link += "".join(f"&{k}={quote(v)}" for k, v in hostile.items() if k not in have)
    assert set(parse_qs(link)) == set(KEYS)
    got = banners(open_link(link))
    assert len(got) == len(KEYS)  # one per key of the app, not one per value
    assert all(len(b) < BANNER_MAX for b in got)
    assert all("<img" not in b and "](" not in b for b in got)  # values stay inert text


# --- the map's colouring in the link (AppTest) -----------------------------------------------


def test_a_link_with_a_colouring_opens_with_it_selected(
    open_link: Callable[[str], AppTest],
) -> None:
    at = open_link("color=industry&color_industry=new-materials&lang=en")
    assert banners(at) == []
    assert at.selectbox(key="color_by").value == "industry"
    assert at.selectbox(key="color_industry").value == "new-materials"
    assert at.query_params["color"] == "industry"
    assert at.query_params["color_industry"] == "new-materials"
    at = open_link("color=level")
    assert banners(at) == [] and at.selectbox(key="color_by").value == "level"
    assert "color_industry" not in [w.key for w in at.selectbox]


def test_a_colouring_chosen_goes_into_the_link(open_link: Callable[[str], AppTest]) -> None:
    at = open_link("")
    assert "color" not in at.query_params  # the default is not written
    at = at.selectbox(key="color_by").set_value("belt").run()
    assert at.query_params["color"] == "belt" and "color_industry" not in at.query_params
    at = at.selectbox(key="color_by").set_value("industry").run()
    at = at.selectbox(key="color_industry").set_value("automotive").run()
    assert at.query_params["color"] == "industry"
    assert at.query_params["color_industry"] == "automotive"
    at = at.selectbox(key="color_by").set_value("footprint").run()
    assert "color" not in at.query_params and "color_industry" not in at.query_params


def test_an_unknown_colouring_is_ignored_with_a_banner(
    open_link: Callable[[str], AppTest],
) -> None:
    at = open_link("color=rainbow")
    (banner,) = banners(at)
    assert "“rainbow”" in banner and "着色" in banner
    assert at.selectbox(key="color_by").value == "footprint"
    assert "color" not in at.query_params  # the link is rewritten without it
    at = open_link("color=industry&color_industry=<img src=x>&lang=en")
    (banner,) = banners(at)
    assert "colouring industry" in banner and "<img" not in banner
    assert at.selectbox(key="color_by").value == "industry"
    first = next(iter(views.industry_labels(make_dataset(N_PARKS), "en")))
    assert at.selectbox(key="color_industry").value == first  # as with no industry named
    assert at.query_params["color_industry"] == first
