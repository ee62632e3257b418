"""harness test --type rehearsal: the whole migrate on a throwaway copy of the real database, and
what it predicts of the real run.

1. The copy, in a new database on the server of --dsn (refused on the source's own server, by
   system identifier, unless --same-server):
   --from DSN          pg_dump of the whole source database (the harness's work schemas
                       <live>_stage and <live>_next left out: the rehearsal builds them anew), one
                       REPEATABLE READ READ ONLY snapshot, nothing written to the source, no
                       temporary object; then pg_restore into the copy;
   --from-backup FILE  pg_restore of a backup, ours (the live schema only) or a DBA's;
   --sample SIZE       with --from: an extracted, anonymised sample instead (extract.py).
   The copy gets the source's encoding and locale where this server has them; the settings
   that could change what the migration computes (DateStyle, TimeZone, ...) it need not get:
   every session of the harness pins them (common/session.py), on the copy as on the source.
   Objects are restored with their owners where this role may give them, else owned by it; the
   grants go in a pass of their own, and what could not be restored (a role missing here, an
   owner this role is not) is said, as is what the source holds that a backup does not.
2. On the copy: `harness migrate [--force] --yes`, building anew (its post-validation
   included), then `harness rollback`; the legacy schema must come back identical
   (fingerprint.py: every row, column, constraint, index, trigger, grant). The DBA's
   --after-swap and --after-rollback files and --drop-rule are rehearsed with them.
3. The prediction, under the test report's `prediction` key: the duration of each step; the
   lock windows, measured without application load (a lower bound); rows per table,
   quarantine with reasons, findings; what surrounds the legacy tables (`surroundings`); the
   size of the backups; how long the copy took and how the copy's server differs from the source.
The copy is dropped at the end (--keep keeps it), and so is the copy's backup file (it holds
the source's data; its size is in the prediction).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from psycopg2 import sql

from harness.common import paths, session
from harness.common.errors import HarnessError, UsageError
from harness.common.legacy import LEGACY_TABLES
from harness.common.schemas import Schemas
from harness.db import audit, fingerprint, parity
from harness.db import connection as db
from harness.dbt_bridge import dbt_runner
from harness.flows import backup, extract, migrate, rollback, samples, testing
from harness.flows import stage as stage_mod
from harness.flows.progress import Progress
from harness.reporting import reports
from harness.reporting.reports import Result

TYPE = "rehearsal"
APPLICATION_NAME = "abparts-migrate rehearsal"
DATABASE_PREFIX = "abparts_rehearsal_"
CAPTURE_TRIGGER = "abparts_migrate_capture"  # the harness's change capture (capture.py), in a dump of a built source

# what a copy's server may do differently: settings that can stop the migration, and settings that
# change only how long it takes. Those that could change what it computes or stop it otherwise
# (DateStyle, TimeZone, standard_conforming_strings, search_path, the timeouts, ...) are pinned on
# every session of the harness (common/session.py): the same on the copy as on the source.
RESULT_SETTINGS = ("max_locks_per_transaction",)
TIME_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
    "max_parallel_workers_per_gather",
    "jit",
    "fsync",
    "synchronous_commit",
    "full_page_writes",
)
DATABASE_FACTS = ("server_version", "encoding", "lc_collate", "lc_ctype", "locale_provider", "locale")
LOCK_WINDOW_NOTE = (
    "measured on the copy without application load: a lower bound. Under load the swap also waits for the "
    "writers in flight (--lock-timeout, retried), and its window grows with them (docs/benchmarks.md)"
)


@dataclass
class Copy(Result):
    """The throwaway copy a rehearsal migrates: where from, how long it took, what it lacks."""

    kind: str  # full copy | backup | sample
    source: str  # a redacted DSN, or the backup's path
    database: str
    seconds: float = 0.0
    dump_seconds: float = 0.0
    restore_seconds: float = 0.0
    dump_bytes: int = 0
    legacy_rows: int = 0
    parse_seconds: float = 0.0  # dbt's parse of the project for the copy, done before its migrate
    source_server: dict = field(default_factory=dict)
    copy_server: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # how the copy was made
    not_rehearsed: list[str] = field(default_factory=list)  # what the copy lacks of the source, and why


def check_options(*, source: bool, backup_file: Path | None, sample: str | None) -> None:
    """A rehearsal copies one thing: refused before any work when it is not said which."""
    if source and backup_file is not None:
        raise UsageError("--from and --from-backup exclude each other: rehearse on a database or on a backup")
    if not source and backup_file is None:
        raise UsageError("--type rehearsal copies a database: give --from DSN (or --from-backup FILE)")
    if sample is not None and not source:
        raise UsageError("--sample extracts from a database: give --from DSN")
    if sample is not None:
        samples.size_named(sample)
    if backup_file is not None and not Path(backup_file).exists():
        raise UsageError(f"backup file {backup_file} does not exist")


def rehearse(
    server: db.Target,
    schemas: Schemas,
    *,
    source: db.Target | None = None,
    backup_file: Path | None = None,
    sample: str | None = None,
    same_server: bool = False,
    force: bool = False,
    keep: bool = False,
    database: str | None = None,
    progress: Progress | None = None,
    after_swap: Path | None = None,
    after_rollback: Path | None = None,
    drop_rules: tuple[str, ...] = (),
) -> testing.TestRun:
    """Copy (source, backup_file, or a sample of source), migrate, roll back; the test report with
    the prediction. `database`: the copy's name (a database that does not exist; default
    abparts_rehearsal_<test id>), dropped at the end unless `keep`."""
    check_options(source=source is not None, backup_file=backup_file, sample=sample)
    testing.require_createdb(server)
    source_server: dict = {}
    if source is not None:
        source_server = read_source(source, schemas.live)
        _refuse_same_server(server, source, source_server, same_server)
    test_id = audit.new_run_id()
    name = database or f"{DATABASE_PREFIX}{test_id}"
    _require_new_database(server, name)
    kind = "sample" if sample else ("backup" if backup_file is not None else "full copy")
    run = testing.TestRun(test_id=test_id, type=TYPE, server=server.redacted())
    scenario = testing.Scenario(name=f"rehearsal on a {kind}", size=sample or kind, dirty=False, database=name)
    began = time.perf_counter()
    copy, result, undone = None, None, None
    planned: list[migrate.Plan] = []  # the migrate's plan, also when it stops there
    dba = {"after_swap": after_swap, "after_rollback": after_rollback, "drop_rules": tuple(drop_rules)}
    copied = server.with_database(name)
    progress = progress or Progress()
    try:
        started = time.perf_counter()
        progress.message(f"copying the {kind} of {backup_file or source.redacted()} into {name}")
        if sample:
            copy = copy_sample(server, source, schemas, name, sample)
        elif source is not None:
            copy = copy_database(server, source, schemas, name, source_server)
        else:
            copy = copy_backup(server, Path(backup_file), name)
        copy.source_server = copy.source_server or source_server
        finish_copy(copied, schemas, copy)
        scenario.numbers["legacy_rows"] = copy.legacy_rows
        scenario.numbers["copy_seconds"] = round(copy.seconds, 3)
        scenario.step("copy", started, note=f"{copy.kind}: {copy.legacy_rows:,} legacy rows in {copy.database}")
        scenario.notes += copy.not_rehearsed
        started = time.perf_counter()
        dbt_runner.raise_on_error(dbt_runner.invoke("parse", copied, schemas))
        copy.parse_seconds = time.perf_counter() - started
        scenario.step("parse", started, note="dbt's parse of the project for the copy, before its migrate")
        progress.message(f"copied in {copy.seconds:.1f} s; migrating the copy")
        result, undone = _migrate_and_roll_back(copied, schemas, scenario, force, progress, planned.append, dba)
    except HarnessError as exc:
        scenario.reasons.append(exc.message)
    finally:
        copied.close()
        if not keep:
            db.drop_database(server, name)
            if result and result.cut and result.cut.backup:
                Path(result.cut.backup.dump_path).unlink(missing_ok=True)  # the source's data; its size is kept
    scenario.verdict = "pass" if not scenario.reasons else "fail"
    scenario.seconds = round(time.perf_counter() - began, 3)
    run.scenarios = [scenario]
    run.prediction = predict(copy, result, undone, scenario, force=force, plan=planned[-1] if planned else None)
    run.seconds = scenario.seconds
    run.finished_at = datetime.now(UTC).isoformat()
    run.kept_databases = [name] if keep else []
    run.report_path = str(reports.path_of("test", test_id))
    reports.write("test", test_id, run.to_dict())
    return run


# ---------------------------------------------------------------- the source, read only


def read_source(source: db.Target, live: str) -> dict:
    """The source server's facts, in a read-only session; refused when it holds no legacy schema."""
    conn = db.open_connection(source, APPLICATION_NAME)
    try:
        conn.set_session(readonly=True)
        with conn.cursor() as cur:
            present = db.tables_in(cur, live) if db.schema_exists(cur, live) else []
            missing = [t for t in stage_mod.REQUIRED_TABLES if t not in present]
            if missing:
                raise UsageError(
                    f"{source.redacted()} has no legacy ABParts schema {live!r} (missing tables "
                    f"{', '.join(missing)}): --schema names it; nothing was copied"
                )
            facts = server_facts(cur)
        conn.rollback()
    finally:
        conn.close()
    return facts


def server_facts(cur) -> dict:
    """What a server and database are: its identity, version, encoding and locale, and the settings
    that matter (as this session sees them: the database's and the role's own included)."""
    cur.execute(
        "select case when has_function_privilege('pg_control_system()', 'execute')"
        " then (select system_identifier::text from pg_control_system()) end,"
        " pg_postmaster_start_time()::text || ' port ' || current_setting('port'),"
        " current_setting('server_version'), current_setting('server_version_num')::int,"
        " pg_encoding_to_char(d.encoding), to_jsonb(d) from pg_database as d where d.datname = current_database()"
    )
    system, started, version, version_num, encoding, row = cur.fetchone()
    provider = {"c": "libc", "i": "icu", "b": "builtin"}.get(row.get("datlocprovider") or "c", "libc")
    facts = {
        "system_identifier": system,
        "started": started,
        "server_version_num": version_num,
        "server_version": version,
        "encoding": encoding,
        "lc_collate": row.get("datcollate"),
        "lc_ctype": row.get("datctype"),
        "locale_provider": provider,
        "locale": row.get("datlocale") or row.get("daticulocale"),
    }
    cur.execute(
        "select name, current_setting(name) from pg_settings where name = any(%s)",
        (list(RESULT_SETTINGS + TIME_SETTINGS),),
    )
    facts["settings"] = dict(cur.fetchall())
    return facts


def _refuse_same_server(server: db.Target, source: db.Target, source_facts: dict, same_server: bool) -> None:
    with db.connect(server) as conn, conn.cursor() as cur:
        here = server_facts(cur)
    if same_server or not _same_server(here, source_facts):
        return
    raise UsageError(
        f"the copy would be made on the source's own server ({source.redacted()}; system identifier "
        f"{source_facts['system_identifier'] or 'unknown'}): its migrate would load that server. Rehearse on "
        "another server (--dsn, a staging server), or say --same-server"
    )


def _require_new_database(server: db.Target, name: str) -> None:
    """The copy is made in a database of its own, dropped at the end: never over one that exists."""
    with db.connect(server) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (name,))
        if cur.fetchone():
            raise UsageError(f"database {name!r} exists on {server.redacted()}: a rehearsal copies into a new one")


def _same_server(one: dict, other: dict) -> bool:
    """By system identifier (a standby shares its primary's); without it, by start time and port."""
    if one.get("system_identifier") and other.get("system_identifier"):
        return one["system_identifier"] == other["system_identifier"]
    return one.get("started") == other.get("started")


# ---------------------------------------------------------------- the copy


def copy_database(
    server: db.Target, source: db.Target, schemas: Schemas, name: str, source_facts: dict | None = None
) -> Copy:
    """pg_dump of the whole source database (one read-only snapshot), restored into `name`.
    `source_facts`: its server_facts(), read before (else the dump's)."""
    copy = Copy(kind="full copy", source=source.redacted(), database=name, source_server=source_facts or {})
    started = time.perf_counter()
    dump = paths.backups_dir() / f".{name}.{os.getpid()}.dump"
    paths.ensure_private_dir(dump.parent)
    dsn, env = backup._client_env(source)
    env["PGAPPNAME"] = APPLICATION_NAME
    old_umask = os.umask(0o077)
    try:
        args = [backup._tool("pg_dump"), "--format=custom", "--file", str(dump), "--dbname", dsn]
        for work in (schemas.stage, schemas.next):
            args += ["--exclude-schema", work]
        backup._run_tool(args, env, "pg_dump of the source")
        copy.dump_seconds = time.perf_counter() - started
        copy.dump_bytes = dump.stat().st_size
        copy.notes.append(
            f"pg_dump of the whole database in one read-only snapshot ({copy.dump_bytes:,} bytes, "
            f"{copy.dump_seconds:.1f} s); {schemas.stage} and {schemas.next} left out: the rehearsal builds them anew"
        )
        restore_archive(server, dump, copy)
    finally:
        os.umask(old_umask)
        dump.unlink(missing_ok=True)
    copy.seconds = time.perf_counter() - started
    return copy


def copy_backup(server: db.Target, path: Path, name: str) -> Copy:
    """A backup (pg_dump's custom, directory or tar format) restored into `name`."""
    copy = Copy(kind="backup", source=str(path), database=name)
    started = time.perf_counter()
    if path.is_file() and not _is_archive(path):
        raise UsageError(
            f"{path} is not a pg_dump archive (custom, directory or tar format): dump with pg_dump -Fc, or load "
            "a plain SQL dump into a database with psql and rehearse with --from"
        )
    copy.dump_bytes = path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.iterdir())
    restore_archive(server, path, copy)
    copy.seconds = time.perf_counter() - started
    return copy


def copy_sample(server: db.Target, source: db.Target, schemas: Schemas, name: str, size: str) -> Copy:
    """An extracted, anonymised sample of the source (extract.py) in the new database `name`."""
    done = extract.extract(source, server, schemas, source_schema=schemas.live, database=name, size=size)
    copy = Copy(kind="sample", source=source.redacted(), database=name, seconds=done.seconds)
    copy.dump_seconds = done.copy_seconds
    chosen = f"{len(done.organizations)} organisations (asked: {done.selection})"
    copy.notes.append(
        f"sample extract: {chosen}, {sum(done.row_counts.values()):,} of {sum(done.source_row_counts.values()):,} "
        f"legacy rows, {'anonymised' if done.anonymised else 'personal data kept'}"
    )
    copy.not_rehearsed += [
        f"a sample ({chosen}) rehearses the sample: its rows, quarantine, findings and times are not the source's",
        "a sample holds the legacy tables alone: what surrounds them, owners and grants were not rehearsed",
        *done.notes,
    ]
    return copy


def _is_archive(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(512)
    return head.startswith(b"PGDMP") or head[257:262] == b"ustar"


@dataclass
class Toc:
    """What pg_restore --list says of an archive."""

    entries: list[str]  # the listing's entry lines
    header: dict[str, str]  # ; key: value
    schemas: set[str] = field(default_factory=set)  # of its schemas and tables
    owners: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, listing: str) -> Toc:
        entries = [line for line in listing.splitlines() if line.strip() and not line.startswith(";")]
        header = {}
        for line in listing.splitlines():
            key, colon, value = line.lstrip("; ").partition(":")
            if line.startswith(";") and colon and value.strip():
                header[key.strip()] = value.strip()
        toc = cls(entries, header)
        for line in entries:
            words = line.split(";", 1)[1].split()
            if len(words) >= 5:
                toc.owners.add(words[-1])
            if words[2:3] == ["SCHEMA"] and len(words) >= 6:
                toc.schemas.add(words[4])
            elif words[2:3] == ["TABLE"] and words[3] != "DATA" and len(words) >= 6:
                toc.schemas.add(words[3])
        toc.owners.discard("-")
        return toc

    def is_acl(self, line: str) -> bool:
        words = line.split(";", 1)[1].split()
        return words[2:3] == ["ACL"] or words[2:4] == ["DEFAULT", "ACL"]

    @property
    def grants(self) -> list[str]:
        return [line for line in self.entries if self.is_acl(line)]

    def objects(self, *, capture: bool) -> list[str]:
        """Every entry but the grants; the change-capture triggers only with the audit they write to."""
        return [
            line
            for line in self.entries
            if not self.is_acl(line) and (capture or not (" TRIGGER " in line and CAPTURE_TRIGGER in line))
        ]

    def creates_schema(self, name: str) -> bool:
        return any(line.split(";", 1)[1].split()[2:5] == ["SCHEMA", "-", name] for line in self.entries)


def dump_database_facts(script: str) -> dict:
    """The source database's facts a dump holds: its encoding and locale (its CREATE DATABASE),
    standard_conforming_strings, and whether it names its schemas (pg_dump --schema creates the
    public schema, which a dump of the whole database leaves to initdb)."""
    facts: dict = {"settings": {}}
    created = re.search(r"^CREATE DATABASE \S+ WITH (.*);$", script, re.M)
    if created:
        options = dict(re.findall(r"(\w+) = ('(?:[^']|'')*'|\S+)", created.group(1)))
        value = {k: v.strip("'").replace("''", "'") for k, v in options.items()}
        facts.update(
            encoding=value.get("ENCODING"),
            lc_collate=value.get("LC_COLLATE") or value.get("LOCALE"),
            lc_ctype=value.get("LC_CTYPE") or value.get("LOCALE"),
            locale_provider=value.get("LOCALE_PROVIDER", "libc"),
            locale=value.get("ICU_LOCALE") or value.get("BUILTIN_LOCALE") or None,
        )
    encoding = re.search(r"^SET client_encoding = '([^']*)';$", script, re.M)
    if encoding and not facts.get("encoding"):
        facts["encoding"] = encoding.group(1)
    strings = re.search(r"^SET standard_conforming_strings = (\w+);$", script, re.M)
    if strings:
        facts["settings"]["standard_conforming_strings"] = strings.group(1)
    facts["creates_public"] = bool(re.search(r"^CREATE SCHEMA public;$", script, re.M))
    return facts


def restore_archive(server: db.Target, archive: Path, copy: Copy) -> None:
    """Into a new database `copy.database`, with the source's encoding and locale where this server
    has them: the objects (with their owners where this role may give them), then the grants."""
    started = time.perf_counter()
    _, env = backup._client_env(server)
    toc = Toc.parse(backup._run_tool([backup._tool("pg_restore"), "--list", str(archive)], env, "pg_restore --list"))
    script = backup._run_tool(
        [backup._tool("pg_restore"), "--create", "--schema-only", "--file=-", str(archive)], env, "pg_restore"
    )
    from_dump = dump_database_facts(script)
    if not copy.source_server:
        copy.source_server = from_dump | {"server_version": toc.header.get("Dumped from database version")}
    create_copy_database(server, copy.database, copy.source_server, copy)
    target = server.with_database(copy.database)
    try:
        _restore_into(target, archive, toc, from_dump, copy)
    finally:
        target.close()
    copy.restore_seconds = time.perf_counter() - started


def _restore_into(target: db.Target, archive: Path, toc: Toc, from_dump: dict, copy: Copy) -> None:
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("select rolsuper from pg_roles where rolname = current_user")
        superuser = cur.fetchone()[0]
        cur.execute(
            "select r.rolname, pg_has_role(current_user, r.oid, 'member') from pg_roles as r where r.rolname = any(%s)",
            (sorted(toc.owners),),
        )
        assumable = {name for name, member in cur.fetchall() if member or superuser}
        role = target.params.get("user") or "the restoring role"
        if toc.creates_schema("public"):
            cur.execute("drop schema if exists public")  # the new database's empty one; the dump brings its own
        conn.commit()
    copy.not_rehearsed += not_rehearsed(toc, from_dump, assumable, role, copy.kind)
    dsn, env = backup._client_env(target)
    keep_owners = toc.owners <= assumable
    listed = paths.ensure_private_dir(paths.backups_dir()) / f".{copy.database}.{os.getpid()}.list"
    try:
        listed.write_text("\n".join(toc.objects(capture="migration_audit" in toc.schemas)) + "\n")
        args = [backup._tool("pg_restore"), "--exit-on-error", "--use-list", str(listed), "--dbname", dsn]
        args += [] if keep_owners else ["--no-owner"]
        backup._run_tool([*args, f"--jobs={min(4, os.cpu_count() or 1)}", str(archive)], env, "pg_restore")
        if toc.grants:
            listed.write_text("\n".join(toc.grants) + "\n")
            failed = _restore_grants(archive, listed, dsn, env)
            copy.not_rehearsed += grants_not_restored(failed)
    finally:
        listed.unlink(missing_ok=True)
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("analyze")  # a restore has no statistics; the source has


def _restore_grants(archive: Path, listed: Path, dsn: str, env: dict) -> list[str]:
    """The grants, each on its own (no --exit-on-error): one that names a role missing here fails
    alone. Their errors."""
    args = [backup._tool("pg_restore"), "--use-list", str(listed), "--dbname", dsn, str(archive)]
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    return re.findall(r"ERROR:\s+(.+)", done.stderr)


def grants_not_restored(errors: list[str]) -> list[str]:
    """What the failed grants mean for the rehearsal, one line per cause."""
    missing = sorted({m.group(1) for e in errors if (m := re.search(r'role "(.+)" does not exist', e))})
    others = [e for e in errors if not re.search(r'role ".+" does not exist', e)]
    found = []
    if missing:
        found.append(
            f"grants to {', '.join(missing)}: not rehearsed (no such role on the copy's server; a dump holds no "
            "roles: pg_dumpall --roles-only has them)"
        )
    if others:
        found.append(f"{len(others)} grants could not be restored, so were not rehearsed: {others[0]}")
    return found


def not_rehearsed(toc: Toc, from_dump: dict, assumable: set[str], role: str, kind: str) -> list[str]:
    """What the copy will lack of the source, read from the archive before it is restored."""
    found = []
    if kind == "backup" and (from_dump.get("creates_public") or len(toc.schemas) <= 1):
        found.append(
            f"the backup holds schema {', '.join(sorted(toc.schemas)) or 'none'} only: what other schemas of the "
            "source database hold (views, foreign keys, functions over the legacy tables) was not rehearsed"
        )
    strangers = sorted(toc.owners - assumable)
    if strangers:
        found.append(
            f"owners: the copy's objects belong to {role}, not to {', '.join(strangers)} (missing on the copy's "
            f"server, or roles {role} is not a member of): ownership was not rehearsed"
        )
    if not toc.grants and kind == "backup":
        found.append(
            "the backup holds no grants: the source has none, or it was dumped with --no-acl (-x), and then "
            "grants and default privileges were not rehearsed"
        )
    return found


def create_copy_database(server: db.Target, name: str, source: dict, copy: Copy) -> None:
    """The new database, with the source's encoding and locale where this server has them."""
    with db.connect(server, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select current_setting('server_version_num')::int")
        version = cur.fetchone()[0]
        options = []
        if source.get("encoding"):
            options += [sql.SQL("encoding {}").format(sql.Literal(source["encoding"]))]
        for key, option in (("lc_collate", "lc_collate"), ("lc_ctype", "lc_ctype")):
            if source.get(key):
                options += [sql.SQL(option + " {}").format(sql.Literal(source[key]))]
        provider = source.get("locale_provider") or "libc"
        if provider != "libc" and version >= 150000:
            options += [sql.SQL("locale_provider {}").format(sql.Identifier(provider))]
            if source.get("locale"):
                option = "icu_locale" if provider == "icu" else "builtin_locale"
                options += [sql.SQL(option + " {}").format(sql.Literal(source["locale"]))]
        create = sql.SQL("create database {}").format(sql.Identifier(name))
        try:
            cur.execute(create + sql.SQL(" template template0 ") + sql.SQL(" ").join(options))
            if options:
                copy.notes.append("the copy has the source's encoding and locale")
        except psycopg2.Error as exc:
            cur.execute(create)
            copy.notes.append(
                f"the source's encoding and locale could not be given to the copy here "
                f"({str(exc).strip().splitlines()[0]}): it has this server's defaults"
            )


def finish_copy(target: db.Target, schemas: Schemas, copy: Copy) -> None:
    """The copy's server facts and legacy rows, read in the copy."""
    with db.connect(target) as conn, conn.cursor() as cur:
        copy.copy_server = server_facts(cur)
        copy.legacy_rows = sum(
            db.count_rows(cur, schemas.live, t) for t in LEGACY_TABLES if db.relation_exists(cur, schemas.live, t)
        )


def differences(source: dict, copy: dict) -> list[str]:
    """How the copy's server and database differ from the source's, each said with what it may change."""
    found = []
    for key in DATABASE_FACTS:
        if key == "server_version":
            mine, theirs = (copy.get(key) or "").split(".")[0], (source.get(key) or "").split(".")[0]
        else:
            mine, theirs = copy.get(key), source.get(key)
        if theirs and mine != theirs:
            found.append(f"{key}: {copy.get(key)} on the copy, {source.get(key)} on the source (may change the result)")
    for names, what in ((RESULT_SETTINGS, "may stop the run"), (TIME_SETTINGS, "times")):
        for name in names:
            mine, theirs = (copy.get("settings") or {}).get(name), (source.get("settings") or {}).get(name)
            if theirs is not None and mine != theirs:
                found.append(f"{name}: {mine} on the copy, {theirs} on the source ({what})")
    return found


# ---------------------------------------------------------------- the rehearsal on the copy


def _migrate_and_roll_back(
    copy: db.Target,
    schemas: Schemas,
    scenario: testing.Scenario,
    force: bool,
    progress: Progress | None,
    on_plan=None,
    dba: dict | None = None,
) -> tuple[migrate.MigrateResult | None, rollback.RollbackResult | None]:
    """dba: the DBA's after_swap, after_rollback and drop_rules, as the real run will have them."""
    dba = dba or {}
    with db.connect(copy) as conn, conn.cursor() as cur:
        before = fingerprint.fingerprint(cur, schemas.live)
        before_privileges = parity.summary(parity.read(cur, schemas.live))
    started = time.perf_counter()
    try:
        result = migrate.migrate(
            copy,
            schemas,
            force=force,
            rebuild=True,
            confirm=lambda plan: True,
            progress=progress,
            on_plan=on_plan,
            **dba,
        )
    except HarnessError as exc:
        scenario.step("migrate", started, outcome="failed", note=exc.message)
        hint = "" if force else " (rehearse `migrate --force` with --force)"
        raise HarnessError(f"the migrate would stop: {exc.message}{hint}") from None
    scenario.step("migrate", started, note=f"run {result.run_id}; locks held {result.cut.lock_window_ms:.1f} ms")
    built, cut, post = result.built, result.cut, result.post
    scenario.numbers.update(
        {
            "target_rows": sum(built.target_row_counts.values()),
            "quarantined_rows": built.quarantined_rows,
            "unaccounted_rows": sum(r["unaccounted"] for r in built.reconciliation.get("row_counts", [])),
            "cutover_lock_ms": round(cut.lock_window_ms, 3),
            "backup_bytes": cut.backup.dump_bytes,
            "post_validation": post.summary["verdict"],
        }
    )
    started = time.perf_counter()
    undone = rollback.rollback(copy, schemas, after_rollback=dba.get("after_rollback"))
    scenario.numbers["rollback_lock_ms"] = round(undone.lock_window_ms, 3)
    scenario.step("rollback", started, note=f"locks held {undone.lock_window_ms:.1f} ms")
    with db.connect(copy) as conn, conn.cursor() as cur:
        after = fingerprint.fingerprint(cur, schemas.live)
        after_privileges = parity.summary(parity.read(cur, schemas.live))
    changed = fingerprint.differences(before, after)
    scenario.numbers["round_trip_identical"] = not changed and after_privileges == before_privileges
    if scenario.numbers["unaccounted_rows"]:
        scenario.reasons.append(f"{scenario.numbers['unaccounted_rows']} legacy rows unaccounted for")
    if post.summary["verdict"] != "pass":
        scenario.reasons.append(f"post-validation: {', '.join(post.summary['blocking_checks'])}")
    if changed:
        scenario.reasons.append(f"rollback did not restore the legacy schema: {changed[0]}")
    if after_privileges != before_privileges:
        scenario.reasons.append("rollback did not restore the privileges")
    return result, undone


# ---------------------------------------------------------------- the prediction


def outcome(result: migrate.MigrateResult) -> dict:
    """What a migrate made of the rows: per legacy table rows in, migrated and quarantined; rows per
    target table; the quarantine by table and reason; every finding. A rehearsal predicts it; a real
    run's is compared with the prediction (pytests/test_rehearsal.py)."""
    built = result.built
    findings = {}
    for validation in (result.pre, result.post):
        for check in validation.checks if validation else []:
            if check.found:
                findings[(check.phase, check.name)] = {
                    "check": check.name,
                    "phase": check.phase,
                    "severity": check.severity,
                    "rows": check.failing_rows,
                    "example_ids": check.example_ids,
                }
    return reports.jsonable(
        {
            "rows": built.reconciliation.get("row_counts") or [],
            "target_rows": built.target_row_counts,
            "quarantined_rows": built.quarantined_rows,
            "quarantine": built.quarantine,
            "findings": [findings[key] for key in sorted(findings)],
        }
    )


def step_seconds(document: dict) -> dict[str, float]:
    """The wall-clock seconds of each step of a migrate, from its document (what `--json` prints)."""
    built, cut = document.get("build") or {}, document.get("cutover") or {}
    reused = bool(document.get("build_reused"))
    stage = 0.0 if reused else float((built.get("stage") or {}).get("seconds") or 0)
    backups = float((cut.get("backup") or {}).get("seconds") or 0)
    steps = {
        "stage": stage,
        "build (dbt and the checks)": 0.0 if reused else float(built.get("seconds") or 0) - stage,
        "backups (snapshots + pg_dump)": backups,
        "swap and the rest of the cutover": float(cut.get("seconds") or 0) - backups,
        "post-validation": float((document.get("post_validation") or {}).get("seconds") or 0),
    }
    steps["plan and cleanup"] = float(document.get("seconds") or 0) - sum(steps.values())
    return {step: round(seconds, 3) for step, seconds in steps.items()}


def surroundings(plan: migrate.Plan | None) -> dict:
    """The objects around the legacy tables and what the cutover will do with each: the plan's
    inventory (harness/db/surroundings.py), also when the migrate stopped at the plan for one of them."""
    if plan is None:
        return {"known": False, "note": "not known: the rehearsal stopped before the migrate's plan"}
    refused = [row["object"] for row in plan.surroundings if row["cutover"].startswith("refuse")]
    return {
        "known": True,
        "objects": plan.surroundings,
        "note": f"{len(plan.surroundings)} object(s) around the legacy tables"
        + (f"; the cutover refuses without the DBA's SQL: {', '.join(refused)}" if refused else ""),
    }


def predict(
    copy: Copy | None,
    result: migrate.MigrateResult | None,
    undone: rollback.RollbackResult | None,
    scenario: testing.Scenario,
    *,
    force: bool,
    plan: migrate.Plan | None = None,
) -> dict:
    """What the real run will do, as far as the rehearsal got (plan: the migrate's, also when it
    stopped there)."""
    command = f"harness migrate{' --force' if force else ''} --yes"
    prediction: dict = {
        "verdict": "the real run should go as rehearsed"
        if scenario.verdict == "pass"
        else f"the rehearsal failed: {'; '.join(scenario.reasons)}",
        "rehearsed": f"`{command}` (building anew), then `harness rollback`, on a {copy.kind if copy else 'copy'} "
        "without application load; dbt had parsed the project for it, as `harness validate` does before a real run",
    }
    if copy is not None:
        prediction["copy"] = {
            "kind": copy.kind,
            "from": copy.source,
            "database": copy.database,
            "seconds": round(copy.seconds, 3),
            "dump_seconds": round(copy.dump_seconds, 3),
            "restore_seconds": round(copy.restore_seconds, 3),
            "dump_bytes": copy.dump_bytes,
            "legacy_rows": copy.legacy_rows,
            "dbt_parse_seconds": round(copy.parse_seconds, 3),
            "notes": copy.notes,
        }
        prediction["not_rehearsed"] = copy.not_rehearsed
    if result is not None and result.cut is not None:
        document = result.to_dict()
        steps = [{"step": step, "seconds": seconds} for step, seconds in step_seconds(document).items()]
        steps.append({"step": "migrate, in all", "seconds": round(result.seconds, 3)})
        if undone is not None:
            steps.append({"step": "rollback, if it comes to that", "seconds": round(undone.seconds, 3)})
        prediction["steps"] = steps
        prediction["dbt_work_per_step"] = [
            {"step": s["phase"], "seconds": s["seconds"], "nodes": s["nodes_total"]}
            for s in result.built.steps
            if s.get("nodes_total")
        ]
        prediction["lock_window"] = {
            "cutover_ms": round(result.cut.lock_window_ms, 3),
            "cutover_lock_wait_ms": round(result.cut.lock_wait_ms, 3),
            "rollback_ms": round(undone.lock_window_ms, 3) if undone else None,
            "plan_estimate_ms": round(result.plan.expected_lock_window_ms, 3) if result.plan else None,
            "note": LOCK_WINDOW_NOTE,
        }
        prediction |= outcome(result)
        prediction["backups"] = {
            "pg_dump_bytes": result.cut.backup.dump_bytes,
            "pg_dump_seconds": round(result.cut.backup.seconds, 3),
            "snapshot_rows": result.cut.backup.snapshot_rows,
            "note": f"the real run writes backups/{result.plan.live_schema}_<run id>.dump of about this size, "
            "and keeps the snapshots in migration_backup",
        }
    prediction["surroundings"] = surroundings(plan or (result.plan if result else None))
    if copy is not None:
        prediction["servers"] = {
            "differences": differences(copy.source_server, copy.copy_server),
            "pinned by the harness, the same on both": sorted(session.settings()),
            "source": copy.source_server,
            "copy": copy.copy_server,
        }
    return prediction
