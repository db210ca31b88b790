"""The GIS round trip on the command line: `zones import` (the bundle is a format of
``zones export``, see :mod:`zones.formats`).

``add_import_parser(subparsers)`` adds ``zones import``; :func:`run_import` runs it. It returns
the exit status and never lets an expected error escape as a traceback: 0 done, 1 nothing could
be imported / bad data, 2 a bad option value.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from zones.console import err as _err
from zones.console import out as _out
from zones.console import report_error as _report
from zones.crs import IMPORT_CRS
from zones.errors import UnknownValueError, ZonesError
from zones.settings import DATA_DIR, GEO_DIR

if TYPE_CHECKING:  # the importer (geopandas, GDAL) loads only when `zones import` runs
    import pandas as pd

    from zones.importer import ImportPreview


def _parse_matches(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        key, sep, park_id = value.partition("=")
        if not sep or not key.strip() or not park_id.strip():
            raise UnknownValueError("--match", value, ["FEATURE=PARK_ID", "#3=ningbo-etdz"])
        out[key.strip()] = park_id.strip()
    return out


def add_import_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Add ``zones import`` to ``subparsers`` (of the `zones` parser); returns its parser."""
    p = subparsers.add_parser(
        "import",
        help="import surveyed park boundaries (GeoJSON, GeoPackage, zipped Shapefile, KML)",
        description=(
            "Match the polygons of a GIS file to parks (by id, else by name), show what would "
            "change, and make them the parks' surveyed footprints in geo/. Run `zones build` "
            "afterwards. --undo puts back the version before the last import."
        ),
    )
    p.add_argument(
        "path",
        nargs="?",
        type=Path,
        help=".geojson, .gpkg, .zip (Shapefile with .prj and .cpg), .shp, .kml or .kmz",
    )
    p.add_argument("--dry-run", action="store_true", help="show the preview, write nothing")
    p.add_argument("--undo", action="store_true", help="undo the last import")
    p.add_argument(
        "--crs",
        help=f"CRS of a file that has none, e.g. {', '.join(IMPORT_CRS)} (a file's own CRS wins)",
    )
    p.add_argument(
        "--gcj02", action="store_true", help="coordinates are GCJ-02 (AMap, Tencent): convert"
    )
    p.add_argument(
        "--layer",
        help="layer of a GeoPackage, or file in a zip (MEMBER, or MEMBER:LAYER for a layer of "
        "a GeoPackage in the zip), when several",
    )
    p.add_argument("--id-field", help="attribute holding the park id (default: park_id, id)")
    p.add_argument("--name-field", help="attribute holding the park name (default: name_zh...)")
    p.add_argument("--encoding", help="text encoding of a Shapefile without .cpg (e.g. GBK)")
    p.add_argument(
        "--match",
        action="append",
        default=[],
        metavar="FEATURE=PARK_ID",
        help="take a match: a feature's name, id or #number, and a park id (repeatable)",
    )
    p.add_argument(
        "--confirm-mismatch",
        action="store_true",
        help="import features whose area (over 3 times off) or position (over 5 km beyond the "
        "recorded location's precision) differs widely from their park's records",
    )
    p.add_argument("--geo", type=Path, default=GEO_DIR, help="folder of source geometries")
    p.add_argument("--data", type=Path, default=DATA_DIR, help="folder of attribute tables")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the preview")
    p.set_defaults(func=run_import)
    return p


def run_import(args: argparse.Namespace) -> int:
    """Run ``zones import`` with parsed ``args``; returns the exit status."""
    from zones.importer import undo_import

    try:
        if args.undo:
            if args.path is not None or args.dry_run:
                _err("error: --undo takes no PATH and no --dry-run")
                return 2
            result = undo_import(args.geo)
            if result.emptied:
                _out(f"emptied {result.path} (there was none before the last import)")
            else:
                _out(f"restored {result.path} from {result.restored.name}")
            if result.undone is not None:
                _out(f"the undone version is kept as {result.undone}")
            _out("run `zones build` to rebuild the dataset")
            return 0
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


def _preview(args: argparse.Namespace, parks: pd.DataFrame) -> ImportPreview:
    """The preview of ``args.path`` with the command's options."""
    from zones.importer import preview_file

    return preview_file(
        args.path,
        parks,
        geo_dir=args.geo,
        source_crs=args.crs,
        gcj02=args.gcj02,
        layer=args.layer,
        id_field=args.id_field,
        name_field=args.name_field,
        encoding=args.encoding,
        assign=_parse_matches(args.match),
    )


def _preview_and_apply(args: argparse.Namespace) -> int:
    """Preview ``args.path``, print it, and apply it unless ``--dry-run``; the exit status.

    The apply holds the import lock (imports running at the same time take turns); when
    another import changed the surveyed file between the preview and the lock, the file is
    previewed again against what that import wrote, so nothing it wrote is lost.
    """
    from zones.importer import apply_import, import_lock, load_parks, surveyed_digest

    parks = load_parks(args.data)
    preview = _preview(args, parks)
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
    if preview.needs_confirmation and not args.confirm_mismatch:
        apply_import(preview, args.geo)  # refused, saying what differs and by how much
    with import_lock(args.geo):
        if surveyed_digest(args.geo) != preview.surveyed_sha256:
            _out("note: another import changed the surveyed footprints meanwhile; previewed again")
            preview = _preview(args, parks)
        result = apply_import(preview, args.geo, confirm_mismatch=args.confirm_mismatch)
    _out(
        f"wrote {result.path}: {len(result.imported)} park(s) imported, "
        f"{len(result.kept)} earlier surveyed footprint(s) kept"
    )
    _out(f"previous version kept as {result.snapshot} (`zones import --undo` restores it)")
    _out("run `zones build` to rebuild the dataset")
    return 0
