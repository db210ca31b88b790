"""Reading an embedded store (a GeoPackage) without SQLAlchemy, when nothing is to be applied.

A GeoPackage without a change log, or whose log holds no change at all, reads as its base
layers: what :meth:`zones.store.Store.dataset` would return after opening the log through
SQLAlchemy. Commands that only read (`zones report`, `zones export`) then skip importing
SQLAlchemy (about a fifth of a second). Anything else, or any doubt, goes the full way.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from zones.settings import is_database_url

if TYPE_CHECKING:
    from zones.model.dataset import Dataset

#: Bumped when the store's own tables change shape (:mod:`zones.store.schema`).
SCHEMA_VERSION = 1
#: The key/value table of the store, its changes and their events (:mod:`zones.store.schema`).
META_TABLE = "zones_meta"
CHANGES_TABLE = "zones_changes"
EVENTS_TABLE = "zones_change_events"


def gpkg_path(url: str | Path) -> Path | None:
    """The GeoPackage a store location names (a path, or ``gpkg:PATH``); None for a database."""
    if is_database_url(url):
        return None
    return Path(str(url).removeprefix("gpkg:"))


def without_changes(path: Path) -> bool:
    """Whether the GeoPackage at ``path`` reads as its base: it has no change log, or a log of
    this schema version that holds no change. False when in doubt (a file SQLite cannot open,
    another schema version, a busy file): the store then reads it and reports any problem."""
    try:
        with _read_only(path) as db:
            return _log_is_empty(db)
    except (sqlite3.Error, ValueError):
        return False


def read_revision(path: Path) -> str | None:
    """The store's revision (:meth:`zones.store.Store.revision`, the same string) read with
    sqlite3: the app asks for it on every run, and SQLAlchemy takes ~3 ms where this takes
    under 1. None when in doubt (another schema version, a file SQLite cannot open): the store
    then answers, or says what is wrong."""
    try:
        stamp = file_stamp(path)
        with _read_only(path) as db:
            version = _schema_version(db)
            if version is None:
                return f"base:{stamp}"  # read as its base
            if version != SCHEMA_VERSION:
                return None
            (built,) = db.execute(
                f"SELECT value FROM {META_TABLE} WHERE key = 'built_at'"
            ).fetchone() or (None,)
            (events,) = db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {EVENTS_TABLE}").fetchone()
            return f"{built}:{int(events)}"
    except (OSError, sqlite3.Error, ValueError):
        return None


def file_stamp(path: Path) -> str:
    """When the file at ``path`` last changed, and its size: the revision of a store without
    a log."""
    stat = path.stat()
    return f"{stat.st_mtime_ns}:{stat.st_size}"


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """The GeoPackage at ``path`` opened read only (never creates a file)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        yield db


def _schema_version(db: sqlite3.Connection) -> int | None:
    """The log's schema version; None when there is no log (or no version in it)."""
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", (META_TABLE,)
    ).fetchone()
    if found is None:
        return None
    row = db.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def _log_is_empty(db: sqlite3.Connection) -> bool:
    version = _schema_version(db)
    if version is None:
        return True  # no log, or one without a version: the base is all there is
    if version != SCHEMA_VERSION:
        return False
    return db.execute(f"SELECT 1 FROM {CHANGES_TABLE} LIMIT 1").fetchone() is None


def read_dataset(url: str | Path) -> Dataset:
    """The dataset of the store at ``url`` with every accepted change applied, as
    ``open_store(url).dataset()`` reads it; a GeoPackage :func:`without_changes` is read
    without opening the store."""
    path = gpkg_path(url)
    if path is not None and without_changes(path):
        from zones.model.dataset import load_dataset

        return load_dataset(path)
    from zones.store.backends import open_store

    return open_store(url).dataset()
