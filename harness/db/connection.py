"""Connections: one resolved connection truth, connecting with clear errors,
database creation, small SQL helpers.

A DSN comes from --dsn, else HARNESS_DSN, else the embedded server (started
on demand). `resolve_target()` connects once through libpq — so PG*
environment variables, service files and libpq's defaults apply — and keeps
the effective parameters: psycopg2 and dbt (dbt_runner.py) then use those
very parameters, and can never land in two different databases. A Target
keeps one idle connection that `connect()` lends out again. Passwords are
never printed: use `redacted()` for anything shown.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg2
import psycopg2.extensions
import psycopg2.extras
from psycopg2 import sql

from harness.common import session
from harness.common.errors import ConnectionFailed, HarnessError, UsageError
from harness.common.log import redact as redact_text
from harness.common.log import redact_dsn
from harness.db import embedded

APPLICATION_NAME = "abparts-migrate"
MIN_SERVER_VERSION = 130000  # pg_current_snapshot, xid8, DROP DATABASE ... WITH (FORCE), trusted extensions
# effective libpq parameters that say nothing about where to connect
_NOT_CARRIED = {"application_name", "fallback_application_name", "replication"}


class _Idle:
    """The connection a Target lends out again (one per Target, not shared between them)."""

    def __init__(self) -> None:
        self.conn = None

    def take(self):
        conn, self.conn = self.conn, None
        if conn is None or conn.closed:
            return None
        try:
            with conn.cursor() as cur:
                cur.execute("select 1")  # a dropped database or a restarted server ends it
            conn.rollback()
            return conn
        except psycopg2.Error:
            conn.close()
            return None

    def give_back(self, conn) -> None:
        if conn.closed:
            return
        try:
            conn.rollback()
            conn.set_session(isolation_level="DEFAULT", readonly="DEFAULT", deferrable="DEFAULT", autocommit=True)
            with conn.cursor() as cur:
                cur.execute("reset all; " + session.later_settings_statement())
            conn.autocommit = False
        except psycopg2.Error:
            conn.close()
            return
        if self.conn is None:
            self.conn = conn
        else:
            conn.close()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass(frozen=True, repr=False)
class Target:
    """Where the harness works: libpq parameters (a DSN) and whether it is the embedded server."""

    dsn: str
    embedded: bool = False
    _idle: _Idle = field(default_factory=_Idle, compare=False)

    def __repr__(self) -> str:
        return f"Target({self.redacted()})"

    @property
    def params(self) -> dict[str, str]:
        try:
            return psycopg2.extensions.parse_dsn(self.dsn)
        except psycopg2.ProgrammingError as exc:
            raise UsageError(f"the DSN is not valid: {_without_secrets(str(exc).strip())}") from None

    @property
    def database(self) -> str:
        return self.params.get("dbname") or self.params.get("user") or os.environ.get("USER", "postgres")

    def redacted(self) -> str:
        return redact(self.dsn)

    def with_database(self, database: str) -> Target:
        params = dict(self.params)
        params["dbname"] = database
        return Target(make_dsn(params), self.embedded)

    def close(self) -> None:
        """Close the idle connection (before the database is dropped or used as a template)."""
        self._idle.close()


def _without_secrets(libpq_message: str) -> str:
    """libpq quotes the part of a DSN it could not parse; that part may hold a password."""
    kept = re.sub(r'"[^"]*"', '"…"', libpq_message)
    option = re.search(r'invalid connection option "(\w+)"', libpq_message)  # a name, never a value
    if option:
        kept = kept.replace('option "…"', f'option "{option.group(1)}"')
    return redact_text(kept)


def make_dsn(params: dict[str, str]) -> str:
    """A key=value DSN from parsed parameters (quoting values as libpq wants)."""

    def q(value: str) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{k}={q(v)}" for k, v in params.items())


def redact(dsn: str) -> str:
    """Where the DSN points, as user[:***]@host:port/database: safe to print and log (log.redact_dsn)."""
    return redact_dsn(dsn)


def require_version(server_version: int) -> None:
    if server_version < MIN_SERVER_VERSION:
        major = server_version // 10000
        raise HarnessError(
            f"PostgreSQL {major} is not supported: abparts-migrate needs PostgreSQL 13 or newer (tested on 15 and 18)"
        )


def resolve_target(dsn: str | None) -> Target:
    """--dsn, else HARNESS_DSN, else the embedded server (started on demand), resolved through libpq."""
    dsn = dsn or os.environ.get("HARNESS_DSN")
    if dsn:
        given = Target(dsn)
        given.params  # noqa: B018 - a malformed DSN is one line, before any connection attempt
        return resolve(given)
    embedded.start()
    target = Target(embedded.dsn(embedded.DEFAULT_DATABASE), embedded=True)
    ensure_database(target)
    return resolve(target)


def resolve(given: Target) -> Target:
    """Connect once and keep what libpq actually used: host, port, user, database, password (from the
    DSN, PGPASSWORD or a password file), TLS settings, service-file values."""
    conn = _open(given, APPLICATION_NAME)
    require_version(conn.server_version)
    refuse_encoding(conn, given)
    params = {k: v for k, v in conn.get_dsn_parameters().items() if v not in (None, "") and k not in _NOT_CARRIED}
    params["host"], params["port"] = conn.info.host, str(conn.info.port)
    params.pop("hostaddr", None)
    # the DBA's own options, not the pinned ones this connection added (_open adds them to every session);
    # named even when empty, so that libpq never reads PGOPTIONS again
    params["options"] = dba_options(given)
    if conn.info.password:
        params["password"] = conn.info.password
    resolved = Target(make_dsn(params), given.embedded)
    conn.autocommit = False
    resolved._idle.give_back(conn)
    return resolved


def refuse_encoding(conn, target: Target) -> None:
    """SQL_ASCII stores bytes without saying what they mean: no text read from such a database can be
    decoded, nor written back, faithfully."""
    encoding = conn.info.parameter_status("server_encoding")
    if encoding == "SQL_ASCII":
        conn.close()
        raise UsageError(
            f"database {target.database!r} has the encoding SQL_ASCII, which keeps bytes without saying which "
            "characters they are: the harness cannot read or write its text faithfully; migrate a copy in a "
            "UTF8 database (pg_dump, createdb -E UTF8, pg_restore)"
        )


def ensure_database(target: Target) -> None:
    """Create the target's database on the embedded server if it is missing."""
    with connect(target.with_database("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (target.database,))
        if cur.fetchone() is None:
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(target.database)))


def _maintenance(target: Target, avoid: str) -> Target:
    """A database to run CREATE/DROP DATABASE from: the target's own, unless that is the one concerned."""
    return target if target.database != avoid else target.with_database("postgres")


def drop_database(target: Target, name: str) -> None:
    """Drop a database (its sessions are ended first); a no-op when it does not exist."""
    with connect(_maintenance(target, name), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def create_database(target: Target, name: str, *, template: str | None = None, replace: bool = False) -> Target:
    """Create a database on the target's server (anew with `replace`; as a copy of `template`)."""
    if replace:
        drop_database(target, name)
    with connect(_maintenance(target, name), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (name,))
        if cur.fetchone():
            raise UsageError(f"database {name!r} already exists; choose another")
        statement = sql.SQL("create database {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" template {}").format(sql.Identifier(template))
        cur.execute(statement)
    return target.with_database(name)


def cancel_queries_on_interrupt() -> None:
    """From now on a query waits in Python (select-based), so a signal's KeyboardInterrupt reaches the
    process during it and the query is cancelled on the server instead of left to finish."""
    psycopg2.extensions.set_wait_callback(_wait_interruptibly)


def _wait_interruptibly(conn) -> None:
    """psycopg2.extras.wait_select, but the interrupt goes on: once the server has answered the
    cancel, the KeyboardInterrupt (or the boundary's SIGTERM) is raised, not the "statement
    cancelled" error the cancel caused. psycopg2 then closes the connection, as it does on any
    error raised while waiting."""
    interrupted = None
    while True:
        try:
            state = conn.poll()
            if state == psycopg2.extensions.POLL_OK:
                break
            if state == psycopg2.extensions.POLL_READ:
                select.select([conn.fileno()], [], [])
            elif state == psycopg2.extensions.POLL_WRITE:
                select.select([], [conn.fileno()], [])
            else:
                raise conn.OperationalError(f"bad state from poll: {state}")
        except KeyboardInterrupt as signal_:
            interrupted = interrupted or signal_
            conn.cancel()
        except psycopg2.Error:
            if interrupted is None:
                raise
            break
    if interrupted is not None:
        raise interrupted


def open_connection(target: Target, application_name: str = APPLICATION_NAME):
    """A new connection of its own (not lent out again): the caller closes it."""
    return _open(target, application_name)


def dba_options(target: Target) -> str:
    """The options the DBA gave libpq: the DSN's, else PGOPTIONS (a resolved Target names them)."""
    given = target.params.get("options")
    return given if given is not None else os.environ.get("PGOPTIONS", "")


def _open(target: Target, application_name: str):
    """A session with the harness's settings pinned (session.py): libpq's options, its client
    encoding, and what only some servers know set right after connecting."""
    try:
        conn = psycopg2.connect(
            target.dsn,
            application_name=application_name,
            connect_timeout=10,
            client_encoding=session.CLIENT_ENCODING,
            options=session.options(dba_options(target)),
        )
    except psycopg2.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection failed"
        raise ConnectionFailed(f"cannot connect to {target.redacted()}: {first}") from None
    with conn.cursor() as cur:
        cur.execute(session.later_settings_statement())
    conn.commit()
    return conn


def server_version(target: Target) -> int:
    """The server's version number (150004), from the target's idle connection."""
    with connect(target) as conn:
        return conn.server_version


@contextlib.contextmanager
def connect(target: Target, *, autocommit: bool = False, application_name: str = APPLICATION_NAME) -> Iterator[Any]:
    """A connection to the target: its idle one when there is one, else a new one.

    On leaving, the transaction is rolled back and the session reset, and the
    connection goes back to the target for the next caller.
    """
    conn = target._idle.take() if application_name == APPLICATION_NAME else None
    if conn is None:
        conn = _open(target, application_name)
    conn.autocommit = autocommit
    try:
        yield conn
    finally:
        if application_name == APPLICATION_NAME:
            target._idle.give_back(conn)
        else:
            conn.close()


def fetch_all(cur, query, params=None) -> list[dict]:
    cur.execute(query, params)
    if cur.description is None:
        return []
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


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
