"""The change log: propose, accept, reject and revert corrections, on any SQL connection.

Every function takes a SQLAlchemy ``Connection`` inside a transaction that the caller opened
(:meth:`zones.store.Store.transaction`), so a batch (one import) lands whole or not at all.
Nothing is ever updated or deleted but a park's version row, which :func:`accept` and
:func:`revert` bump with a compare-and-set: a change made against version *n* of a park lands
only while the park is still at *n*; otherwise it is refused with who changed the park, and when.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from zones.errors import ZonesError
from zones.store.schema import changes, events, park_versions

#: What a change may correct, and the keys of its new value.
KINDS: dict[str, tuple[str, ...]] = {
    "footprint": ("geometry",),  # a GeoJSON polygon or multipolygon, WGS84
    "location": ("lon", "lat", "precision_m"),  # WGS84 degrees, metres
    "area": ("area_km2",),
    "level": ("level",),
    "district": ("district_adcodes",),
}
STATUSES = ("proposed", "accepted", "rejected", "reverted")
#: Which status may follow which.
_NEXT = {"accepted": "proposed", "rejected": "proposed", "reverted": "accepted"}


class ChangeError(ZonesError):
    """A change that cannot be made or moved on (unknown, wrong status, bad value).

    ``code`` names its message in the text catalogs (``store.<code>``, filled from
    ``fields``; :meth:`zones.errors.ZonesError.text`)."""

    def __init__(self, code: str, **fields: Any) -> None:
        self.key, self.fields = f"store.{code}", fields
        super().__init__(self.text("en"))


class StaleChangeError(ChangeError):
    """The park moved on since the change was previewed: names who changed it and when."""

    def __init__(self, park_id: str, seen: int, now: ParkVersion) -> None:
        self.park_id, self.seen, self.now = park_id, seen, now
        super().__init__(
            "stale",
            park=repr(park_id),
            seen=seen,
            version=now.version,
            change=now.change_id,
            by=now.by,
            at=now.at,
        )


def now_utc() -> str:
    """The time stamp of the log: ISO 8601, UTC, seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class NewChange:
    """A correction to propose. ``base_version`` is the park's version the proposer saw (in a
    preview); None takes the version current when it is proposed."""

    park_id: str
    kind: str
    new_value: dict[str, Any]
    source: str
    note: str
    old_value: dict[str, Any] = field(default_factory=dict)
    base_version: int | None = None


@dataclass(frozen=True)
class Event:
    """One status a change took; ``seq`` orders every event of the log."""

    seq: int
    status: str
    by: str
    at: str
    comment: str


@dataclass(frozen=True)
class Change:
    """A change as the log holds it, with its history of events (oldest first)."""

    id: int
    batch: str
    park_id: str
    kind: str
    old_value: dict[str, Any]
    new_value: dict[str, Any]
    source: str
    note: str
    author: str
    created_at: str
    base_version: int
    events: tuple[Event, ...]

    @property
    def status(self) -> str:
        return self.events[-1].status

    def to_json(self) -> dict[str, Any]:
        """Plain data (for `zones changes show` and exports)."""
        return {
            "id": self.id,
            "batch": self.batch,
            "park_id": self.park_id,
            "kind": self.kind,
            "status": self.status,
            "old_value": self.old_value,
            "new_value": self.new_value,
            "source": self.source,
            "note": self.note,
            "author": self.author,
            "created_at": self.created_at,
            "base_version": self.base_version,
            "events": [e.__dict__ for e in self.events],
        }


@dataclass(frozen=True)
class ParkVersion:
    """A park's version and the change that made it (None and '' before any)."""

    park_id: str
    version: int
    change_id: int | None
    by: str
    at: str


def _check(new: NewChange, known_parks: set[str]) -> None:
    """Refuse a change that names no known park, an unknown kind, or lacks source or note."""
    park = repr(new.park_id)
    if new.park_id not in known_parks:
        raise ChangeError("change_unknown_park", park=park)
    if new.kind not in KINDS:
        raise ChangeError("unknown_kind", park=park, kind=repr(new.kind), kinds=", ".join(KINDS))
    missing = [k for k in KINDS[new.kind] if k not in new.new_value]
    if missing:
        raise ChangeError("lacks", park=park, kind=new.kind, missing=", ".join(missing))
    if not new.source.strip():
        raise ChangeError("change_needs_source", park=park)
    if not new.note.strip():
        raise ChangeError("change_needs_note", park=park)


def park_version(conn: sa.Connection, park_id: str, *, for_update: bool = False) -> ParkVersion:
    """The current version of ``park_id`` (a ChangeError when the store has no such park)."""
    query = sa.select(park_versions).where(park_versions.c.park_id == park_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise ChangeError("unknown_park", park=repr(park_id))
    return ParkVersion(row["park_id"], row["version"], row["change_id"], row["by"], row["at"])


def park_versions_of(conn: sa.Connection, park_ids: Iterable[str]) -> dict[str, int]:
    """Versions of several parks at once (for a preview to remember what it saw)."""
    ids = sorted(set(park_ids))
    rows = conn.execute(
        sa.select(park_versions.c.park_id, park_versions.c.version).where(
            park_versions.c.park_id.in_(ids)
        )
    )
    return {r.park_id: r.version for r in rows}


def register_parks(conn: sa.Connection, park_ids: Iterable[str]) -> int:
    """Give every park that has no version row one at version 0; returns how many were new."""
    have = {r[0] for r in conn.execute(sa.select(park_versions.c.park_id))}
    new = sorted(set(park_ids) - have)
    if new:
        conn.execute(
            park_versions.insert(),
            [{"park_id": p, "version": 0, "change_id": None, "by": "", "at": ""} for p in new],
        )
    return len(new)


def _event(conn: sa.Connection, change_id: int, status: str, by: str, at: str, comment: str):
    conn.execute(
        events.insert().values(change_id=change_id, status=status, by=by, at=at, comment=comment)
    )


def _bump(conn: sa.Connection, change: Change, *, expect: int | None, by: str, at: str) -> None:
    """Move the park of ``change`` to its next version; with ``expect``, only from that one."""
    query = park_versions.update().where(park_versions.c.park_id == change.park_id)
    if expect is not None:
        query = query.where(park_versions.c.version == expect)
    done = conn.execute(
        query.values(version=park_versions.c.version + 1, change_id=change.id, by=by, at=at)
    )
    if done.rowcount != 1:
        raise StaleChangeError(
            change.park_id, change.base_version, park_version(conn, change.park_id)
        )


def propose(
    conn: sa.Connection,
    new: Sequence[NewChange],
    *,
    author: str,
    accept: bool = False,
    comment: str = "",
) -> list[int]:
    """Record ``new`` as one batch of proposed changes (accepted at once with ``accept``).

    Each change is checked (known park and kind, full new value, a source and a note) and made
    against the park's version it names (or the current one). With ``accept`` a park that moved
    on since that version refuses the whole batch (:class:`StaleChangeError`). Returns the ids.
    """
    if not author.strip():
        raise ChangeError("needs_author")
    known = set(park_versions_of(conn, [n.park_id for n in new]))
    batch, at = uuid.uuid4().hex, now_utc()
    ids: list[int] = []
    for item in new:
        _check(item, known)
        current = park_version(conn, item.park_id)
        base = current.version if item.base_version is None else item.base_version
        if base != current.version:
            raise StaleChangeError(item.park_id, base, current)
        change_id = conn.execute(
            changes.insert()
            .values(
                batch=batch,
                park_id=item.park_id,
                kind=item.kind,
                old_value=json.dumps(item.old_value, ensure_ascii=False, sort_keys=True),
                new_value=json.dumps(item.new_value, ensure_ascii=False, sort_keys=True),
                source=item.source.strip(),
                note=item.note.strip(),
                author=author,
                created_at=at,
                base_version=base,
            )
            .returning(changes.c.id)
        ).scalar_one()
        _event(conn, change_id, "proposed", author, at, "")
        ids.append(change_id)
        if accept:
            accept_change(conn, change_id, by=author, comment=comment)
    return ids


def _move(conn: sa.Connection, change_id: int, status: str) -> Change:
    change = get_change(conn, change_id)
    if change.status != _NEXT[status]:
        raise ChangeError(
            "wrong_status",
            id=change_id,
            status=change.status,
            expected=_NEXT[status],
            action=status,
        )
    return change


def accept_change(conn: sa.Connection, change_id: int, *, by: str, comment: str = "") -> Change:
    """Accept a proposed change, if its park is still at the version it was made against."""
    change = _move(conn, change_id, "accepted")
    at = now_utc()
    _bump(conn, change, expect=change.base_version, by=by, at=at)
    _event(conn, change_id, "accepted", by, at, comment)
    return get_change(conn, change_id)


def reject_change(conn: sa.Connection, change_id: int, *, by: str, comment: str = "") -> Change:
    """Reject a proposed change (it stays in the log, marked rejected)."""
    _move(conn, change_id, "rejected")
    _event(conn, change_id, "rejected", by, now_utc(), comment)
    return get_change(conn, change_id)


def revert_change(conn: sa.Connection, change_id: int, *, by: str, comment: str = "") -> Change:
    """Revert an accepted change: a new event, the park's next version; nothing is deleted."""
    change = _move(conn, change_id, "reverted")
    at = now_utc()
    _bump(conn, change, expect=None, by=by, at=at)
    _event(conn, change_id, "reverted", by, at, comment)
    return get_change(conn, change_id)


def _changes(conn: sa.Connection, where: Any = None) -> list[Change]:
    query = sa.select(changes).order_by(changes.c.id)
    if where is not None:
        query = query.where(where)
    rows = conn.execute(query).mappings().all()
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    history: dict[int, list[Event]] = {i: [] for i in ids}
    for e in conn.execute(
        sa.select(events).where(events.c.change_id.in_(ids)).order_by(events.c.id)
    ).mappings():
        history[e["change_id"]].append(Event(e["id"], e["status"], e["by"], e["at"], e["comment"]))
    return [
        Change(
            id=r["id"],
            batch=r["batch"],
            park_id=r["park_id"],
            kind=r["kind"],
            old_value=json.loads(r["old_value"]),
            new_value=json.loads(r["new_value"]),
            source=r["source"],
            note=r["note"],
            author=r["author"],
            created_at=r["created_at"],
            base_version=r["base_version"],
            events=tuple(history[r["id"]]),
        )
        for r in rows
    ]


def get_change(conn: sa.Connection, change_id: int) -> Change:
    """One change with its events (ChangeError when there is none)."""
    found = _changes(conn, changes.c.id == change_id)
    if not found:
        raise ChangeError("no_change", id=change_id)
    return found[0]


def list_changes(
    conn: sa.Connection, *, park_id: str | None = None, status: str | None = None
) -> list[Change]:
    """Changes, oldest first, of one park and/or in one status."""
    if status is not None and status not in STATUSES:
        raise ChangeError("unknown_status", status=repr(status), statuses=", ".join(STATUSES))
    found = _changes(conn, changes.c.park_id == park_id if park_id else None)
    return [c for c in found if status is None or c.status == status]


def accepted_changes(conn: sa.Connection) -> list[Change]:
    """The changes in force (accepted, not reverted), in the order they were accepted."""
    accepted = [c for c in _changes(conn) if c.status == "accepted"]
    return sorted(accepted, key=lambda c: c.events[-1].seq)


def revision(conn: sa.Connection) -> int:
    """A number that grows with every event (a cache key for readers)."""
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0))).scalar_one())
