"""The parks table of the map's canvas layer (zones.map.many): encoding, masks, publishing."""

from __future__ import annotations

import base64
import itertools
import json
import logging

import pytest

from tests.factories import make_dataset
from zones.map import assets, many
from zones.map.mapping import many_park_groups, park_features


def _feature(ident: str, rings: list, *, est: int = 0, ind: int = 1) -> dict:
    return {
        "type": "Feature",
        "id": ident,
        "properties": {
            "name": f"园区{ident}",
            "ind": ind,
            "est": est,
            "pt": [29.9, 121.5],
            "q": [],
        },
        "geometry": {"type": "Polygon", "coordinates": rings},
    }


def _decoded(deltas: list[int]) -> list[tuple[float, float]]:
    x = y = 0
    out = []
    for n in range(0, len(deltas), 2):
        x += deltas[n]
        y += deltas[n + 1]
        out.append((x / many.SCALE, y / many.SCALE))
    return out


def _signed_area(points: list[tuple[float, float]]) -> float:
    ring = [*points, points[0]]
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))


def test_rings_decode_to_the_coordinates_exteriors_counter_clockwise_holes_clockwise() -> None:
    clockwise = [[121.5, 29.9], [121.5, 29.91], [121.51, 29.91], [121.51, 29.9], [121.5, 29.9]]
    hole_ccw = [[121.502, 29.902], [121.505, 29.902], [121.505, 29.905], [121.502, 29.902]]
    table = many.park_table({"features": [_feature("a", [clockwise, hole_ccw])]})
    outer, hole = (_decoded(r) for r in table["rings"][0])
    assert sorted(outer) == sorted((x, y) for x, y in clockwise[:-1])
    assert _signed_area(outer) > 0 > _signed_area(hole)
    assert sorted(hole) == sorted((x, y) for x, y in hole_ccw[:-1])
    assert table["pt"] == [12150000, 2990000]
    assert table["ids"] == ["a"] and table["names"] == ["园区a"]


def test_the_table_keeps_every_park_in_order_with_its_class() -> None:
    ds = make_dataset(12)
    fc = park_features(ds.parks, lang="zh")
    table = many.park_table(fc)
    assert table["ids"] == [f["id"] for f in fc["features"]]
    kinds = {"surveyed": 0, "indicative": 1, "estimated": 2}
    from zones.map.styles import park_class

    assert table["cls"] == [kinds[park_class(f["properties"])] for f in fc["features"]]
    for feature, rings in zip(fc["features"], table["rings"], strict=True):
        first = _decoded(rings[0])
        lon, lat = feature["geometry"]["coordinates"][0][0][:2]
        assert min(abs(x - lon) + abs(y - lat) for x, y in first) < 2 / many.SCALE
    json.loads(many.table_bytes(table))  # valid JSON


def test_shown_mask_sets_one_bit_per_shown_park() -> None:
    ids = [f"p{n}" for n in range(11)]
    mask = base64.b64decode(many.shown_mask(ids, {"p0", "p3", "p8", "p10"}))
    assert len(mask) == 2
    bits = [(mask[n >> 3] >> (n & 7)) & 1 for n in range(11)]
    assert bits == [1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1]
    assert many.shown_mask([], set()) == ""


def test_fill_bytes_index_a_palette_and_mark_parks_without_a_colour() -> None:
    palette, fills = many.fill_bytes(
        ["a", "b", "c", "d"], {"a": "#ff0000", "c": "#00ff00", "d": None}
    )
    assert palette == ["#00ff00", "#ff0000"]
    assert list(base64.b64decode(fills)) == [1, many.NO_FILL, 0, many.NO_FILL]
    with pytest.raises(ValueError, match="fill colours"):
        many.fill_bytes(["x"], {str(n): f"#{n:06x}" for n in range(300)})


def test_publish_names_the_file_by_its_content_and_keeps_the_newest(tmp_path) -> None:
    name = assets.publish(b'{"a":1}', "parks", tmp_path)
    assert name.startswith("parks-") and name.endswith(".json")
    stamp = (tmp_path / name).stat().st_mtime_ns
    assert name == assets.publish(b'{"a":1}', "parks", tmp_path)  # the same content: same file
    assert (tmp_path / name).stat().st_mtime_ns == stamp  # untouched: browsers keep their copy
    assert (tmp_path / name).read_bytes() == b'{"a":1}'
    names = [assets.publish(f'{{"n":{n}}}'.encode(), "parks", tmp_path) for n in range(60)]
    other = assets.publish(b"{}", "districts", tmp_path)
    kept = {p.name for p in tmp_path.glob("parks-*.json")}
    assert len(kept) == assets.KEEP and names[-1] in kept
    assert (tmp_path / other).is_file()  # each kind keeps its own
    assert not list(tmp_path.glob("*.tmp*"))
    assert assets.cache_url(name, "zones") == f"/zones/app/static/cache/{name}"


def test_a_folder_that_cannot_be_written_gives_the_data_in_a_data_url(
    tmp_path, monkeypatch, caplog
) -> None:
    blocker = tmp_path / "checkout"
    blocker.write_text("a file where the folder should be")  # unwritable even for root
    monkeypatch.setattr(assets, "CACHE_DIR", blocker / "static" / "cache")
    data = b'{"type": "FeatureCollection", "features": []}'
    with caplog.at_level(logging.WARNING, logger="zones.map.assets"):
        assert assets.publish(data, "outlines") is None
        url = assets.fetch_url(data, "outlines", "zones")
        assets.fetch_url(b"{}", "parks")
    head, _, body = url.partition(",")
    assert head == "data:application/json;base64"
    assert base64.b64decode(body) == data
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "checkout/static/cache" in warnings[0].getMessage()
    assert blocker.read_text() == "a file where the folder should be"


def test_a_writable_folder_gives_the_served_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(assets, "CACHE_DIR", tmp_path / "cache")
    url = assets.fetch_url(b'{"a":1}', "parks", "zones")
    assert url.startswith("/zones/app/static/cache/parks-")
    assert (tmp_path / "cache" / url.rsplit("/", 1)[1]).read_bytes() == b'{"a":1}'


def _many_config(group) -> dict:
    (config,) = [
        c.payload for c in group._children.values() if getattr(c, "function", "") == "many"
    ]
    return config


def test_a_rerun_sends_a_bit_and_a_byte_a_park_not_the_geometry() -> None:
    ds = make_dataset(2000)
    ids = list(ds.parks["id"])
    shown = frozenset(ids[::2])
    (group,) = many_park_groups(
        "/app/static/cache/x.json", ids, shown, lang="zh", selected_id=ids[0]
    )
    config = _many_config(group)
    sent = json.dumps(config)
    assert len(sent) < 2000 * 2  # a bit and a byte (base64) a park, plus the styles
    assert "coordinates" not in sent and ids[1] not in sent
    assert config["url"] == "/app/static/cache/x.json" and config["selected"] == ids[0]
    mask = base64.b64decode(config["shown"])
    assert [(mask[n >> 3] >> (n & 7)) & 1 for n in range(4)] == [1, 0, 1, 0]
    # A park the filter hides is not selected on the map.
    (group,) = many_park_groups("u", ids, shown, lang="zh", selected_id=ids[1])
    assert _many_config(group)["selected"] is None
