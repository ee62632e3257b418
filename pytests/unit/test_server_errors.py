"""The exit code of an error the server raises: 1 when the data (or another session) is the
reason and running again after a fix or a wait helps, 2 when the server refuses what the
command or its role may do. One SQLSTATE of each class the boundary knows (errors.py), and
one it does not know; no database needed. A read-only server end to end: the corpus. The
causes the server's own failures are said as (the connection lost, the disk full, a timeout):
test_server_failures.py."""

from __future__ import annotations

import psycopg2
import pytest

from harness.common import errors


class ServerError(psycopg2.Error):
    """A psycopg2 error as the server would raise it: its SQLSTATE."""

    def __init__(self, sqlstate: str):
        super().__init__(f"the server said {sqlstate}")
        self.sqlstate = sqlstate

    @property
    def pgcode(self) -> str:
        return self.sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "exit_code"),
    [
        ("23505", 1),  # unique_violation: a legacy row breaks a rule the target keeps
        ("22003", 1),  # numeric_value_out_of_range
        ("40001", 1),  # serialization_failure: rolled back, run again
        ("40P01", 1),  # deadlock_detected
        ("57014", 1),  # query_canceled (statement_timeout)
        ("55P03", 1),  # lock_not_available
        ("25006", 2),  # read_only_sql_transaction: a standby, or a read-only role
        ("42501", 2),  # insufficient_privilege
        ("42P01", 2),  # undefined_table
        ("42703", 2),  # undefined_column
        ("53400", 2),  # configuration_limit_exceeded (a full disk, memory, connection slots: said as that cause,
        # test_server_failures.py)
        ("XX000", 2),  # internal_error: nothing more is known
    ],
)
def test_a_server_error_exits_with_the_code_of_its_class(sqlstate, exit_code):
    said = errors.from_exception(ServerError(sqlstate), "build")
    assert said.exit_code == exit_code, (sqlstate, type(said).__name__)
    assert said.message.startswith("harness build: the database refused: the server said ") and "\n" not in said.message
