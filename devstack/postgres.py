"""An embedded PostgreSQL cluster for `make dev` and the tests: the system binaries when found, else the pgserver wheel.

PostgreSQL refuses to run as root, so as root the cluster belongs to an unprivileged system user and its commands run
as that user.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DATABASE = "pickvs"
_FALLBACK_USER = "pickvs-pg"


class PostgresUnavailable(RuntimeError):
    """Neither system PostgreSQL binaries nor the pgserver wheel could start a cluster."""


def find_bin_dir() -> Path | None:
    """Locate initdb/pg_ctl: PICKVS_PG_BIN, pg_config, Debian's versioned dirs, then PATH."""
    candidates: list[Path] = []
    if explicit := os.environ.get("PICKVS_PG_BIN"):
        candidates.append(Path(explicit))
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out:
            candidates.append(Path(out))
    versioned = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    candidates += [Path(p) for p in versioned]
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_service_user() -> pwd.struct_passwd:
    """The unprivileged user that owns the cluster when we run as root."""
    for name in ("postgres", _FALLBACK_USER):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", _FALLBACK_USER], check=True
    )
    return pwd.getpwnam(_FALLBACK_USER)


@dataclass
class EmbeddedPostgres:
    """One local cluster rooted at `root` (data, log); `start()` returns a libpq URL to the `pickvs` database."""

    root: Path
    port: int | None = None
    # Tests throw the cluster away, so durability is wasted time there.
    durable: bool = True
    _bin: Path | None = field(default=None, init=False)
    _pgserver: object | None = field(default=None, init=False)
    url: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.root = self._reachable_root(Path(self.root).resolve())

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @staticmethod
    def _reachable_root(root: Path) -> Path:
        """As root, the cluster's owner must be able to reach its directory; a checkout under /root is not."""
        if os.geteuid() != 0:
            return root
        blocked = next((p for p in root.parents if p.exists() and not os.stat(p).st_mode & 0o001), None)
        if blocked is None:
            return root
        fallback = Path("/var/tmp/pickvs") / hashlib.sha256(str(root).encode()).hexdigest()[:16]
        log.warning(
            "%s is not reachable by the unprivileged postgres user (%s is closed); using %s", root, blocked, fallback
        )
        fallback.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(fallback.parent, 0o755)
        return fallback

    def start(self) -> str:
        """Start (initialising on first use) and return the URL of the `pickvs` database."""
        self.root.mkdir(parents=True, exist_ok=True)
        # PICKVS_EMBEDDED_PG=pgserver forces the wheel even where system binaries exist.
        self._bin = None if os.environ.get("PICKVS_EMBEDDED_PG") == "pgserver" else find_bin_dir()
        if self._bin is not None:
            self.url = self._start_system()
        else:
            self.url = self._start_pgserver()
        return self.url

    def kill(self) -> None:
        """Stop the server at once, as a crash would: every connection drops mid-statement (tests of outages)."""
        assert self._bin is not None, "only a cluster of system binaries can be killed and restarted"
        self._run([str(self._bin / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"])

    def stop(self) -> None:
        """Stop the cluster; safe to call twice."""
        if self._bin is not None and (self.data_dir / "postmaster.pid").exists():
            self._run([str(self._bin / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"], check=False)
        if self._pgserver is not None:
            self._pgserver.cleanup()  # type: ignore[attr-defined]
            self._pgserver = None

    # --- system binaries -------------------------------------------------------------------------------------------

    def _user(self) -> pwd.struct_passwd | None:
        return _ensure_service_user() if os.geteuid() == 0 else None

    def _run(self, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        user = self._user()
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            check=False,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            cwd=str(self.root),
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
        )
        if check and result.returncode != 0:
            raise PostgresUnavailable(f"{Path(argv[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result

    def _start_system(self) -> str:
        assert self._bin is not None
        user = self._user()
        if user is not None:
            os.chown(self.root, user.pw_uid, user.pw_gid)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                [
                    str(self._bin / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                    "--no-sync",
                ]
            )
        pg_ctl = str(self._bin / "pg_ctl")
        # A cluster left running by a killed dev session: stop it so we start on a port we know.
        if self._run([pg_ctl, "-D", str(self.data_dir), "status"], check=False).returncode == 0:
            self._run([pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop"], check=False)
        self.port = self.port or free_port()
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-p {self.port}",
            "-c unix_socket_directories=''",
            "-c max_connections=200",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            [
                pg_ctl,
                "-D",
                str(self.data_dir),
                "-l",
                str(self.root / "postgres.log"),
                "-o",
                " ".join(options),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        self._create_database(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    # --- pgserver wheel --------------------------------------------------------------------------------------------

    def _start_pgserver(self) -> str:
        try:
            import pgserver
        except ImportError as exc:
            raise PostgresUnavailable(
                "no PostgreSQL binaries found (install postgresql, or set PICKVS_PG_BIN) "
                "and the pgserver wheel is missing"
            ) from exc
        self._pgserver = pgserver.get_server(str(self.data_dir), cleanup_mode="stop")  # type: ignore[attr-defined]
        uri: str = self._pgserver.get_uri()
        base, _, query = uri.partition("?")
        server_uri = base.rsplit("/", 1)[0]
        self._create_database(f"{server_uri}/postgres" + (f"?{query}" if query else ""))
        return f"{server_uri}/{DATABASE}" + (f"?{query}" if query else "")

    # --- both -------------------------------------------------------------------------------------------------------

    def _create_database(self, admin_url: str) -> None:
        import asyncio

        import asyncpg

        async def create() -> None:
            conn = await asyncpg.connect(admin_url)
            try:
                if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
                    await conn.execute(f'CREATE DATABASE "{DATABASE}"')
            finally:
                await conn.close()

        asyncio.run(create())
