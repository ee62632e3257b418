"""Lock discipline for DDL on a live database: a short lock_timeout, bounded
retries with backoff, and the time the locks were held, measured."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import psycopg2
import psycopg2.errorcodes
from psycopg2 import sql

from .errors import CheckFailed

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
            conn.rollback()  # a guard said no (or an interrupt): nothing of the transaction stays
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
