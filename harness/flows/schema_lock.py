"""One command at a time on a live schema: every flow that changes a schema holds it.

`@holds_schema("cutover")` on a flow takes the live schema's lock before the flow runs and
lets it go after, however it ends: a session-level advisory lock on a connection of its own
(harness/db/locks.py), the holder named in pg_stat_activity. A second command is refused at
once, naming the holder (locks.Busy, exit 1), and nothing of it is done. The lock is
re-entrant within a process: migrate holds it, and the build, cutover and rollback it calls
run under it. `holding()` is the same lock where the schema is not a live schema's (restore
into a new schema).

FLOWS lists every flow that holds a schema; pytests/test_trust.py calls each one while
another session holds the schema and requires the refusal.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import TypeVar

from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import locks

F = TypeVar("F", bound=Callable)
FLOWS: dict[str, str] = {}  # "module.function" -> the command the holder is named by


@contextlib.contextmanager
def holding(target: db.Target, schema: str, command: str) -> Iterator[None]:
    """Hold `schema` for `command` for the duration of the block."""
    with locks.command_lock(target, schema, command):
        yield


def holds_schema(command: str) -> Callable[[F], F]:
    """The flow `f(target, schemas, ...)` runs holding `schemas.live` for `command`."""

    def decorate(flow: F) -> F:
        @functools.wraps(flow)
        def held(target: db.Target, schemas: Schemas, *args, **kwargs):
            with holding(target, schemas.live, command):
                return flow(target, schemas, *args, **kwargs)

        FLOWS[f"{flow.__module__.rsplit('.', 1)[-1]}.{flow.__name__}"] = command
        return held  # type: ignore[return-value]

    return decorate
