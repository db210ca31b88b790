"""The app on a shared PostGIS store: two app servers see each other's changes (AppTest)."""

from __future__ import annotations

import pytest
from shapely.geometry import box, mapping
from streamlit.testing.v1 import AppTest

from tests.factories import make_dataset
from tests.test_app import APP, map_parks, open_tab
from tests.test_app_review import _sign_in
from zones.store import NewChange, auth, open_store


def _app_on(store: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ZONES_STORE", store)
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    return AppTest.from_file(str(APP), default_timeout=60).run()


def _indicative(at: AppTest) -> dict[str, int]:
    return {f["id"]: f["properties"]["ind"] for f in map_parks(at)}


def test_a_change_accepted_through_one_app_server_shows_in_the_other(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "FAIL_DELAY_S", 0.01)
    store = open_store(pg_url)
    store.write_base(make_dataset(5), digest="two-servers")
    auth.add_user(store, "li", "reviewer-password", "reviewer")
    first, second = _app_on(pg_url, monkeypatch), _app_on(pg_url, monkeypatch)
    assert not first.exception and not second.exception
    assert _indicative(first)["p3"] == 1 and _indicative(second)["p3"] == 1

    footprint = mapping(box(121.6, 30.05, 121.62, 30.07))
    (cid,) = store.propose(
        [NewChange("p3", "footprint", {"geometry": footprint}, "survey 2026", "from the bureau")],
        author="editor",
    )
    # A reviewer accepts it in the first app server's review queue.
    first = open_tab(_sign_in(first, "li", "reviewer-password"), "gis")
    first.button(key=f"accept_{cid}").click()
    first = first.run()
    assert store.change(cid).status == "accepted"

    second.run()  # the other server's next rerun
    assert _indicative(second)["p3"] == 0
    assert not second.exception
