"""Failures whose cause is the server, said as that cause: whichever statement or dbt node it
hit, the operator reads that the connection was lost, that the disk is full, or which timeout
cancelled a statement, not that a model failed.

`cause(message, sqlstate)` recognises one from the server's SQLSTATE when there is one (a
psycopg2 error), else from its message (a dbt node keeps only the text). The messages are
PostgreSQL's own (lc_messages in English, the server's default); libpq's for a lost connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.common import session
from harness.common.errors import EXIT_CHECK_FAILED, EXIT_USAGE, ConnectionFailed, HarnessError


class ServerGone(ConnectionFailed):
    """The connection to the server was lost: it shut down, restarted or ended the session."""


class ServerOutOfResources(HarnessError):
    """The server ran out of disk, memory or connection slots."""

    exit_code = EXIT_USAGE


class TimedOut(HarnessError):
    """A timeout of the session cancelled a statement or ended the session."""

    exit_code = EXIT_CHECK_FAILED


@dataclass(frozen=True)
class Cause:
    error: type[HarnessError]
    what: str  # what happened, as the one line says it
    way: str  # what to do
    sqlstates: tuple[str, ...]
    phrases: tuple[str, ...]  # in the message (lower case)


_AGAIN = "run the command again when the server is back (`harness status` says where it stopped)"

CAUSES = (
    Cause(
        TimedOut,
        "{statement_timeout} cancelled a statement",
        "raise or unset it and run the command again",
        (),
        ("canceling statement due to statement timeout",),
    ),
    Cause(
        TimedOut,
        "lock_timeout cancelled a statement that waited for a lock",
        "another session holds it: run the command again when that session is done",
        (),
        ("canceling statement due to lock timeout",),
    ),
    Cause(
        TimedOut,
        "idle_in_transaction_session_timeout ended a session",
        "the server's or the role's setting; the harness sets it to 0: check the role's settings",
        ("25P03",),
        ("idle-in-transaction timeout",),
    ),
    Cause(
        TimedOut,
        "idle_session_timeout ended a session",
        "the server's or the role's setting; the harness sets it to 0: check the role's settings",
        ("57P05",),
        ("idle-session timeout",),
    ),
    Cause(
        TimedOut,
        "transaction_timeout ended a session",
        "the server's or the role's setting; the harness sets it to 0: check the role's settings",
        ("25P04",),
        ("due to transaction timeout",),
    ),
    Cause(
        ServerOutOfResources,
        "the server ran out of disk space",
        "free disk space on the server (or move the database) and run the command again",
        ("53100",),
        ("no space left on device", "could not extend file", "disk quota exceeded", "disk full"),
    ),
    Cause(
        ServerOutOfResources,
        "the server ran out of memory",
        "lower work_mem or HARNESS_DBT_THREADS, or give the server more memory, and run the command again",
        ("53200",),
        ("out of memory",),
    ),
    Cause(
        ServerOutOfResources,
        "the server has no connection slot left",
        "end idle sessions or raise max_connections, and run the command again",
        ("53300",),
        ("too many clients already", "remaining connection slots are reserved", "too many connections for"),
    ),
    Cause(
        ServerGone,
        "the connection to the server was lost",
        _AGAIN,
        ("57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"),
        (
            "terminating connection due to administrator command",
            "terminating connection because of crash of another server process",
            "server closed the connection unexpectedly",
            "the database system is shutting down",
            "the database system is starting up",
            "the database system is in recovery mode",
            "could not receive data from server",
            "could not send data to server",
            "no connection to the server",
            "connection already closed",
            "ssl syscall error",
            "connection refused",
        ),
    ),
)


def cause(message: str | None, sqlstate: str | None = None) -> Cause | None:
    """The server-side cause of a failure, or None when it is something else (the data, a model)."""
    text = (message or "").lower()
    for found in CAUSES:
        if sqlstate and sqlstate in found.sqlstates:
            return found
    for found in CAUSES:
        if any(phrase in text for phrase in found.phrases):
            return found
    return None


def describe(found: Cause) -> str:
    return found.what.format(statement_timeout=session.describe_statement_timeout())


def first_line(message: str) -> str:
    """The server's own words, without dbt's 'Database Error in model ...' framing."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(("Database Error in", "compiled code at"))]
    return lines[0] if lines else ""


def error(found: Cause, where: str, detail: str) -> HarnessError:
    """The one line: what happened, where, the server's words, and what to do."""
    return found.error(f"{describe(found)}{where} ({detail}); {found.way}")
