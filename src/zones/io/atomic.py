"""Atomic file writes: a writer fills a temporary file, which is renamed onto the target at the end.

Every writer in zones goes through :func:`atomic_write`, so a failed or interrupted write never
leaves a half-written file behind and never damages the file that was there before.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from zones.errors import OutputError


def _remove(path: Path) -> None:
    """Remove ``path`` (a file or a folder) and any sidecar files a driver left next to it."""
    for item in [path, *path.parent.glob(f"{path.name}-*")]:
        with contextlib.suppress(FileNotFoundError):
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()


def _fsync(path: Path) -> None:
    """Flush ``path`` to disk when it is a regular file (best effort)."""
    if not path.is_file():
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_write(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it onto ``path``.

    The temporary path lies in the same folder (so the final ``os.replace`` is atomic), keeps
    the target's suffix (drivers such as GPKG and LIBKML choose their behaviour by extension)
    and does not exist yet: the caller creates it. When the block raises, the temporary file is
    removed and any previous file at ``path`` stays untouched; a write the system refuses (disk
    full, read-only, no permission) is raised as :class:`~zones.errors.OutputError` naming
    ``path`` and the reason. When the block ends without
    having created the temporary file, ``FileNotFoundError`` is raised.

    Parameters
    ----------
    path
        The file to (over)write. Its folder must exist.

    Examples
    --------
    >>> with atomic_write(out) as tmp:                                 # doctest: +SKIP
    ...     tmp.write_bytes(data)
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{secrets.token_hex(6)}.tmp{path.suffix}")
    try:
        yield tmp
        created = tmp.exists()
        if created:
            if path.exists():
                with contextlib.suppress(OSError):
                    shutil.copymode(path, tmp)
            _fsync(tmp)
            os.replace(tmp, path)
    except BaseException as exc:
        _remove(tmp)
        reason = _write_failure(exc)
        if reason is not None:
            raise OutputError(str(path), reason) from exc
        raise
    if not created:
        raise FileNotFoundError(f"the writer did not create {tmp} for {path}")


def _write_failure(exc: BaseException) -> str | None:
    """The reason, when ``exc`` is the file system or GDAL refusing a write (disk full, read-only,
    no permission, file too large); None for anything else, which is re-raised as it is."""
    if isinstance(exc, OSError):
        return f"cannot write: {exc.strerror or exc}"
    from pyogrio.errors import DataLayerError, DataSourceError

    if isinstance(exc, DataSourceError | DataLayerError):
        # GDAL quotes the whole failed SQL statement; its reason comes after "failed: ".
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        return f"cannot write: {message.rsplit('failed: ', 1)[-1][:200]}"
    return None


def _nearest_existing(folder: Path) -> Path:
    """``folder`` or its closest ancestor that exists (the folder a write would create from)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_writable(path: Path | str) -> Path:
    """``path`` as a Path, once it is known that a file can be written there.

    Checked before any work is done, so a command fails at once with the reason: an empty
    name, a folder, a parent that is a file, or a folder that refuses a new file (read-only
    file system, no permission; found by creating and removing a probe file, so the answer is
    the operating system's, root included).

    Raises
    ------
    OutputError
        Naming the path and the reason.
    """
    if not str(path).strip():
        raise OutputError(str(path), "empty file name")
    path = Path(path)
    if path.is_dir():
        raise OutputError(str(path), "is a folder; give a file name")
    base = _nearest_existing(path.parent if str(path.parent) else Path("."))
    if not base.is_dir():
        raise OutputError(str(path), f"{base} is a file, not a folder")
    probe = base / f".zones-probe-{secrets.token_hex(6)}"
    try:
        probe.touch(exist_ok=False)
    except OSError as exc:
        raise OutputError(str(path), f"cannot write in {base}: {exc.strerror or exc}") from exc
    probe.unlink()
    return path
