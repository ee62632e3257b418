"""The error boundary: every operator-facing failure is one of these.

The CLI turns them into a one-line message and an exit code; library callers
(tests, scripts) catch them like any exception.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHECK_FAILED = 1  # a check failed, or the operator said no
EXIT_USAGE = 2  # bad input, configuration or connection


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
