"""The settings every session pins (harness/common/session.py), without a database: the order that
makes them win, libpq's escaping, the statement_timeout an operator may set, the settings of
later servers, the runbook's list of them. pytests/test_settings.py proves on a server that they
change nothing."""

from __future__ import annotations

import re

import pytest

from harness.common import session
from harness.common.errors import UsageError


def test_the_dbas_options_come_first_and_the_pinned_settings_last_so_that_they_win(monkeypatch):
    monkeypatch.delenv(session.STATEMENT_TIMEOUT_VARIABLE, raising=False)
    text = session.options("-c statement_timeout=5min -c work_mem=64MB", {"abparts_migrate.report": "on"})
    assert text.startswith("-c statement_timeout=5min -c work_mem=64MB -c abparts_migrate.report=on -c ")
    assert text.rindex("-c statement_timeout=0") > text.index("statement_timeout=5min")
    for name in ("DateStyle", "TimeZone", "standard_conforming_strings", "search_path", "row_security"):
        assert f"-c {name}=" in text


def test_a_value_with_spaces_stays_one_option_for_libpq():
    text = session.options()
    assert "-c DateStyle=ISO,\\ MDY" in text
    assert '-c search_path="$user",\\ public' in text
    assert "-c default_transaction_isolation=read\\ committed" in text


def test_settings_of_later_servers_only_for_them():
    assert "idle_session_timeout" not in session.settings(130000)
    assert session.settings(140000)["idle_session_timeout"] == "0"
    assert "transaction_timeout" not in session.settings(160000)
    assert session.settings(180000)["transaction_timeout"] == "0"
    assert "idle_session_timeout" not in session.settings(None)  # not known: what every server has
    statement = session.later_settings_statement()
    assert "pg_settings" in statement and "'idle_session_timeout'" in statement and "'transaction_timeout'" in statement


def test_the_operator_may_bound_every_statement_and_a_bad_value_is_one_line(monkeypatch):
    monkeypatch.delenv(session.STATEMENT_TIMEOUT_VARIABLE, raising=False)
    assert session.settings()["statement_timeout"] == "0"
    monkeypatch.setenv(session.STATEMENT_TIMEOUT_VARIABLE, "30min")
    assert session.settings()["statement_timeout"] == "30min"
    assert session.describe_statement_timeout() == "statement_timeout = 30min (set by HARNESS_STATEMENT_TIMEOUT)"
    monkeypatch.setenv(session.STATEMENT_TIMEOUT_VARIABLE, "half an hour")
    with pytest.raises(UsageError, match="HARNESS_STATEMENT_TIMEOUT.*not a duration"):
        session.options()


def test_the_runbook_lists_every_pinned_setting_and_what_is_refused():
    from helpers import PROJECT

    runbook = (PROJECT / "docs" / "runbook.md").read_text()
    section = runbook.split("\n## Session settings\n", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| `")]
    listed = {name for line in table for name in re.findall(r"`(\w+)`", line.split("|")[1])}
    assert set(session.PINNED) | set(session.PINNED_SINCE) | {"client_encoding"} == listed
    assert "SQL_ASCII" in section.split("What the harness refuses instead", 1)[1]
    assert session.STATEMENT_TIMEOUT_VARIABLE in section
