"""The session settings the harness pins, for its own connections and dbt's alike.

A server, a database or a role may carry settings (`ALTER ROLE ... SET`, `ALTER DATABASE
... SET`, postgresql.conf, PGOPTIONS) that change what a statement means or how long it
may run: how a backslash in a literal is read, how a date is written, the time zone a
timestamptz literal is in, the encoding text crosses the wire in, where an unqualified
name is looked up, whether a transaction may write, whether a row-level security policy
filters silently. None of them may change the target. Every session of the harness and of
dbt starts with the values below, given as libpq's startup options (`-c name=value`),
which take precedence over the role's, the database's and the server's own; the DBA's own
options (PGOPTIONS, the DSN's `options`) come first and the pinned values last, so the
pinned ones win. A statement that sets one itself (SET LOCAL lock_timeout in the swap)
still does.

Three settings do not fit the options: client_encoding is libpq's own connection
parameter (which wins over `-c`); idle_session_timeout (PostgreSQL 14) and
transaction_timeout (17) do not exist on every supported server, where naming one in the
options refuses the connection, so they are set after connecting (psycopg2) or named for
the server's version (dbt).

docs/runbook.md#session-settings lists them for the DBA, with the settings the harness
refuses instead (a SQL_ASCII database).
"""

from __future__ import annotations

import os
import re

from harness.common.errors import UsageError

CLIENT_ENCODING = "UTF8"
STATEMENT_TIMEOUT_VARIABLE = "HARNESS_STATEMENT_TIMEOUT"

# name -> value, on every supported server (13 and newer)
PINNED = {
    "DateStyle": "ISO, MDY",  # psycopg2 reads ISO dates only
    "IntervalStyle": "postgres",
    "TimeZone": "UTC",  # timestamptz '2000-01-01' and every date cast mean the same everywhere
    "standard_conforming_strings": "on",  # '\s' in the models' regexes stays a backslash and an s
    "backslash_quote": "safe_encoding",
    "search_path": '"$user", public',
    "default_transaction_isolation": "read committed",  # the stage asks for its snapshot itself
    "default_transaction_read_only": "off",
    "default_transaction_deferrable": "off",
    "row_security": "off",  # a policy that would hide legacy rows fails the statement instead
    "statement_timeout": "0",  # or HARNESS_STATEMENT_TIMEOUT (statement_timeout())
    "lock_timeout": "0",  # bounded where a live table is locked: SET LOCAL there (db/locks.py)
    "idle_in_transaction_session_timeout": "0",
    "extra_float_digits": "1",
    "bytea_output": "hex",
    "quote_all_identifiers": "off",  # format_type() and pg_get_*def() as the checks expect them
    "transform_null_equals": "off",
    "array_nulls": "on",
    "exit_on_error": "off",  # an expected error (a lock timeout, retried) must not end the session
    "xmloption": "content",
}
# name -> (the first server version that has it, value)
PINNED_SINCE = {
    "idle_session_timeout": (140000, "0"),
    "transaction_timeout": (170000, "0"),
}
_DURATION = re.compile(r"^[0-9]+(us|ms|s|min|h|d)?$")


def statement_timeout() -> str:
    """statement_timeout of every session: none (0), unless the operator sets one
    (HARNESS_STATEMENT_TIMEOUT, e.g. 30min) to bound a build or a validation."""
    value = os.environ.get(STATEMENT_TIMEOUT_VARIABLE, "").strip().replace(" ", "")
    if not value:
        return "0"
    if not _DURATION.match(value):
        raise UsageError(
            f"{STATEMENT_TIMEOUT_VARIABLE}={value!r} is not a duration: give one as PostgreSQL writes it "
            "(30min, 2h, 90s, 500ms; 0 for none)"
        )
    return value


def describe_statement_timeout() -> str:
    """statement_timeout as the sessions have it, and who set it: for a message."""
    value = statement_timeout()
    return f"statement_timeout = {value} (set by {STATEMENT_TIMEOUT_VARIABLE})" if value != "0" else "statement_timeout"


def settings(server_version: int | None = None) -> dict[str, str]:
    """Every pinned setting and its value (those of later servers when the version is known)."""
    pinned = dict(PINNED, statement_timeout=statement_timeout())
    for name, (since, value) in PINNED_SINCE.items():
        if server_version and server_version >= since:
            pinned[name] = value
    return pinned


def _option(name: str, value: str) -> str:
    # libpq splits the options at spaces; a backslash keeps one (and is itself doubled)
    escaped = value.replace("\\", "\\\\").replace(" ", "\\ ")
    return f"-c {name}={escaped}"


def options(dba_options: str | None = None, extra: dict[str, str] | None = None, server_version=None) -> str:
    """libpq's options for one session: the DBA's own, then `extra` (dbt's check modes), then the
    pinned settings, which thus win over both."""
    parts = [dba_options.strip()] if dba_options and dba_options.strip() else []
    parts += [_option(name, value) for name, value in (extra or {}).items()]
    parts += [_option(name, value) for name, value in settings(server_version).items()]
    return " ".join(parts)


def later_settings_statement() -> str:
    """One statement that pins, after connecting, what only some servers know (psycopg2's
    sessions, and again after RESET ALL: it sets them as the session's own)."""
    names = ", ".join(f"'{name}'" for name in PINNED_SINCE)
    return (
        "select set_config(name, case name "
        + " ".join(f"when '{name}' then '{value}'" for name, (_, value) in PINNED_SINCE.items())
        + f" end, false) from pg_settings where name in ({names})"
    )
