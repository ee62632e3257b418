"""abparts-migrate harness: stage, build (dbt), cut over and roll back an ABParts database."""

__version__ = "0.1.0"
