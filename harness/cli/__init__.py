"""The command line: parsing (commands.py), the error boundary, rendering and live progress."""

from harness.cli.commands import app, main

__all__ = ["app", "main"]
