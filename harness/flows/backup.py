"""Backups taken before every cutover; skipping them is impossible.

1. dbt snapshots of every legacy table into migration_backup
   (<live>__<table>, check strategy on all columns: the change history).
2. pg_dump -Fc of the live schema into backups/<live>_<run_id>.dump
   (directory 0700, file 0600), verified with pg_restore --list.
`restore()` brings a dump back into a new schema or a new database.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.common import paths, session
from harness.common.errors import CheckFailed, HarnessError, UsageError
from harness.common.schemas import Schemas, validate_identifier
from harness.db import connection as db
from harness.db import embedded, swap
from harness.dbt_bridge import dbt_runner
from harness.flows.progress import Progress
from harness.flows.schema_lock import holding
from harness.reporting.reports import Result


@dataclass
class BackupResult(Result):
    dump_path: str
    dump_bytes: int
    dump_sha256: str
    snapshot_rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    dbt_nodes: int = 0  # the snapshots dbt ran (one per legacy table)


def _client_env(target: db.Target) -> tuple[str, dict[str, str]]:
    """A DSN without the password for the command line, the password in the environment. pg_dump's
    and pg_restore's sessions get the settings the harness pins (session.py) after the DBA's
    options, as its own do: a role's default_transaction_read_only or timeout stops neither."""
    params = dict(target.params)
    params["options"] = session.options(db.dba_options(target))
    env = dict(os.environ)
    password = params.pop("password", None)
    if password:
        env["PGPASSWORD"] = password
    return db.make_dsn(params), env


def _tool(name: str) -> str:
    """The wheel's client programs (PostgreSQL 18 can dump older servers too)."""
    return str(embedded.bin_dir() / name)


def _run_tool(args: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise HarnessError(f"{what} could not start: {exc}") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise HarnessError(f"{what} failed: {lines[-1] if lines else 'exit ' + str(done.returncode)}")
    return done.stdout


def _link_exclusively(tmp: Path, path: Path) -> Path:
    """Put `tmp` in place as `path`, or as `path` with .1, .2, ... when that exists: an existing
    backup (an earlier attempt of the same run) is never overwritten."""
    for attempt in range(100):
        candidate = path if attempt == 0 else path.with_name(f"{path.stem}.{attempt}{path.suffix}")
        try:
            os.link(tmp, candidate)  # fails if the file exists: an exclusive create
            return candidate
        except FileExistsError:
            continue
    raise CheckFailed(f"100 backup files named like {path} exist already: prune backups/ first")


def dump_schema(target: db.Target, schema: str, path: Path) -> BackupResult:
    """pg_dump of one schema into `path`: written under a name of this process's own, verified,
    then linked into place with an exclusive create (an existing file is never overwritten)."""
    started = time.perf_counter()
    paths.ensure_private_dir(path.parent)
    dsn, env = _client_env(target)
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("select extname from pg_extension where extnamespace = %s::regnamespace", (schema,))
        extensions = [r[0] for r in cur.fetchall()]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    old_umask = os.umask(0o077)
    try:
        args = [_tool("pg_dump"), "--format=custom", "--schema", schema, "--file", str(tmp), "--dbname", dsn]
        for extension in extensions:
            args += ["--extension", extension]
        _run_tool(args, env, "pg_dump")
        _run_tool([_tool("pg_restore"), "--list", str(tmp)], env, "pg_restore --list (verifying the dump)")
        os.chmod(tmp, 0o600)
        path = _link_exclusively(tmp, path)
    finally:
        os.umask(old_umask)
        tmp.unlink(missing_ok=True)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return BackupResult(str(path), path.stat().st_size, digest, seconds=time.perf_counter() - started)


def snapshot_tables(target: db.Target, schemas: Schemas, progress: Progress | None = None) -> dict[str, int]:
    """dbt snapshots of the staged legacy tables (the stage equals live: the drift guard proves it)."""
    progress = progress or Progress()
    run = dbt_runner.invoke(
        "snapshot",
        target,
        schemas,
        args=["--log-level", "none", "--log-level-file", dbt_runner.file_log_level()],
        on_node=progress.on_node,
    )
    dbt_runner.raise_on_error(run)
    server = run.server_failure()
    if server:
        raise type(server)(f"the snapshot backup stopped, nothing was cut over: {server.message}")
    if not run.success:
        failed = ", ".join(o.name for o in run.failed)
        raise HarnessError(f"the snapshot backup failed ({failed}); nothing was cut over")
    return snapshot_rows(target, schemas, run)


def snapshot_rows(target: db.Target, schemas: Schemas, run: dbt_runner.DbtRun) -> dict[str, int]:
    """The rows of each legacy table's snapshot a dbt run took, per table."""
    counts = {}
    with db.connect(target) as conn, conn.cursor() as cur:
        for outcome in run.outcomes:
            if outcome.resource_type == "snapshot":
                table = outcome.name.removeprefix("backup_")
                counts[table] = db.count_rows(cur, schemas.backup, f"{schemas.live}__{table}")
    return counts


def backup(
    target: db.Target,
    schemas: Schemas,
    run_id: str,
    progress: Progress | None = None,
    *,
    snapshots_taken: dict[str, int] | None = None,
) -> BackupResult:
    """The backups before a cutover: the dbt snapshots of the legacy tables (taken by the build of the
    run already when `snapshots_taken` holds their row counts: the drift guard proves the legacy
    tables have not changed since), and the pg_dump of the live schema, always taken here."""
    progress = progress or Progress()
    started = time.perf_counter()
    if snapshots_taken:
        taken, dbt_nodes = snapshots_taken, 0
    else:
        progress.step("backup", "running", note="dbt snapshots into migration_backup")
        taken = snapshot_tables(target, schemas, progress)
        dbt_nodes = len(taken)
    progress.step("backup", "running", note="pg_dump of the live schema")
    result = dump_schema(target, schemas.live, paths.backups_dir() / f"{schemas.live}_{run_id}.dump")
    result.snapshot_rows, result.dbt_nodes = taken, dbt_nodes
    result.seconds = time.perf_counter() - started
    progress.step(
        "backup",
        "ok",
        rows=sum(taken.values()),
        seconds=result.seconds,
        note=f"{result.dump_path} ({result.dump_bytes:,} bytes)"
        + ("; dbt snapshots taken by the build" if snapshots_taken else ""),
    )
    return result


@dataclass
class RestoreResult(Result):
    dump_path: str
    database: str
    schema: str
    tables: int
    seconds: float


def _dump_schema_name(path: Path, env: dict[str, str]) -> str:
    listing = _run_tool([_tool("pg_restore"), "--list", str(path)], env, "pg_restore --list")
    for line in listing.splitlines():
        parts = line.split()
        if " TABLE " in line and len(parts) >= 6 and not line.startswith(";"):
            return parts[parts.index("TABLE") + 1]
    raise UsageError(f"{path} holds no table: is it a backup written by the harness?")


def _restore_into(target: db.Target, dump: Path, what: str) -> None:
    """pg_restore into a database we created, leaving out the harness's change-capture
    triggers (they point at migration_audit, which is not part of the backup)."""
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("drop schema if exists public")  # the new database's empty default; the dump brings its own
    dsn, env = _client_env(target)
    listing = _run_tool([_tool("pg_restore"), "--list", str(dump)], env, "pg_restore --list")
    kept = [line for line in listing.splitlines() if not (" TRIGGER " in line and "abparts_migrate_capture" in line)]
    list_file = dump.parent / f".restore_{os.getpid()}.list"
    list_file.write_text("\n".join(kept) + "\n")
    try:
        _run_tool(
            [
                _tool("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                "--use-list",
                str(list_file),
                "--dbname",
                dsn,
                str(dump),
            ],
            env,
            what,
        )
    finally:
        list_file.unlink(missing_ok=True)


def restore(
    target: db.Target, dump: Path, *, into_schema: str | None = None, into_database: str | None = None
) -> RestoreResult:
    """Restore a dump into a new schema of the target database (default) or a new database.

    A new schema: the dump is restored into a scratch database, its schema
    renamed there, dumped again and restored here, so nothing is rewritten by
    text substitution. Never overwrites: the schema or database must not exist.
    """
    started = time.perf_counter()
    dump = Path(dump)
    if not dump.is_file():
        raise UsageError(f"backup file {dump} does not exist")
    _, env = _client_env(target)
    original = _dump_schema_name(dump, env)
    if into_database:
        validate_identifier(into_database, "database name")
        new_db = db.create_database(target, into_database)
        _restore_into(new_db, dump, "pg_restore")
        return RestoreResult(
            str(dump), into_database, original, _count_tables(new_db, original), time.perf_counter() - started
        )
    schema = into_schema or f"{original}_restored"
    validate_identifier(schema, "schema name")
    with holding(target, schema, "restore"):
        return _restore_schema(target, dump, original, schema, started)


def _restore_schema(target: db.Target, dump: Path, original: str, schema: str, started: float) -> RestoreResult:
    with db.connect(target) as conn, conn.cursor() as cur:
        if db.schema_exists(cur, schema):
            raise UsageError(f"schema {schema!r} already exists; choose another with --schema-name")
    scratch = f"abparts_restore_{os.getpid()}"
    scratch_target = db.create_database(target, scratch)
    try:
        _restore_into(scratch_target, dump, "pg_restore (scratch)")
        dsn, env = _client_env(scratch_target)
        with db.connect(scratch_target, autocommit=True) as conn, conn.cursor() as cur:
            swap.rename_schema(cur, original, schema)
        renamed = paths.backups_dir() / f".restore_{os.getpid()}.dump"
        paths.ensure_private_dir(renamed.parent)
        _run_tool(
            [_tool("pg_dump"), "--format=custom", "--schema", schema, "--file", str(renamed), "--dbname", dsn],
            env,
            "pg_dump (renamed schema)",
        )
        dsn_target, env_target = _client_env(target)
        try:
            _run_tool(
                [_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", dsn_target, str(renamed)],
                env_target,
                "pg_restore",
            )
        finally:
            renamed.unlink(missing_ok=True)
    finally:
        scratch_target.close()
        db.drop_database(target, scratch)
    return RestoreResult(
        str(dump), target.database, schema, _count_tables(target, schema), time.perf_counter() - started
    )


def _count_tables(target: db.Target, schema: str) -> int:
    with db.connect(target) as conn, conn.cursor() as cur:
        return len(db.tables_in(cur, schema))
