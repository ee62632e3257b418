"""The watch over the session that holds a live schema's lock (locks.command_lock).

The per-schema lock is a session-level advisory lock: it lives exactly as long as that
session. When the server restarts, or somebody ends the session (pg_terminate_backend), the
lock is gone while the command goes on, unprotected: a second command could start on the same
schema. So a thread watches the session's socket (nothing arrives on an idle session but the
server's last words) and, when the session ends, interrupts the main thread as Ctrl-C would:
dbt and the harness's own queries are cancelled and the command stops at once. command_lock then
says why in one line (`lost()`): the server restarted (its start time changed), it does not
answer, or the session was ended while the server stayed up.
"""

from __future__ import annotations

import os
import select
import signal
import threading
import time
from datetime import datetime

import psycopg2

from harness.common.server_failures import ServerGone
from harness.db import connection as db

RESEND_SECONDS = 0.5  # how often the interrupt is sent again until the command stops
PROBE_SECONDS = 20  # how long lost() waits for a restarting server to answer


class LockLost(ServerGone):
    """The session holding the live schema's lock ended: the command stopped there."""


class Watch:
    """Watches `conn` (autocommit, idle) from a thread of its own until stop()."""

    def __init__(self, conn):
        self._conn = conn
        self._wake_read, self._wake_write = os.pipe()  # stop() wakes the watch at once
        self._stopped = threading.Event()
        self._guard = threading.Lock()
        self._signalled = False
        self.ended: str | None = None  # the server's (or libpq's) words when the session ended
        # only the main thread can be interrupted, and only where a Python handler takes SIGINT
        self._main = threading.current_thread() is threading.main_thread() and callable(signal.getsignal(signal.SIGINT))
        self._thread = threading.Thread(target=self._watch, name="abparts-lock-watch", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stopped.is_set():
            try:
                readable, _, _ = select.select([self._conn, self._wake_read], [], [])
            except (OSError, ValueError):  # the socket is gone
                readable = [self._conn]
            if self._stopped.is_set():
                return
            if self._conn not in readable:
                continue
            ended = self._ended()
            if ended is None:
                continue
            self.ended = ended
            break
        # interrupt the main thread until the command stops: an interrupt that arrives while a query
        # waits is taken as "cancel that query" (psycopg2's wait_select), and the query may finish first
        while self._main:
            with self._guard:
                if self._stopped.is_set():
                    return
                self._signalled = True
                signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            if select.select([self._wake_read], [], [], RESEND_SECONDS)[0]:
                return

    def _ended(self) -> str | None:
        """The words the session ended with, or None when what arrived was not its end (a notice)."""
        try:
            self._conn.poll()
        except psycopg2.Error as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            return lines[0] if lines else "the session ended"
        if self._conn.closed:
            return "the session ended"
        self._conn.notices.clear()
        return None

    def stop(self) -> str | None:
        """Stop watching; the words the session ended with, if it did. The interrupt the watch sent
        is taken here when the command did not take it already."""
        try:
            with self._guard:
                first = not self._stopped.is_set()
                self._stopped.set()
            if first:
                os.write(self._wake_write, b"x")
            self._thread.join()
            if first:
                os.close(self._wake_read)
                os.close(self._wake_write)
            if self._signalled:
                time.sleep(0.05)  # a signal sent to this thread is handled here, at the latest
        except KeyboardInterrupt:
            if not self._signalled:
                raise
        return self.ended


def server_start_time(cur) -> datetime:
    cur.execute("select pg_postmaster_start_time()")
    return cur.fetchone()[0]


def lost(target, live: str, ended: str, server_started: datetime) -> LockLost:
    """The one line: the lock session ended, why (a restart, a server that does not answer, or an
    ended session on a server that stayed up), and that the command stopped there."""
    deadline = time.monotonic() + PROBE_SECONDS
    while True:
        try:
            probe = db.open_connection(target, "abparts-migrate: after losing the lock")
            try:
                with probe.cursor() as cur:
                    started = server_start_time(cur)
            finally:
                probe.close()
            if started != server_started:
                why = f"the server restarted at {started:%Y-%m-%d %H:%M:%S %Z}"
            else:
                why = "the server stayed up: another session ended it (pg_terminate_backend) or the network dropped it"
            break
        except Exception as exc:  # noqa: BLE001 - a server still shutting down or starting up
            if time.monotonic() > deadline:
                first = str(getattr(exc, "message", exc)).splitlines()[0]
                why = f"the server does not answer ({first})"
                break
            time.sleep(0.5)
    return LockLost(
        f"the session holding the lock on schema {live!r} ended ({ended}): {why}; the command stopped "
        "there and did nothing more; run it again when the server is back (`harness status` says where it "
        "stopped)"
    )
