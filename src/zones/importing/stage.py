"""Stage one of an import: the file into a private folder, an archive unpacked safely, the one
dataset picked, its sidecars found.

The file's format is decided here, once, by :func:`zones.io.formats.format_for_path` (the
registry's readable formats); everything after reads the :class:`Source` this stage returns.

Safety: an upload is copied into a private temporary folder under a fixed name (the user's file
name is never a path); a zip (or KMZ) is checked before anything is extracted (no absolute
paths, no ``..``, no links, not encrypted, a bounded number of members and total size) and
extraction counts the bytes it really writes.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from zones.errors import DataError, ZonesError
from zones.importing.messages import fail, safe_file_name, unsupported
from zones.importing.options import ImportOptions, Limits
from zones.io.formats import FORMATS, Format, format_for_path
from zones.text.escape import plain_text

_IGNORED_MEMBERS = re.compile(r"(^|/)(__MACOSX/|\._)|(^|/)\.DS_Store$")
#: Where an archive is unpacked, next to the staged file.
UNPACKED = "unpacked"
#: Formats whose dataset holds several layers, one chosen as ``MEMBER:LAYER`` inside a zip.
LAYERED = ("gpkg", "gdb")


@dataclass(frozen=True)
class Source:
    """The dataset an import reads, staged: what every later stage is given.

    Attributes
    ----------
    kind
        Its format (a name in :data:`zones.io.formats.FORMATS`: ``geojson``, ``gpkg``,
        ``shapefile``, ``kml``, ``mapinfo``, ``dxf``, ``gdb``); never an archive.
    path
        The dataset, under a fixed name in a private folder (a folder itself for ``gdb``).
    display
        How messages name it: the file as the user named it, or ``survey.zip/parks.shp``.
    name
        The original file's name, recorded as each footprint's source.
    sidecars
        The files read with it, by suffix (a Shapefile's ``.shx``, ``.dbf``, ``.prj``,
        ``.cpg``; a MapInfo table's ``.dat``, ``.map``, ``.id``, ``.mid``), those found.
    layer
        The layer to read in it (a GeoPackage's, a File Geodatabase's), None to let the reader
        choose.
    """

    kind: str
    path: Path
    display: str
    name: str
    sidecars: Mapping[str, Path] = field(default_factory=dict)
    layer: str | None = None

    @property
    def format(self) -> Format:
        """Its :class:`~zones.io.formats.Format`."""
        return FORMATS[self.kind]


def readable_format(name: str, display: str) -> Format:
    """The readable format of a file called ``name`` (by its extension).

    Raises
    ------
    DataError
        Naming ``display`` and listing the formats zones reads, when none claims it.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    try:
        return FORMATS[format_for_path(base, reading=True)]
    except ZonesError:
        raise unsupported(display, PurePosixPath(base).suffix.lower()) from None


def sibling(path: Path, suffix: str) -> Path | None:
    """The file next to ``path`` with ``suffix`` (``.dbf``, ``.DBF``...), or None."""
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def stage_path(path: Path, folder: Path, options: ImportOptions) -> Source:
    """Copy the file at ``path`` (and its sidecars) into ``folder``; unpack it when it is an
    archive. Returns the dataset to read."""
    display = plain_text(str(path), 300)
    limits = options.bounds
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise fail(display, "cannot_read", reason=exc.strerror or exc) from exc
    if path.is_dir() and _is_folder_dataset(path.name):
        raise fail(display, "folder_zip")
    if not path.is_file():
        raise fail(display, "not_file")
    if size > limits.max_file_bytes:
        raise fail(display, "too_big", size=size, limit=limits.max_file_bytes)
    fmt = readable_format(path.name, display)
    if fmt.folder:
        raise fail(display, "folder_zip")
    staged = folder / f"upload{path.suffix.lower()}"
    shutil.copyfile(path, staged)
    sidecars: dict[str, Path] = {}
    for suffix in fmt.sidecars:
        found = sibling(path, suffix)
        if found is not None:
            sidecars[suffix] = shutil.copyfile(found, staged.with_suffix(suffix))
    source = Source(fmt.name, staged, display, safe_file_name(path.name), sidecars, options.layer)
    return open_archive(source, limits)


def _is_folder_dataset(name: str) -> bool:
    """Whether a folder called ``name`` is a dataset of a folder format (``survey.gdb``)."""
    try:
        return FORMATS[format_for_path(name, reading=True)].folder
    except ZonesError:
        return False


def stage_upload(data: bytes, filename: str, folder: Path, options: ImportOptions) -> Source:
    """Write an upload (its bytes; its name only says the format) into ``folder``; unpack it
    when it is an archive. Returns the dataset to read."""
    return open_archive(stage_bytes(data, filename, folder, options), options.bounds)


def stage_bytes(data: bytes, filename: str, folder: Path, options: ImportOptions) -> Source:
    """Write an upload into ``folder`` as it is (an archive stays packed)."""
    display = safe_file_name(filename)
    limits = options.bounds
    if len(data) > limits.max_file_bytes:
        raise fail(display, "too_big", size=len(data), limit=limits.max_file_bytes)
    fmt = readable_format(display, display)
    if fmt.folder:
        raise fail(display, "folder_zip")
    staged = folder / f"upload{PurePosixPath(display).suffix.lower()}"
    staged.write_bytes(data)
    return Source(fmt.name, staged, display, display, {}, options.layer)


def open_archive(source: Source, limits: Limits) -> Source:
    """``source`` itself, or, for an archive, the one dataset inside it (unpacked with the
    archive format's reader, :func:`unpack`)."""
    fmt = source.format
    if not fmt.contains:
        return source
    members = fmt.load_reader()(source.path, source.display, limits)
    return pick_dataset(source, members)


def unpack(archive: Path, display: str, limits: Limits) -> list[str]:
    """Extract the zip (or KMZ) ``archive`` into :data:`UNPACKED` next to it, after checking
    every member; the extracted relative paths. The reader of the archive formats."""
    with open(archive, "rb") as fh:
        if fh.read(2) != b"PK":
            raise fail(display, "not_zip")
    dest = archive.parent / UNPACKED
    dest.mkdir()
    return _extract_zip(archive, dest, display, limits)


def datasets(source: Source, members: list[str]) -> list[tuple[str, str]]:
    """The members of the archive ``source`` that are datasets it may hold: (member, kind).

    A member is a file, or a folder holding files (a File Geodatabase's ``survey.gdb``) for a
    format that is a folder; nothing inside a folder dataset is a dataset of its own."""
    folders: dict[str, None] = {}  # in the archive's order, each folder before its files
    candidates: dict[str, None] = {}
    for m in members:
        for parent in reversed(PurePosixPath(m).parents[:-1]):
            folders[str(parent)] = candidates[str(parent)] = None
        candidates[m] = None
    out: list[tuple[str, str]] = []
    for member in candidates:
        try:
            kind = format_for_path(member, reading=True)
        except ZonesError:
            continue
        if kind not in source.format.contains or FORMATS[kind].folder != (member in folders):
            continue
        if any(member.startswith(f"{found}/") for found, k in out if FORMATS[k].folder):
            continue
        out.append((member, kind))
    return out


def pick_dataset(source: Source, members: list[str]) -> Source:
    """The one dataset inside the unpacked archive ``source``.

    ``source.layer`` names a member (its path or its name without extension), or a layer of a
    GeoPackage or File Geodatabase member as ``MEMBER:LAYER``; with one dataset in the archive
    it is that dataset's layer (or ``MEMBER:LAYER`` of it, as
    :func:`zones.importing.pipeline.upload_layers` offers).
    """
    found = datasets(source, members)
    layer = source.layer
    inner = layer
    if layer and len(found) == 1:
        member, sep, name = layer.rpartition(":")
        if sep and member == found[0][0] and found[0][1] in LAYERED:
            inner = name
    if layer and len(found) > 1:
        chosen = [(m, k) for m, k in found if PurePosixPath(m).stem == layer or m == layer]
        member, sep, name = layer.rpartition(":")
        kinds = dict(found)
        if not chosen and sep and kinds.get(member) in LAYERED:
            chosen, inner = [(member, kinds[member])], name
        elif chosen:
            inner = None
        found = chosen or found
    if not found:
        listed = ", ".join(members[:10]) or "—"
        tables = [m for m in members if m.lower().endswith(".gdbtable")]
        if tables and "gdb" in source.format.contains:
            raise fail(source.display, "gdb_loose", listed=", ".join(tables[:3]))
        kinds = " ".join(
            f"{ext}/" if FORMATS[k].folder else ext
            for k in source.format.contains
            for ext in FORMATS[k].extensions
        )
        raise fail(source.display, "zip_empty", kinds=kinds, listed=listed)
    if len(found) > 1:
        raise fail(source.display, "zip_several", found=", ".join(m for m, _ in found))
    member, kind = found[0]
    path = source.path.parent / UNPACKED / member
    sidecars = {s: p for s in FORMATS[kind].sidecars if (p := sibling(path, s)) is not None}
    return Source(kind, path, f"{source.display}/{member}", source.name, sidecars, inner)


# --------------------------------------------------------------------------------------------
# Zip safety


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode) if mode else False


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it: zips from Chinese Windows store GBK names
    without the UTF-8 flag, which Python reads as cp437."""
    if info.flag_bits & 0x800 or info.filename.isascii():
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _check_member(info: zipfile.ZipInfo, display: str) -> str:
    """The member's safe relative POSIX path, or DataError naming it."""
    raw = _member_name(info)
    name = raw.replace("\\", "/")
    if "\x00" in name:
        raise fail(display, "zip_nul", name=repr(raw))
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise fail(display, "zip_absolute", name=repr(raw))
    parts = PurePosixPath(name).parts
    if any(part == ".." for part in parts):
        raise fail(display, "zip_dotdot", name=repr(raw))
    if _is_link(info):
        raise fail(display, "zip_link", name=repr(raw))
    if info.flag_bits & 0x1:
        raise fail(display, "zip_encrypted", name=repr(raw))
    return "/".join(p for p in parts if p not in ("", "."))


def _extract_zip(archive: Path, dest: Path, display: str, limits: Limits) -> list[str]:
    """Check every member of ``archive``, then extract the files into ``dest``.

    Returns the extracted relative paths. Raises DataError naming the archive (and entry)
    for anything unsafe: before a single byte is written when the central directory shows it.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise fail(display, "zip_unreadable", reason=exc) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise fail(display, "zip_members", n=len(infos), limit=limits.max_members)
        safe = [(info, _check_member(info, display)) for info in infos]
        total = sum(info.file_size for info in infos)
        if total > limits.max_unpacked_bytes:
            raise fail(display, "zip_total", total=total, limit=limits.max_unpacked_bytes)
        written = 0
        out: list[str] = []
        root = dest.resolve()
        for info, rel in safe:
            if info.is_dir() or not rel or _IGNORED_MEMBERS.search(rel):
                continue
            name = repr(_member_name(info))
            target = (dest / rel).resolve()
            if not target.is_relative_to(root):  # belt and braces after _check_member
                raise fail(display, "zip_outside", name=name)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "xb") as dst:
                    while chunk := src.read(1 << 16):
                        written += len(chunk)
                        if written > limits.max_unpacked_bytes:
                            raise fail(
                                display, "zip_over", limit=limits.max_unpacked_bytes, name=name
                            )
                        dst.write(chunk)
            except FileExistsError as exc:
                raise fail(display, "zip_twice", name=name) from exc
            except DataError:
                raise
            except Exception as exc:  # BadZipFile, OSError, EOFError, zlib.error, unknown method
                raise fail(display, "zip_extract", name=name, reason=exc) from exc
            out.append(rel)
    return out
