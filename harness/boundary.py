"""The error boundary of the command line: whatever a command raises becomes
one line on stderr and an exit code, and the command's start, end and
failure go to logs/migration.log.

Exit codes: 0 ok; 1 a check failed, a guard refused or the operator said no;
2 usage, configuration or connection error; 130 interrupted.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable

import typer

from .console import err
from .errors import HarnessError


def guarded(func: Callable) -> Callable:
    """The error boundary: a known error becomes one line on stderr and an exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from . import log

        command = " ".join(sys.argv[1:]) if sys.argv and "harness" in sys.argv[0] else func.__name__
        started = time.perf_counter()
        log.event(f"command start: harness {command}")
        try:
            result = func(*args, **kwargs)
        except HarnessError as exc:
            log.event(f"command failed (exit {exc.exit_code}) after {time.perf_counter() - started:.2f}s: "
                      f"{exc.message}", level=40)
            err.print(f"[bold red]error:[/] {exc.message}", markup=True, highlight=False)
            if exc.hint:
                err.print(f"hint: {exc.hint}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            log.event("command interrupted", level=40)
            err.print("interrupted", markup=False)
            raise typer.Exit(130) from None
        except typer.Exit as exit_:
            log.event(f"command ended (exit {exit_.exit_code}) after {time.perf_counter() - started:.2f}s")
            raise
        log.event(f"command ok after {time.perf_counter() - started:.2f}s")
        return result

    return wrapper


