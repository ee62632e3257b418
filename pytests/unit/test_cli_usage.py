"""The command line without a database: usage errors are one line and exit 2,
help works, an unreachable server is one line that hides the password."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from harness.cli.commands import app, main
from harness.common import log
from harness.common.errors import UsageError
from harness.db import connection as db
from harness.flows import samples

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_bad_schema_name_is_a_usage_error():
    result = run("--schema", "Public; drop", "build")
    assert result.exit_code == 2
    assert "live schema name 'Public; drop' is not valid" in result.output


def test_unreachable_database_is_one_line_and_hides_the_password():
    result = run("--dsn", "postgresql://admin:s3cret-pw@/abparts?host=/nonexistent-socket-dir", "stage")
    assert result.exit_code == 2
    assert "cannot connect to postgresql://admin:***@/abparts?host=/nonexistent-socket-dir" in result.output
    assert "s3cret-pw" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["migrate", "--bogus"], "No such option: --bogus (`harness migrate --help` lists them)"),
        (["--dsn"], "Option '--dsn' requires an argument"),
        (["sample", "create"], "No such command 'create'"),
        (["test", "--type", "everything"], "Invalid value for '--type': 'everything' is not one of 'sample'"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(argv, words, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["harness", *argv])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], lines


def test_malformed_dsn_is_a_usage_error():
    result = run("--dsn", "host='unterminated", "stage")
    assert result.exit_code == 2 and "the DSN is not valid" in result.output


@pytest.mark.parametrize("args", [["--help"], ["db", "--help"], ["sample", "generate", "--help"]])
def test_help_works(args):
    assert run(*args).exit_code == 0


def test_test_command_refuses_bad_options():
    assert run("test", "--type", "everything").exit_code == 2
    assert run("test", "--type", "sample", "--sample-size", "huge").exit_code == 2
    two = run("test", "--type", "sample", "--sample-size", "small_sample", "--sample-size", "minimal_sample")
    assert two.exit_code == 2 and "rehearses one size" in two.output


def test_comprehensive_rehearses_every_size_clean_and_dirty_unless_sizes_are_given():
    from harness.flows import samples, testing

    every = testing.scenario_plan("comprehensive")
    assert every == [(size, dirty, True) for size in samples.ORIGINAL_SIZES for dirty in (False, True)]
    assert len(every) == 10
    chosen = testing.scenario_plan("comprehensive", ["production_scale", "minimal_sample"])
    assert [(size, dirty) for size, dirty, _ in chosen] == [
        ("minimal_sample", False),
        ("minimal_sample", True),
        ("production_scale", False),
        ("production_scale", True),
    ]
    assert testing.scenario_plan("comprehensive", ["benchmark_10x"]) == [  # the API takes any size
        ("benchmark_10x", False, True),
        ("benchmark_10x", True, True),
    ]
    assert testing.scenario_plan("rollback") == [("small_sample", False, True)]


def test_redaction_masks_every_kind_of_secret():
    line = (
        "connect postgresql://u:hunter2@db/x password=abc PGPASSWORD=xyz "
        "hash $2b$12$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ0123 token: tok-123 'password': 'q'"
    )
    redacted = log.redact(line)
    for secret in ("hunter2", "abc ", "xyz", "$2b$12$abcdefghij", "tok-123"):
        assert secret not in redacted, (secret, redacted)


def test_unknown_size_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown sample size 'huge'"):
        samples.size_named("huge")


def test_a_resolved_dsn_is_shown_as_where_it_points():
    resolved = (
        "user='migrator' password='pw-9' host='/run/pg' port='5433' dbname='abparts' sslmode='prefer' "
        "channel_binding='prefer' target_session_attrs='any'"
    )
    assert db.redact(resolved) == "postgresql://migrator:***@/abparts?host=/run/pg&port=5433"
    assert db.redact("postgresql://u:pw@db.example:6432/x?sslmode=require") == "postgresql://u:***@db.example:6432/x"


def test_the_logged_command_line_shows_a_dsn_only_as_where_it_points():
    # every DSN form, including those no pattern can read: an unbalanced quote, a password with spaces
    for dsn in (
        "host=db user=u password=pw-secret-1 dbname=x",
        "postgresql://u:pw-secret-1@db/x",
        "host='pw-secret-1",
        "host=db password='pw secret-1' dbname=x",
        "postgresql://u:pw-secret-1@db:notaport/x",
    ):
        for argv in (["--dsn", dsn, "status"], [f"--dsn={dsn}", "status"]):
            line = log.command_line(argv)
            assert "secret-1" not in line, line
            assert line.endswith(" status")
    assert log.command_line(["--dsn", "postgresql://u:pw@db/x", "cutover"]) == "--dsn postgresql://u:***@db/x cutover"
    assert log.command_line(["--dsn", "host='pw"]) == "--dsn <unparseable DSN>"


def test_the_log_file_never_holds_a_secret_given_to_it(tmp_path, monkeypatch):
    # raw text, as a library or psycopg2 message could carry it, through the real handler into the file
    monkeypatch.setenv("HARNESS_HOME", str(tmp_path))
    secrets = ("pw-in-uri-1", "pw-key-value-2", "pw-env-3", "$2b$12$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01")
    log.event(f"connect postgresql://u:{secrets[0]}@db/x and host=db password={secrets[1]} PGPASSWORD={secrets[2]}")
    try:
        raise RuntimeError(f"failed with hash {secrets[3]}")
    except RuntimeError:
        log.logger().exception("unexpected error")
    for handler in log.logger().handlers:
        handler.flush()
    text = (tmp_path / "logs" / "migration.log").read_text()
    assert "connect postgresql://u:***@db/x" in text and "RuntimeError" in text  # written, masked
    for secret in secrets:
        assert secret not in text, secret


def test_what_json_sends_to_stderr_leaves_stdout_to_whoever_holds_it_next(capsys):
    """A question under --json and its plan go to stderr for a while; afterwards the console writes
    to sys.stdout as it is then (a test runner gives every command a stdout of its own)."""
    import contextlib
    import io

    from harness.cli import console, render

    first, second = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(first):
        with console.on_stderr(True):
            render.line("the plan")
        render.line("a result")
    with contextlib.redirect_stdout(second):
        render.line("the next command's result")
    assert "the plan" in capsys.readouterr().err
    assert (first.getvalue(), second.getvalue()) == ("a result\n", "the next command's result\n")


def test_a_grant_plan_without_grants_says_so_in_a_line_not_an_empty_table():
    import contextlib
    import io

    from harness.cli import render

    plan = {"owners": {"users": "postgres", "warehouses": "postgres"}, "rows": []}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        render.grants(plan)
    assert printed.getvalue().splitlines() == [
        "grants on the new tables: none to other roles (none on the legacy tables either: the grant rule)",
        "owners: postgres (2 tables)",
    ]
