"""Printing helpers shared by the CLI: rich tables on a terminal, plain text elsewhere."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from rich.console import Console
from rich.table import Table


def _width() -> int | None:
    """Logs and pipes get wide tables (rich would assume 80 columns)."""
    if sys.stdout.isatty():
        return None
    try:
        return int(os.environ.get("COLUMNS", "160"))
    except ValueError:
        return 160


out = Console(highlight=False, soft_wrap=True, width=_width())
err = Console(stderr=True, highlight=False, soft_wrap=True, width=_width())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def table(title: str, columns: Iterable[str], rows: Iterable[Iterable[Any]], *, right: Iterable[str] = ()) -> Table:
    right = set(right)
    t = Table(title=title, title_justify="left")
    for column in columns:
        t.add_column(column, justify="right" if column in right else "left", overflow="fold")
    for row in rows:
        t.add_row(*[_cell(v) for v in row])
    return t


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def on_stderr(wanted: bool = True) -> Iterator[None]:
    """What is printed meanwhile goes to stderr (with --json, stdout holds the one JSON document).
    The console's `stderr` flag, not its file: it keeps writing to whatever sys.stdout is after."""
    saved = out.stderr
    out.stderr = saved or wanted
    try:
        yield
    finally:
        out.stderr = saved
