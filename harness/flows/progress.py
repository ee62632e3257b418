"""Progress of long work: the original tool's 11 steps as named phases.

Fed by dbt's structured events (NodeStart / NodeFinished) through the
callbacks of dbtRunner — never by polling. On a terminal a rich live table;
elsewhere (CI, pipes) plain lines without control characters; `quiet`
prints nothing; `json` prints nothing either (the command prints one JSON
document at the end).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.dbt_bridge import project

PHASE_NAMES = project.STEP_NAMES


@dataclass
class PhaseState:
    name: str
    total: int = 0
    done: int = 0
    running: int = 0
    rows: int = 0
    failed: int = 0
    warned: int = 0
    started: float | None = None
    finished: float | None = None
    status: str = "pending"
    note: str = ""
    # time spent in this step's own work: the sum of its dbt nodes' execution
    # times (nodes of several steps run in parallel, so wall spans overlap)
    work_seconds: float = 0.0
    models: list[str] = field(default_factory=list)  # the dbt models of this step, for the reports

    def elapsed(self, now: float) -> float:
        running = 0.0
        if self.status == "running" and self.started is not None and self.done == 0 and self.total == 0:
            running = now - self.started
        return self.work_seconds + running


@dataclass
class Tracker:
    """Thread-safe state of a run; dbt calls back from its worker threads."""

    phases: dict[str, PhaseState] = field(default_factory=lambda: {n: PhaseState(n) for n in PHASE_NAMES})
    started: float = field(default_factory=time.perf_counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    manifest_path: Path | None = None
    resource_types: tuple[str, ...] = ("model", "seed", "test")
    project: project.Project | None = None
    _loaded: bool = False

    def _load_manifest(self) -> None:
        self._loaded = True
        if not self.manifest_path or not self.manifest_path.exists():
            return
        self.project = project.load(self.manifest_path)
        for unique_id, node in self.project.nodes.items():
            if node.get("resource_type") in self.resource_types:
                phase = self.phases[self.project.step_of(unique_id)]
                phase.total += 1
                if node["resource_type"] == "model":
                    phase.models.append(node["name"])

    def phase_of(self, unique_id: str, resource_type: str) -> PhaseState:
        if self.project is None:
            raise project.ProjectError("progress has no manifest to place dbt nodes in steps")
        return self.phases[self.project.step_of(unique_id, resource_type)]

    def node_started(self, unique_id: str, resource_type: str) -> PhaseState:
        with self.lock:
            if not self._loaded:
                self._load_manifest()
            phase = self.phase_of(unique_id, resource_type)
            phase.running += 1
            if phase.started is None:
                phase.started = time.perf_counter()
            phase.status = "running"
            return phase

    def node_finished(self, info: dict) -> PhaseState:
        with self.lock:
            phase = self.phase_of(info["unique_id"], info["resource_type"])
            phase.running = max(0, phase.running - 1)
            phase.done += 1
            phase.rows += info.get("rows") or 0
            phase.work_seconds += float(info.get("seconds") or 0.0)
            if info["status"] in ("error", "fail", "runtime error"):
                phase.failed += 1
            elif info["status"] == "warn":
                phase.warned += 1
            if phase.running == 0 and (phase.total == 0 or phase.done >= phase.total):
                phase.finished = time.perf_counter()
                phase.status = "failed" if phase.failed else ("warn" if phase.warned else "ok")
            return phase

    def step(self, name: str, status: str, *, rows: int = 0, note: str = "", seconds: float | None = None) -> None:
        """A step the harness does itself (stage, backup, cutover, ...)."""
        with self.lock:
            phase = self.phases[name]
            now = time.perf_counter()
            if status == "running":
                phase.started = phase.started or now
            else:
                phase.finished = now
            if seconds is not None:
                phase.work_seconds += seconds
            if not (status == "ok" and phase.failed):
                phase.status = status
            phase.rows += rows
            phase.note = note or phase.note

    def close_open_phases(self, success: bool) -> None:
        with self.lock:
            for phase in self.phases.values():
                if phase.status == "running":
                    phase.finished = time.perf_counter()
                    phase.status = "failed" if phase.failed or not success else "ok"
                elif phase.status == "pending" and phase.total and phase.done < phase.total and not success:
                    phase.status = "skipped"

    def summary(self) -> list[dict]:
        now = time.perf_counter()
        with self.lock:
            return [
                {
                    "step": index + 1,
                    "phase": p.name,
                    "status": p.status,
                    "nodes_done": p.done,
                    "nodes_total": p.total,
                    "rows": p.rows,
                    "seconds": round(p.elapsed(now), 3),
                    "note": p.note,
                    "models": sorted(p.models),
                }
                for index, p in enumerate(self.phases.values())
            ]


class Progress:
    """Base: records state, prints nothing (quiet and json modes)."""

    def __init__(self, tracker: Tracker | None = None):
        self.tracker = tracker or Tracker()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass

    def on_node(self, kind: str, info: dict) -> None:
        if kind == "begin":
            if not self.tracker._loaded:
                self.tracker.manifest_path = Path(info["manifest"])
        elif kind == "start":
            self.tracker.node_started(info["unique_id"], info["resource_type"])
        else:
            self.tracker.node_finished(info)

    def step(self, name: str, status: str, *, rows: int = 0, note: str = "", seconds: float | None = None) -> None:
        self.tracker.step(name, status, rows=rows, note=note, seconds=seconds)

    def message(self, text: str) -> None:
        pass

    def pause(self) -> None:
        """Stop redrawing (before asking the operator something)."""

    def resume(self) -> None:
        pass
