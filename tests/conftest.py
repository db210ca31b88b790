"""Shared fixtures. Browser tests drive Debian's Chromium (Playwright) against a live app.

The browser fixtures come from pytest-playwright (``browser``, ``context``, ``page``); this
file points them at /usr/bin/chromium, starts one Streamlit server per session on a test
dataset, and gives each browser test an ``offline_page``: every request to a host other than
127.0.0.1/localhost is aborted and recorded, and any JavaScript dialog fails the test.
``edit_server`` / ``edit_page`` are the same on a store of their own (one per test module)
with a change log and two accounts, an editor and a reviewer (:data:`EDITOR`,
:data:`REVIEWER`), for the tests that correct parks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.appserver import CHROMIUM, CHROMIUM_ARGS

# A missing text key or language fails the tests instead of falling back to Chinese
# (zones.text.STRICT); app servers the tests start inherit it.
os.environ["ZONES_STRICT_TEXT"] = "1"

ROOT = Path(__file__).resolve().parents[1]
#: A park name that runs script if any layer of the app renders data as HTML.
HOSTILE = "<img src=x onerror=alert(1)>"
#: Parks in the browser tests' dataset (park 0 carries HOSTILE as its Chinese name).
BROWSER_PARKS = 8
#: Generous: two cores, a cold Streamlit and Chromium start.
TIMEOUT_MS = 60_000
#: The accounts of ``edit_server``'s store: (name, password).
EDITOR = ("wang", "editor-password")
REVIEWER = ("li", "reviewer-password")


# --- the repository's geo/ is never written -------------------------------------------------


def _import_traces() -> dict[str, tuple[int, int]]:
    """What an import writes into the repository's geo/: the surveyed footprints and history."""
    geo = ROOT / "geo"
    found = [geo / "surveyed_footprints.geojson", *(geo / "surveyed_history").glob("*")]
    return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in found if p.is_file()}


@pytest.fixture(scope="session", autouse=True)
def repo_geo_untouched() -> Iterator[None]:
    """Tests import into copies of geo/ (ZONES_ROOT, tmp_path), never into the repository's."""
    before = _import_traces()
    yield
    assert _import_traces() == before, "a test wrote an import into the repository's geo/"


# --- Chromium through pytest-playwright ------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (./dev test installs it)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": list(CHROMIUM_ARGS),
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


# --- the app server --------------------------------------------------------------------------


@dataclass
class AppServer:
    url: str
    gpkg: Path
    n_parks: int
    log: Path


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """`streamlit run serve.py` (as ./dev app) on a free port, on a dataset with HOSTILE."""
    from tests.factories import make_dataset
    from zones.model.dataset import save_dataset

    folder = tmp_path_factory.mktemp("app")
    gpkg = save_dataset(make_dataset(BROWSER_PARKS, hostile_name=HOSTILE), folder / "zones.gpkg")
    yield from _serve(folder, gpkg)


@pytest.fixture(scope="module")
def subpath_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """Like ``app_server``, served under ``/zones/`` as behind a bureau's reverse proxy."""
    from tests.factories import make_dataset
    from zones.model.dataset import save_dataset

    folder = tmp_path_factory.mktemp("subpath_app")
    gpkg = save_dataset(make_dataset(BROWSER_PARKS), folder / "zones.gpkg")
    yield from _serve(folder, gpkg, base_path="zones")


@pytest.fixture(scope="module")
def edit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """Like ``app_server``, on a store of its own with a change log and two accounts, made
    before the server starts: :data:`EDITOR` and :data:`REVIEWER`. Its tests change it."""
    from tests.factories import make_dataset
    from zones.store import auth, open_store

    folder = tmp_path_factory.mktemp("edit_app")
    gpkg = folder / "zones.gpkg"
    store = open_store(gpkg)
    store.write_base(make_dataset(BROWSER_PARKS, hostile_name=HOSTILE), digest="browser-edit")
    auth.add_user(store, *EDITOR, "editor")
    auth.add_user(store, *REVIEWER, "reviewer")
    yield from _serve(folder, gpkg)


def _serve(folder: Path, gpkg: Path, base_path: str = "") -> Iterator[AppServer]:
    """Run the app on ``gpkg`` (under ``base_path``, if given) until the fixture using it
    ends."""
    from tests import appserver

    log = folder / "streamlit.log"
    env = {**os.environ, "ZONES_GPKG": str(gpkg), "TIANDITU_TOKEN": ""}
    try:
        proc, url = appserver.start(ROOT, env, log, base_path=base_path)
    except appserver.ServerError as error:
        pytest.fail(str(error))
    try:
        yield AppServer(url=url, gpkg=gpkg, n_parks=BROWSER_PARKS, log=log)
    finally:
        appserver.stop(proc)


# --- an offline page -------------------------------------------------------------------------


@dataclass
class OfflinePage:
    """A Playwright page whose off-host requests are aborted and listed in ``blocked``."""

    page: Any
    server: AppServer
    blocked: list[tuple[str, str]] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, query: str = "") -> None:
        self.page.goto(self.server.url + (f"?{query}" if query else ""))

    @property
    def map(self) -> Any:
        return self.page.frame_locator("iframe[title='streamlit_folium.st_folium']")

    @property
    def polygons(self) -> Any:
        """The park footprints (small parks also get a marker: :meth:`park`)."""
        return self.map.locator("path.zones-park")

    @property
    def markers(self) -> Any:
        """The markers of the parks too small to see at the current zoom."""
        return self.map.locator("path.zones-park-marker")

    def park(self, park_id: str) -> Any:
        """What a user clicks to pick park ``park_id``: its marker when it has one (drawn over
        its footprint), else its footprint."""
        return self.map.locator(f'path[data-park="{park_id}"]').last

    def choose_park(self, name: str) -> None:
        """Select park ``name`` from the list beside the map by keyboard alone (focus, type,
        Enter), until its details show. Typed again if the first Enter selected nothing: on a
        loaded machine the page can move under the open list (something drawn late), which
        closes it and clears what was typed."""
        from playwright.sync_api import expect

        heading = self.page.get_by_role("heading", name=name)
        for _ in range(3):
            self.page.get_by_role("combobox", name="选择园区").focus()
            self.page.keyboard.type(name)
            self.page.keyboard.press("Enter")
            try:
                expect(heading).to_be_visible(timeout=5_000)
                return
            except AssertionError:
                self.page.keyboard.press("Escape")
        expect(heading).to_be_visible()

    def blocked_assets(self) -> list[str]:
        """Off-host scripts and stylesheets the page tried to load."""
        return [url for kind, url in self.blocked if kind in ("script", "stylesheet")]


@pytest.fixture
def offline_page(page: Any, app_server: AppServer) -> Iterator[OfflinePage]:
    yield from _offline(page, app_server)


@pytest.fixture
def subpath_page(page: Any, subpath_server: AppServer) -> Iterator[OfflinePage]:
    """An ``offline_page`` on ``subpath_server``."""
    yield from _offline(page, subpath_server)


@pytest.fixture
def edit_page(page: Any, edit_server: AppServer) -> Iterator[OfflinePage]:
    """An ``offline_page`` on ``edit_server`` (signed out at first)."""
    yield from _offline(page, edit_server)


def _offline(page: Any, server: AppServer) -> Iterator[OfflinePage]:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    page.set_default_timeout(TIMEOUT_MS)
    result = OfflinePage(page=page, server=server)

    def route(r: Any) -> None:
        host = urlsplit(r.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            result.blocked.append((r.request.resource_type, r.request.url))
            r.abort()

    def on_dialog(dialog: Any) -> None:
        result.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.context.route("**/*", route)
    page.on("dialog", on_dialog)
    yield result
    assert not result.dialogs, f"a JavaScript dialog opened: {result.dialogs}"


# --- PostgreSQL + PostGIS for the store -------------------------------------------------------


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """A throwaway PostGIS cluster (tests/pgcluster.py). ``./dev test`` installs its packages;
    in CI (CI=true) a missing server fails the run instead of skipping the store tests."""
    from tests import pgcluster

    why = pgcluster.missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"PostGIS is needed in CI: {why}")
        pytest.skip(why)
    cluster = pgcluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Any, request: pytest.FixtureRequest) -> str:
    """A new empty PostGIS database for one test; its SQLAlchemy URL."""
    import secrets

    return pg_cluster.create_database(f"t_{secrets.token_hex(6)}")


# --- the repository's data in a store of the tests' own (imports write there) -----------------


@pytest.fixture(scope="session")
def built_repo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's geo/ and data/ built once into a GeoPackage store (never build/)."""
    from zones.build.assemble import build
    from zones.settings import DATA_DIR, GEO_DIR

    out = tmp_path_factory.mktemp("repo_store") / "zones.gpkg"
    build(out, GEO_DIR, DATA_DIR)
    return out


@pytest.fixture
def repo_store(built_repo_store: Path, tmp_path: Path) -> Any:
    """A fresh copy of that store for one test (its log empty): a ``zones.store.Store``."""
    import shutil

    from zones.store import open_store

    path = tmp_path / "store" / "zones.gpkg"
    path.parent.mkdir()
    shutil.copyfile(built_repo_store, path)
    return open_store(path)


# --- a tiny input tree and its build (tests/inputs.py) ----------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Any:
    """A tiny, valid geo/ + data/ tree in the test's folder."""
    from tests.inputs import write_inputs

    return write_inputs(tmp_path / "tree")


@pytest.fixture
def gpkg(tree: Any, tmp_path: Path) -> Path:
    """A store built from the tiny tree (never the repository's build/ folder)."""
    from zones.build.assemble import build

    out = tmp_path / "built" / "zones.gpkg"
    build(out, tree.geo, tree.data)
    return out


def app_maker(timeout: int = 60) -> Any:
    """``make(**query)``: a fresh AppTest of app.py, run with those query parameters."""
    from streamlit.testing.v1 import AppTest

    def make(**query: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
        for key, value in query.items():
            at.query_params[key] = value
        return at.run()

    return make
