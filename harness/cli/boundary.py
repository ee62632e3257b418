"""The error boundary of the command line: whatever a command raises becomes
one line on stderr and an exit code, and the command's start, end and
failure go to logs/migration.log.

Exit codes: 0 ok; 1 a check failed, a guard refused or the operator said no;
2 usage, configuration or connection error; 130 interrupted (Ctrl-C, SIGINT);
143 terminated (SIGTERM).

Ctrl-C and SIGTERM stop a command within seconds: the signal becomes a
KeyboardInterrupt in the main thread (dbt then cancels its own queries), and a
query the harness itself is running is cancelled on the server
(db.cancel_queries_on_interrupt), so nothing of the command keeps running there. What was
interrupted records itself (a build: 'interrupted' in the audit).
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
import time
from collections.abc import Callable

import typer
import typer.core
from typer._click import exceptions as cli_errors  # typer vendors click: its errors live here

from harness.cli.console import err
from harness.common import errors, faults, log, paths
from harness.db import connection as db


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C (dbt cancels its queries on a KeyboardInterrupt)."""


def _terminate(signum, frame) -> None:
    faults.released.set()
    raise Terminated()


def _interrupt(signum, frame) -> None:
    faults.released.set()
    raise KeyboardInterrupt()


def _interruptible() -> None:
    """SIGTERM like Ctrl-C, and queries that a signal cancels on the server instead of finishing."""
    signal.signal(signal.SIGTERM, _terminate)
    # even where the shell started the harness with SIGINT ignored (a background job)
    signal.signal(signal.SIGINT, _interrupt)
    db.cancel_queries_on_interrupt()


def guarded(func: Callable) -> Callable:
    """The error boundary: a known error becomes one line on stderr and an exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        command = log.command_line(sys.argv[1:]) if sys.argv and "harness" in sys.argv[0] else func.__name__
        name = func.__name__.removesuffix("_command").replace("_", " ")
        started = time.perf_counter()
        paths.make_private()
        log.event(f"command start: harness {command}")
        if threading.current_thread() is threading.main_thread():
            _interruptible()
        try:
            result = func(*args, **kwargs)
        except (typer.Exit, typer.Abort, cli_errors.ClickException):
            raise
        except KeyboardInterrupt as interrupt:
            terminated = isinstance(interrupt, Terminated)
            how = "interrupted by SIGTERM" if terminated else "interrupted"
            log.event(f"command {how} after {time.perf_counter() - started:.2f}s", level=40)
            err.print(
                f"{how}: the command stopped and its queries were cancelled; what it was doing is recorded, "
                "see `harness status`",
                markup=False,
            )
            raise typer.Exit(errors.EXIT_TERMINATED if terminated else errors.EXIT_INTERRUPTED) from None
        except Exception as raised:  # the boundary: whatever it is, one line on the console
            exc = errors.from_exception(raised, name)
            if not isinstance(raised, errors.HarnessError):
                log.logger().error("traceback of the failure below", exc_info=raised)
            log.event(
                f"command failed (exit {exc.exit_code}) after {time.perf_counter() - started:.2f}s: {exc.message}",
                level=40,
            )
            err.print(f"[bold red]error:[/] {exc.message}", markup=True, highlight=False)
            if exc.hint:
                err.print(f"hint: {exc.hint}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        log.event(f"command ok after {time.perf_counter() - started:.2f}s")
        return result

    return wrapper


class CommandLine(typer.core.TyperGroup):
    """The root command: a usage error is one line and exit 2 (click would print usage, a hint and a box),
    whether the `harness` script or a test runner calls it."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except cli_errors.NoArgsIsHelpError as no_args:
            no_args.show()  # the help text is what a bare `harness` should print
            code = errors.EXIT_USAGE
        except cli_errors.UsageError as usage:
            where = f" (`{usage.ctx.command_path} --help` lists them)" if usage.ctx else ""
            message = usage.format_message().replace("Value error, ", "")
            err.print(f"error: {message}{where}", markup=False, highlight=False)
            code = errors.EXIT_USAGE
        except cli_errors.ClickException as failure:
            err.print(f"error: {failure.format_message()}", markup=False, highlight=False)
            code = failure.exit_code
        except typer.Abort:
            err.print("error: aborted at a prompt (no answer); nothing was done", markup=False, highlight=False)
            code = errors.EXIT_CHECK_FAILED
        sys.exit(code if isinstance(code, int) else errors.EXIT_OK)
