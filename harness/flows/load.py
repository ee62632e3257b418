"""A load driver: an application's readers and writers on the live tables,
for the trust tests (nothing lost through catch-up, cutover and rollback)
and for the benchmark (the latency of application statements during a swap).

Writers insert supplier orders (a table of the same shape in the legacy and
the target schema), each with its own id, or settings into an application's
own table keyed by text (app_settings, which the migration does not touch),
and remember every insert the server acknowledged; readers count
organisations. Every statement's start, end and outcome is kept, so latency
during any window can be read off. Writers can be paused (once the writes in
flight are done: an application in maintenance mode for the last catch-up
round) and resumed; readers never are.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import psycopg2

WRITES = {
    "supplier_orders": (
        "insert into {schema}.supplier_orders (id, ordering_organization_id, supplier_name, order_date,"
        " status, created_at, updated_at) values (%(id)s, %(organization)s, 'Load Driver', now(),"
        " 'Pending', now(), now())"
    ),
    # an application's own table in the live schema: create table app_settings (key text primary key, value text)
    "app_settings": "insert into {schema}.app_settings (key, value) values (%(id)s, 'load driver')",
}
READ = "select count(*) from {schema}.organizations"


@dataclass
class Statement:
    kind: str  # read | write
    started: float
    finished: float
    error: str | None = None


@dataclass
class LoadResult:
    acknowledged: list[str] = field(default_factory=list)  # ids of committed inserts
    statements: list[Statement] = field(default_factory=list)

    def errors(self, kind: str) -> list[str]:
        return [s.error for s in self.statements if s.kind == kind and s.error]

    def latencies_ms(self, kind: str, start: float | None = None, end: float | None = None) -> list[float]:
        """Latencies of the statements of a kind that overlapped [start, end] (all when not given)."""
        return sorted(
            (s.finished - s.started) * 1000
            for s in self.statements
            if s.kind == kind
            and not s.error
            and (start is None or s.finished >= start)
            and (end is None or s.started <= end)
        )


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Load:
    """Start with start(), stop with stop() (which returns the result)."""

    def __init__(
        self,
        dsn: str,
        organization_id: str,
        *,
        writers: int = 8,
        readers: int = 8,
        schema: str = "public",
        write_interval_s: float = 0.005,
        read_interval_s: float = 0.002,
        table: str = "supplier_orders",
    ):
        self.dsn, self.organization_id, self.schema, self.table = dsn, organization_id, schema, table
        self.writers, self.readers, self.write_interval_s = writers, readers, write_interval_s
        self.read_interval_s = read_interval_s
        self.result = LoadResult()
        self._stop = threading.Event()
        self._writing = True
        self._in_flight = 0  # writes started and not yet answered
        self._gate = threading.Condition()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> Load:
        for n in range(self.writers):
            self._threads.append(threading.Thread(target=self._write_loop, name=f"writer-{n}", daemon=True))
        for n in range(self.readers):
            self._threads.append(threading.Thread(target=self._read_loop, name=f"reader-{n}", daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def pause_writes(self) -> None:
        """No write starts from now on; returns once the writes in flight are answered."""
        with self._gate:
            self._writing = False
            self._gate.wait_for(lambda: self._in_flight == 0, timeout=30)

    def resume_writes(self) -> None:
        with self._gate:
            self._writing = True
            self._gate.notify_all()

    def stop(self) -> LoadResult:
        self._stop.set()
        self.resume_writes()
        for thread in self._threads:
            thread.join(timeout=30)
        return self.result

    def _begin_write(self) -> bool:
        """Wait while paused; False when stopping."""
        with self._gate:
            self._gate.wait_for(lambda: self._writing or self._stop.is_set())
            if self._stop.is_set():
                return False
            self._in_flight += 1
            return True

    def _end_write(self) -> None:
        with self._gate:
            self._in_flight -= 1
            self._gate.notify_all()

    def _record(self, statement: Statement, acknowledged: str | None = None) -> None:
        with self._lock:
            self.result.statements.append(statement)
            if acknowledged:
                self.result.acknowledged.append(acknowledged)

    def _write_loop(self) -> None:
        conn = psycopg2.connect(self.dsn, application_name="load-driver writer")
        conn.autocommit = True
        statement = WRITES[self.table].format(schema=self.schema)
        with conn.cursor() as cur:
            while self._begin_write():
                row_id = str(uuid.uuid4())
                started = time.perf_counter()
                try:
                    cur.execute(statement, {"id": row_id, "organization": self.organization_id})
                    self._record(Statement("write", started, time.perf_counter()), acknowledged=row_id)
                except psycopg2.Error as exc:
                    self._record(Statement("write", started, time.perf_counter(), str(exc).strip()))
                finally:
                    self._end_write()
                time.sleep(self.write_interval_s)
        conn.close()

    def _read_loop(self) -> None:
        conn = psycopg2.connect(self.dsn, application_name="load-driver reader")
        conn.autocommit = True
        statement = READ.format(schema=self.schema)
        with conn.cursor() as cur:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    cur.execute(statement)
                    cur.fetchone()
                    self._record(Statement("read", started, time.perf_counter()))
                except psycopg2.Error as exc:
                    self._record(Statement("read", started, time.perf_counter(), str(exc).strip()))
                time.sleep(self.read_interval_s)
        conn.close()
