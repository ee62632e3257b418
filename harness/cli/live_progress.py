"""The progress a terminal shows: a live table of the 11 steps (rich), or one plain line per event
(CI logs, pipes); `make_progress` picks one for --quiet, --json and the terminal."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from harness.flows.progress import Progress, Tracker


class PlainProgress(Progress):
    """One line per event, no control characters: for CI logs and pipes."""

    def __init__(self, tracker: Tracker | None = None, stream: TextIO | None = None):
        super().__init__(tracker)
        self.stream = stream or sys.stdout
        self._print_lock = threading.Lock()

    def _line(self, text: str) -> None:
        with self._print_lock:
            stamp = time.strftime("%H:%M:%S")
            self.stream.write(f"{stamp} {text}\n")
            self.stream.flush()

    def on_node(self, kind: str, info: dict) -> None:
        super().on_node(kind, info)
        if kind != "finish":
            return
        phase = self.tracker.phase_of(info["unique_id"], info["resource_type"]).name
        rows = f" {info['rows']:,} rows" if info.get("rows") is not None else ""
        failures = f" {info['failures']} failing rows" if info.get("failures") else ""
        self._line(
            f"[{phase}] {info['resource_type']} {info['name']}: {info['status']}{rows}{failures} "
            f"({info.get('seconds', 0):.2f}s)"
        )

    def step(self, name: str, status: str, *, rows: int = 0, note: str = "", seconds: float | None = None) -> None:
        super().step(name, status, rows=rows, note=note, seconds=seconds)
        extra = f" {rows:,} rows" if rows else ""
        self._line(f"[{name}] {status}{extra}{(' - ' + note) if note else ''}")

    def message(self, text: str) -> None:
        self._line(text)


class RichProgress(Progress):
    """A live table of the 11 steps, redrawn as dbt reports nodes."""

    def __init__(self, tracker: Tracker | None = None, title: str = "abparts-migrate"):
        super().__init__(tracker)
        from rich.console import Console
        from rich.live import Live

        self.title = title
        self.console = Console(stderr=False)
        self.live = Live(get_renderable=self._render, console=self.console, refresh_per_second=8, transient=False)
        self.live.start()

    def _render(self):
        from rich.table import Table

        table = Table(title=self.title, title_justify="left", expand=False)
        table.add_column("#", justify="right")
        table.add_column("step")
        table.add_column("nodes", justify="right")
        table.add_column("rows", justify="right")
        table.add_column("time", justify="right")
        table.add_column("status")
        table.add_column("note", overflow="fold", max_width=48)
        styles = {"ok": "green", "failed": "bold red", "warn": "yellow", "running": "cyan", "skipped": "dim"}
        for row in self.tracker.summary():
            nodes = f"{row['nodes_done']}/{row['nodes_total']}" if row["nodes_total"] else ""
            table.add_row(
                str(row["step"]),
                row["phase"],
                nodes,
                f"{row['rows']:,}" if row["rows"] else "",
                f"{row['seconds']:.1f}s" if row["seconds"] else "",
                f"[{styles.get(row['status'], '')}]{row['status']}[/]" if row["status"] != "pending" else "[dim]-[/]",
                row["note"],
            )
        return table

    def message(self, text: str) -> None:
        self.live.console.print(text)

    def pause(self) -> None:
        self.live.stop()

    def resume(self) -> None:
        self.live.start()

    def close(self) -> None:
        self.live.stop()


def make_progress(mode: str = "auto", title: str = "abparts-migrate") -> Progress:
    """mode: auto (rich on a terminal, plain otherwise), plain, quiet, json."""
    if mode in ("quiet", "json"):
        return Progress()
    if mode == "plain" or (mode == "auto" and not sys.stdout.isatty()):
        return PlainProgress()
    return RichProgress(title=title)
