"""Who may change the data: accounts in the store, passwords hashed with argon2.

Viewers need no account (map, filters, exports, report). An **editor** proposes changes; a
**reviewer** also accepts, rejects and reverts them. Accounts live in the store
(``zones_users``), so every app server on one store knows the same people; manage them with
`zones users`. A wrong name or password is answered the same way, and after a delay that grows
with the failures of that name (so guessing is slow), never saying which part was wrong.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from zones.errors import ZonesError
from zones.store import Store
from zones.store.log import now_utc
from zones.store.schema import users

ROLES = ("editor", "reviewer")
MIN_PASSWORD = 8
#: The delay after a failed sign-in, doubled for each recent failure of the same name (s).
FAIL_DELAY_S = 1.0
MAX_DELAY_S = 8.0
#: Failures older than this no longer count (s).
FAIL_WINDOW_S = 15 * 60

_HASHER = PasswordHasher()
#: Verified against when the name is unknown, so both answers take as long.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AuthError(ZonesError):
    """An account cannot be made or changed as asked (one line)."""


@dataclass(frozen=True)
class User:
    """A signed-in person."""

    name: str
    role: str

    @property
    def can_propose(self) -> bool:
        return self.role in ROLES

    @property
    def can_review(self) -> bool:
        return self.role == "reviewer"


def _ready(conn: sa.Connection) -> None:
    """The accounts table (added to a store made before accounts existed)."""
    users.create(conn, checkfirst=True)


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() or not c.isprintable() for c in name):
        raise AuthError("a user name is 1 to 64 printable characters without spaces")
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"a password needs at least {MIN_PASSWORD} characters")


def add_user(store: Store, name: str, password: str, role: str) -> User:
    """A new account; AuthError when the name is taken, the role unknown or the password short."""
    name = _check_name(name)
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    _check_password(password)
    with store.transaction() as conn:
        _ready(conn)
        if conn.execute(sa.select(users.c.name).where(users.c.name == name)).first():
            raise AuthError(f"user {name!r} exists already (`zones users reset-password {name}`)")
        conn.execute(
            users.insert().values(
                name=name,
                role=role,
                password_hash=_HASHER.hash(password),
                created_at=now_utc(),
                failed=0,
                failed_at=0.0,
            )
        )
    return User(name, role)


def list_users(store: Store) -> list[User]:
    with store.transaction() as conn:
        _ready(conn)
        rows = conn.execute(sa.select(users.c.name, users.c.role).order_by(users.c.name))
        return [User(r.name, r.role) for r in rows]


def remove_user(store: Store, name: str) -> None:
    """Remove an account (the changes it made stay in the log under its name)."""
    with store.transaction() as conn:
        _ready(conn)
        if conn.execute(users.delete().where(users.c.name == name)).rowcount != 1:
            raise AuthError(f"no user {name!r}")


def reset_password(store: Store, name: str, password: str) -> None:
    _check_password(password)
    with store.transaction() as conn:
        _ready(conn)
        done = conn.execute(
            users.update()
            .where(users.c.name == name)
            .values(password_hash=_HASHER.hash(password), failed=0, failed_at=0.0)
        )
        if done.rowcount != 1:
            raise AuthError(f"no user {name!r}")


def lookup(store: Store, name: str) -> User | None:
    """The account ``name`` as it is now (None when removed), without a password check."""
    with store.connect() as conn:
        if not sa.inspect(conn).has_table(users.name):
            return None
        row = conn.execute(sa.select(users.c.name, users.c.role).where(users.c.name == name))
        found = row.first()
    return User(found.name, found.role) if found else None


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user, when ``name`` and ``password`` match; else None, after a delay that grows
    with that name's recent failures. An unknown name costs the same as a wrong password."""
    name = name.strip()
    with store.transaction() as conn:
        _ready(conn)
        row = conn.execute(sa.select(users).where(users.c.name == name)).mappings().first()
        if row is not None and _verify(row["password_hash"], password):
            conn.execute(users.update().where(users.c.name == name).values(failed=0))
            return User(row["name"], row["role"])
        failures = 1
        if row is None:
            _verify(_DUMMY_HASH, password)
        else:
            recent = time.time() - row["failed_at"] < FAIL_WINDOW_S
            failures = (row["failed"] if recent else 0) + 1
            conn.execute(
                users.update()
                .where(users.c.name == name)
                .values(failed=failures, failed_at=time.time())
            )
    time.sleep(min(FAIL_DELAY_S * 2 ** (failures - 1), MAX_DELAY_S))
    return None
