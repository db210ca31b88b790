"""A throwaway PostgreSQL + PostGIS cluster for the store tests: real, local, private.

Debian's server binaries (``postgresql-15`` and ``postgresql-15-postgis-3``, which ``./dev test``
installs with apt) run from a temporary folder: ``initdb`` with a password (so a wrong one is
refused, as on a bureau's server), listening on a Unix socket in that folder only (no TCP port),
started as the ``postgres`` user when this process is root (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

BINDIR = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")


def missing() -> str | None:
    """Why no cluster can be started here, or None when one can."""
    if not (BINDIR / "initdb").exists():
        return f"{BINDIR}/initdb not found (apt-get install postgresql-15)"
    if not POSTGIS_CONTROL.exists():
        return f"{POSTGIS_CONTROL} not found (apt-get install postgresql-15-postgis-3)"
    return None


@dataclass
class Cluster:
    """A running cluster: its folder, socket folder, superuser password and ``url(db)``."""

    root: Path
    password: str
    user: str = "postgres"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def url(self, database: str, *, user: str | None = None, password: str | None = None) -> str:
        """A SQLAlchemy URL (psycopg 3) for ``database`` over the private socket."""
        who = user or self.user
        secret = self.password if password is None else password
        return f"postgresql+psycopg://{who}:{secret}@/{database}?host={self.socket_dir}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` with Debian's psql as the superuser; returns its output."""
        done = subprocess.run(
            [
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.socket_dir),
                "-U",
                self.user,
                "-d",
                database,
                "-At",
                "-c",
                sql,
            ],
            env={**os.environ, "PGPASSWORD": self.password},
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout

    def create_database(self, name: str, *, postgis: bool = True) -> str:
        """A new empty database (with PostGIS unless told otherwise); returns its URL."""
        self.psql(f'CREATE DATABASE "{name}"')
        if postgis:
            self.psql("CREATE EXTENSION postgis", database=name)
        return self.url(name)

    def stop(self) -> None:
        _run_as_owner(
            [str(BINDIR / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"],
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def _owner() -> str | None:
    """The user the server runs as: ``postgres`` when we are root, else ourselves (None)."""
    return "postgres" if os.geteuid() == 0 else None


def _run_as_owner(cmd: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    owner = _owner()
    full = ["runuser", "-u", owner, "--", *cmd] if owner else cmd
    return subprocess.run(full, capture_output=True, text=True, check=check)


def start() -> Cluster:
    """Create and start a new cluster in a temporary folder (stop it with ``Cluster.stop``)."""
    root = Path(tempfile.mkdtemp(prefix="zones-pg-"))
    password = secrets.token_hex(12)
    (root / "sock").mkdir()
    pwfile = root / "pw"
    pwfile.write_text(password + "\n")
    if owner := _owner():
        info = pwd.getpwnam(owner)
        for path in (root, root / "sock", pwfile):
            os.chown(path, info.pw_uid, info.pw_gid)
    try:
        _run_as_owner(
            [
                str(BINDIR / "initdb"),
                "-D",
                str(root / "data"),
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        options = f"-c listen_addresses='' -k {root / 'sock'} -c fsync=off -c max_connections=100"
        _run_as_owner(
            [
                str(BINDIR / "pg_ctl"),
                "-D",
                str(root / "data"),
                "-o",
                options,
                "-l",
                str(root / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
    except subprocess.CalledProcessError as exc:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{log}") from exc
    return Cluster(root=root, password=password)
