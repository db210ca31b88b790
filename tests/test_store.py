"""The shared store on both backends: the embedded GeoPackage and a real PostGIS database.

One parametrised fixture gives each test a fresh store of each kind holding a tiny in-code
dataset (tests/factories.py); PostGIS runs in a throwaway cluster (tests/pgcluster.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import box, mapping
from sqlalchemy.engine import make_url

from tests.factories import make_dataset
from zones.errors import StoreError
from zones.io.export import export_bytes
from zones.model.dataset import SPATIAL_LAYERS, TABLE_LAYERS, Dataset
from zones.store import (
    ChangeError,
    EmbeddedStore,
    NewChange,
    PostgisStore,
    StaleChangeError,
    Store,
    open_store,
)

PARKS = 10


@pytest.fixture(params=["gpkg", "postgis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh store of each kind, holding ``make_dataset(PARKS)``."""
    if request.param == "gpkg":
        url = str(tmp_path / "zones.gpkg")
    else:
        url = request.getfixturevalue("pg_url")
    open_store(url).write_base(make_dataset(PARKS), digest="test")
    return url


@pytest.fixture
def store(store_url: str) -> Store:
    return open_store(store_url)


def _footprint(park: int, *, size: float = 0.02) -> dict:
    """A square inside park ``park``'s district (even parks in A, odd in B; see factories)."""
    x = 121.1 if park % 2 == 0 else 121.6
    y = 30.0 + 0.025 * (park // 2)
    return mapping(box(x, y, x + size, y + size))


def _surveyed(park: int, **extra) -> NewChange:
    return NewChange(
        park_id=f"p{park}",
        kind="footprint",
        new_value={"geometry": _footprint(park)},
        source="https://example.org/survey.pdf",
        note="surveyed by the district",
        **extra,
    )


def _park(ds: Dataset, park_id: str) -> pd.Series:
    return ds.parks.set_index("id").loc[park_id]


def test_open_store_picks_the_backend(tmp_path):
    assert isinstance(open_store(tmp_path / "a.gpkg"), EmbeddedStore)
    assert isinstance(open_store(f"gpkg:{tmp_path}/a.gpkg"), EmbeddedStore)
    pg = open_store("postgresql://u:secret@/db?host=/tmp")
    assert isinstance(pg, PostgisStore) and "secret" not in pg.url


def test_layers_read_back_equal_to_the_build(store):
    built = make_dataset(PARKS)
    back = store.base_dataset()
    for name in SPATIAL_LAYERS:
        assert_geodataframe_equal(
            back.layer(name), built.layer(name), check_dtype=False, check_less_precise=True
        )
    for name in TABLE_LAYERS:
        pd.testing.assert_frame_equal(
            back.layer(name).reset_index(drop=True),
            built.layer(name).reset_index(drop=True),
            check_dtype=False,
        )
    # With no change in the log, what readers get is the base.
    assert_geodataframe_equal(store.dataset().parks, back.parks)


def test_a_change_is_proposed_accepted_exported_reverted_and_its_history_kept(store):
    (cid,) = store.propose([_surveyed(3)], author="editor")
    assert store.change(cid).status == "proposed"
    assert _park(store.dataset(), "p3")["footprint"] == "indicative"  # not before acceptance

    store.accept(cid, by="reviewer", comment="checked on site")
    ds = store.dataset()
    park = _park(ds, "p3")
    assert park["footprint"] == "surveyed"
    assert park.geometry.normalize().equals_exact(
        shapely.geometry.shape(_footprint(3)).normalize(), tolerance=1e-7
    )
    assert park["footprint_source"] == "https://example.org/survey.pdf"
    assert park["area_km2"] == pytest.approx(park["footprint_area_km2"])
    assert park["districts"] == ["北仑区"]
    exported = json.loads(export_bytes(ds, fmt="geojson"))
    feature = next(f for f in exported["features"] if f["properties"]["id"] == "p3")
    assert feature["properties"]["footprint"] == "surveyed"

    store.revert(cid, by="reviewer", comment="wrong park")
    assert _park(store.dataset(), "p3")["footprint"] == "indicative"
    change = store.change(cid)
    assert [(e.status, e.by) for e in change.events] == [
        ("proposed", "editor"),
        ("accepted", "reviewer"),
        ("reverted", "reviewer"),
    ]
    assert [c.id for c in store.changes(park_id="p3")] == [cid]  # nothing deleted
    assert store.changes(status="reverted") == [change]


def test_each_kind_of_change_is_applied(store):
    store.propose(
        [
            NewChange("p2", "location", {"lon": 121.6, "lat": 30.1, "precision_m": 50},
                      "https://example.org/gps", "GPS at the gate"),
            NewChange("p4", "area", {"area_km2": 12.5}, "annual report 2024", "area fixed"),
            NewChange("p5", "level", {"level": "national"}, "https://example.org/list", "listed"),
        ],
        author="editor",
        accept=True,
    )  # fmt: skip
    ds = store.dataset()
    moved = _park(ds, "p2")
    assert (moved["lon"], moved["lat"], moved["location_precision_m"]) == (121.6, 30.1, 50)
    assert moved["location_basis"] == "located"  # a reviewed point, not an estimate
    assert moved["districts"] == ["北仑区"]
    # Its belts: the ones the plan names it a platform of, and the one its new point lies in.
    assert moved["belt_ids"] == [*moved["platform_belt_ids"], "east"]
    assert moved.geometry.contains(shapely.Point(121.6, 30.1))  # the indicative disk moved too
    base = _park(store.base_dataset(), "p2")
    assert moved["nearest_rail_km"] != base["nearest_rail_km"]  # distances follow the point
    assert _park(ds, "p4")["area_km2"] == 12.5
    assert _park(ds, "p4")["footprint_area_km2"] == pytest.approx(12.5, rel=0.02)
    assert _park(ds, "p5")["level"] == "national"
    # Each note the change writes is in English and, for the Chinese app, in Chinese.
    for pid, note in (("p2", "location_note"), ("p4", "area_note"), ("p5", "level_note")):
        assert _park(ds, pid)[note].startswith("Change #"), note
        assert _park(ds, pid)[f"{note}_zh"].startswith("变更 #"), note


def test_a_stale_change_is_refused_with_who_and_when(store):
    seen = store.versions(["p1"])["p1"]
    store.propose([_surveyed(1)], author="alice", accept=True)
    with pytest.raises(StaleChangeError) as info:
        store.propose([_surveyed(1, base_version=seen)], author="bob", accept=True)
    message = str(info.value)
    assert "p1" in message and "by alice" in message and "preview it again" in message
    assert len(store.changes(park_id="p1")) == 1  # the refused batch left nothing


def test_accepting_after_the_park_moved_on_is_refused(store):
    first, second = store.propose([_surveyed(1), _surveyed(1)], author="editor")
    store.accept(first, by="reviewer")
    with pytest.raises(StaleChangeError):
        store.accept(second, by="reviewer")
    assert store.change(second).status == "proposed"


def test_a_batch_lands_whole_or_not_at_all(store):
    bad = NewChange("p2", "footprint", {"geometry": _footprint(2)}, "", "no source")
    with pytest.raises(ChangeError, match="source is required"):
        store.propose([_surveyed(1), bad], author="editor")
    assert store.changes() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (NewChange("nope", "level", {"level": "national"}, "s", "n"), "unknown park"),
        (NewChange("p1", "colour", {"x": 1}, "s", "n"), "unknown kind"),
        (NewChange("p1", "level", {"level": "galactic"}, "s", "n"), "level must be"),
        (NewChange("p1", "area", {"area_km2": -3}, "s", "n"), "positive number"),
        (NewChange("p1", "level", {"level": "national"}, "s", " "), "note is required"),
        (NewChange("p1", "location", {"lon": 2.3, "lat": 48.8, "precision_m": 5}, "s", "n"),
         "outside Ningbo"),
        (NewChange("p1", "footprint", {"geometry": mapping(shapely.Polygon(
            [(121.1, 30.0), (121.2, 30.1), (121.2, 30.0), (121.1, 30.1)]))}, "s", "n"),
         "not a valid polygon"),
        (NewChange("p1", "district", {"district_adcodes": ["110101"]}, "s", "n"), "adcodes of"),
    ],
)  # fmt: skip
def test_bad_changes_are_refused_and_change_nothing(store, change, message):
    with pytest.raises(ChangeError, match=message):
        store.propose([change], author="editor")
    assert store.changes() == []


def test_wrong_status_moves_are_refused(store):
    (cid,) = store.propose([_surveyed(1)], author="editor")
    with pytest.raises(ChangeError, match="only a accepted change can be reverted"):
        store.revert(cid, by="r")
    store.reject(cid, by="r", comment="blurred scan")
    with pytest.raises(ChangeError, match="is rejected"):
        store.accept(cid, by="r")
    with pytest.raises(ChangeError, match="no change #999"):
        store.change(999)


def test_a_rebuild_keeps_the_log_and_its_effect(store):
    (cid,) = store.propose([_surveyed(5)], author="editor", accept=True)
    store.write_base(make_dataset(PARKS), digest="rebuilt")
    assert store.change(cid).status == "accepted"
    assert _park(store.dataset(), "p5")["footprint"] == "surveyed"
    assert store.status().built_from == "rebuilt"


def test_status_counts_changes(store):
    a, _ = store.propose([_surveyed(1), _surveyed(2)], author="editor")
    before = store.revision()
    store.accept(a, by="r")
    status = store.status()
    assert status.changes == {"accepted": 1, "proposed": 1}
    assert status.parks == PARKS and status.schema_version == 1
    assert store.revision() != before  # readers' caches see the accepted change


# --- concurrency: real processes ------------------------------------------------------------


def _apply_at(url: str, park: int, start: float, base_version: int | None) -> str:
    """In a worker process: wait for ``start``, then propose-and-accept one footprint."""
    store = open_store(url)
    while time.time() < start:
        time.sleep(0.001)
    try:
        store.propose([_surveyed(park, base_version=base_version)], author=f"w{park}", accept=True)
    except StaleChangeError as exc:
        return f"refused: {exc}"
    return "landed"


def _run_at_once(url: str, jobs: list[tuple[int, int | None]]) -> list[str]:
    """Each job in its own Python process (plain subprocesses: a multiprocessing pool would
    re-run whatever script is ``__main__`` in the workers), all starting at one moment."""
    start = time.time() + 3.0
    root = Path(__file__).resolve().parents[1]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c",
             f"from tests.test_store import _apply_at; "
             f"print(_apply_at({url!r}, {park}, {start}, {base}))"],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for park, base in jobs
    ]  # fmt: skip
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        results.append(out.strip().splitlines()[-1])
    return results


def test_eight_processes_change_eight_parks_at_once_and_all_land(store_url):
    results = _run_at_once(store_url, [(p, None) for p in range(8)])
    assert results == ["landed"] * 8
    store = open_store(store_url)
    assert len(store.changes(status="accepted")) == 8
    parks = store.dataset().parks.set_index("id")
    assert (parks.loc[[f"p{p}" for p in range(8)], "footprint"] == "surveyed").all()


def test_two_processes_change_one_park_from_one_preview_and_exactly_one_lands(store_url):
    seen = open_store(store_url).versions(["p6"])["p6"]
    results = _run_at_once(store_url, [(6, seen), (6, seen)])
    assert sorted(r.split(":")[0] for r in results) == ["landed", "refused"]
    refusal = next(r for r in results if r.startswith("refused"))
    assert "changed since this change was previewed" in refusal
    store = open_store(store_url)
    assert [c.status for c in store.changes(park_id="p6")] == ["accepted"]


# --- bad stores: one clear line each ----------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_unreachable_database_is_one_clear_line(tmp_path):
    store = open_store(f"postgresql://zones:pw@/zones?host={tmp_path}/nowhere")
    with pytest.raises(StoreError) as info:
        store.status()
    line = _one_line(info.value)
    assert line.startswith("cannot reach the store") and "ZONES_STORE" in line
    assert "pw" not in line


def test_wrong_password_is_one_clear_line(pg_cluster, pg_url):
    db = make_url(pg_url).database
    store = open_store(pg_cluster.url(db, password="wrong"))
    with pytest.raises(StoreError) as info:
        store.status()
    line = _one_line(info.value)
    assert "refused the password of user 'postgres'" in line and "wrong" not in line


def test_missing_postgis_is_one_clear_line(pg_cluster):
    import secrets

    url = pg_cluster.create_database(f"nogis_{secrets.token_hex(4)}", postgis=False)
    with pytest.raises(StoreError) as info:
        open_store(url).init()
    assert "CREATE EXTENSION postgis" in _one_line(info.value)


def test_missing_database_is_one_clear_line(pg_cluster):
    with pytest.raises(StoreError) as info:
        open_store(pg_cluster.url("no_such_db")).status()
    assert "createdb no_such_db" in _one_line(info.value)


def test_a_store_made_by_an_older_zones_is_read_but_not_written(tmp_path):
    """A GeoPackage built before the log existed: shown as it is; changes need `store init`."""
    from zones.model.dataset import save_dataset

    path = save_dataset(make_dataset(3), tmp_path / "old.gpkg")
    store = open_store(path)
    assert len(store.dataset().parks) == 3
    with pytest.raises(StoreError) as info:
        store.propose([_surveyed(1)], author="editor")
    assert "run `zones store init`" in _one_line(info.value)
    store.init()
    (cid,) = store.propose([_surveyed(1)], author="editor", accept=True)
    assert _park(store.dataset(), "p1")["footprint"] == "surveyed" and cid == 1


def test_a_store_of_another_schema_version_is_refused(store):
    from zones.store.schema import meta

    with store.transaction() as conn:
        conn.execute(meta.update().where(meta.c.key == "schema_version").values(value="99"))
    with pytest.raises(StoreError) as info:
        store.status()
    assert "schema version 99" in _one_line(info.value)


def test_geodataframes_from_both_backends_agree(tmp_path, pg_url):
    """The same changes on both backends give the same parks."""
    stores = [open_store(tmp_path / "z.gpkg"), open_store(pg_url)]
    for s in stores:
        s.write_base(make_dataset(PARKS), digest="same")
        s.propose([_surveyed(1), _surveyed(2)], author="editor", accept=True)
    a, b = (s.dataset().parks for s in stores)
    # The notes of a change carry the second it was accepted on each store: equal but for that.
    stamped = [c for c in a.columns if c.startswith("footprint_note")]
    assert_geodataframe_equal(
        a.drop(columns=stamped), b.drop(columns=stamped), check_dtype=False,
        check_less_precise=True,
    )  # fmt: skip
    for column in stamped:
        strip = a[column].str.replace(r"\d{4}-\d\d-\d\dT[\d:+]+", "T", regex=True)
        assert (
            strip.tolist()
            == b[column].str.replace(r"\d{4}-\d\d-\d\dT[\d:+]+", "T", regex=True).tolist()
        )
    assert isinstance(a, gpd.GeoDataFrame)


# --- QGIS beside the app (PostGIS) --------------------------------------------------------------


def test_qgis_reads_current_parks_and_styles_with_a_read_only_role(pg_cluster, pg_url):
    """The README's viewer role: it reads every layer, the styles and parks_current (the parks
    with accepted changes), and cannot write the log."""
    import sqlalchemy as sa

    store = open_store(pg_url)
    store.write_base(make_dataset(PARKS), digest="qgis")
    store.propose([_surveyed(4)], author="editor", accept=True)
    db = make_url(pg_url).database
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    grants = readme.split("```sql\n", 1)[1].split("```", 1)[0]
    pg_cluster.psql(grants.replace("zones_viewer_password", "viewer-pw"), database=db)
    viewer = sa.create_engine(pg_cluster.url(db, user="zones_viewer", password="viewer-pw"))
    with viewer.connect() as conn:
        current = dict(conn.execute(sa.text("SELECT id, footprint FROM parks_current")).all())
        styled = {r[0] for r in conn.execute(sa.text("SELECT f_table_name FROM layer_styles"))}
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("DELETE FROM zones_changes"))
    viewer.dispose()
    assert current["p4"] == "surveyed" and current["p3"] == "indicative"
    assert styled >= {"districts", "belts", "parks", "parks_current"}


def test_a_rebuild_keeps_the_log_of_a_store_made_before_a_table_was_added(tmp_path):
    """A store whose log predates a table (here: the accounts) is rebuilt with its log."""
    import sqlite3

    path = tmp_path / "old.gpkg"
    store = open_store(path)
    store.write_base(make_dataset(3), digest="old")
    (cid,) = store.propose([_surveyed(1)], author="editor", accept=True)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE zones_users")
    store.write_base(make_dataset(3), digest="new")
    assert store.change(cid).status == "accepted"


def test_a_geopackage_without_changes_reads_as_its_store_does(tmp_path):
    """zones.store.embedded reads a GeoPackage whose log holds no change (or that has no log)
    without SQLAlchemy, as the store reads it; any other store is read through the store."""
    from zones.model.dataset import save_dataset
    from zones.store.embedded import read_dataset, without_changes

    plain = save_dataset(make_dataset(3), tmp_path / "plain.gpkg")  # no log at all
    path = tmp_path / "zones.gpkg"
    store = open_store(path)
    store.write_base(make_dataset(PARKS), digest="test")  # a log, with no change yet
    assert without_changes(plain) and without_changes(path)
    for where in (plain, path, f"gpkg:{path}"):
        assert_geodataframe_equal(read_dataset(where).parks, open_store(where).dataset().parks)

    (cid,) = store.propose([_surveyed(3)], author="editor")
    assert not without_changes(path)  # a change is in the log: the store decides
    assert_geodataframe_equal(read_dataset(path).parks, store.base_dataset().parks)
    store.accept(cid, by="reviewer")
    assert _park(read_dataset(path), "p3")["footprint"] == "surveyed"

    missing, junk = tmp_path / "missing.gpkg", tmp_path / "junk.gpkg"
    junk.write_bytes(b"not a database")
    assert not without_changes(missing) and not without_changes(junk)
    assert not missing.exists()  # looked at, never created


def test_a_geopackage_of_another_schema_version_is_left_to_the_store(tmp_path):
    from zones.store.embedded import read_dataset, without_changes
    from zones.store.schema import meta

    path = tmp_path / "zones.gpkg"
    store = open_store(path)
    store.write_base(make_dataset(3), digest="test")
    with store.transaction() as conn:
        conn.execute(meta.update().where(meta.c.key == "schema_version").values(value="99"))
    assert not without_changes(path)
    with pytest.raises(StoreError, match="schema version 99"):
        read_dataset(path)


def test_the_revision_read_with_sqlite3_is_the_stores_own(tmp_path):
    """The app asks for the revision on every run: read with sqlite3, it is the same string
    Store.revision gives through SQLAlchemy, in every state of the file, and it moves with the
    log; a file of another schema version is left to the store, which refuses it."""
    from zones.model.dataset import save_dataset
    from zones.store.embedded import read_revision
    from zones.store.schema import meta

    def through_sqlalchemy(store: EmbeddedStore) -> str:
        return Store.revision(store)

    bare = save_dataset(make_dataset(3), tmp_path / "bare.gpkg")  # no log: read as its base
    seen = [read_revision(bare)]
    assert seen[0] == through_sqlalchemy(open_store(bare)) and seen[0].startswith("base:")

    path = tmp_path / "zones.gpkg"
    store = open_store(path)

    def step() -> None:
        seen.append(read_revision(path))
        assert seen[-1] == through_sqlalchemy(store) == store.revision()

    store.write_base(make_dataset(PARKS), digest="test")
    step()
    (cid,) = store.propose([_surveyed(3)], author="editor")
    step()
    store.accept(cid, by="reviewer")
    step()
    assert None not in seen and len(set(seen)) == len(seen)  # each change of the log moved it

    with store.transaction() as conn:
        conn.execute(meta.update().where(meta.c.key == "schema_version").values(value="99"))
    assert read_revision(path) is None
    with pytest.raises(StoreError, match="schema version 99"):
        store.revision()
    assert read_revision(tmp_path / "missing.gpkg") is None


def test_every_refusal_of_the_store_is_said_in_each_language() -> None:
    """Each code a ChangeError is raised with has its message in every catalog; str() stays
    the English one (the CLI's), text() gives the app's language."""
    import re

    from zones import text

    sources = (Path(__file__).resolve().parents[1] / "src" / "zones" / "store").glob("*.py")
    codes = {c for p in sources for c in re.findall(r'ChangeError\(\s*"(\w+)"', p.read_text())}
    codes |= {"stale", "needs_source", "needs_note"}  # raised through a variable
    assert len(codes) >= 25
    for code in sorted(codes):
        for lang in text.LANGUAGES:
            assert text.value(f"store.{code}", lang), (code, lang)
    refusal = ChangeError("area_not_positive", area="-1")
    assert str(refusal) == "the area must be a positive number of km², not -1"
    assert refusal.text("zh") == "面积必须是正的平方公里数，而不是 -1"


def test_a_write_waits_for_the_lock_only_so_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another write holding the embedded store's lock (a long rebuild, a stuck process) makes
    a write give up after LOCK_TIMEOUT_S with a message in each language, writing nothing; it
    lands once the lock is free."""
    import fcntl
    import os

    from zones.store import backends

    gpkg = tmp_path / "zones.gpkg"
    store = open_store(str(gpkg))
    store.write_base(make_dataset(3), digest="lock")
    change = NewChange("p1", "level", {"level": "national"}, "gazette", "upgraded")
    monkeypatch.setattr(backends, "LOCK_TIMEOUT_S", 0.3)
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as another process's write would
    try:
        began = time.monotonic()
        with pytest.raises(backends.StoreBusyError) as refused:
            store.propose([change], author="wang")
        assert 0.3 <= time.monotonic() - began < 5
        assert "is busy" in str(refused.value) and "0.3 s" in str(refused.value)
        assert "正忙" in refused.value.text("zh")
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert store.changes() == []
    (landed,) = store.propose([change], author="wang")
    assert store.change(landed).status == "proposed"
