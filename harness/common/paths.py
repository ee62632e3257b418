"""Where the project, its generated files and the embedded server live."""

from __future__ import annotations

import os
from pathlib import Path


def project_dir() -> Path:
    """The dbt project root (the directory holding dbt_project.yml)."""
    override = os.environ.get("HARNESS_PROJECT_DIR")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[2]  # harness/common/paths.py


def home_dir() -> Path:
    """Where reports/, backups/, logs/ and .harness/ are written."""
    override = os.environ.get("HARNESS_HOME")
    return Path(override).resolve() if override else project_dir()


def state_dir() -> Path:
    return home_dir() / ".harness"


def embedded_data_dir() -> Path:
    override = os.environ.get("HARNESS_PGDATA")
    return Path(override).resolve() if override else state_dir() / "pgdata"


def reports_dir() -> Path:
    return home_dir() / "reports"


def backups_dir() -> Path:
    return home_dir() / "backups"


def logs_dir() -> Path:
    return home_dir() / "logs"


def ensure_private_dir(path: Path) -> Path:
    """Create a directory readable by its owner only (backups hold secrets)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


# not .harness itself: when root runs it, the embedded server's OS user must traverse it to
# reach .harness/pgdata (the server stops when it cannot stat its data directory)
PRIVATE_DIRS = ("reports", "backups", "logs", "target", "lineage", ".harness/profiles")


def make_traversable(path: Path) -> None:
    """Others may pass through (not list) the directory: the embedded server's OS user reaches
    .harness/pgdata through it, whatever umask the directory was created under."""
    if path.is_dir():
        path.chmod(0o711)


def make_private() -> None:
    """Everything the harness and dbt write from now on is the owner's alone: files 0600 and
    directories 0700 (umask 077), and the harness's directories that already exist 0700."""
    os.umask(0o077)
    for name in PRIVATE_DIRS:
        path = home_dir() / name
        if path.is_dir():
            path.chmod(0o700)
    make_traversable(state_dir())
