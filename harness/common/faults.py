"""Fault points: named places where a test can make the harness die or wait,
deterministically, instead of killing it after a sleep.

HARNESS_FAULT="<action>@<point>" arms one point for the process. Every point
there is (POINTS, and dbt's nodes), each fired by a test of the suite
(pytests/unit/test_docs_truth.py holds this list, the code and the suite to
each other):
  points   dbt:<node unique_id or name>   when dbt starts that node (a build's, a validation's)
           migrate:post-validate          a migrate's cutover committed, its post-validation not begun
           swap:cutover-locked            inside the cutover's swap transaction, the live tables
                                          just locked, before its guard, rename and commit
           swap:rollback-locked           the same inside a rollback's
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

# the named points (the docstring's list); dbt's are "dbt:" and a node, fired by dbt_runner.py
POINTS = ("migrate:post-validate", "swap:cutover-locked", "swap:rollback-locked")
DBT = "dbt:"
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
