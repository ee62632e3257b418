"""Every bad input of the corpus (pytests/corpus.py) gets one clear line and
the right exit code, names the object it is about, shows no traceback and no
password, and changes nothing in the live schema. Database states are shared
between cases (templates copied per state, one copy for every case that
needs no change of its own); the legacy values are validated once."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def corpus_run(templates, migrator_role):
    """Runs a case: copies its state (shared unless it changes it), answers from the cache
    when the same command already ran on the same shared state."""
    shared: dict[str, db.Target] = {}
    answers: dict[tuple, tuple] = {}
    server = embedded_target("postgres")
    console.out.width = console.err.width = 2000  # one line stays one line

    def template_of(state: State) -> str:
        name, make, base = MAKERS[state]
        return templates(name, make, base=template_of(base) if base else None)

    # every state first, while no case holds the pool's first name: the templates are made
    # under it (pool.py's templates), so their dbt runs share the session's parse
    for state in dict.fromkeys(case.state for case in corpus.CASES if case.state is not State.NO_DATABASE):
        template_of(state)

    def database_for(case: corpus.Case) -> db.Target | None:
        if case.state is State.NO_DATABASE:
            return None
        template = template_of(case.state)
        # database names from pool.py's pool (t1, t2, ...): dbt's partial parse is kept per name.
        # A case that changes its database gets its own copy under t1; so does a case of a state
        # whose command runs dbt (a copy costs a fraction of a second, a new name a full parse):
        # the same command on the same state is still answered once
        if case.makes_its_state_bad or case.changes_live or case.state in DBT_STATES:
            return db.create_database(server, "t1", template=template, replace=True)
        if case.state not in shared:
            shared[case.state] = db.create_database(server, f"t{len(shared) + 2}", template=template, replace=True)
        return shared[case.state]

    def run(case: corpus.Case):
        target = database_for(case)
        socket = str(embedded.status().socket_dir)
        values = {"socket": socket, "password": corpus.PASSWORD, "home": str(paths.home_dir()),
                  "database": target.database if target else "postgres"}
        dsn = (case.dsn or "").format(**values) if case.dsn is not None else (
            f"host={socket} user={case.user or 'postgres'} dbname={target.database} password={corpus.PASSWORD}"
            if target else None)
        holder = None
        for statement in case.sql:
            _execute(embedded_target(target.database), statement.format(**values))
        for relative, content in case.files.items():
            path = paths.home_dir() / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        if case.hold_lock:
            holder = psycopg2.connect(embedded_target(target.database).dsn,
                                      application_name="abparts-migrate public: build (pid 4242)")
            holder.autocommit = True
            holder.cursor().execute("select pg_advisory_lock(%s, hashtext('public'))", (locks.LOCK_CLASS,))
        schema = case.args[case.args.index("--schema") + 1] if "--schema" in case.args else "public"
        before = live_fingerprint(target, schema)
        args = [a.format(**values) for a in case.args]
        key = (case.state, tuple(args), case.user, case.dsn)
        if not (case.makes_its_state_bad or case.changes_live) and key in answers:
            return answers[key] + (before, before)
        env = {k: v.format(**values) for k, v in case.env.items()}
        env.setdefault("HARNESS_DSN", None)
        result = runner.invoke(app, (["--dsn", dsn] if dsn else []) + args, env=env)
        if holder is not None:
            holder.close()
        answer = (result.exit_code, result.stdout, result.stderr, repr(result.exception))
        after = live_fingerprint(target, schema)
        if not (case.makes_its_state_bad or case.changes_live):
            answers[key] = answer
        return answer + (before, after)

    yield run
    for target in shared.values():
        target.close()
        db.drop_database(server, target.database)
    db.drop_database(server, "t1")


def live_fingerprint(target, schema: str):
    if target is None:
        return None
    with db.connect(embedded_target(target.database)) as conn, conn.cursor() as cur:
        return fingerprint.fingerprint(cur, schema) if db.schema_exists(cur, schema) else None


@pytest.mark.parametrize("case", corpus.CASES, ids=[c.name for c in corpus.CASES])
def test_a_bad_input_gets_one_clear_line(corpus_run, case):
    exit_code, stdout, stderr, exception, before, after = corpus_run(case)
    said = stdout + stderr
    assert exit_code == case.exit, (case.name, exit_code, said[-800:], exception)
    for word in case.words:
        assert word in said, (case.name, word, said[-800:])
    assert "Traceback" not in said and "unexpected error" not in said, said[-800:]
    assert corpus.PASSWORD not in said
    if case.exit:
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) <= 2, lines  # one line (and at most a hint)
    if case.changes_live:
        assert fingerprint.differences(before, after), "the corpus must see a change of the live schema"
    else:
        assert before is None or fingerprint.differences(before, after) == [], case.name


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

