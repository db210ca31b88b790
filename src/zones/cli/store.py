"""`zones store` and `zones changes`: the shared store and its log of corrections.

zones store init|status [--store URL]
zones store migrate [--geo DIR]          one-off: geo/surveyed_footprints.geojson into the log
zones changes list [--park ID] [--status S]
zones changes show|accept|reject|revert ID [--comment TEXT]
zones changes export --out FILE          the accepted footprints, as GeoJSON for geo/
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from zones.cli.console import err, out
from zones.settings import BUILTIN_GPKG, DEFAULT_STORE, GEO_DIR, is_database_url

if TYPE_CHECKING:
    from zones.store import Store


def _store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from zones.store import open_store

    return open_store(args.store)


def ready_store(where: str | Path | None) -> Store:
    """The store at ``where`` (default: ZONES_STORE, ZONES_GPKG, the built-in GeoPackage).

    Only the built-in default (``build/zones.gpkg``, when neither variable is set) is (re)built
    first when stale; a store named by a variable or an option is used as it is, so a mistyped
    path is an error, never a new build somewhere unexpected.
    """
    from zones.store import open_store

    return open_store(ready_location(where))


def ready_location(where: str | Path | None) -> str | Path:
    """Where :func:`ready_store` opens the store: ``where`` or the default, the built-in
    default (re)built first when stale."""
    where = DEFAULT_STORE if where is None else where
    if not is_database_url(where) and Path(where) == BUILTIN_GPKG:
        from zones.build.assemble import build, is_stale  # only the built-in default needs it

        if is_stale(where):
            err(f"building {where} first (missing, unreadable or built from other inputs)")
            build(where)
    return where


def acting_user(args: argparse.Namespace) -> str:
    """Who a command acts as: --as, else ZONES_USER, else the login name."""
    return args.who or os.environ.get("ZONES_USER") or getpass.getuser()


def cmd_store(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.action == "init":
        status = store.init()
    elif args.action == "migrate":
        from zones.store.migrate import migrate_surveyed

        done = migrate_surveyed(store, Path(args.geo), author=acting_user(args))
        for line in done:
            out(line)
        status = store.status()
    else:
        status = store.status()
    for line in status.lines():
        out(line)
    return 0


def _summary(change) -> str:  # type: ignore[no-untyped-def]
    return (
        f"#{change.id}  {change.status:<8}  {change.park_id}  {change.kind:<9}  "
        f"{change.author}  {change.created_at}  {change.source}"
    )


def cmd_changes(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.action == "list":
        for change in store.changes(park_id=args.park, status=args.status):
            out(_summary(change))
        return 0
    if args.action == "export":
        from zones.io.atomic import check_writable
        from zones.store.migrate import write_accepted_footprints

        path = write_accepted_footprints(store, check_writable(args.out))
        out(f"wrote {path}")
        return 0
    if args.id is None:
        from zones.errors import ZonesError

        raise ZonesError(f"`zones changes {args.action}` needs the id of a change")
    if args.action == "show":
        out(json.dumps(store.change(args.id).to_json(), ensure_ascii=False, indent=2))
        return 0
    act = {"accept": store.accept, "reject": store.reject, "revert": store.revert}[args.action]
    change = act(args.id, by=acting_user(args), comment=args.comment or "")
    out(_summary(change))
    return 0


def _read_password(args: argparse.Namespace) -> str:
    """The new password: one line of standard input with --password-stdin, else typed twice
    at the terminal (never an argument: it would show in the shell's history)."""
    import sys

    from zones.store.auth import AuthError

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise AuthError("the two passwords differ; nothing changed")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from zones.errors import ZonesError
    from zones.store import auth

    store = _store(args)
    if args.action == "list":
        for user in auth.list_users(store):
            out(f"{user.name}\t{user.role}")
        return 0
    if not args.name:
        raise ZonesError(f"`zones users {args.action}` needs a user name")
    if args.action == "add":
        if not args.role:
            raise ZonesError("`zones users add` needs --role editor or --role reviewer")
        user = auth.add_user(store, args.name, _read_password(args), args.role)
        out(f"added {user.name} ({user.role})")
    elif args.action == "remove":
        auth.remove_user(store, args.name)
        out(f"removed {args.name}")
    else:
        auth.reset_password(store, args.name, _read_password(args))
        out(f"new password set for {args.name}")
    return 0


def add_store_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `zones store` and `zones changes` to the `zones` command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store", help="postgresql://… or a GeoPackage path (default: ZONES_STORE, ZONES_GPKG)"
    )
    common.add_argument("--as", dest="who", help="who acts (default: ZONES_USER, login name)")

    p = sub.add_parser("store", parents=[common], help="create or inspect the shared store")
    p.add_argument(
        "action",
        choices=("init", "status", "migrate"),
        help="init: create the log; status: counts; migrate: geo/surveyed_footprints into the log",
    )
    p.add_argument("--geo", default=str(GEO_DIR), help="migrate: folder of surveyed_footprints")
    p.set_defaults(func=cmd_store)

    p = sub.add_parser("changes", parents=[common], help="the log of corrections")
    p.add_argument(
        "action",
        choices=("list", "show", "accept", "reject", "revert", "export"),
        help="what to do with the log (accept/reject/revert take the change's number)",
    )
    p.add_argument("id", nargs="?", type=int, help="the change's number")
    p.add_argument("--park", help="list: only this park's changes")
    p.add_argument("--status", help="list: proposed, accepted, rejected or reverted")
    p.add_argument("--comment", help="accept/reject/revert: why")
    p.add_argument("--out", help="export: GeoJSON file of the accepted footprints")
    p.set_defaults(func=cmd_changes)

    p = sub.add_parser("users", parents=[common], help="who may sign in to propose or review")
    p.add_argument(
        "action",
        choices=("add", "list", "remove", "reset-password"),
        help="add/remove an account, list them, or set a new password",
    )
    p.add_argument("name", nargs="?", help="the user's name")
    p.add_argument("--role", choices=("editor", "reviewer"), help="add: editor or reviewer")
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    p.set_defaults(func=cmd_users)
