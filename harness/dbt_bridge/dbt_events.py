"""dbt's events that nothing reads are dropped before dbt builds them.

dbt fires an event for every SQL statement, connection, cache action and node
step (about 3,500 for one build of this project), builds a protobuf message
for each (twice: the event, then the message with its header), and formats a
log line for each logger whatever the logger's level. Measured on a build of
the project: a quarter of dbt's CPU, for events the harness never shows. The
harness reads two of them (NodeStart, NodeFinished, for progress and the
report); dbt's own log keeps warnings and errors unless HARNESS_DBT_LOG_LEVEL
says otherwise (dbt_runner.file_log_level).

`install()` (idempotent; dbt_runner.invoke calls it) makes dbt:
- fire an event only if a logger's level takes it or a harness callback reads
  it: warnings and errors always go through (dbt's --warn-error handling
  lives there), and so does everything when a logger is at debug level;
- build an event's message only when it is used: an event of a fixed level
  below every logger keeps its arguments and builds the message if something
  reads it after all.
"""

from __future__ import annotations

# the events harness/dbt_bridge/dbt_runner.py's callback reads, and the one dbt writes whatever the level
READ_BY_THE_HARNESS = frozenset({"NodeStart", "NodeFinished"})
WRITTEN_AT_ANY_LEVEL = frozenset({"PrintEvent"})

# dbt's level names, in order (dbt_common.events.base_types.EventLevel)
_RANK = {"debug": 0, "test": 0, "info": 1, "warn": 2, "error": 3}
_ALWAYS = _RANK["warn"]

_installed = False


def _rank(level) -> int:
    """An EventLevel (or its name) as a number to compare."""
    return _RANK.get(str(getattr(level, "value", level)), 0)


def _lowest_logged(manager) -> int:
    """The lowest level any of dbt's loggers writes (its loggers change with each invocation)."""
    return min((_rank(logger.level) for logger in manager.loggers), default=_ALWAYS)


def _wanted(name: str, rank: int, manager) -> bool:
    return (
        rank >= _ALWAYS
        or name in READ_BY_THE_HARNESS
        or name in WRITTEN_AT_ANY_LEVEL
        or rank >= _lowest_logged(manager)
    )


def install() -> None:
    """Patch dbt's event manager and base event class in this process (once)."""
    global _installed
    if _installed:
        return
    from dbt_common.events import base_types, event_manager, functions

    manager_class = event_manager.EventManager
    event_class = base_types.BaseEvent
    fire_event = manager_class.fire_event
    build_event = event_class.__init__
    get_attribute = event_class.__getattr__
    set_attribute = event_class.__setattr__

    def filtered_fire_event(self, e, level=None, node=None, force_warn_or_error_handling=False):
        if force_warn_or_error_handling or _wanted(type(e).__name__, _rank(level or e.level_tag()), self):
            fire_event(self, e, level=level, node=node, force_warn_or_error_handling=force_warn_or_error_handling)

    def deferred_init(self, *args, **kwargs):
        fixed_level = not isinstance(self, base_types.DynamicLevel)
        if (
            fixed_level
            and not args
            and not _wanted(type(self).__name__, _rank(self.level_tag()), functions.get_event_manager())
        ):
            object.__setattr__(self, "_deferred", kwargs)
            return
        build_event(self, *args, **kwargs)

    def _build_deferred(self) -> None:
        kwargs = self.__dict__.pop("_deferred", None)
        if kwargs is not None:
            build_event(self, **kwargs)

    def deferred_getattr(self, key):
        _build_deferred(self)
        return get_attribute(self, key)

    def deferred_setattr(self, key, value):
        _build_deferred(self)
        set_attribute(self, key, value)

    manager_class.fire_event = filtered_fire_event
    event_class.__init__ = deferred_init
    event_class.__getattr__ = deferred_getattr
    event_class.__setattr__ = deferred_setattr
    _installed = True
