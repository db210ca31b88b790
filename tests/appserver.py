"""A Streamlit app server in its own process, on a free port, and the Chromium that visits
it: what the browser tests (tests/conftest.py) and the browser benchmark
(benchmarks/bench_browser.py) both run."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

#: Debian's Chromium (``./dev test`` installs it) and how it is started: no sandbox (root in a
#: container), no GPU, nothing fetched in the background.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


class ServerError(RuntimeError):
    """The server exited, or did not answer its health check in time (the log is attached)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    cwd: Path,
    env: Mapping[str, str],
    log: Path,
    *,
    port: int | None = None,
    script: str = "serve.py",
    base_path: str = "",
    extra: tuple[str, ...] = (),
    timeout_s: float = 90,
) -> tuple[subprocess.Popen[bytes], str]:
    """``streamlit run <script>`` in ``cwd`` (zones' ``serve.py``, as ``./dev app`` runs it;
    headless, local only, no file watcher, no usage statistics; under ``base_path`` as behind
    a reverse proxy, when given; ``extra`` options after), output to ``log``; returns the
    process and its URL once ``_stcore/health`` answers (for ``serve.py``, after its
    warm-up). Raises :class:`ServerError` (the process stopped)."""
    port = port or free_port()
    if base_path:
        extra = ("--server.baseUrlPath", base_path, *extra)
    command = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        *extra,
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}/" + (f"{base_path.strip('/')}/" if base_path else "")
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise ServerError(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop(proc)
            raise ServerError(f"streamlit did not start in {timeout_s:.0f} s:\n{log.read_text()}")
        time.sleep(0.3)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate ``proc`` (kill it after 15 s) and wait for it."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)
