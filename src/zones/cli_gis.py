"""The GIS round trip on the command line: `zones import` and `zones export --format bundle`.

``add_import_parser(subparsers)`` adds ``zones import``; :func:`run_import` runs it.
``add_bundle_options(export_parser)`` adds ``--crs`` to ``zones export``, and
:func:`run_bundle` writes the bundle when the format is ``bundle`` (or ``--out`` ends in
``.zip`` and no format is given). Both return the exit status and never let an expected error
escape as a traceback: 0 done, 1 nothing could be imported / bad data, 2 a bad option value.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from zones.console import err as _err
from zones.console import out as _out
from zones.console import report_error as _report
from zones.dataset import Dataset
from zones.errors import UnknownValueError, ZonesError
from zones.filters import ParkFilter
from zones.settings import DATA_DIR, GEO_DIR


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
        "--crs", help="CRS of a file that has none, e.g. EPSG:4549 (a file's own CRS wins)"
    )
    p.add_argument(
        "--gcj02", action="store_true", help="coordinates are GCJ-02 (AMap, Tencent): convert"
    )
    p.add_argument("--layer", help="layer of a GeoPackage, or file in a zip, when several")
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
    p.add_argument("--geo", type=Path, default=GEO_DIR, help="folder of source geometries")
    p.add_argument("--data", type=Path, default=DATA_DIR, help="folder of attribute tables")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the preview")
    p.set_defaults(func=run_import)
    return p


def run_import(args: argparse.Namespace) -> int:
    """Run ``zones import`` with parsed ``args``; returns the exit status."""
    from zones.importer import apply_import, load_parks, preview_file, undo_import

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
        parks = load_parks(args.data)
        preview = preview_file(
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
        _out(preview.text(args.lang))  # attribute text is plain, control characters dropped
        if not preview.can_apply:
            _err(f"error: {preview.file}: nothing could be imported; nothing written")
            return 1
        if args.dry_run:
            _out("dry run: nothing written")
            return 0
        result = apply_import(preview, args.geo)
        _out(
            f"wrote {result.path}: {len(result.imported)} park(s) imported, "
            f"{len(result.kept)} earlier surveyed footprint(s) kept"
        )
        _out(f"previous version kept as {result.snapshot} (`zones import --undo` restores it)")
        _out("run `zones build` to rebuild the dataset")
        return 0
    except ZonesError as exc:
        return _report(exc)
    except OSError as exc:
        _err(f"error: {exc.filename or ''}: {exc.strerror or exc}")
        return 1
    except Exception as exc:  # untrusted input must never end in a traceback
        reason = f"{type(exc).__name__}: {exc}"
        _err(f"error: {args.path}: cannot be imported ({reason}); nothing written")
        return 1


def add_bundle_options(export_parser: argparse.ArgumentParser) -> None:
    """Add the bundle's ``--crs`` option to the ``zones export`` parser."""
    export_parser.add_argument(
        "--crs",
        default="EPSG:4326",
        help="bundle only: CRS of the GeoPackage and Shapefiles: EPSG:4326 (default), "
        "EPSG:4490 (CGCS2000) or EPSG:4549 (CGCS2000 Gauss-Kruger 120E, metres); "
        "GeoJSON stays EPSG:4326",
    )


def wants_bundle(args: argparse.Namespace) -> bool:
    """True when ``zones export`` was asked for a bundle (``--format bundle``, or no format
    and ``--out`` ending in ``.zip``)."""
    fmt = (getattr(args, "format", None) or "").strip().lower()
    out = getattr(args, "out", None)
    return fmt == "bundle" or (not fmt and out is not None and str(out).lower().endswith(".zip"))


def run_bundle(args: argparse.Namespace, dataset: Dataset, park_filter: ParkFilter) -> int:
    """Write the export bundle for ``zones export --format bundle``; returns the exit status.

    ``dataset`` and ``park_filter`` are resolved by ``zones export``; uses ``args.out``,
    ``args.crs``, ``args.lang`` and ``args.geo``.
    """
    from zones.bundle import write_bundle
    from zones.filters import describe_filter

    try:
        lang = getattr(args, "lang", "zh") or "zh"
        info = write_bundle(
            dataset,
            args.out,
            crs=getattr(args, "crs", None) or "EPSG:4326",
            park_filter=park_filter,
            lang=lang,
            geo_dir=getattr(args, "geo", GEO_DIR),
        )
        _out(describe_filter(dataset, park_filter, info.parks, lang=lang))
        _out(
            f"wrote {info.path} (bundle, {info.crs}, {len(info.entries)} files, "
            f"{info.size_bytes:,} bytes)"
        )
        for key, count in sorted(info.truncated.items()):
            _err(f"note: {count} Shapefile cell(s) of {key} cut to 254 bytes (full in GPKG)")
        return 0
    except ZonesError as exc:
        return _report(exc)
    except OSError as exc:
        _err(f"error: {exc.filename or ''}: {exc.strerror or exc}")
        return 1
