"""python -m harness: the same command line as `harness`."""

from harness.cli.commands import main

main()
