"""The error boundary: every operator-facing failure is one of these.

The CLI turns them into a one-line message and an exit code; library callers
(tests, scripts) catch them like any exception.
"""

from __future__ import annotations

# Every exit code of the command line (the docs that list them are held to this by
# pytests/unit/test_docs_truth.py)
EXIT_OK = 0
EXIT_CHECK_FAILED = 1  # a check failed, a guard refused, or the operator said no
EXIT_USAGE = 2  # bad input, configuration or connection
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT): 128 + 2, as a shell reports it
EXIT_TERMINATED = 143  # SIGTERM: 128 + 15


class HarnessError(Exception):
    """Base class: a message meant for the operator, and an exit code."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(HarnessError):
    """Bad flag value, bad schema name, missing file."""

    exit_code = EXIT_USAGE


class ConnectionFailed(HarnessError):
    """The database cannot be reached with the DSN given."""

    exit_code = EXIT_USAGE


class CheckFailed(HarnessError):
    """A validation, test, guard or state check said no."""

    exit_code = EXIT_CHECK_FAILED


class OutOfOrder(CheckFailed):
    """A command used when the database is not in the state it needs."""


class Aborted(CheckFailed):
    """The operator answered no."""


class DatabaseRefused(HarnessError):
    """PostgreSQL said no in a way no check foresaw: one line, and the way forward."""


class DataProblem(DatabaseRefused):
    """The data broke a rule of the database (a duplicate, a value out of range): a data finding."""

    exit_code = EXIT_CHECK_FAILED


class InternalError(HarnessError):
    """A bug of the harness: one line here, the traceback in logs/migration.log."""


# SQLSTATE class or code -> (exception, what to do)
_WAY_FORWARD = {
    "25006": (
        DatabaseRefused,
        "the session is read-only (default_transaction_read_only, or a standby): connect to "
        "the primary as a role whose transactions may write",
    ),
    "42501": (DatabaseRefused, "the role lacks a privilege this command needs: see docs/runbook.md#privileges"),
    "42P01": (
        DatabaseRefused,
        "a table the harness expects is missing: run `harness validate` to compare the live "
        "schema with the legacy schema",
    ),
    "42703": (
        DatabaseRefused,
        "a column the harness expects is missing: run `harness validate` to compare the live "
        "schema with the legacy schema",
    ),
    "53": (
        DatabaseRefused,
        "the server is out of a resource (disk, memory, connections): free it and run the command again",
    ),
    "57014": (
        DataProblem,
        "a statement was cancelled (statement_timeout, or by an administrator): run the command "
        "again, with a longer statement_timeout for this role if needed",
    ),
    "55P03": (DataProblem, "another session holds a lock the command needs: run it again when that session is done"),
    "23": (
        DataProblem,
        "the legacy data breaks a rule the target keeps: fix the row named above, or run "
        "`harness validate` to see every such row",
    ),
    "22": (DataProblem, "a legacy value does not fit the target: run `harness validate` to see every such value"),
    "40": (
        DataProblem,
        "the server rolled the transaction back (a conflict with another session): nothing was "
        "changed; run the command again",
    ),
}


def from_exception(exc: BaseException, command: str) -> HarnessError:
    """Whatever a command raised, as the one line the operator reads."""
    import psycopg2

    if isinstance(exc, HarnessError):
        return exc
    if isinstance(exc, psycopg2.Error):
        return from_database(exc, command)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return HarnessError(
            f"harness {command}: {exc.strerror or exc}{where}: check the disk and the permissions of "
            "the harness's directories (reports/, backups/, logs/, target/)"
        )
    return InternalError(
        f"harness {command} stopped on an unexpected error ({type(exc).__name__}: "
        f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no message'}); nothing after it "
        "was done; the traceback is in logs/migration.log: please report it"
    )


def from_database(exc: Exception, command: str) -> HarnessError:
    """One line for a psycopg2 error: what failed, on which object, and what to do."""
    diag = getattr(exc, "diag", None)
    code = getattr(exc, "pgcode", None) or ""
    primary = (
        getattr(diag, "message_primary", None) or str(exc).strip().splitlines()[0]
        if str(exc).strip()
        else type(exc).__name__
    )
    parts = [getattr(diag, "schema_name", None), getattr(diag, "table_name", None)]
    where = ".".join(p for p in parts if p)
    column = getattr(diag, "column_name", None)
    constraint = getattr(diag, "constraint_name", None)
    detail = getattr(diag, "message_detail", None)
    objects = ", ".join(
        x
        for x in (
            f"on {where}" if where else "",
            f"column {column}" if column else "",
            f"constraint {constraint}" if constraint else "",
        )
        if x
    )
    cls, way = (
        _WAY_FORWARD.get(code)
        or _WAY_FORWARD.get(code[:2])
        or (DatabaseRefused, "nothing more is known: see logs/migration.log and the server's log")
    )
    from harness.common import server_failures  # it builds on this module's classes

    found = server_failures.cause(str(exc), code)
    if found:  # the server's doing (the connection lost, the disk full, a timeout): said as that
        return found.error(f"harness {command}: {server_failures.describe(found)} ({primary}); {found.way}")
    if not code and "connection" in primary.lower():
        return ConnectionFailed(
            f"harness {command}: the connection to the database was lost ({primary}); run the "
            "command again when the server is back (`harness status` says where it stopped)"
        )
    text = f"harness {command}: the database refused: {primary}"
    if objects:
        text += f" ({objects})"
    if detail:
        text += f"; {detail.splitlines()[0]}"
    return cls(f"{text}; {way}")
