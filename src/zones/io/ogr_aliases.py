"""Field aliases in a File Geodatabase, set with GDAL's own C API on pyogrio's GDAL.

A File Geodatabase field has a name and an *alias*, the label ArcGIS (and QGIS, through GDAL)
shows in attribute tables and forms. GDAL calls it the field's *alternative name*
(``OGRFieldDefn::SetAlternativeName``, GDAL >= 3.2), and its OpenFileGDB driver stores it as the
alias, both in the table's own field list and in the layer's XML definition in ``GDB_Items``.

pyogrio (up to 0.13 at least) cannot set it: it creates each field from a name, a type and a
width, and no option of ``write_dataframe`` (dataset, layer or field metadata) reaches the
alternative name; OpenFileGDB has no creation option for field aliases either (only
``LAYER_ALIAS``, for the layer). GDAL can change it on a written layer:
``OGR_L_AlterFieldDefn(layer, i, field, ALTER_ALTERNATIVE_NAME_FLAG)`` (GDAL >= 3.7; OpenFileGDB
supports it and changes nothing else). This module makes those few calls with :mod:`ctypes` on
the GDAL library pyogrio itself runs on, so there is no other dependency and no command-line tool:

- pyogrio's wheels bundle it (``pyogrio.libs/libgdal-*.so*`` on Linux,
  ``pyogrio/.dylibs/libgdal*.dylib`` on macOS, ``pyogrio.libs/gdal*.dll`` on Windows);
- a pyogrio built against a system or conda GDAL: on Linux and macOS, symbols looked up through
  pyogrio's own extension module resolve in the libgdal it is linked to (``dlsym`` searches a
  library's dependencies); on Windows, ``gdal.dll`` found on the ``PATH``.

Each change rewrites the layer's XML definition in the ``GDB_Items`` system table; the
dataset is then compacted (OpenFileGDB's ``REPACK`` SQL command), so the aliases add a few
bytes per field and no dead space.

A library is used only when its version is pyogrio's (never a second GDAL in the process) and
at least 3.7, and when every function below is there.

Fallback: when no such library is found, or GDAL refuses a change, the File Geodatabase stays
as pyogrio wrote it (valid, every field there, only without aliases, or some of them) and a
warning is logged on this module's logger; nothing is raised. GDAL's own messages are kept
quiet during the calls (a quiet handler is pushed, then popped) and quoted in that warning.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyogrio

log = logging.getLogger(__name__)

#: ``ogr_core.h``: ``OGR_L_AlterFieldDefn`` changes the field's alternative name (GDAL >= 3.7).
ALTER_ALTERNATIVE_NAME_FLAG = 0x80
#: ``gdal.h``: ``GDALOpenEx`` flags.
GDAL_OF_UPDATE = 0x01
GDAL_OF_VECTOR = 0x04
#: ``ogr_core.h``: ``OGRERR_NONE``.
OGRERR_NONE = 0
#: The first GDAL whose ``OGR_L_AlterFieldDefn`` knows ``ALTER_ALTERNATIVE_NAME_FLAG``.
MIN_GDAL = (3, 7, 0)
DRIVER = "OpenFileGDB"

_P = ctypes.c_void_p
_S = ctypes.c_char_p
_I = ctypes.c_int
#: The functions used: name -> (result type, argument types).
_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "GDALVersionInfo": (_S, [_S]),
    "GDALOpenEx": (_P, [_S, ctypes.c_uint, ctypes.POINTER(_S), _P, _P]),
    "GDALClose": (None, [_P]),
    "GDALDatasetGetLayerByName": (_P, [_P, _S]),
    "OGR_L_GetLayerDefn": (_P, [_P]),
    "OGR_L_TestCapability": (_I, [_P, _S]),
    "OGR_L_AlterFieldDefn": (_I, [_P, _I, _P, _I]),
    "OGR_FD_GetFieldIndex": (_I, [_P, _S]),
    "OGR_FD_GetFieldDefn": (_P, [_P, _I]),
    "OGR_Fld_Create": (_P, [_S, _I]),
    "OGR_Fld_Destroy": (None, [_P]),
    "OGR_Fld_GetType": (_I, [_P]),
    "OGR_Fld_SetAlternativeName": (None, [_P, _S]),
    "OGR_Fld_GetAlternativeNameRef": (_S, [_P]),
    "GDALDatasetExecuteSQL": (_P, [_P, _S, _P, _S]),
    "GDALDatasetReleaseResultSet": (None, [_P, _P]),
    "OGR_L_GetNextFeature": (_P, [_P]),
    "OGR_F_GetFieldAsString": (_S, [_P, _I]),
    "OGR_F_Destroy": (None, [_P]),
    "CPLQuietErrorHandler": (None, [_I, _I, _S]),  # only its address is used
    "CPLPushErrorHandler": (None, [_P]),
    "CPLPopErrorHandler": (None, []),
    "CPLErrorReset": (None, []),
    "CPLGetLastErrorMsg": (_S, []),
}


def _version_num(version: tuple[int, ...]) -> int:
    """GDAL's ``VERSION_NUM`` of ``(major, minor, revision)``: 3.12.4 -> 3120400."""
    major, minor, rev = (*version, 0, 0, 0)[:3]
    return major * 1_000_000 + minor * 10_000 + rev * 100


def _candidates() -> Iterator[str]:
    """Where pyogrio's GDAL may be, most direct first."""
    package = Path(pyogrio.__file__).parent
    for folder, pattern in (
        (package.parent / "pyogrio.libs", "libgdal*.so*"),
        (package / ".dylibs", "libgdal*.dylib"),
        (package.parent / "pyogrio.libs", "*gdal*.dll"),
    ):
        if folder.is_dir():
            yield from (str(p) for p in sorted(folder.glob(pattern)))
    if os.name == "posix":
        from pyogrio import _io  # linked to libgdal: dlsym looks there too

        yield str(_io.__file__)
    elif os.name == "nt" and (found := ctypes.util.find_library("gdal")):
        yield found


def _bind(path: str) -> ctypes.CDLL:
    """``path`` loaded, every function of :data:`_SIGNATURES` typed; ``OSError`` when the file
    cannot be loaded, ``AttributeError`` when a function is missing, ``ValueError`` when its
    GDAL is not pyogrio's or older than :data:`MIN_GDAL`."""
    lib = ctypes.CDLL(path)
    for name, (restype, argtypes) in _SIGNATURES.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    found = int(lib.GDALVersionInfo(b"VERSION_NUM") or 0)
    wanted = _version_num(pyogrio.__gdal_version__)
    if found != wanted:
        raise ValueError(f"GDAL {found} is not pyogrio's ({wanted})")
    if found < _version_num(MIN_GDAL):
        raise ValueError(f"GDAL {found} cannot alter alternative names (needs 3.7)")
    return lib


@functools.cache
def gdal_library() -> tuple[ctypes.CDLL | None, str]:
    """pyogrio's GDAL library, bound, and where it was found; ``(None, why not)`` when there
    is none that will do (see the module's notes). Looked up once per process."""
    reasons: list[str] = []
    for path in _candidates():
        try:
            return _bind(path), path
        except (OSError, AttributeError, ValueError) as exc:
            reasons.append(f"{Path(path).name}: {exc}")
    return None, "; ".join(reasons) or "no GDAL library next to pyogrio"


def set_field_aliases(
    folder: Path, aliases: Mapping[str, Mapping[str, str]]
) -> dict[str, dict[str, str]]:
    """Give fields of the File Geodatabase ``folder`` their aliases: ``aliases`` maps a layer
    name to ``{field name: alias}``. Returns what the file holds afterwards, read back from
    GDAL (layer -> field name -> alias), for the fields asked for.

    Never raises for GDAL's sake: a missing library, layer or field, or a change GDAL refuses,
    is logged as one warning and the rest goes on (see the module's notes). ``folder`` must not
    be open elsewhere (pyogrio closes what it writes).
    """
    wanted = {layer: dict(fields) for layer, fields in aliases.items() if fields}
    if not wanted:
        return {}
    lib, where = gdal_library()
    if lib is None:
        log.warning("%s written without field aliases: GDAL's C API not found (%s)", folder, where)
        return {}
    done: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    quiet = ctypes.cast(lib.CPLQuietErrorHandler, ctypes.c_void_p)
    lib.CPLPushErrorHandler(quiet)
    try:
        lib.CPLErrorReset()
        drivers = (ctypes.c_char_p * 2)(DRIVER.encode(), None)
        flags = GDAL_OF_VECTOR | GDAL_OF_UPDATE
        ds = lib.GDALOpenEx(os.fsencode(folder), flags, drivers, None, None)
        if not ds:
            problems.append(f"cannot open it for update: {_last_error(lib)}")
        else:
            try:
                for layer, fields in wanted.items():
                    done[layer] = _alter_layer(lib, ds, layer, fields, problems)
                if any(done.values()):
                    _repack(lib, ds, folder)
            finally:
                lib.GDALClose(ds)  # writes the changes
    finally:
        lib.CPLPopErrorHandler()
    if problems:
        log.warning("%s: some field aliases not written: %s", folder, "; ".join(problems))
    return done


def _last_error(lib: ctypes.CDLL) -> str:
    message = lib.CPLGetLastErrorMsg() or b""
    return message.decode("utf-8", "replace") or "no message from GDAL"


def _repack(lib: ctypes.CDLL, ds: int, folder: Path) -> None:
    """Compact the tables of the open dataset ``ds`` (OpenFileGDB's ``REPACK`` SQL command).

    Each alias changed rewrites its layer's XML definition in the ``GDB_Items`` system table,
    and the old one stays behind as dead space: about 8 KB per field, 1 MB for the whole
    dataset. ``REPACK GDB_Items`` drops it (and ``REPACK`` what the layers' own tables left),
    so the file is the size it would be had pyogrio written the aliases. Not done (logged,
    the file still whole) if GDAL cannot.
    """
    for command in (b"REPACK", b"REPACK GDB_Items"):
        lib.CPLErrorReset()
        result = lib.GDALDatasetExecuteSQL(ds, command, None, None)
        ok = False
        if result:
            feature = lib.OGR_L_GetNextFeature(result)
            if feature:
                ok = lib.OGR_F_GetFieldAsString(feature, 0) == b"true"
                lib.OGR_F_Destroy(feature)
            lib.GDALDatasetReleaseResultSet(ds, result)
        if not ok:
            log.info("%s: %s not done: %s", folder, command.decode(), _last_error(lib))


def _alter_layer(
    lib: ctypes.CDLL, ds: int, layer: str, fields: Mapping[str, str], problems: list[str]
) -> dict[str, str]:
    """Set ``fields``' aliases on ``layer`` of the open dataset ``ds``; the aliases it then has."""
    handle = lib.GDALDatasetGetLayerByName(ds, layer.encode())
    if not handle:
        problems.append(f"no layer {layer!r}")
        return {}
    if not lib.OGR_L_TestCapability(handle, b"AlterFieldDefn"):
        problems.append(f"{layer}: the driver cannot alter its fields")
        return {}
    defn = lib.OGR_L_GetLayerDefn(handle)
    out: dict[str, str] = {}
    for name, alias in fields.items():
        index = lib.OGR_FD_GetFieldIndex(defn, name.encode())
        if index < 0:
            problems.append(f"{layer}: no field {name!r}")
            continue
        current = lib.OGR_FD_GetFieldDefn(defn, index)
        # Only the flagged property is taken from ``change``; name and type just match.
        change = lib.OGR_Fld_Create(name.encode(), lib.OGR_Fld_GetType(current))
        try:
            lib.OGR_Fld_SetAlternativeName(change, alias.encode())
            lib.CPLErrorReset()
            err = lib.OGR_L_AlterFieldDefn(handle, index, change, ALTER_ALTERNATIVE_NAME_FLAG)
        finally:
            lib.OGR_Fld_Destroy(change)
        if err != OGRERR_NONE:
            problems.append(f"{layer}.{name}: {_last_error(lib)}")
            continue
        field = lib.OGR_FD_GetFieldDefn(defn, index)  # the layer's own, as now stored
        out[name] = (lib.OGR_Fld_GetAlternativeNameRef(field) or b"").decode()
    return out
