"""Names of the schemas one migration uses, derived from the live schema.

Every name is validated as a plain lower-case identifier so that it can be
quoted safely and combined with a run id without exceeding PostgreSQL's
63-byte limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from psycopg2 import sql

from harness.common.errors import UsageError

AUDIT_SCHEMA = "migration_audit"
BACKUP_SCHEMA = "migration_backup"
MAX_LIVE_LENGTH = 31  # + "_rolledback_" (12) + run id (20) = 63
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_RUN_ID = re.compile(r"^\d{8}_\d{6}_[0-9a-f]{4}$")


def validate_identifier(name: str, what: str = "schema name", max_length: int = 63) -> str:
    if not _IDENTIFIER.match(name or "") or len(name) > max_length:
        raise UsageError(
            f"{what} {name!r} is not valid: use lower-case letters, digits and '_', "
            f"starting with a letter or '_', at most {max_length} characters"
        )
    return name


def validate_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id or ""):
        raise UsageError(f"run id {run_id!r} is not valid: expected YYYYMMDD_HHMMSS_xxxx")
    return run_id


@dataclass(frozen=True)
class Schemas:
    live: str

    def __post_init__(self) -> None:
        validate_identifier(self.live, "live schema name", MAX_LIVE_LENGTH)
        if self.live in (AUDIT_SCHEMA, BACKUP_SCHEMA) or self.live.startswith(("pg_", "migration_")):
            raise UsageError(f"live schema name {self.live!r} is reserved")
        own = re.search(r"_(stage|next|archive_\w+|rolledback_\w+|restored)$", self.live)
        if own:
            raise UsageError(
                f"schema {self.live!r} is one the harness makes (<live>_{own.group(1).split('_')[0]}), "
                "never a live schema: --schema names the application's schema, e.g. public"
            )

    @property
    def stage(self) -> str:
        return f"{self.live}_stage"

    @property
    def next(self) -> str:
        return f"{self.live}_next"

    @property
    def audit(self) -> str:
        return AUDIT_SCHEMA

    @property
    def backup(self) -> str:
        return BACKUP_SCHEMA

    def archive(self, run_id: str) -> str:
        return f"{self.live}_archive_{validate_run_id(run_id)}"

    def rolledback(self, run_id: str) -> str:
        return f"{self.live}_rolledback_{validate_run_id(run_id)}"

    def dbt_vars(self) -> dict[str, str]:
        return {
            "live_schema": self.live,
            "source_schema": self.stage,
            "stage_schema": self.stage,
            "shadow_schema": self.next,
        }


def ident(name: str) -> sql.Identifier:
    """A quoted identifier for psycopg2.sql composition."""
    return sql.Identifier(name)
