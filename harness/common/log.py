"""logs/migration.log: what the harness did — run id, step, timings,
outcomes, warnings — rotated (5 files of 5 MB). dbt's own log is separate
(logs/dbt/dbt.log).

Nothing secret is ever written: every record passes a filter that masks
passwords in DSNs and key=value strings, bcrypt hashes and tokens.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from urllib.parse import quote

import psycopg2
import psycopg2.extensions

from harness.common import paths

LOGGER_NAME = "abparts_migrate"
SECRET_PATTERNS = [
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+(@)"), r"\1***\2"),  # postgresql://user:secret@host
    (re.compile(r"(password\s*=\s*)('([^'\\]|\\.)*'|\S+)", re.IGNORECASE), r"\1***"),  # password=secret
    (re.compile(r"(PGPASSWORD\s*[=:]\s*)\S+"), r"\1***"),
    (re.compile(r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{20,}"), "<password hash>"),  # bcrypt
    (re.compile(r"((?:token|secret)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+", re.IGNORECASE), r"\1***"),
]


def redact(text: str) -> str:
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_dsn(dsn: str) -> str:
    """Where the DSN points, as user[:***]@host:port/database: safe to print and log. TLS and the other
    connection settings are left out (they do not say which database it is)."""
    try:
        params = psycopg2.extensions.parse_dsn(dsn)
    except psycopg2.ProgrammingError:
        return "<unparseable DSN>"
    host, user, db, port = (params.get(key, "") for key in ("host", "user", "dbname", "port"))
    auth = quote(user) + (":***" if "password" in params else "") + ("@" if user else "")
    hostpart = "" if host.startswith("/") else host
    portpart = f":{port}" if port and hostpart else ""
    query = "?" + "&".join(
        f"{k}={v}"
        for k, v in (("host", host if host.startswith("/") else ""), ("port", port if not hostpart else ""))
        if v
    )
    return f"postgresql://{auth}{hostpart}{portpart}/{db}{query.rstrip('?')}"


def command_line(argv: list[str]) -> str:
    """The command as typed, for the log: a --dsn value shown as where it points (redact_dsn), so
    a DSN the patterns cannot read (an unbalanced quote, a password with spaces) never leaks."""
    shown, after_dsn = [], False
    for arg in argv:
        if after_dsn:
            shown.append(redact_dsn(arg))
        elif arg.startswith("--dsn="):
            shown.append("--dsn=" + redact_dsn(arg.removeprefix("--dsn=")))
        else:
            shown.append(arg)
        after_dsn = arg == "--dsn"
    return " ".join(shown)


class RedactingFilter(logging.Filter):
    """Every record, tracebacks included, passes redact() before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, None
        record.msg = redact(message)
        record.args = ()
        return True


class _Context(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = getattr(record, "run_id", "-")
        record.step = getattr(record, "step", "-")
        return True


def logger() -> logging.Logger:
    log = logging.getLogger(LOGGER_NAME)
    target = paths.logs_dir() / "migration.log"
    current = [h for h in log.handlers if getattr(h, "baseFilename", None) == str(target)]
    if not current:
        for handler in list(log.handlers):  # HARNESS_HOME changed (tests): follow it
            log.removeHandler(handler)
            handler.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            target, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8"
        )
        target.chmod(0o600)  # the owner's alone, whatever the umask was when it was first made
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s run=%(run_id)s step=%(step)s %(message)s"))
        handler.addFilter(_Context())
        handler.addFilter(RedactingFilter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def event(message: str, *, run_id: str | None = None, step: str | None = None, level: int = logging.INFO) -> None:
    logger().log(level, message, extra={"run_id": run_id or "-", "step": step or "-"})
