"""A throw-away PostgreSQL server for tests and benchmarks: initdb in a temporary folder, a free port on
127.0.0.1, trust authentication, fsync off, stopped and removed at exit.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user that Debian's
package creates (`runuser -u postgres`). `find_binaries` returns None when no PostgreSQL is installed, so
callers can skip with a clear reason.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

from gateway.config import StorageSection
from gateway.errors import StoreError

SERVER_USER = "postgres"


def find_binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, or PG_BINDIR."""
    candidates = [Path(os.environ["PG_BINDIR"])] if os.environ.get("PG_BINDIR") else []
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name, reverse=True)
    for path in [*candidates, *versions]:
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    return None


def unavailable_reason() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    if find_binaries() is None:
        return "PostgreSQL binaries not found in /usr/lib/postgresql/*/bin (Debian package 'postgresql')"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and no '{SERVER_USER}' user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempPostgres:
    """One disposable cluster; `dsn(schema)` gives a connection string whose search_path is that schema."""

    def __init__(self, *, fsync: bool = False) -> None:
        self.bindir = find_binaries()
        if self.bindir is None:
            raise StoreError("PostgreSQL binaries not found")
        self.fsync = fsync
        self.root = Path(tempfile.mkdtemp(prefix="ordofax-pg-"))
        self.datadir = self.root / "data"
        self.port = 0
        self._started = False

    def _as_server_user(self, *cmd: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", SERVER_USER, "--", *cmd]
        return list(cmd)

    def _run(self, *cmd: str) -> None:
        result = subprocess.run(self._as_server_user(*cmd), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise StoreError(f"{Path(cmd[0]).name} failed: {result.stderr.strip()[-500:]}")

    def start(self) -> TempPostgres:
        assert self.bindir is not None
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        self.port = _free_port()
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
            f"-c fsync={'on' if self.fsync else 'off'} -c full_page_writes={'on' if self.fsync else 'off'} "
            "-c max_connections=50 -c shared_buffers=32MB"
        )
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.root / "log"), "-w",
                  "-t", "60", "-o", options, "start")  # fmt: skip
        self._started = True
        return self

    def dsn(self, schema: str | None = None) -> str:
        base = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres connect_timeout=10"
        return f"{base} options='-c search_path={schema}'" if schema else base

    def create_schema(self, schema: str) -> str:
        """A fresh schema (one per test keeps tests independent without a database per test)."""
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return self.dsn(schema)

    def dump(self, schema: str | None = None) -> bytes:
        """pg_dump of the database (or of one schema), data included: what a backup would hold."""
        assert self.bindir is not None
        cmd = [str(self.bindir / "pg_dump"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        if schema:
            cmd += ["-n", schema]
        return subprocess.run([*cmd, "postgres"], capture_output=True, check=True).stdout

    def stop(self) -> None:
        if self._started and self.bindir is not None:
            subprocess.run(
                self._as_server_user(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate",
                                     "-w", "stop"),
                capture_output=True,
                check=False,
            )  # fmt: skip
            self._started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_shared: TempPostgres | None = None
_shared_lock = threading.Lock()


def shared_server() -> TempPostgres:
    """One server per process (started on first use, stopped at exit): test modules share it."""
    global _shared
    with _shared_lock:
        if _shared is None:
            server = TempPostgres()
            try:
                server.start()
            except BaseException:
                server.stop()
                raise
            atexit.register(server.stop)
            _shared = server
        return _shared


def storage_for_test(engine: str, folder: Path, name: str) -> StorageSection:
    """A fresh, empty store configuration for one test: a SQLite file in `folder`, or a new schema on the
    shared PostgreSQL server. Opening it twice gives two independent connections to the same store."""
    if engine == "sqlite":
        return StorageSection(engine="sqlite", path=folder / "store.sqlite3", data_dir=folder / "data")
    schema = "t_" + "".join(c if c.isalnum() else "_" for c in name.lower())[-40:] + "_" + os.urandom(3).hex()
    return StorageSection(engine="postgresql", dsn=shared_server().create_schema(schema), data_dir=folder)
