"""The stages of a preview in order: stage -> read -> match, against a store or a table of parks.

:func:`preview_file` (a path) and :func:`preview_upload` (bytes and a file name) are what the
command line and the app call; :func:`upload_layers` lists what an upload offers to choose
from. Nothing here writes anything but a private temporary folder.

Against a store, a preview remembers the parks it matched and their versions
(:attr:`ImportPreview.versions`): never newer than what the preview shows of them (see
:func:`_match`), so that applying it is refused rather than made over a change it did not show.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import pandas as pd

from zones.errors import ZonesError
from zones.importing.match import match_features
from zones.importing.messages import fail, gdal_message, refused, safe_file_name
from zones.importing.options import ImportOptions, Limits
from zones.importing.parks import Target
from zones.importing.preview import ImportPreview
from zones.importing.read import Read, polygon_layers, read
from zones.importing.stage import (
    LAYERED,
    UNPACKED,
    Source,
    datasets,
    stage_bytes,
    stage_path,
    stage_upload,
)
from zones.text.escape import plain_text

if TYPE_CHECKING:
    from zones.store import Store

#: Times the parks are read again when the store's parks themselves change meanwhile (a
#: rebuild) before the import gives up.
ATTEMPTS = 5


def preview_upload(
    data: bytes,
    filename: str,
    against: pd.DataFrame | Target | Store,
    options: ImportOptions | None = None,
    *,
    geo_dir: Path | str | None = None,
) -> ImportPreview:
    """Preview importing an uploaded file (its bytes and its original name).

    Parameters
    ----------
    data, filename
        The upload. The name's extension says the format (one of the readable formats of
        :data:`zones.io.formats.FORMATS`); the name itself is only shown and recorded, never used
        as a path.
    against
        What to match: a :class:`~zones.store.Store` (the preview can then be applied to it),
        a :class:`~zones.importing.parks.Target` read from one, or a table of parks (``id``,
        ``name_zh``, ``name_en``; ``lon``, ``lat``, ``area_km2``, ``location_basis``,
        ``location_precision_m`` for the checks), e.g. :func:`load_parks`.
    options
        The user's choices (CRS, layer, fields, encoding, explicit matches, limits): see
        :class:`~zones.importing.options.ImportOptions`; None: the defaults.
    geo_dir
        With a table of parks: the geo/ folder whose districts footprints are checked against
        (default: the repository's). A store uses its own districts.

    Raises
    ------
    DataError
        When the file cannot be read at all (malformed, truncated, unsafe zip, no CRS...),
        naming the file (and the zip entry).
    UnknownValueError
        For an option naming an unknown CRS, field or park id.
    StoreError
        When the store cannot be read.
    """
    options = ImportOptions() if options is None else options
    display = safe_file_name(filename)
    return _preview(
        lambda folder: stage_upload(data, filename, folder, options), display, options, against,
        geo_dir,
    )  # fmt: skip


def preview_file(
    path: Path | str,
    against: pd.DataFrame | Target | Store,
    options: ImportOptions | None = None,
    *,
    geo_dir: Path | str | None = None,
) -> ImportPreview:
    """Preview importing the file at ``path``; see :func:`preview_upload` for the rest.

    A ``.shp`` is read with the ``.shx``, ``.dbf``, ``.prj`` and ``.cpg`` next to it.
    """
    options = ImportOptions() if options is None else options
    path = Path(path)
    display = plain_text(str(path), 300)
    return _preview(
        lambda folder: stage_path(path, folder, options), display, options, against, geo_dir
    )


def _preview(
    stage: Callable[[Path], Source],
    display: str,
    options: ImportOptions,
    against: pd.DataFrame | Target | Store,
    geo_dir: Path | str | None,
) -> ImportPreview:
    """Stage, read and match in a private folder; an unexpected failure of the untrusted input
    becomes a DataError naming the file."""
    target = Target.of(against, Path(geo_dir) if geo_dir is not None else None)
    with tempfile.TemporaryDirectory(prefix="zones-import-") as tmp:
        try:
            source = stage(Path(tmp))
            found = read(source, options)
            return _match(found, source, options, target)
        except ZonesError:
            raise
        except Exception as exc:  # untrusted input: report, never crash the CLI or the app
            kind, reason = type(exc).__name__, gdal_message(exc)
            raise fail(display, "cannot_import", kind=kind, reason=reason) from exc


def _match(found: Read, source: Source, options: ImportOptions, target: Target) -> ImportPreview:
    """Match against ``target``; against a store, remember the versions of the matched parks.

    The versions are read after the parks the preview shows. When the store has not moved
    since those parks were read, they are exactly what the preview shows; otherwise the parks
    are read (and matched) again, after the versions: a park that moved on in between then
    shows its newer state, and applying the preview is refused as stale, never applied over a
    change it did not show.
    """
    preview = match_features(found, source, options, target)
    store = target.store
    if store is None:
        return preview
    for _ in range(ATTEMPTS):
        matched = [m.park_id for m in preview.matched]
        versions = store.versions(matched)
        if store.revision() != target.revision:
            target = Target.of_store(store)
            preview = match_features(found, source, options, target)
            if [m.park_id for m in preview.matched] != matched:
                continue  # other parks now (a rebuild): their versions, again
        preview.store, preview.versions, preview.revision = store.url, versions, target.revision
        return preview
    raise refused("busy", store=store.url, file=source.display)


def upload_layers(data: bytes, filename: str, *, limits: Limits | None = None) -> list[str]:
    """The layers an upload offers to choose from, as ``layer`` values for
    :func:`preview_upload`: a GeoPackage's polygon layers; a zip's datasets (a GeoPackage or File
    Geodatabase in it with several polygon layers as ``MEMBER:LAYER``). Empty when there is
    nothing to choose.

    Raises DataError as :func:`preview_upload` does for a file it cannot open.
    """
    options = ImportOptions(limits=limits)
    display = safe_file_name(filename)
    with tempfile.TemporaryDirectory(prefix="zones-import-") as tmp:
        try:
            source = stage_bytes(data, filename, Path(tmp), options)
            choices = _choices(source, options)
        except ZonesError:
            raise
        except Exception as exc:  # a damaged file: the preview says why
            kind, reason = type(exc).__name__, gdal_message(exc)
            raise fail(display, "cannot_import", kind=kind, reason=reason) from exc
    return choices if len(choices) > 1 else []


def _choices(source: Source, options: ImportOptions) -> list[str]:
    if source.kind == "gpkg":
        return polygon_layers(source.path)
    if not source.format.contains:
        return []
    members = source.format.load_reader()(source.path, source.display, options.bounds)
    choices: list[str] = []
    for member, kind in datasets(source, members):
        path = source.path.parent / UNPACKED / member
        inner = polygon_layers(path) if kind in LAYERED else []
        choices += [f"{member}:{n}" for n in inner] if len(inner) > 1 else [member]
    return choices


def preferred_layer(choices: Sequence[str]) -> str | None:
    """The choice an import takes by default: a zones export's parks (a GeoPackage's ``parks``
    layer first, then a File Geodatabase's), else the first."""
    layers = [c for c in choices if c == "parks" or c.endswith(":parks")]
    layers.sort(key=lambda c: not c.rpartition(":")[0].lower().endswith(".gpkg"))
    files = [c for c in choices if PurePosixPath(c).stem == "parks"]
    return next(iter(layers + files + list(choices)), None)
