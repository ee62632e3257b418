"""Locks: the discipline of DDL on a live database (a short lock_timeout,
bounded retries with backoff, the time the locks were held, measured), and
one mutating command per live schema at a time (a session-level advisory
lock, held by stage, build, validate, migrate, cutover, rollback, prune,
restore and sample generation)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import psycopg2
import psycopg2.errorcodes
from psycopg2 import sql

from harness.common.errors import CheckFailed
from harness.db import connection as db
from harness.db import lock_watch

T = TypeVar("T")
LOCK_ERRORS = (psycopg2.errorcodes.LOCK_NOT_AVAILABLE, psycopg2.errorcodes.DEADLOCK_DETECTED)


def with_lock_retries(
    conn,
    work: Callable[..., T],
    *,
    lock_timeout_ms: int = 500,
    retries: int = 5,
    backoff_s: float = 0.2,
    what: str = "the operation",
    on_retry: Callable[[int, float], None] | None = None,
) -> T:
    """Run work(cursor) in one transaction with lock_timeout; commit. On a lock
    timeout roll back, wait (doubling), and try again, at most `retries` times."""
    attempt = 0
    while True:
        attempt += 1
        try:
            with conn.cursor() as cur:
                cur.execute("set local lock_timeout = %s", (f"{int(lock_timeout_ms)}ms",))
                result = work(cur)
            conn.commit()
            return result
        except psycopg2.Error as exc:
            conn.rollback()
            if exc.pgcode not in LOCK_ERRORS:
                raise
        except BaseException:
            if not conn.closed:  # an interrupt cancels a query, and its connection is closed with it
                conn.rollback()  # a guard said no: nothing of the transaction stays
            raise
        if attempt > retries:
            raise CheckFailed(
                f"could not get the locks for {what} within {lock_timeout_ms} ms after {attempt} attempts "
                "(long transactions hold them; see pg_stat_activity); nothing was changed"
            )
        wait = backoff_s * (2 ** (attempt - 1))
        if on_retry:
            on_retry(attempt, wait)
        time.sleep(wait)


def lock_tables(cur, schema: str, tables: list[str], mode: str = "exclusive") -> None:
    """One LOCK TABLE for all of them (EXCLUSIVE: writers wait, readers go on)."""
    cur.execute(
        sql.SQL("lock table {} in " + mode + " mode").format(
            sql.SQL(", ").join(sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(t)) for t in tables)
        )
    )


# ---------------------------------------------------------------- one operator at a time

LOCK_CLASS = 1094864973  # 'ABPM': the first key of every harness advisory lock; the second is the live schema's
_held: dict[tuple[str, str], list] = {}  # (server and database, live schema) -> [connection, depth]


class Busy(CheckFailed):
    """Another harness command holds the live schema."""


def _application_name(live: str, command: str) -> str:
    return f"abparts-migrate {live}: {command} (pid {os.getpid()})"[:63]


def holder(cur, live: str) -> dict | None:
    """The harness session holding a live schema's advisory lock: its command, client pid and since when."""
    cur.execute(
        "select a.pid, a.application_name, a.backend_start, a.client_hostname, a.client_addr::text"
        " from pg_locks l join pg_stat_activity a on a.pid = l.pid"
        " where l.locktype = 'advisory' and l.granted and l.classid = %s::oid and l.objsubid = 2"
        " and l.objid = (hashtext(%s)::bigint & 4294967295)::text::oid and l.database = ("
        " select oid from pg_database where datname = current_database())",
        (LOCK_CLASS, live),
    )
    row = cur.fetchone()
    if row is None:
        return None
    pid, application, since, hostname, address = row
    return {
        "backend_pid": pid,
        "application_name": application,
        "since": since,
        "host": hostname or address or "this machine",
    }


def describe_holder(found: dict) -> str:
    name = found["application_name"]
    command = name.split(": ", 1)[1] if ": " in name else name
    return f"harness {command} on {found['host']}, connected since {found['since']:%Y-%m-%d %H:%M:%S %Z}"


@contextlib.contextmanager
def command_lock(target, live: str, command: str) -> Iterator[None]:
    """Hold the live schema for one mutating command (a session-level advisory lock on a
    connection of its own). A second command is refused at once, naming the holder;
    the lock goes with the process, however it ends. Re-entrant within a process."""
    key = (db.redact(target.dsn), live)
    if key in _held:
        _held[key][1] += 1
        try:
            yield
        finally:
            _held[key][1] -= 1
        return
    conn = db.open_connection(target, _application_name(live, command))  # no idle timeout ends it (session.py)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_CLASS, live))
            if not cur.fetchone()[0]:
                found = holder(cur, live)
                who = describe_holder(found) if found else "another session"
                raise Busy(
                    f"schema {live!r} is busy: {who} is working on it; nothing was done. Wait for it to "
                    "finish, or see `harness status`"
                )
            server_started = lock_watch.server_start_time(cur)
        _held[key] = [conn, 1]
        # if the session ends (a restart, pg_terminate_backend), the lock ends with it: the command stops
        watch = lock_watch.Watch(conn)
        try:
            yield
        except BaseException:
            ended = watch.stop()
            if ended:
                raise lock_watch.lost(target, live, ended, server_started) from None
            raise
        finally:
            watch.stop()
            del _held[key]
            _unlock(conn, live)
    finally:
        conn.close()  # ends the session: the advisory lock goes with it, however the process ends


def _unlock(conn, live: str) -> None:
    """Release the lock before closing: the server ends a closed session's backend (and frees its
    locks) a moment after the client has moved on, and the next command of this very process
    (migrate, then rollback) must not find its own lock still held."""
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_advisory_unlock(%s, hashtext(%s))", (LOCK_CLASS, live))
    except Exception:  # noqa: BLE001 - a broken connection: closing it frees the lock all the same
        pass
