"""A failure whose cause is the server says that cause in its one line, whichever dbt node or
statement it hit (harness/common/server_failures.py): the connection lost and the disk full
exit 2, a timeout exits 1 naming the setting and its value. No database needed: the messages
are PostgreSQL's and dbt's as they read (pytests/test_settings.py fires the real ones)."""

from __future__ import annotations

import psycopg2
import pytest

from harness.common import errors, server_failures
from harness.dbt_bridge.dbt_runner import DbtRun, NodeOutcome

COMPILED = "  compiled code at /home/target/run/abparts_migrate/models/marts/{name}.sql"


def node(name: str, server_says: str, resource_type: str = "model", status: str = "error") -> NodeOutcome:
    message = (
        f"Database Error in {resource_type} {name} (models/marts/{name}.sql)\n  {server_says}\n"
        + COMPILED.format(name=name)
    )
    return NodeOutcome(f"{resource_type}.abparts_migrate.{name}", resource_type, name, status, message)


RESTARTED = (
    "terminating connection due to administrator command\n  server closed the connection unexpectedly\n"
    "  \tThis probably means the server terminated abnormally\n  \tbefore or while processing the request."
)
DISK_FULL = 'could not extend file "base/16384/41000": No space left on device\n  HINT:  Check free disk space.'


def test_a_restart_that_failed_seven_nodes_is_one_line_about_the_connection_not_about_the_models():
    outcomes = [node("organizations", RESTARTED)] + [node(n, "connection already closed") for n in "abcdef"]
    failure = DbtRun("build", False, outcomes).server_failure()
    assert isinstance(failure, server_failures.ServerGone) and failure.exit_code == 2
    assert failure.message.startswith("the connection to the server was lost in model organizations and 6 more")
    assert "(terminating connection due to administrator command)" in failure.message
    assert "harness status" in failure.message and "\n" not in failure.message


def test_a_full_disk_is_named_and_exits_2():
    failure = DbtRun("build", False, [node("inventory", DISK_FULL)]).server_failure()
    assert isinstance(failure, server_failures.ServerOutOfResources) and failure.exit_code == 2
    assert failure.message.startswith("the server ran out of disk space in model inventory (could not extend file")


def test_a_statement_timeout_names_the_setting_and_its_value_and_exits_1(monkeypatch):
    monkeypatch.setenv("HARNESS_STATEMENT_TIMEOUT", "20ms")
    failure = DbtRun("build", False, [node("parts", "canceling statement due to statement timeout")]).server_failure()
    assert isinstance(failure, server_failures.TimedOut) and failure.exit_code == 1
    assert failure.message.startswith(
        "statement_timeout = 20ms (set by HARNESS_STATEMENT_TIMEOUT) cancelled a statement in model parts"
    )
    lock = DbtRun("build", False, [node("parts", "canceling statement due to lock timeout")]).server_failure()
    assert lock.exit_code == 1 and lock.message.startswith("lock_timeout cancelled a statement")


def test_the_connection_lost_outranks_the_timeouts_it_caused():
    outcomes = [node("parts", "canceling statement due to statement timeout"), node("users", RESTARTED)]
    assert isinstance(DbtRun("build", False, outcomes).server_failure(), server_failures.ServerGone)


def test_when_dbt_cannot_run_at_all_the_cause_is_named_too():
    run = DbtRun("build", False, [], error="Database Error canceling statement due to statement timeout")
    failure = run.server_failure()
    assert failure.exit_code == 1 and "before dbt ran a node (build)" in failure.message


def test_a_finding_or_a_models_own_error_is_not_the_servers():
    outcomes = [
        node("organizations", 'duplicate key value violates unique constraint "organizations_pkey"'),
        NodeOutcome(
            "test.x.no_negative_stock", "test", "no_negative_stock", "fail", "Got 3 results, configured to fail"
        ),
    ]
    assert DbtRun("build", False, outcomes).server_failure() is None


class FakeError(psycopg2.OperationalError):
    """A psycopg2 error as the server raised it (psycopg2's own cannot be built with a SQLSTATE)."""

    def __init__(self, message: str, pgcode: str | None):
        super().__init__(message)
        self._code = pgcode

    @property
    def pgcode(self):
        return self._code


@pytest.mark.parametrize(
    ("message", "code", "kind", "exit_code", "says"),
    [
        (RESTARTED, "57P01", server_failures.ServerGone, 2, "the connection to the server was lost"),
        ("server closed the connection unexpectedly", None, server_failures.ServerGone, 2, "was lost"),
        (DISK_FULL, "53100", server_failures.ServerOutOfResources, 2, "ran out of disk space"),
        ("canceling statement due to statement timeout", "57014", server_failures.TimedOut, 1, "statement_timeout"),
        ("canceling statement due to user request", "57014", errors.DataProblem, 1, "a statement was cancelled"),
    ],
)
def test_the_harnesss_own_statements_say_the_same(message, code, kind, exit_code, says):
    failure = errors.from_database(FakeError(message, code), "cutover")
    assert type(failure) is kind and failure.exit_code == exit_code
    assert failure.message.startswith("harness cutover: ") and says in failure.message
