"""SQL files shipped inside the package (harness/sql/)."""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"  # harness/sql


def read(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")
