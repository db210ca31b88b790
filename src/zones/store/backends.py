"""Where the layers and the change log live: an embedded GeoPackage or a PostGIS database.

Both backends keep the dataset's layers as `zones build` wrote them (the *base*) and the change
log beside them (:mod:`zones.store.schema`); what readers get is the base with the accepted
changes applied (:mod:`zones.store.overlay`), so a correction never needs a rebuild and a
rebuild never loses a correction.

- :class:`EmbeddedStore`: one GeoPackage file (``build/zones.gpkg``), nothing to install. Writes
  are serialised by an exclusive lock on the file's folder; a rebuild writes a new file, copies
  the log into it and renames it into place while holding that lock.
- :class:`PostgisStore`: a PostgreSQL database with PostGIS, for a bureau (several app servers,
  QGIS desktops). Layers are replaced in one transaction; the log is plain tables; two changes
  of one park are kept apart by the version register's compare-and-set.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from zones.errors import StoreError
from zones.model.dataset import (
    SPATIAL_LAYERS,
    TABLE_LAYERS,
    Dataset,
    decode_lists,
    encode_lists,
    load_dataset,
    write_layers,
)
from zones.store import log
from zones.store.embedded import file_stamp, gpkg_path, read_revision, without_changes
from zones.store.schema import SCHEMA_VERSION, TABLES, meta, metadata

#: How long a write waits for another one to finish before it gives up (seconds).
LOCK_TIMEOUT_S = 120.0
#: How often a write waiting for the embedded store's lock tries again (seconds).
LOCK_POLL_S = 0.05


class StoreBusyError(StoreError):
    """Another write held the embedded store's lock for :data:`LOCK_TIMEOUT_S` (a rebuild of
    many parks, or a process stuck while writing): nothing was written."""

    def __init__(self, path: Path, waited_s: float) -> None:
        self.path, self.waited_s = path, waited_s
        self.key, self.fields = "store.busy", {"path": path, "s": f"{waited_s:g}"}
        super().__init__(self.text("en"))


@dataclass(frozen=True)
class StoreStatus:
    """What `zones store status` prints."""

    url: str
    kind: str
    schema_version: int | None
    built_from: str | None
    parks: int
    changes: dict[str, int]
    revision: int

    def lines(self) -> list[str]:
        counts = ", ".join(f"{k} {v}" for k, v in self.changes.items()) or "none"
        return [
            f"store: {self.url} ({self.kind})",
            f"schema version: {self.schema_version}",
            f"built from inputs: {self.built_from or 'unknown'}",
            f"parks: {self.parks}",
            f"changes: {counts}",
            f"revision: {self.revision}",
        ]


class Store:
    """The interface both backends share. Open one with :func:`zones.store.open_store`."""

    kind: str = ""
    url: str = ""

    # -- to be provided by a backend -----------------------------------------------------
    def _engine(self) -> sa.Engine:
        raise NotImplementedError

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """A connection in a transaction that commits when the block ends (writes)."""
        raise NotImplementedError
        yield  # pragma: no cover

    def write_base(self, ds: Dataset, *, digest: str) -> None:
        """Replace the base layers with ``ds`` (the log is kept), in one step."""
        raise NotImplementedError

    def base_dataset(self) -> Dataset:
        """The layers as `zones build` wrote them, without the accepted changes."""
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A read connection (its own transaction, rolled back at the end)."""
        with self._translate(), self._engine().connect() as conn:
            yield conn

    @contextlib.contextmanager
    def _translate(self) -> Iterator[None]:
        """Database errors as one line: what is wrong, and the command that fixes it."""
        try:
            yield
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise StoreError(self._explain(exc)) from exc
        except sa.exc.DatabaseError as exc:  # e.g. "file is not a database"
            raise StoreError(f"cannot use the store {self.url}: {_first_line(exc)}") from exc

    def _explain(self, exc: sa.exc.DBAPIError) -> str:
        return f"cannot use the store {self.url}: {_first_line(exc)}"

    def init(self) -> StoreStatus:
        """Create the log's tables (kept when they exist) and record the schema version."""
        with self.transaction() as conn:
            found = _schema_version(conn)
            if found is not None and found != SCHEMA_VERSION:
                raise StoreError(self._wrong_version(found))
            metadata.create_all(conn, tables=list(TABLES))
            if found is None:
                conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
                conn.execute(meta.insert().values(key="created_at", value=log.now_utc()))
            if self._has_base(conn):
                log.register_parks(conn, self._park_ids(conn))
        return self.status()

    def _wrong_version(self, found: int) -> str:
        return (
            f"the store {self.url} has schema version {found}, this zones needs "
            f"{SCHEMA_VERSION}: move its changes out with an older zones (`zones changes export`)"
            " and run `zones store init` on a new store"
        )

    def check(self, conn: sa.Connection) -> None:
        """Refuse a store without the log or with another schema version (one clear line)."""
        found = _schema_version(conn)
        if found is None:
            raise StoreError(
                f"{self.url} has no change log (made by an older zones, or never initialised):"
                " run `zones store init`"
            )
        if found != SCHEMA_VERSION:
            raise StoreError(self._wrong_version(found))

    def _has_base(self, conn: sa.Connection) -> bool:
        return sa.inspect(conn).has_table("parks")

    def _park_ids(self, conn: sa.Connection) -> list[str]:
        return [r[0] for r in conn.execute(sa.text("SELECT id FROM parks"))]

    def status(self) -> StoreStatus:
        with self.connect() as conn:
            self.check(conn)
            values = dict(conn.execute(sa.select(meta.c.key, meta.c.value)).all())
            counts: dict[str, int] = {}
            for change in log.list_changes(conn):
                counts[change.status] = counts.get(change.status, 0) + 1
            parks = len(self._park_ids(conn)) if self._has_base(conn) else 0
            return StoreStatus(
                url=self.url,
                kind=self.kind,
                schema_version=int(values["schema_version"]),
                built_from=values.get("inputs_sha256"),
                parks=parks,
                changes=dict(sorted(counts.items())),
                revision=log.revision(conn),
            )

    def _readable_without_log(self, conn: sa.Connection) -> bool:
        """Whether a store without a log may still be read (as its base): a GeoPackage built
        by an older zones can be shown; only writing needs `zones store init`."""
        return False

    def revision(self) -> str:
        """Changes whenever the base or the log does: a cache key for readers."""
        with self.connect() as conn:
            if self._readable_without_log(conn):
                return f"base:{self._base_stamp()}"
            self.check(conn)
            built = conn.execute(sa.select(meta.c.value).where(meta.c.key == "built_at")).scalar()
            return f"{built}:{log.revision(conn)}"

    def _base_stamp(self) -> str:
        return ""

    def dataset(self) -> Dataset:
        """The layers with every accepted change applied: what the app and exports show."""
        from zones.store.overlay import apply_changes

        base = self.base_dataset()
        with self.connect() as conn:
            if self._readable_without_log(conn):
                return base
            self.check(conn)
            accepted = log.accepted_changes(conn)
        return apply_changes(base, accepted)

    # -- the change log ------------------------------------------------------------------
    def propose(
        self,
        new: Sequence[log.NewChange],
        *,
        author: str,
        accept: bool = False,
        comment: str = "",
    ) -> list[int]:
        """Record ``new`` as one batch in one transaction (see :func:`zones.store.log.propose`);
        each new value is checked first (a valid polygon in Ningbo, a point in Ningbo...)."""
        from zones.store.overlay import check_value

        with self.transaction() as conn:
            self.check(conn)
            adcodes = {str(r[0]) for r in conn.execute(sa.text("SELECT adcode FROM districts"))}
            for item in new:
                check_value(item.kind, item.new_value, adcodes)
            ids = log.propose(conn, new, author=author, accept=accept, comment=comment)
            if accept:
                self._after_change(conn)
            return ids

    def accept(self, change_id: int, *, by: str, comment: str = "") -> log.Change:
        with self.transaction() as conn:
            self.check(conn)
            change = log.accept_change(conn, change_id, by=by, comment=comment)
            self._after_change(conn)
            return change

    def reject(self, change_id: int, *, by: str, comment: str = "") -> log.Change:
        with self.transaction() as conn:
            self.check(conn)
            return log.reject_change(conn, change_id, by=by, comment=comment)

    def revert(self, change_id: int, *, by: str, comment: str = "") -> log.Change:
        return self.revert_all([change_id], by=by, comment=comment)[0]

    def revert_all(
        self, change_ids: Sequence[int], *, by: str, comment: str = ""
    ) -> list[log.Change]:
        """Revert several accepted changes in one transaction: all of them, or none (the undo
        of an import)."""
        with self.transaction() as conn:
            self.check(conn)
            done = [log.revert_change(conn, i, by=by, comment=comment) for i in change_ids]
            self._after_change(conn)
            return done

    def changes(self, *, park_id: str | None = None, status: str | None = None) -> list[log.Change]:
        with self.connect() as conn:
            self.check(conn)
            return log.list_changes(conn, park_id=park_id, status=status)

    def change(self, change_id: int) -> log.Change:
        with self.connect() as conn:
            self.check(conn)
            return log.get_change(conn, change_id)

    def versions(self, park_ids: Iterable[str]) -> dict[str, int]:
        """The current version of each park (what a preview remembers)."""
        with self.connect() as conn:
            self.check(conn)
            return log.park_versions_of(conn, park_ids)

    def _after_change(self, conn: sa.Connection) -> None:
        """Called in the transaction of every change that alters what readers see."""

    def _record_build(self, conn: sa.Connection, ds: Dataset, digest: str) -> None:
        """After new base layers: the digest they were built from, and a version row for each
        new park (a park's version survives rebuilds, so a pending change stays checkable)."""
        conn.execute(meta.delete().where(meta.c.key.in_(["inputs_sha256", "built_at"])))
        conn.execute(
            meta.insert(),
            [
                {"key": "inputs_sha256", "value": digest},
                {"key": "built_at", "value": log.now_utc()},
            ],
        )
        log.register_parks(conn, ds.parks["id"])


def _first_line(exc: sa.exc.DBAPIError) -> str:
    """The driver's own message, first line only (no SQL, no parameters)."""
    return (str(exc.orig).strip() or type(exc.orig).__name__).splitlines()[0]


def _schema_version(conn: sa.Connection) -> int | None:
    if not sa.inspect(conn).has_table(meta.name):
        return None
    value = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    return int(value) if value is not None else None


# --- the embedded GeoPackage --------------------------------------------------------------


class EmbeddedStore(Store):
    """The default: one GeoPackage file holding the layers and the log."""

    kind = "gpkg"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.url = str(self.path)

    def _engine(self) -> sa.Engine:
        if not self.path.is_file():
            raise StoreError(f"{self.path} does not exist: run `zones build --out {self.path}`")
        # NullPool: every use opens the file anew, so nobody keeps reading a replaced file.
        return sa.create_engine(
            f"sqlite:///{self.path}", poolclass=NullPool, connect_args={"timeout": LOCK_TIMEOUT_S}
        )

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """The exclusive write lock, held by every write and by rebuilds: a ``flock`` on the
        file's folder (so no lock file is left behind, and a rebuild that replaces the file
        keeps the lock)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            _wait_for_lock(fd, self.path)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        with self._lock(), self._translate(), self._engine().begin() as conn:
            yield conn

    def write_base(self, ds: Dataset, *, digest: str) -> None:
        """Write a new file (layers, then the log copied from the old one) and rename it into
        place, all under the write lock: no change lands in the old file meanwhile."""
        from zones.io.atomic import atomic_write

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock(), atomic_write(self.path) as tmp:
            write_layers(ds, tmp, metadata={"zones_inputs_sha256": digest})
            engine = sa.create_engine(f"sqlite:///{tmp}", poolclass=NullPool)
            keep_log = self.path.is_file() and _has_log(self.path)
            with engine.begin() as conn:
                metadata.create_all(conn, tables=list(TABLES))
            if keep_log:
                _copy_log(tmp, self.path)
            with engine.begin() as conn:
                if not keep_log:
                    conn.execute(
                        meta.insert(),
                        [
                            {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                            {"key": "created_at", "value": log.now_utc()},
                        ],
                    )
                self._record_build(conn, ds, digest)
            engine.dispose()

    def base_dataset(self) -> Dataset:
        return load_dataset(self.path)

    def dataset(self) -> Dataset:
        """As :meth:`Store.dataset`; a file whose log holds no change is read as its base."""
        if without_changes(self.path):
            return self.base_dataset()
        return super().dataset()

    def revision(self) -> str:
        """As :meth:`Store.revision`, read with sqlite3 when it can be (every app run asks)."""
        return read_revision(self.path) or super().revision()

    def _readable_without_log(self, conn: sa.Connection) -> bool:
        return _schema_version(conn) is None

    def _base_stamp(self) -> str:
        return file_stamp(self.path)


def _wait_for_lock(fd: int, path: Path) -> None:
    """Take the exclusive ``flock`` on ``fd``, waiting at most :data:`LOCK_TIMEOUT_S`
    (:class:`StoreBusyError` then: the app says so instead of hanging)."""
    deadline = time.monotonic() + LOCK_TIMEOUT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise StoreBusyError(path, LOCK_TIMEOUT_S) from None
            time.sleep(LOCK_POLL_S)


def _has_log(path: Path) -> bool:
    """Whether the GeoPackage at ``path`` holds a log (False for a file SQLite cannot read:
    a rebuild replaces a damaged file, whose log could not be read anyway)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            row = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (meta.name,)
            ).fetchone()
    except sqlite3.DatabaseError:
        return False
    return row is not None


def _copy_log(new: Path, old: Path) -> None:
    """Copy every table of the log from the GeoPackage ``old`` into ``new`` (one transaction)."""
    with contextlib.closing(sqlite3.connect(f"file:{new}", uri=True)) as db:
        db.execute("ATTACH DATABASE ? AS old", (f"file:{old}?mode=ro",))
        present = {r[0] for r in db.execute("SELECT name FROM old.sqlite_master")}
        with db:  # one transaction: all the log or none of it
            for table in (t for t in TABLES if t.name in present):
                columns = ", ".join(f'"{c.name}"' for c in table.columns)
                db.execute(
                    f'INSERT INTO main."{table.name}" ({columns}) '
                    f'SELECT {columns} FROM old."{table.name}"'
                )
        db.execute("DETACH DATABASE old")


# --- PostGIS --------------------------------------------------------------------------------

#: Column that keeps each layer's row order in PostGIS.
ROW_COLUMN = "zones_row"
#: The parks with every accepted change applied, kept in step for QGIS (PostGIS only).
CURRENT_PARKS = "parks_current"


class PostgisStore(Store):
    """A PostgreSQL + PostGIS database: the store for a bureau."""

    kind = "postgis"

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        self._url = parsed
        self.url = parsed.render_as_string(hide_password=True)
        self.__engine: sa.Engine | None = None

    def _engine(self) -> sa.Engine:
        if self.__engine is None:
            self.__engine = sa.create_engine(self._url, pool_pre_ping=True)
        return self.__engine

    def _explain(self, exc: sa.exc.DBAPIError) -> str:
        reason = str(exc.orig).strip()
        first = reason.splitlines()[0]
        if "password authentication failed" in reason:
            return (
                f"the store {self.url} refused the password of user {self._url.username!r}:"
                " correct it in ZONES_STORE"
            )
        if "does not exist" in reason and "database" in reason:
            return (
                f"the store {self.url} has no database {self._url.database!r}: create it"
                f" (`createdb {self._url.database}`), then run `zones store init`"
            )
        return (
            f"cannot reach the store {self.url}: {first.removeprefix('connection failed: ')};"
            " check ZONES_STORE and that the server runs"
        )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        with self._translate(), self._engine().begin() as conn:
            yield conn

    def _require_postgis(self, conn: sa.Connection) -> None:
        found = conn.execute(
            sa.text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        ).scalar()
        if found is None:
            raise StoreError(
                f"the database of {self.url} has no PostGIS: run `CREATE EXTENSION postgis;`"
                " in it (as its owner), then `zones store init`"
            )

    def init(self) -> StoreStatus:
        with self.connect() as conn:
            self._require_postgis(conn)
        return super().init()

    def check(self, conn: sa.Connection) -> None:
        self._require_postgis(conn)
        super().check(conn)

    def write_base(self, ds: Dataset, *, digest: str) -> None:
        """Replace every layer and the QGIS styles in one transaction."""
        with self.transaction() as conn:
            self._require_postgis(conn)
            if _schema_version(conn) is None:
                metadata.create_all(conn, tables=list(TABLES))
                conn.execute(
                    meta.insert(),
                    [
                        {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                        {"key": "created_at", "value": log.now_utc()},
                    ],
                )
            self.check(conn)
            for name in SPATIAL_LAYERS + TABLE_LAYERS:
                frame = encode_lists(ds.layer(name), name)
                frame = frame.rename_axis(ROW_COLUMN).reset_index()
                if name in SPATIAL_LAYERS:
                    frame.to_postgis(name, conn, if_exists="replace", index=False)
                else:
                    pd.DataFrame(frame).to_sql(name, conn, if_exists="replace", index=False)
            self._record_build(conn, ds, digest)
            self._after_change(conn)
            _write_styles(conn, ds)

    def base_dataset(self) -> Dataset:
        with self.connect() as conn:
            self.check(conn)
            return self._read_base(conn)

    def _read_base(self, conn: sa.Connection) -> Dataset:
        import geopandas as gpd

        if not self._has_base(conn):
            raise StoreError(f"the store {self.url} holds no layers: run `zones build`")
        layers: dict[str, Any] = {}
        for name in SPATIAL_LAYERS + TABLE_LAYERS:
            query = f'SELECT * FROM "{name}" ORDER BY "{ROW_COLUMN}"'
            if name in SPATIAL_LAYERS:
                frame = gpd.read_postgis(query, conn, geom_col="geometry")
                # to_postgis copies '' as NULL; the build never writes NULL text.
                text = [c for c in frame.columns if c != "geometry" and _is_text(frame[c])]
                frame[text] = frame[text].fillna("")
            else:
                frame = pd.read_sql(query, conn)
            layers[name] = decode_lists(frame.drop(columns=[ROW_COLUMN]), name)
        return Dataset(**layers)

    def _after_change(self, conn: sa.Connection) -> None:
        """Keep ``parks_current`` (the parks with every accepted change, for QGIS and other
        SQL readers) in step, in the same transaction as the change."""
        from zones.store.overlay import apply_changes

        current = apply_changes(self._read_base(conn), log.accepted_changes(conn)).parks
        frame = encode_lists(current, "parks").rename_axis(ROW_COLUMN).reset_index()
        frame.to_postgis(CURRENT_PARKS, conn, if_exists="replace", index=False)


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(column) or column.dtype == object


def _write_styles(conn: sa.Connection, ds: Dataset) -> None:
    """QGIS's default styles in ``public.layer_styles`` (QGIS reads them from PostGIS as from a
    GeoPackage), replacing those of zones' own layers."""
    from zones.io.qgis import STYLED_LAYERS, layer_qml

    conn.execute(
        sa.text(
            """CREATE TABLE IF NOT EXISTS public.layer_styles (
                id SERIAL PRIMARY KEY, f_table_catalog varchar, f_table_schema varchar,
                f_table_name varchar, f_geometry_column varchar, stylename text,
                styleqml xml, stylesld xml, useasdefault boolean, description text,
                owner varchar(63) DEFAULT CURRENT_USER, ui xml,
                update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar)"""
        )
    )
    conn.execute(
        sa.text("DELETE FROM public.layer_styles WHERE f_table_name = ANY(:names)"),
        {"names": [*STYLED_LAYERS, CURRENT_PARKS]},
    )
    for table in (*STYLED_LAYERS, CURRENT_PARKS):
        name = "parks" if table == CURRENT_PARKS else table
        conn.execute(
            sa.text(
                """INSERT INTO public.layer_styles (f_table_catalog, f_table_schema,
                f_table_name, f_geometry_column, stylename, styleqml, useasdefault, description)
                VALUES (current_database(), 'public', CAST(:t AS varchar), 'geometry',
                CAST(:t AS text), XMLPARSE(DOCUMENT CAST(:qml AS text)), true,
                'zones: the app''s colours')"""
            ),
            {"t": table, "qml": layer_qml(name, ds.layer(name), lang="zh")},
        )


def open_store(url: str | Path | None = None) -> Store:
    """The store at ``url``: ``postgresql://…`` for PostGIS, else a GeoPackage path (or
    ``gpkg:PATH``). None reads ZONES_STORE, then ZONES_GPKG, then ``build/zones.gpkg``."""
    from zones import settings

    if url is None:
        url = os.environ.get("ZONES_STORE") or settings.DEFAULT_GPKG
    path = gpkg_path(url)
    return PostgisStore(str(url)) if path is None else EmbeddedStore(path)


__all__ = ["EmbeddedStore", "PostgisStore", "Store", "StoreStatus", "open_store"]
