"""Corrections typed or drawn by an editor (zones.store.corrections), and accounts
(zones.store.auth)."""

from __future__ import annotations

import time

import pytest
from pyproj import Geod
from shapely.geometry import Polygon, box, mapping

from tests.factories import make_dataset
from zones.store import ChangeError, auth, corrections, open_store

GEOD = Geod(ellps="WGS84")


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


# --- datums of typed points ----------------------------------------------------------------

# Published reference values of the closed formulas (wandergis/coordtransform's tests, also in
# hutool's and coordtransform_rs's): WGS84 (116.39775550083061, 39.91359571849836) is GCJ-02
# (116.404, 39.915), which is BD-09 (116.41036949371029, 39.92133699351021).
WGS84_REF = (116.39775550083061, 39.91359571849836)
GCJ02_REF = (116.404, 39.915)
BD09_REF = (116.41036949371029, 39.92133699351021)


@pytest.mark.parametrize(
    ("typed", "source_datum"),
    [(BD09_REF, "bd09"), (GCJ02_REF, "gcj02"), (WGS84_REF, "wgs84"), (WGS84_REF, "cgcs2000")],
)
def test_a_point_copied_from_a_web_map_is_stored_in_wgs84_within_a_metre(typed, source_datum):
    change = corrections.location_change(
        "p1", *typed, source_datum=source_datum, precision_m=30, source="Baidu", note="gate"
    )
    stored = (change.new_value["lon"], change.new_value["lat"])
    assert _metres(stored, WGS84_REF) < 1.0


def test_a_ningbo_point_picked_on_baidu_lands_where_it_was_picked():
    """Ningbo's 天一广场 (WGS84 121.5537, 29.8705), shown on Baidu at its BD-09 position and
    copied to 6 decimals as the picker gives it, comes back within a metre."""
    from zones.geo.datum import wgs84_to_bd09

    bd = [round(float(v), 6) for v in wgs84_to_bd09(121.5537, 29.8705)]
    assert _metres(tuple(bd), (121.5537, 29.8705)) > 500  # the shift is real
    change = corrections.location_change(
        "p1", *bd, source_datum="bd09", precision_m=30, source="Baidu", note="picked"
    )
    assert _metres((change.new_value["lon"], change.new_value["lat"]), (121.5537, 29.8705)) < 1


def test_a_drawing_on_gcj02_tiles_is_shifted_back_to_wgs84():
    from zones.geo.datum import shift_geometries

    square = box(121.50, 29.85, 121.52, 29.87)
    shown = shift_geometries(square, to="gcj02")
    change = corrections.footprint_change(
        "p1", mapping(shown), source_datum="gcj02", source="drawn on AMap", note="outline"
    )
    stored = Polygon(change.new_value["geometry"]["coordinates"][0])
    assert stored.symmetric_difference(square).area < 1e-12


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: corrections.footprint_change(
            "p1", mapping(Polygon([(121.1, 30.0), (121.2, 30.1), (121.2, 30.0), (121.1, 30.1)])),
            source_datum="wgs84", source="s", note="n"), "crosses itself"),
        (lambda: corrections.footprint_change(
            "p1", {"type": "Point", "coordinates": [121.1, 30.0]}, source_datum="wgs84",
            source="s", note="n"), "must be a polygon"),
        (lambda: corrections.location_change(
            "p1", 121.1, 30.0, source_datum="wgs84", precision_m=10, source=" ", note="n"),
         "a source"),
        (lambda: corrections.location_change(
            "p1", 121.1, 30.0, source_datum="wgs84", precision_m=10, source="s", note=""),
         "a note"),
        (lambda: corrections.location_change(
            "p1", 121.1, 30.0, source_datum="mars", precision_m=10, source="s", note="n"),
         "unknown datum"),
    ],
)  # fmt: skip
def test_bad_corrections_are_refused(make, message):
    with pytest.raises(ChangeError, match=message):
        make()


def test_review_facts_give_the_area_change_and_the_distance_moved(tmp_path):
    store = open_store(tmp_path / "z.gpkg")
    store.write_base(make_dataset(4), digest="t")
    change_new = corrections.footprint_change(
        "p1", box(121.60, 30.00, 121.62, 30.02), source_datum="wgs84", source="s", note="n"
    )
    (cid,) = store.propose([change_new], author="editor")
    facts = corrections.review_facts(store.dataset(), store.change(cid))
    assert facts["area_after_km2"] == pytest.approx(4.3, rel=0.05)  # 0.02° x 0.02° at 30°N
    assert facts["area_before_km2"] > 0 and facts["moved_m"] > 0
    assert facts["old_geometry"] is not None and facts["new_geometry"] is not None


# --- accounts ------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(auth, "FAIL_DELAY_S", 0.05)
    s = open_store(tmp_path / "z.gpkg")
    s.write_base(make_dataset(2), digest="t")
    return s


def test_accounts_are_added_listed_signed_in_reset_and_removed(store):
    auth.add_user(store, "wang", "correct horse", "editor")
    auth.add_user(store, "li", "battery staple", "reviewer")
    assert [(u.name, u.role) for u in auth.list_users(store)] == [
        ("li", "reviewer"),
        ("wang", "editor"),
    ]
    user = auth.authenticate(store, "wang", "correct horse")
    assert user is not None and user.can_propose and not user.can_review
    assert auth.authenticate(store, "li", "battery staple").can_review
    auth.reset_password(store, "wang", "new password!")
    assert auth.authenticate(store, "wang", "correct horse") is None
    assert auth.authenticate(store, "wang", "new password!") is not None
    auth.remove_user(store, "wang")
    assert auth.authenticate(store, "wang", "new password!") is None


def test_passwords_are_stored_hashed(store):
    import sqlalchemy as sa

    auth.add_user(store, "wang", "correct horse", "editor")
    with store.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM zones_users")).scalar_one()
    assert stored.startswith("$argon2") and "correct horse" not in stored


def test_wrong_passwords_slow_down_and_unknown_names_look_the_same(store):
    auth.add_user(store, "wang", "correct horse", "editor")
    delays = []
    for _ in range(3):
        began = time.perf_counter()
        assert auth.authenticate(store, "wang", "wrong") is None
        delays.append(time.perf_counter() - began)
    assert delays[2] > delays[0] + 0.1  # 0.05 s, 0.1 s, 0.2 s
    began = time.perf_counter()
    assert auth.authenticate(store, "nobody", "wrong") is None
    assert time.perf_counter() - began >= 0.05


@pytest.mark.parametrize(
    ("name", "password", "role", "message"),
    [
        ("wang", "short", "editor", "at least 8"),
        ("wang", "long enough", "admin", "unknown role"),
        ("two words", "long enough", "editor", "without spaces"),
    ],
)
def test_bad_accounts_are_refused(store, name, password, role, message):
    with pytest.raises(auth.AuthError, match=message):
        auth.add_user(store, name, password, role)


def test_users_command_reads_the_password_from_stdin(store, monkeypatch, capsys):
    import io

    from zones.cli.main import main

    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    args = ["users", "add", "wang", "--role", "reviewer", "--password-stdin", "--store"]
    assert main([*args, store.url]) == 0
    assert main(["users", "list", "--store", store.url]) == 0
    assert "wang\treviewer" in capsys.readouterr().out
    assert auth.authenticate(store, "wang", "correct horse") is not None
