"""Where `zones` cannot write (issue 8.4): one ``error:`` line naming the path and the reason,
a non-zero status, and nothing left behind; Ctrl-C during a build ends quietly.

The read-only and full file systems are real: small tmpfs mounts (root only, as CI runs).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from zones.cli.main import INTERRUPTED, main

ROOT = Path(__file__).resolve().parents[1]


#: The file each command writes, by the name its format expects.
SUFFIX = {
    "build": ".gpkg",
    "export geojson": ".geojson",
    "export gpkg": ".gpkg",
    "export csv": ".csv",
    "export kml": ".kml",
    "export bundle": ".zip",
    "report": ".html",
}


def _commands(tree, gpkg: Path, out: str) -> dict[str, list[str]]:
    """Every command that writes a file, aimed at ``out``."""
    inputs = ["--geo", str(tree.geo), "--data", str(tree.data)]
    export = ["export", "--dataset", str(gpkg), "--out", out]
    return {
        "build": ["build", *inputs, "--out", out],
        "export geojson": [*export, "--format", "geojson"],
        "export gpkg": [*export, "--format", "gpkg"],
        "export csv": [*export, "--format", "csv"],
        "export kml": [*export, "--format", "kml"],
        "export bundle": [*export, "--format", "bundle"],
        "report": ["report", "--dataset", str(gpkg), "--out", out],
    }


COMMANDS = list(SUFFIX)


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: "), err
    assert "Traceback" not in err[0]
    return err[0]


@contextlib.contextmanager
def _tmpfs(where: Path, options: str) -> Iterator[Path]:
    """A real tmpfs mounted at ``where`` (skips unless this process may mount: root)."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path) -> None:
    """Fill ``folder``'s file system to the last byte with a file called ``filler``."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 512)
    finally:
        os.close(fd)


@pytest.mark.parametrize("command", COMMANDS)
def test_empty_out_is_one_error_line(command, tree, gpkg, capsys):
    status = main(_commands(tree, gpkg, "")[command])
    assert status == 1
    assert "empty file name" in _one_error_line(capsys)


@pytest.mark.parametrize("command", COMMANDS)
def test_out_naming_a_folder_is_one_error_line(command, tree, gpkg, tmp_path, capsys):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert main(_commands(tree, gpkg, str(folder))[command]) == 1
    line = _one_error_line(capsys)
    assert str(folder) in line and "is a folder" in line
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_read_only_file_system_is_one_error_line(command, tree, gpkg, tmp_path, capsys):
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as ro:
        out = ro / "sub" / f"file{SUFFIX[command]}"
        assert main(_commands(tree, gpkg, str(out))[command]) == 1
        line = _one_error_line(capsys)
        assert str(out) in line and os.strerror(errno.EROFS) in line
        assert list(ro.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_full_disk_is_one_error_line_and_leaves_nothing(command, tree, gpkg, tmp_path, capsys):
    with _tmpfs(tmp_path / "full", "size=256k") as full:
        _fill(full)
        out = full / f"file{SUFFIX[command]}"
        assert main(_commands(tree, gpkg, str(out))[command]) == 1
        line = _one_error_line(capsys)
        assert str(out) in line, line
        assert sorted(p.name for p in full.iterdir()) == ["filler"]


def test_a_full_disk_keeps_the_previous_file(tree, gpkg, tmp_path, capsys):
    with _tmpfs(tmp_path / "full", "size=256k") as full:
        out = full / "parks.geojson"
        assert main(_commands(tree, gpkg, str(out))["export geojson"]) == 0
        before = out.read_bytes()
        _fill(full)
        capsys.readouterr()
        assert main(_commands(tree, gpkg, str(out))["export kml"]) == 1
        _one_error_line(capsys)
        assert out.read_bytes() == before
        assert sorted(p.name for p in full.iterdir()) == ["filler", "parks.geojson"]


def test_ctrl_c_during_a_build_ends_quietly_and_keeps_the_old_build(tmp_path):
    """SIGINT while the real data is being built: one line, status 130, old file intact."""
    out = tmp_path / "zones.gpkg"
    out.write_bytes(b"the previous build")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "zones", "build", "--out", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Interrupt once the command runs (`python -m zones` catches Ctrl-C from its first line).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        maps = Path(f"/proc/{proc.pid}/maps")
        with contextlib.suppress(OSError):
            if "_geos" in maps.read_text() or "shapely" in maps.read_text():
                break
        time.sleep(0.01)
    time.sleep(0.3)
    assert proc.poll() is None, "the build ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == INTERRUPTED, (stdout, stderr)
    assert stderr.strip().splitlines() == [
        "interrupted: nothing written; any file that was there is intact"
    ]
    assert "Traceback" not in stderr
    assert out.read_bytes() == b"the previous build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zones.gpkg"]


def test_zones_gpkg_naming_a_missing_file_is_an_error_not_a_new_build(tmp_path):
    """Issue 8.10: ZONES_GPKG naming a file that does not exist built a dataset there."""
    missing = tmp_path / "typo" / "zones.gpkg"
    env = {**os.environ, "ZONES_GPKG": str(missing)}
    out = tmp_path / "parks.geojson"
    done = subprocess.run(
        [sys.executable, "-m", "zones.cli.main", "export", "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {missing}: built dataset not found; run `zones build --out {missing}`"
    ]
    assert not missing.exists() and not missing.parent.exists() and not out.exists()
