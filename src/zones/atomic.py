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
    removed and any previous file at ``path`` stays untouched. When the block ends without
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
        if not tmp.exists():
            raise FileNotFoundError(f"the writer did not create {tmp} for {path}")
        if path.exists():
            with contextlib.suppress(OSError):
                shutil.copymode(path, tmp)
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
