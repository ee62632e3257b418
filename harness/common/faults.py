"""Fault points: named places where a test can make the harness die or wait,
deterministically, instead of killing it after a sleep.

HARNESS_FAULT="<action>@<point>" arms one point for the process:
  points   dbt:<node unique_id or name>   when dbt starts that node
           <module>:<step>                 a named step, e.g. swap:locked,
                                           migrate:post-validate, build:finished
  actions  kill   SIGKILL the process (nothing can clean up: a power cut)
           term   SIGTERM (the harness stops cleanly, exit 143)
           int    SIGINT, like Ctrl-C (exit 130)
           pause  write the file HARNESS_FAULT_MARKER (if set) and sleep
                  until a signal arrives (a test then sends one, or starts a
                  second command while this one holds its locks)
Unset, every point is a no-op.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

ACTIONS = {"kill": signal.SIGKILL, "term": signal.SIGTERM, "int": signal.SIGINT}
# set when the process is being interrupted: a paused point lets go, as a running
# query does when it is cancelled
released = threading.Event()


def armed() -> tuple[str, str] | None:
    spec = os.environ.get("HARNESS_FAULT", "")
    action, _, point = spec.partition("@")
    return (action, point) if action and point else None


def point(name: str) -> None:
    """Fire the armed fault if it is set for `name`."""
    fault = armed()
    if fault is None:
        return
    action, where = fault
    if where != name and not (name.startswith("dbt:") and where == "dbt:" + name.rsplit(".", 1)[-1]):
        return
    if action == "pause":
        marker = os.environ.get("HARNESS_FAULT_MARKER")
        if marker:
            Path(marker).write_text(f"{os.getpid()} {name}\n")
        released.wait(timeout=120)
        return
    if action in ACTIONS:
        os.kill(os.getpid(), ACTIONS[action])
        time.sleep(5)  # the signal is delivered before this returns
