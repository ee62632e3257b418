"""Run dbt in-process through dbtRunner, streaming its node events.

The harness writes its own profiles.yml whose every value comes from an
environment variable set just before the run, so no password ever touches
the disk. A fresh dbtRunner (and manifest) is used for every invocation:
manifests must not be reused across runs with foreign-key contracts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.common import faults, paths, server_failures, session
from harness.common.errors import HarnessError
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.dbt_bridge import dbt_events

PROFILE = """\
# Written by the harness. Every value comes from the environment of the run:
# no secret is stored here. For a hand-written profile see profiles.yml.example.
abparts_migrate:
  target: harness
  outputs:
    harness:
      type: postgres
      host: "{{ env_var('HARNESS_PGHOST') }}"
      port: "{{ env_var('HARNESS_PGPORT', '5432') | as_number }}"
      user: "{{ env_var('HARNESS_PGUSER') }}"
      password: "{{ env_var('HARNESS_PGPASSWORD', '') }}"
      dbname: "{{ env_var('HARNESS_PGDATABASE') }}"
      schema: "{{ env_var('HARNESS_LIVE_SCHEMA') }}"
      sslmode: "{{ env_var('HARNESS_PGSSLMODE', 'prefer') }}"
      connect_timeout: 10
      threads: "{{ env_var('HARNESS_DBT_THREADS', '2') | as_number }}"
"""

# resolved libpq parameter -> the profile's environment variable
_PROFILE_ENV = {
    "host": "HARNESS_PGHOST",
    "port": "HARNESS_PGPORT",
    "user": "HARNESS_PGUSER",
    "password": "HARNESS_PGPASSWORD",
    "dbname": "HARNESS_PGDATABASE",
    "sslmode": "HARNESS_PGSSLMODE",
}
# every other resolved parameter reaches dbt's libpq through its own variable
_LIBPQ_ENV = {
    "options": "PGOPTIONS",
    "passfile": "PGPASSFILE",
    "channel_binding": "PGCHANNELBINDING",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "sslcrldir": "PGSSLCRLDIR",
    "sslsni": "PGSSLSNI",
    "sslcompression": "PGSSLCOMPRESSION",
    "sslcertmode": "PGSSLCERTMODE",
    "sslnegotiation": "PGSSLNEGOTIATION",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
    "gssencmode": "PGGSSENCMODE",
    "gssdelegation": "PGGSSDELEGATION",
    "krbsrvname": "PGKRBSRVNAME",
    "gsslib": "PGGSSLIB",
    "requirepeer": "PGREQUIREPEER",
    "require_auth": "PGREQUIREAUTH",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
    "client_encoding": "PGCLIENTENCODING",
}


@dataclass
class NodeOutcome:
    unique_id: str
    resource_type: str
    name: str
    status: str
    message: str | None = None
    rows: int | None = None
    failures: int | None = None
    seconds: float = 0.0


@dataclass
class DbtRun:
    command: str
    success: bool
    outcomes: list[NodeOutcome] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    target_path: Path | None = None
    listed: list[str] = field(default_factory=list)  # what `dbt ls` printed

    @property
    def manifest(self) -> Path | None:
        return self.target_path / "manifest.json" if self.target_path else None

    @property
    def failed(self) -> list[NodeOutcome]:
        return [o for o in self.outcomes if o.status in ("error", "fail", "runtime error")]

    @property
    def warned(self) -> list[NodeOutcome]:
        return [o for o in self.outcomes if o.status == "warn"]

    def server_failure(self) -> HarnessError | None:
        """When nodes failed because of the server (the connection lost, the disk full, a
        timeout), that cause as the one line to stop on, naming the nodes it hit; else None.
        Also when dbt could not run at all (its hooks or its catalog queries hit it)."""
        found = server_failures.cause(self.error)
        if found:
            detail = server_failures.first_line((self.error or "").removeprefix("Database Error"))
            return server_failures.error(found, f" before dbt ran a node ({self.command})", detail)
        hits = [(server_failures.cause(o.message), o) for o in self.failed]
        hits = [(found, o) for found, o in hits if found]
        if not hits:
            return None
        rank = {server_failures.ServerGone: 0, server_failures.ServerOutOfResources: 1, server_failures.TimedOut: 2}
        found = min((found for found, _ in hits), key=lambda c: rank.get(c.error, 3))
        nodes = [o for cause, o in hits if cause == found]
        more = f" and {len(nodes) - 1} more dbt node(s)" if len(nodes) > 1 else ""
        where = f" in {nodes[0].resource_type} {nodes[0].name}{more}"
        return server_failures.error(found, where, server_failures.first_line(nodes[0].message or ""))

    def by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        return counts


NodeCallback = Callable[[str, dict], None]


def profiles_dir() -> Path:
    directory = paths.state_dir() / "profiles"
    directory.mkdir(parents=True, exist_ok=True)
    profile = directory / "profiles.yml"
    if not profile.exists() or profile.read_text() != PROFILE:
        profile.write_text(PROFILE)
    return directory


def _connection_env(target: db.Target, schemas: Schemas, threads: str | None = None) -> dict[str, str]:
    """The environment of one dbt run: the resolved parameters, nothing else of libpq's own;
    `threads`: dbt's threads as the operator set them (HARNESS_DBT_THREADS), else by the CPUs."""
    params = target.params
    env = {"HARNESS_LIVE_SCHEMA": schemas.live}
    for key, value in params.items():
        if key in _PROFILE_ENV:
            env[_PROFILE_ENV[key]] = value
        elif key in _LIBPQ_ENV:
            env[_LIBPQ_ENV[key]] = value
    env["PGCLIENTENCODING"] = session.CLIENT_ENCODING  # libpq's own parameter: it wins over -c
    env.setdefault("HARNESS_PGHOST", "localhost")
    env.setdefault("HARNESS_PGUSER", os.environ.get("USER") or "postgres")
    env.setdefault("HARNESS_PGDATABASE", target.database)
    env["HARNESS_DBT_THREADS"] = threads or str(max(2, min(8, os.cpu_count() or 2)))
    return env


# what the profile (PROFILE above) renders from each variable when it is not set
_PROFILE_DEFAULTS = {
    "HARNESS_PGHOST": None,
    "HARNESS_PGPORT": "5432",
    "HARNESS_PGUSER": None,
    "HARNESS_PGDATABASE": None,
    "HARNESS_PGSSLMODE": "prefer",
    "HARNESS_LIVE_SCHEMA": None,
}

CHECK_MODES = ("force", "strict", "report")
OFFLINE_COMMANDS = ("parse", "ls", "list")  # dbt commands that never connect


@dataclass(frozen=True)
class ReadFrom:
    """Where a validation reads the target tables and the legacy tables (None: where
    the build put them): after a cutover, the live schema and the stage or the archive."""

    target_tables: str | None = None
    legacy_tables: str | None = None


# ReadFrom's fields -> the variables macros/read_schemas.sql reads when a node runs
READ_FROM_ENV = {"target_tables": "HARNESS_READ_TARGET_FROM", "legacy_tables": "HARNESS_READ_LEGACY_FROM"}


def _read_from_env(read_from: ReadFrom | None) -> dict[str, str]:
    if read_from is None:
        return {}
    return {name: getattr(read_from, field) for field, name in READ_FROM_ENV.items() if getattr(read_from, field)}


def _session_options(options: str | None, modes: tuple[str, ...], server_version: int | None) -> dict[str, str]:
    """libpq's options for dbt's sessions: the DBA's own, then the check modes
    (abparts_migrate.<mode>, read by macros/checks.sql when a check runs), then the
    settings the harness pins (harness/common/session.py), which win."""
    unknown = set(modes) - set(CHECK_MODES)
    if unknown:
        raise ValueError(f"unknown check mode {sorted(unknown)[0]!r}")
    check_modes = {f"abparts_migrate.{mode}": "on" for mode in modes}
    return {"PGOPTIONS": session.options(options, check_modes, server_version)}


def target_path(env: dict[str, str], variables: dict) -> Path:
    """dbt's target dir for one connection and set of vars.

    dbt throws its partial parse away whenever the profile's connection or the
    vars differ from the previous run's (a full parse costs seconds); one
    target dir per combination keeps each combination's parse for the next
    time. The key is what the profile renders (a default spelled out is the
    same connection), not libpq's other settings, which dbt never sees.
    """
    profile = {name: env.get(name, default) for name, default in _PROFILE_DEFAULTS.items()}
    key = json.dumps([profile, variables], sort_keys=True)
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return paths.home_dir() / "target" / f"{env.get('HARNESS_PGDATABASE', 'db')}-{digest}"


PROJECT_FILES = ("dbt_project.yml", "selectors.yml", "models", "macros", "tests", "seeds", "snapshots")


def project_digest() -> str:
    """A digest of every file of the dbt project (models, seeds, tests, macros, ...): a build
    is taken over by a later migrate only while this is what it was built with."""
    digest = hashlib.sha256()
    root = paths.project_dir()
    for name in PROJECT_FILES:
        path = root / name
        for file in sorted([path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())):
            digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def manifest_is_current(run_target: Path) -> bool:
    """Whether the target dir's manifest.json is newer than every file of the project.

    Writing dbt's JSON artefacts costs a second or two per invocation; the
    harness reads only the manifest, which is the same for every run of one
    target dir until the project changes, so it is written only then.
    """
    manifest = run_target / "manifest.json"
    if not manifest.exists():
        return False
    written = manifest.stat().st_mtime
    for name in PROJECT_FILES:
        path = paths.project_dir() / name
        files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())
        if any(f.stat().st_mtime > written for f in files):
            return False
    return True


def latest_manifest() -> Path | None:
    root = paths.home_dir() / "target"
    manifests = sorted(root.glob("*/manifest.json"), key=lambda p: p.stat().st_mtime) if root.exists() else []
    return manifests[-1] if manifests else None


def _prune_target_dirs(keep: int = 16) -> None:
    root = paths.home_dir() / "target"
    dirs = sorted((d for d in root.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime) if root.exists() else []
    for old in dirs[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def file_log_level() -> str:
    """dbt's own log (logs/dbt/dbt.log): its warnings and errors by default, since formatting every
    event at info level costs 15-20% of a build (each node's outcome is in the reports anyway);
    HARNESS_DBT_LOG_LEVEL=info adds every node, =debug every SQL statement."""
    level = os.environ.get("HARNESS_DBT_LOG_LEVEL", "warn").lower()
    return level if level in ("debug", "info", "warn", "error") else "warn"


def _node_name(unique_id: str) -> str:
    parts = unique_id.split(".")
    return parts[2] if len(parts) > 2 else unique_id


def invoke(
    command: str,
    target: db.Target,
    schemas: Schemas,
    *,
    args: list[str] | None = None,
    modes: tuple[str, ...] = (),
    read_from: ReadFrom | None = None,
    on_node: NodeCallback | None = None,
) -> DbtRun:
    """Run one dbt command; `on_node(kind, info)` gets 'start'/'finish' events.

    `modes` ("force", "strict", "report"): how the checks decide what fails
    (macros/checks.sql), set on dbt's sessions, not in its vars. `read_from`:
    where the checks read the target and the legacy tables when not where the
    build put them (macros/read_schemas.sql); not a var either. Neither changes
    dbt's parse, which every invocation of one connection shares."""
    from dbt.cli.main import dbtRunner

    dbt_events.install()
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # the settings of later servers are named for this one's version (session.PINNED_SINCE)
    version = db.server_version(target) if command.split()[0] not in OFFLINE_COMMANDS else None
    # libpq's own variables (PGDATABASE, PGSERVICE, ...) must not steer dbt elsewhere: the
    # resolved parameters are all it gets
    ours = list(_PROFILE_ENV.values()) + ["HARNESS_LIVE_SCHEMA", "HARNESS_DBT_THREADS", *READ_FROM_ENV.values()]
    saved = {k: v for k, v in os.environ.items() if k.startswith("PG")} | {k: os.environ.get(k) for k in ours}
    for k in saved:
        os.environ.pop(k, None)
    connection_env = _connection_env(target, schemas, threads=saved["HARNESS_DBT_THREADS"])
    options = connection_env.get("PGOPTIONS", saved.get("PGOPTIONS"))  # the DBA's own
    session_env = connection_env | _session_options(options, modes, version) | _read_from_env(read_from)
    os.environ.update(session_env)
    # afterwards the process's own environment again, whatever the run set
    saved |= {k: None for k in session_env if k not in saved}

    outcomes: list[NodeOutcome] = []

    def callback(event) -> None:
        # An exception raised here would fail the dbt node: never let one out.
        try:
            _handle(event)
        except Exception:  # noqa: BLE001 - progress must not break the build
            pass

    def _handle(event) -> None:
        name = event.info.name
        if name == "NodeStart":
            info = event.data.node_info
            faults.point(f"dbt:{info.unique_id}")
            if on_node:
                on_node("start", {"unique_id": info.unique_id, "resource_type": info.resource_type})
        elif name == "NodeFinished":
            info = event.data.node_info
            rr = event.data.run_result
            counts_rows = info.resource_type in ("model", "seed", "snapshot")
            response = dict(rr.adapter_response) if rr.adapter_response else {}
            rows = response.get("rows_affected")
            outcome = NodeOutcome(
                unique_id=info.unique_id,
                resource_type=info.resource_type,
                name=_node_name(info.unique_id),
                status=rr.status,
                message=rr.message or None,
                rows=int(rows) if rows not in (None, "") and int(rows) >= 0 and counts_rows else None,
                failures=int(rr.num_failures) if info.resource_type == "test" else None,
                seconds=float(rr.execution_time or 0.0),
            )
            outcomes.append(outcome)
            if on_node:
                on_node("finish", outcome.__dict__)

    variables = schemas.dbt_vars()
    run_target = target_path(connection_env, variables)
    cli = (
        command.split()
        + [
            "--project-dir",
            str(paths.project_dir()),
            "--profiles-dir",
            str(profiles_dir()),
            "--target-path",
            str(run_target),
            "--log-path",
            str(paths.logs_dir() / "dbt"),
            "--vars",
            json.dumps(variables),
            "--quiet",
            "--no-use-colors",
        ]
        + (args or [])
    )
    if command not in ("parse", "docs generate") and manifest_is_current(run_target):
        cli.append("--no-write-json")
    started = time.perf_counter()
    if on_node:
        on_node("begin", {"manifest": str(run_target / "manifest.json")})
    # dbt records the process's command line in its artefacts (invocation_command): give it
    # its own, which holds no password, never the harness's (--dsn may hold one)
    saved_argv, sys.argv = sys.argv, ["dbt", *cli]
    try:
        result = dbtRunner(callbacks=[callback]).invoke(cli)
    finally:
        sys.argv = saved_argv
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    run = DbtRun(
        command=command,
        success=bool(result.success),
        outcomes=outcomes,
        seconds=time.perf_counter() - started,
        target_path=run_target,
    )
    _prune_target_dirs()
    if isinstance(result.result, list):
        run.listed = [str(item) for item in result.result]
    if isinstance(result.exception, KeyboardInterrupt):
        raise result.exception  # dbt cancelled its queries; the command stops here
    if result.exception is not None:
        run.success = False
        run.error = one_line(result.exception)
    return run


def one_line(exc: BaseException | str) -> str:
    """An error (dbt's messages span lines: the SQL, a caret) as the one line the operator reads."""
    text = str(exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    text = " ".join(lines[:3]) if lines else type(exc).__name__
    return text if len(text) <= 400 else text[:400] + " ..."  # ASCII: it goes into the audit


def raise_on_error(run: DbtRun) -> None:
    server = run.server_failure()
    if run.error and server:
        raise server
    if run.error:
        raise HarnessError(f"dbt {run.command} could not run: {run.error}")
