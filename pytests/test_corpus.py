"""Every bad input of the corpus (pytests/corpus.py) gets one clear line and
the right exit code, names the object it is about, shows no traceback and no
password, and changes nothing in the live schema; a refusal of the swap is in the
audit with its reason. Database states are shared
between cases (templates copied per state, one copy for every case that
needs no change of its own); the legacy values are validated once."""

from __future__ import annotations

from typing import NamedTuple

import corpus
import psycopg2
import pytest
from corpus import State
from pool import embedded_target, sample_template
from typer.testing import CliRunner

from harness.cli import console
from harness.cli.commands import app
from harness.common import paths
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import embedded, fingerprint, locks
from harness.flows import migrate

PUBLIC = Schemas("public")
runner = CliRunner()


def _execute(target, *statements) -> None:
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)


def _dry(target) -> None:
    sample_template("minimal_sample")(target)
    migrate.migrate(target, PUBLIC, dry_run=True)


def _cut(target) -> None:
    from harness.flows import cutover

    cutover.cutover(target, PUBLIC)


def _rolled(target) -> None:
    from harness.flows import rollback

    rollback.rollback(target, PUBLIC)


def _values(target) -> None:
    sample_template("minimal_sample")(target)
    _execute(target, *corpus.VALUES_SQL)


# state -> (template name, how it is made, the state it starts from): one build serves built, cut
# and rolled; "built_minimal" is pool.py's built_minimal fixture's template (made once per session)
MAKERS = {
    State.LEGACY: ("corpus_legacy", sample_template("minimal_sample"), None),
    State.BUILT: ("built_minimal", sample_template("minimal_sample", build=True), None),
    State.CUT: ("corpus_cut", _cut, State.BUILT),
    State.ROLLED: ("corpus_rolled", _rolled, State.CUT),
    State.DRY: ("corpus_dry", _dry, None),
    State.VALUES: ("corpus_values", _values, None),
}


# the shared states whose cases run dbt (they validate)
DBT_STATES = {State.VALUES}


class Answer(NamedTuple):
    """What the command said."""

    exit_code: int
    stdout: str
    stderr: str
    exception: str  # repr() of what the command raised, if anything


class CorpusRun:
    """Runs the cases of one module: each case on a copy of its state's template, answered from the
    cache when the same command already ran on the same shared state. Called with a case, it returns
    the answer, the live schema's fingerprint before and after, and the newest audit step's
    (outcome, reason)."""

    def __init__(self, templates, files):
        self.templates = templates  # pool.py's templates fixture
        self.files = files  # a directory of the module's own: the backups the cases restore
        self.server = embedded_target("postgres")
        self.shared: dict[State, db.Target] = {}  # a state's copy shared by its cases that change nothing
        self.answers: dict[tuple, Answer] = {}  # (state, arguments, user, DSN, environment) -> the answer

    def template_of(self, state: State) -> str:
        """The template database of a state, made the first time (from the template it builds on)."""
        name, make, base = MAKERS[state]
        return self.templates(name, make, base=self.template_of(base) if base else None)

    def make_every_state(self) -> None:
        """Every state first, while no case holds the pool's first name: the templates are made under
        it (pool.py's templates), so their dbt runs share the session's parse."""
        for state in dict.fromkeys(case.state for case in corpus.CASES if case.state is not State.NO_DATABASE):
            self.template_of(state)
        self.make_dumps()

    def make_dumps(self) -> None:
        """{dump}: a backup of the legacy sample's live schema; {empty_dump}: one of a schema without tables."""
        from harness.flows import backup

        legacy = embedded_target(self.template_of(State.LEGACY))
        backup.dump_schema(legacy, "public", self.files / "legacy.dump")
        legacy.close()  # a template must have no session when it is copied
        _execute(self.server, "create schema if not exists corpus_empty")
        backup.dump_schema(self.server, "corpus_empty", self.files / "empty.dump")

    def database_for(self, case: corpus.Case) -> db.Target | None:
        """The copy of its state a case runs on (none for a case that needs no database).

        Names from pool.py's pool (t1, t2, ...): dbt's partial parse is kept per name. A case that
        changes its database gets its own copy under t1; so does a case of a state whose command runs
        dbt (a copy costs a fraction of a second, a new name a full parse): the same command on the
        same state is still answered once. The other cases of a state share one copy, t2 and on."""
        if case.state is State.NO_DATABASE:
            return None
        template = self.template_of(case.state)
        if answered_alone(case) or case.state in DBT_STATES:
            return db.create_database(self.server, "t1", template=template, replace=True)
        if case.state not in self.shared:
            self.shared[case.state] = db.create_database(
                self.server, f"t{len(self.shared) + 2}", template=template, replace=True
            )
        return self.shared[case.state]

    def __call__(self, case: corpus.Case) -> tuple:
        """(exit code, stdout, stderr, exception, the live schema's fingerprint before, after, the newest
        audit step's (outcome, reason), the placeholders' values)"""
        target = self.database_for(case)
        values = placeholders(target) | {
            "dump": str(self.files / "legacy.dump"),
            "empty_dump": str(self.files / "empty.dump"),
        }
        holders = make_bad(case, target, values)
        schema = live_schema(case)
        before = live_fingerprint(target, schema)
        args = tuple(a.format(**values) for a in case.args)
        key = (case.state, args, case.user, case.dsn, tuple(sorted(case.env.items())))
        if not answered_alone(case) and key in self.answers:
            return (*self.answers[key], before, before, None, values)
        try:
            answer = invoke(case, args, values, target)
        finally:
            for holder in holders:
                holder.close()
            for relative in case.files:  # the session's home serves the cases after it
                (paths.home_dir() / relative.format(**values)).unlink(missing_ok=True)
        after = live_fingerprint(target, schema)
        if not answered_alone(case):
            self.answers[key] = answer
        return (*answer, before, after, newest_step(target, schema), values)

    def drop_databases(self) -> None:
        for target in self.shared.values():
            target.close()
            db.drop_database(self.server, target.database)
        db.drop_database(self.server, "t1")


@pytest.fixture(scope="module")
def corpus_run(templates, migrator_role, tmp_path_factory):
    """Runs a case (CorpusRun); migrator_role: the role the privilege cases connect as exists."""
    console.out.width = console.err.width = 2000  # one line stays one line
    run = CorpusRun(templates, tmp_path_factory.mktemp("corpus"))
    run.make_every_state()
    yield run
    run.drop_databases()


def answered_alone(case: corpus.Case) -> bool:
    """A case that makes its state bad, or changes the live schema, runs on a copy of its own and
    its answer is never shared."""
    return case.makes_its_state_bad or case.changes_live


def placeholders(target: db.Target | None) -> dict[str, str]:
    """What a case's DSN, arguments, words, environment, files and SQL may name: {socket}, {password},
    {home}, {database}, {run} (the run of the state's build, if any), {source} (the database as the
    harness names it when it is given as a source)."""
    return {
        "socket": str(embedded.status().socket_dir),
        "password": corpus.PASSWORD,
        "home": str(paths.home_dir()),
        "database": target.database if target else "postgres",
        "run": built_run(target) if target else "",
        "source": as_the_harness_names_it(target) if target else "",
    }


def as_the_harness_names_it(target: db.Target) -> str:
    """The case's database as the harness names a source (--from): resolved by libpq, redacted."""
    resolved = db.resolve(db.Target(f"host={embedded.status().socket_dir} user=postgres dbname={target.database}"))
    resolved.close()
    return resolved.redacted()


def built_run(target: db.Target) -> str:
    with db.connect(embedded_target(target.database)) as conn, conn.cursor() as cur:
        if not db.relation_exists(cur, "migration_audit", "steps"):
            return ""
        cur.execute("select run_id from migration_audit.steps where step in ('build', 'dry-run') order by id desc")
        row = cur.fetchone()
        return row[0] if row else ""


def newest_step(target: db.Target | None, schema: str) -> tuple[str, str | None] | None:
    """The newest audit step of the live schema: (outcome, the reason of a refusal)."""
    if target is None:
        return None
    with db.connect(embedded_target(target.database)) as conn, conn.cursor() as cur:
        if not db.relation_exists(cur, "migration_audit", "steps"):
            return None
        cur.execute(
            "select outcome, details ->> 'reason' from migration_audit.steps where live_schema = %s"
            " order by id desc limit 1",
            (schema,),
        )
        row = cur.fetchone()
        return tuple(row) if row else None


def make_bad(case: corpus.Case, target: db.Target | None, values: dict[str, str]) -> list:
    """Makes the case's copy of its state bad: its SQL as the superuser, its files in the harness's
    home, the live schema's lock held as another command would, a live table held by another
    session. Returns the holders (to close once the command has answered)."""
    if case.sql:
        _execute(embedded_target(target.database), *(statement.format(**values) for statement in case.sql))
    write_files({relative.format(**values): content for relative, content in case.files.items()})
    holders = [hold_the_schema_lock(target)] if case.hold_lock else []
    if case.hold_table:
        holders.append(hold_a_table(target, *case.hold_table))
    return holders


def hold_a_table(target: db.Target, table: str, mode: str):
    """A session of the application in the middle of a transaction that holds a live table."""
    holder = psycopg2.connect(embedded_target(target.database).dsn, application_name="the application")
    holder.cursor().execute(f"lock table public.{table} in {mode} mode")
    return holder


def write_files(files: dict[str, str]) -> None:
    for relative, content in files.items():
        path = paths.home_dir() / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def hold_the_schema_lock(target: db.Target):
    """A session holding the advisory lock of schema public, named like `harness build` (pid 4242)."""
    holder = psycopg2.connect(
        embedded_target(target.database).dsn, application_name="abparts-migrate public: build (pid 4242)"
    )
    holder.autocommit = True
    holder.cursor().execute("select pg_advisory_lock(%s, hashtext('public'))", (locks.LOCK_CLASS,))
    return holder


def dsn_for(case: corpus.Case, target: db.Target | None, values: dict[str, str]) -> str | None:
    """The case's own DSN, else its database's as the superuser or its user; none without a database."""
    if case.dsn is not None:
        return case.dsn.format(**values)
    if target is None:
        return None
    return f"host={values['socket']} user={case.user or 'postgres'} dbname={target.database} password={corpus.PASSWORD}"


def invoke(case: corpus.Case, args: tuple[str, ...], values: dict[str, str], target: db.Target | None) -> Answer:
    """The command line, in process, with the case's DSN and environment (no HARNESS_DSN of the session)."""
    dsn = dsn_for(case, target, values)
    env = {k: v.format(**values) for k, v in case.env.items()}
    env.setdefault("HARNESS_DSN", None)
    result = runner.invoke(app, (["--dsn", dsn] if dsn else []) + list(args), env=env)
    return Answer(result.exit_code, result.stdout, result.stderr, repr(result.exception))


def live_schema(case: corpus.Case) -> str:
    return case.args[case.args.index("--schema") + 1] if "--schema" in case.args else "public"


def live_fingerprint(target, schema: str):
    if target is None:
        return None
    with db.connect(embedded_target(target.database)) as conn, conn.cursor() as cur:
        return fingerprint.fingerprint(cur, schema) if db.schema_exists(cur, schema) else None


@pytest.mark.timeout(400)  # the first case's setup makes every state's template (a build); a case takes seconds
@pytest.mark.parametrize("case", corpus.CASES, ids=[c.name for c in corpus.CASES])
def test_a_bad_input_gets_one_clear_line(corpus_run, case):
    exit_code, stdout, stderr, exception, before, after, newest, values = corpus_run(case)
    said = stdout + stderr
    assert exit_code == case.exit, (case.name, exit_code, said[-800:], exception)
    for word in case.words:
        assert word.format(**values) in said, (case.name, word, said[-800:])
    assert "Traceback" not in said and "unexpected error" not in said, said[-800:]
    assert corpus.PASSWORD not in said
    if case.exit:
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) <= 2, lines  # one line (and at most a hint)
    if case.changes_live:
        assert fingerprint.differences(before, after), "the corpus must see a change of the live schema"
    else:
        assert before is None or fingerprint.differences(before, after) == [], case.name
    if case.reason:
        assert newest == ("refused", case.reason), (case.name, newest)


def test_the_corpus_covers_every_class_and_is_large_enough():
    classes = {c.klass for c in corpus.CASES}
    assert classes == set(corpus.Class)
    assert classes == {"connection", "arguments", "state", "privileges", "legacy shape", "legacy values", "files"}
    assert len(corpus.CASES) >= 60
    assert len({c.name for c in corpus.CASES}) == len(corpus.CASES)


def test_the_troubleshooting_table_is_generated_from_the_corpus():
    path = paths.project_dir() / "docs" / "troubleshooting.md"
    text = path.read_text()
    assert corpus.troubleshooting_document(text) == text, "run `make docs-troubleshooting`"
