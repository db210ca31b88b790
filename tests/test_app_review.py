"""Sign-in, the review queue and a park's history in the app (AppTest), on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import box, mapping
from streamlit.testing.v1 import AppTest

from tests.conftest import HOSTILE
from tests.factories import make_dataset
from tests.test_app import APP, map_parks, open_tab
from zones.store import NewChange, auth, open_store
from zones.text.i18n import md_text


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(auth, "FAIL_DELAY_S", 0.01)
    path = tmp_path / "zones.gpkg"
    store = open_store(path)
    store.write_base(make_dataset(5), digest="review")
    auth.add_user(store, "wang", "editor-password", "editor")
    auth.add_user(store, "li", "reviewer-password", "reviewer")
    monkeypatch.setenv("ZONES_GPKG", str(path))
    monkeypatch.delenv("ZONES_STORE", raising=False)
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    return path


def _app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60).run()


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    submit = next(b for b in at.button if b.label in ("登录", "Sign in"))
    submit.click()
    return at.run()


def _footprint(note: str = "from the district bureau", source: str = "survey 2026") -> NewChange:
    return NewChange(
        "p3", "footprint", {"geometry": mapping(box(121.6, 30.05, 121.62, 30.07))}, source, note
    )


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_a_viewer_sees_no_edit_control_and_no_queue(store_path: Path) -> None:
    open_store(store_path).propose([_footprint()], author="wang")
    at = open_tab(_app(), "gis")
    assert not at.exception
    assert "待审核的更正" not in [s.value for s in at.subheader]
    assert not [b for b in at.button if b.key and b.key.startswith(("accept_", "fix_"))]


def test_a_wrong_password_says_nothing_about_which_part_was_wrong(store_path: Path) -> None:
    at = _sign_in(_app(), "li", "wrong-password")
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    at = _sign_in(at, "nobody", "wrong-password")
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    assert "已登录" not in _markdown(at)


def test_a_reviewer_accepts_a_proposed_change_and_the_map_shows_it(store_path: Path) -> None:
    store = open_store(store_path)
    (cid,) = store.propose([_footprint()], author="wang")
    at = _sign_in(_app(), "li", "reviewer-password")
    assert "已登录：**li**（审核）" in _markdown(at)
    at = open_tab(at, "gis")
    assert "待审核的更正" in [s.value for s in at.subheader]
    assert f"#{cid}" in _markdown(at) and "面积：" in _markdown(at)
    at.text_input(key=f"review_comment_{cid}").input("checked on site")
    at.button(key=f"accept_{cid}").click()
    at = at.run()
    assert not at.exception
    assert store.change(cid).status == "accepted"
    assert store.change(cid).events[-1].by == "li"
    assert [s.value for s in at.success] == [f"更正 #{cid}：已通过。"]
    at = open_tab(at, "map")
    assert {f["id"]: f["properties"]["ind"] for f in map_parks(at)}["p3"] == 0


def test_an_editor_cannot_review(store_path: Path) -> None:
    open_store(store_path).propose([_footprint()], author="wang")
    at = open_tab(_sign_in(_app(), "wang", "editor-password"), "gis")
    assert "已登录：**wang**（编辑）" in _markdown(at)
    assert "待审核的更正" not in [s.value for s in at.subheader]


def test_hostile_text_in_the_queue_shows_as_text(store_path: Path) -> None:
    store = open_store(store_path)
    store.propose([_footprint(note=HOSTILE, source="[click](javascript:alert(1))")], author="wang")
    at = open_tab(_sign_in(_app(), "li", "reviewer-password"), "gis")
    text = _markdown(at)
    assert md_text(HOSTILE) in text and HOSTILE not in text
    assert "[click](javascript" not in text


def test_a_stale_review_is_refused_with_who_and_when(store_path: Path) -> None:
    store = open_store(store_path)
    first, second = store.propose([_footprint(), _footprint(note="another")], author="wang")
    at = open_tab(_sign_in(_app(), "li", "reviewer-password"), "gis")
    store.accept(first, by="zhao")  # meanwhile, on another app server
    at.button(key=f"accept_{second}").click()
    at = at.run()
    assert store.change(second).status == "proposed"
    (error,) = [e.value for e in at.error]
    assert "changed since" in error and "zhao" in error
