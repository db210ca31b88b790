"""The store's own tables, beside the dataset's layers: one definition for SQLite and PostGIS.

Everything here is append-only but ``zones_park_versions``, the register that a change checks
and bumps in the same transaction (compare-and-set), so that two changes made from the same
view of a park cannot both land:

``zones_meta``           key/value: the schema version, when and by what the store was made
``zones_changes``        one row per proposed correction (never updated, never deleted)
``zones_change_events``  one row per status a change takes (proposed, accepted, rejected,
                         reverted), with who, when and a comment; a change's status is its
                         latest event
``zones_park_versions``  each park's version: how many accepted or reverted changes it has
                         seen, and the last of them (who, when)
``zones_users``          who may sign in to the app to propose or review changes: name, role,
                         an argon2 hash of the password, and recent failed sign-ins
"""

from __future__ import annotations

import sqlalchemy as sa

from zones.store.embedded import CHANGES_TABLE, EVENTS_TABLE, META_TABLE

# SCHEMA_VERSION is bumped when these tables change shape; a store made by another version is
# refused with the command that upgrades it. Kept in zones.store.embedded (which reads a log
# without SQLAlchemy), importable from here.
from zones.store.embedded import SCHEMA_VERSION as SCHEMA_VERSION

metadata = sa.MetaData()


def _appended(name: str, *items: sa.SchemaItem) -> sa.Table:
    """An append-only table: its rows numbered by a serial ``id``, then ``items``."""
    serial = sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)
    return sa.Table(name, metadata, serial, *items)


meta = sa.Table(
    META_TABLE,
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

changes = _appended(
    CHANGES_TABLE,
    sa.Column("batch", sa.String(64), nullable=False),
    sa.Column("park_id", sa.String(128), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("old_value", sa.Text, nullable=False),
    sa.Column("new_value", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("author", sa.String(128), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("base_version", sa.Integer, nullable=False),
)

events = _appended(
    EVENTS_TABLE,
    sa.Column("change_id", sa.Integer, sa.ForeignKey("zones_changes.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("by", sa.String(128), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("comment", sa.Text, nullable=False, default=""),
    sa.Index("ix_zones_change_events_change", "change_id", "id"),
)

park_versions = sa.Table(
    "zones_park_versions",
    metadata,
    sa.Column("park_id", sa.String(128), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("change_id", sa.Integer, nullable=True),
    sa.Column("by", sa.String(128), nullable=False, default=""),
    sa.Column("at", sa.String(40), nullable=False, default=""),
)

users = sa.Table(
    "zones_users",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("failed", sa.Integer, nullable=False, default=0),
    sa.Column("failed_at", sa.Float, nullable=False, default=0.0),
)

#: Every table of the store's own, in creation order.
TABLES = (meta, changes, events, park_versions, users)
