"""Connections: DSN resolution, connecting with clear errors, small SQL helpers.

A DSN comes from --dsn, else HARNESS_DSN, else the embedded server (started
on demand). Passwords are never printed: use `redact()` for anything shown.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import psycopg2
import psycopg2.extensions
import psycopg2.extras
from psycopg2 import sql

from . import embedded
from .errors import ConnectionFailed, UsageError


@dataclass(frozen=True)
class Target:
    """Where the harness works: a DSN and whether it is the embedded server."""

    dsn: str
    embedded: bool = False

    @property
    def params(self) -> dict[str, str]:
        try:
            return psycopg2.extensions.parse_dsn(self.dsn)
        except psycopg2.ProgrammingError as exc:
            raise UsageError(f"the DSN is not valid: {str(exc).strip()}") from None

    @property
    def database(self) -> str:
        return self.params.get("dbname") or self.params.get("user") or os.environ.get("USER", "postgres")

    def redacted(self) -> str:
        return redact(self.dsn)

    def with_database(self, database: str) -> Target:
        params = dict(self.params)
        params["dbname"] = database
        return Target(make_dsn(params), self.embedded)


def make_dsn(params: dict[str, str]) -> str:
    """A key=value DSN from parsed parameters (quoting values as libpq wants)."""

    def q(value: str) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{k}={q(v)}" for k, v in params.items())


def redact(dsn: str) -> str:
    """The DSN with any password replaced by ***; safe to print and log."""
    try:
        params = psycopg2.extensions.parse_dsn(dsn)
    except psycopg2.ProgrammingError:
        return "<unparseable DSN>"
    if "password" in params:
        params["password"] = "***"
    host = params.get("host", "")
    user = params.get("user", "")
    db = params.get("dbname", "")
    port = params.get("port")
    if set(params) <= {"host", "user", "dbname", "port", "password"}:
        auth = quote(user) + (":***" if "password" in params else "") + ("@" if user else "")
        hostpart = "" if host.startswith("/") else host
        portpart = f":{port}" if port and hostpart else ""
        query = f"?host={host}" if host.startswith("/") else ""
        return f"postgresql://{auth}{hostpart}{portpart}/{db}{query}"
    return make_dsn(params)


def resolve_target(dsn: str | None) -> Target:
    """--dsn, else HARNESS_DSN, else the embedded server (started on demand)."""
    dsn = dsn or os.environ.get("HARNESS_DSN")
    if dsn:
        target = Target(dsn)
        target.params  # validate early, one-line error
        return target
    embedded.start()
    target = Target(embedded.dsn(embedded.DEFAULT_DATABASE), embedded=True)
    ensure_database(target)
    return target


def ensure_database(target: Target) -> None:
    """Create the target's database on the embedded server if it is missing."""
    maintenance = target.with_database("postgres")
    with connect(maintenance, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (target.database,))
        if cur.fetchone() is None:
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(target.database)))


@contextlib.contextmanager
def connect(target: Target, *, autocommit: bool = False, application_name: str = "abparts-migrate") -> Iterator[Any]:
    try:
        conn = psycopg2.connect(target.dsn, application_name=application_name, connect_timeout=10)
    except psycopg2.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection failed"
        raise ConnectionFailed(f"cannot connect to {target.redacted()}: {first}") from None
    conn.autocommit = autocommit
    try:
        yield conn
    finally:
        conn.close()


def fetch_all(cur, query, params=None) -> list[dict]:
    cur.execute(query, params)
    if cur.description is None:
        return []
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def relation_exists(cur, schema: str, name: str) -> bool:
    cur.execute("select to_regclass(%s)", (sql.Identifier(schema, name).as_string(cur),))
    return cur.fetchone()[0] is not None


def schema_exists(cur, schema: str) -> bool:
    cur.execute("select 1 from pg_namespace where nspname = %s", (schema,))
    return cur.fetchone() is not None


def tables_in(cur, schema: str) -> list[str]:
    cur.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relkind in ('r', 'p') order by 1",
        (schema,),
    )
    return [r[0] for r in cur.fetchall()]


def count_rows(cur, schema: str, table: str) -> int:
    cur.execute(sql.SQL("select count(*) from {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
    return int(cur.fetchone()[0])


def drop_schema(cur, schema: str) -> None:
    cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
