"""The GIS round trip on the command line: `zones import` (the bundle is a format of
``zones export``, see :mod:`zones.io.formats`).

``add_import_parser(subparsers)`` adds ``zones import``; :func:`run_import` runs it. It returns
the exit status and never lets an expected error escape as a traceback: 0 done, 1 nothing could
be imported / bad data / refused, 2 a bad option value.

An import records its features in the store's log as one batch of changes, accepted at once
(the person at the command line of the server is trusted) unless ``--propose-only``; ``--undo``
reverts the last import of the same person.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from zones.cli.console import add_lang_option
from zones.cli.console import err as _err
from zones.cli.console import out as _out
from zones.cli.console import report_error as _report
from zones.cli.store import acting_user, ready_store
from zones.errors import UnknownValueError, ZonesError
from zones.geo.crs import IMPORT_CRS
from zones.io.formats import readable_formats

if TYPE_CHECKING:  # the importer (geopandas, GDAL) loads only when `zones import` runs
    from zones.importing import ImportPreview
    from zones.store import Store


def _parse_matches(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        key, sep, park_id = value.partition("=")
        if not sep or not key.strip() or not park_id.strip():
            raise UnknownValueError("--match", value, ["FEATURE=PARK_ID", "#3=ningbo-etdz"])
        out[key.strip()] = park_id.strip()
    return out


def _readable() -> str:
    """The formats `zones import` reads, from the registry: ``.geojson .json: GeoJSON; …``."""
    return "; ".join(f"{' '.join(f.extensions)}: {f.label('en')}" for f in readable_formats())


def add_import_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Add ``zones import`` to ``subparsers`` (of the `zones` parser); returns its parser."""
    names = ", ".join(f.label("en").split(" (")[0] for f in readable_formats())
    p = subparsers.add_parser(
        "import",
        help=f"import surveyed park boundaries ({names})",
        description=(
            "Match the polygons of a GIS file to parks (by id, else by name), show what would "
            "change, and record them in the store's log as one batch of footprint changes, "
            "accepted at once (--propose-only: left for review). Readers see them at once; "
            "nothing is rebuilt. --undo reverts your last import."
        ),
    )
    p.add_argument("path", nargs="?", type=Path, help=f"the file: {_readable()}")
    p.add_argument("--dry-run", action="store_true", help="show the preview, write nothing")
    p.add_argument(
        "--undo",
        action="store_true",
        help="revert the changes of your last import (the one --as names) still in force",
    )
    p.add_argument(
        "--propose-only",
        action="store_true",
        help="record the changes as proposed, for a reviewer to accept (`zones changes accept`)",
    )
    p.add_argument(
        "--crs",
        help=f"CRS of a file that has none (a DXF never has one: required), e.g. "
        f"{', '.join(IMPORT_CRS)} (a file's own CRS wins)",
    )
    p.add_argument(
        "--gcj02", action="store_true", help="coordinates are GCJ-02 (AMap, Tencent): convert"
    )
    p.add_argument(
        "--layer",
        help="layer of a GeoPackage or File Geodatabase, or file in a zip (MEMBER, or "
        "MEMBER:LAYER for a layer of a GeoPackage or .gdb in the zip), when several",
    )
    p.add_argument("--id-field", help="attribute holding the park id (default: park_id, id)")
    p.add_argument("--name-field", help="attribute holding the park name (default: name_zh...)")
    p.add_argument(
        "--encoding",
        help="text encoding of a Shapefile without .cpg, or of a DXF's layer names and texts "
        "(e.g. GBK; guessed otherwise)",
    )
    p.add_argument(
        "--match",
        action="append",
        default=[],
        metavar="FEATURE=PARK_ID",
        help="take a match: a feature's name, id or #number (a DXF shape's layer), and a park "
        "id (repeatable)",
    )
    p.add_argument(
        "--confirm-mismatch",
        action="store_true",
        help="import features whose area (over 3 times off) or position (over 5 km beyond the "
        "recorded location's precision) differs widely from their park's records",
    )
    p.add_argument(
        "--store",
        help="store to record the changes in: a GeoPackage or postgresql://… (default: "
        "ZONES_STORE, ZONES_GPKG, build/zones.gpkg)",
    )
    p.add_argument(
        "--as", dest="who", help="who imports (default: ZONES_USER, else the login name)"
    )
    add_lang_option(p, "language of the preview")
    p.set_defaults(func=run_import)
    return p


def run_import(args: argparse.Namespace) -> int:
    """Run ``zones import`` with parsed ``args``; returns the exit status."""
    try:
        if args.undo:
            if args.path is not None or args.dry_run or args.propose_only:
                _err("error: --undo takes no PATH, --dry-run or --propose-only")
                return 2
            return _undo(ready_store(args.store), acting_user(args))
        if args.path is None:
            _err("error: give the PATH of the file to import (or --undo)")
            return 2
        return _preview_and_apply(args)
    except ZonesError as exc:
        return _report(exc)
    except OSError as exc:
        _err(f"error: {exc.filename or ''}: {exc.strerror or exc}")
        return 1
    except Exception as exc:  # untrusted input must never end in a traceback
        reason = f"{type(exc).__name__}: {exc}"
        _err(f"error: {args.path}: cannot be imported ({reason}); nothing written")
        return 1


def _undo(store: Store, who: str) -> int:
    """Revert ``who``'s last import in ``store``; the exit status."""
    from zones.importing import undo_import

    done = undo_import(store, author=who)
    ids = ", ".join(f"#{i}" for i in done.reverted)
    _out(
        f"reverted change(s) {ids} ({', '.join(done.undone.parks)}): the import of "
        f"{done.undone.source} by {who} at {done.undone.created_at}, in {store.url}"
    )
    return 0


def _preview(args: argparse.Namespace, store: Store) -> ImportPreview:
    """The preview of ``args.path`` against ``store``, with the command's options."""
    from zones.importing import ImportOptions, preview_file

    options = ImportOptions(
        source_crs=args.crs,
        gcj02=args.gcj02,
        layer=args.layer,
        id_field=args.id_field,
        name_field=args.name_field,
        encoding=args.encoding,
        assign=_parse_matches(args.match),
    )
    return preview_file(args.path, store, options)


def _preview_and_apply(args: argparse.Namespace) -> int:
    """Preview ``args.path``, print it, and record it unless ``--dry-run``; the exit status.

    The changes are made against the versions of the parks the preview saw: one that moved on
    meanwhile (another import, a reviewer) refuses the whole import, naming who changed it.
    """
    from zones.importing import apply_import

    store = ready_store(args.store)
    who = acting_user(args)
    preview = _preview(args, store)
    # Attribute text is plain, control characters dropped; problems stay in English, as the
    # command's errors do.
    _out(preview.text(args.lang, problem_lang="en"))
    if not preview.can_apply:
        _err(f"error: {preview.file}: nothing could be imported; nothing written")
        return 1
    if args.dry_run:
        if preview.needs_confirmation and not args.confirm_mismatch:
            _err("note: applying this file needs --confirm-mismatch (see the mismatches above)")
        _out("dry run: nothing written")
        return 0
    done = apply_import(
        preview,
        store,
        author=who,
        accept=not args.propose_only,
        confirm_mismatch=args.confirm_mismatch,
    )
    ids = ", ".join(f"#{i}" for i in done.change_ids)
    if done.accepted:
        _out(
            f"{len(done.imported)} park(s) imported into {store.url} by {who}: change(s) {ids}, "
            "accepted (`zones import --undo` reverts them)"
        )
    else:
        _out(
            f"{len(done.imported)} park(s) proposed in {store.url} by {who}: change(s) {ids}, "
            "waiting for review (`zones changes accept ID`)"
        )
    return 0
