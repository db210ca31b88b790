"""Between the repository's geo/surveyed_footprints.geojson and the store's log.

- :func:`migrate_surveyed`: the one-off move of the file and its history (the versions earlier
  imports kept in geo/surveyed_history/) into the log: each version, oldest first, becomes the
  changes that lead to it (accepted), and a footprint a later version dropped is reverted.
- :func:`write_accepted_footprints`: the accepted footprints as that same file, for committing
  to geo/ so that the repository keeps the record (`zones changes export`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zones.build.assemble import SURVEYED_FILE
from zones.io.atomic import atomic_write
from zones.store.backends import Store
from zones.store.log import NewChange

HISTORY_DIR = "surveyed_history"
#: The marker an import keeps when there was no file before it.
ABSENT = ".absent"


def _features(path: Path) -> dict[str, dict[str, Any]]:
    """park_id -> feature of one version of the file ({} for an ``.absent`` marker)."""
    if path.name.endswith(ABSENT) or not path.is_file():
        return {}
    doc = json.loads(path.read_text(encoding="utf-8-sig") or '{"features": []}')
    return {str(f["properties"]["park_id"]): f for f in doc.get("features", [])}


def _versions(geo_dir: Path) -> list[Path]:
    """Every kept version (oldest first, undone ones excluded), then the current file."""
    history = geo_dir / HISTORY_DIR
    stem = Path(SURVEYED_FILE).stem
    kept = sorted(
        p
        for p in (history.iterdir() if history.is_dir() else [])
        if p.name.startswith(f"{stem}.")
        and ".undone." not in p.name
        and (p.name.endswith(".geojson") or p.name.endswith(ABSENT))
    )
    return [*kept, geo_dir / SURVEYED_FILE]


def migrate_surveyed(store: Store, geo_dir: Path, *, author: str) -> list[str]:
    """Move geo/surveyed_footprints.geojson and its history into ``store``'s log (once: a
    store whose log already holds changes is left alone). Returns what was done, line by line.
    """
    if store.changes():
        return ["the store's log already holds changes: nothing migrated"]
    done: list[str] = []
    in_force: dict[str, tuple[int, str]] = {}  # park -> (change id, geometry JSON)
    for version in _versions(geo_dir):
        features = _features(version)
        for park_id, (change_id, _) in sorted(in_force.items()):
            if park_id not in features:
                store.revert(change_id, by=author, comment=f"not in {version.name}")
                del in_force[park_id]
                done.append(f"reverted #{change_id} ({park_id}): not in {version.name}")
        new = []
        for park_id, feature in sorted(features.items()):
            geometry = json.dumps(feature["geometry"], sort_keys=True)
            if in_force.get(park_id, (0, ""))[1] == geometry:
                continue
            props = feature["properties"]
            note = str(props.get("note") or "Surveyed boundary.")
            when = props.get("imported_on")
            new.append(
                NewChange(
                    park_id=park_id,
                    kind="footprint",
                    new_value={"geometry": feature["geometry"]},
                    source=str(props.get("source") or version.name),
                    note=f"{note} (moved from geo/{version.name}; imported on {when})",
                )
            )
        if new:
            ids = store.propose(new, author=author, accept=True, comment="migrated")
            for change, change_id in zip(new, ids, strict=True):
                in_force[change.park_id] = (
                    change_id,
                    json.dumps(change.new_value["geometry"], sort_keys=True),
                )
                done.append(f"accepted #{change_id} ({change.park_id}) from {version.name}")
    return done or ["no surveyed footprints to migrate"]


def write_accepted_footprints(store: Store, out: Path) -> Path:
    """The footprints in force as geo/surveyed_footprints.geojson is written (RFC 7946: WGS84 on
    the 1e-7 degree grid, exterior rings counter-clockwise; one feature per line, sorted by park;
    properties park_id, source, imported_on, note)."""
    from shapely.geometry import shape

    from zones.geo.geometry import for_export
    from zones.io.geojson import collection_bytes, feature_json

    latest: dict[str, Any] = {}
    for change in store.changes(status="accepted"):
        if change.kind == "footprint":
            latest[change.park_id] = change
    lines = []
    for park_id in sorted(latest):
        change = latest[park_id]
        properties = {
            "park_id": park_id,
            "source": change.source,
            "imported_on": change.events[-1].at[:10],
            "note": f"{change.note} (change #{change.id}, accepted by {change.events[-1].by})",
        }
        lines.append(feature_json(properties, for_export(shape(change.new_value["geometry"]))))
    with atomic_write(out) as tmp:
        tmp.write_bytes(collection_bytes(lines))
    return out
