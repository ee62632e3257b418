"""harness/dbt_bridge/dbt_events.py: dbt's events that no logger writes and the harness does
not read are dropped before their message is built; the rest go through as
before. No database needed."""

from __future__ import annotations

import pytest
from dbt.adapters.events.types import SQLQuery
from dbt.events.types import NodeStart
from dbt_common.events import functions
from dbt_common.events.base_types import EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.types import Note

from harness.dbt_bridge import dbt_events


class Logger:
    """What EventManager needs of a logger: a level, a filter, a sink."""

    def __init__(self, level: EventLevel):
        self.level = level
        self.lines: list[str] = []

    def filter(self, msg) -> bool:
        return True

    def write_line(self, msg) -> None:
        self.lines.append(msg.info.name)


@pytest.fixture
def manager(monkeypatch):
    dbt_events.install()
    manager = EventManager()
    monkeypatch.setattr(functions, "get_event_manager", lambda: manager)
    manager.read = []
    manager.add_callback(lambda msg: manager.read.append(msg.info.name))
    return manager


def sql_query():
    return SQLQuery(conn_name="model.x", sql="select 1", node_info={})


def test_a_debug_event_reaches_nobody_when_the_log_keeps_warnings(manager):
    log = Logger(EventLevel.WARN)
    manager.loggers.append(log)
    manager.fire_event(sql_query())
    manager.fire_event(Note(msg="below warn"), level=EventLevel.INFO)
    assert log.lines == [] and manager.read == []


def test_the_harness_events_warnings_and_errors_always_go_through(manager):
    log = Logger(EventLevel.ERROR)
    manager.loggers.append(log)
    manager.fire_event(NodeStart(node_info={"unique_id": "model.abparts_migrate.parts"}))
    manager.fire_event(Note(msg="a warning"), level=EventLevel.WARN)
    manager.fire_event(sql_query(), force_warn_or_error_handling=True)
    assert manager.read == ["NodeStart", "Note", "SQLQuery"]
    assert log.lines == ["NodeStart", "Note", "SQLQuery"]  # the logger's own level still decides what it keeps


def test_everything_goes_through_to_a_debug_log(manager):
    log = Logger(EventLevel.DEBUG)
    manager.loggers.append(log)
    manager.fire_event(sql_query())
    assert log.lines == ["SQLQuery"] and manager.read == ["SQLQuery"]


def test_an_event_not_built_is_built_when_read(manager):
    manager.loggers.append(Logger(EventLevel.WARN))
    event = sql_query()
    assert "pb_msg" not in event.__dict__  # its message was not built
    assert event.sql == "select 1" and event.pb_msg.conn_name == "model.x"
    raised = sql_query()
    manager.fire_event(raised, level=EventLevel.ERROR)  # fired above its own level after all
    assert manager.read == ["SQLQuery"]
