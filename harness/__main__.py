"""python -m harness: the same command line as `harness`."""

from .cli import main

main()
