"""The app on a shared PostGIS store: two app servers see each other's changes (AppTest)."""

from __future__ import annotations

import pytest
from shapely.geometry import box, mapping
from streamlit.testing.v1 import AppTest

from tests.factories import make_dataset
from tests.test_app import APP, map_parks
from zones.cli import main
from zones.store import NewChange, open_store


def _app_on(store: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ZONES_STORE", store)
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    return AppTest.from_file(str(APP), default_timeout=60).run()


def _indicative(at: AppTest) -> dict[str, int]:
    return {f["id"]: f["properties"]["ind"] for f in map_parks(at)}


def test_a_change_accepted_through_one_app_server_shows_in_the_other(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(pg_url)
    store.write_base(make_dataset(5), digest="two-servers")
    first, second = _app_on(pg_url, monkeypatch), _app_on(pg_url, monkeypatch)
    assert not first.exception and not second.exception
    assert _indicative(first)["p3"] == 1 and _indicative(second)["p3"] == 1

    footprint = mapping(box(121.6, 30.05, 121.62, 30.07))
    (cid,) = store.propose(
        [NewChange("p3", "footprint", {"geometry": footprint}, "survey 2026", "from the bureau")],
        author="editor",
    )
    # Accepted by a reviewer on the command line against the same database.
    assert main(["changes", "accept", str(cid), "--store", pg_url, "--as", "reviewer"]) == 0

    second.run()  # the other server's next rerun
    first.run()
    assert _indicative(second)["p3"] == 0 and _indicative(first)["p3"] == 0
    assert not second.exception
