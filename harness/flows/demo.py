"""The embedded server's databases as the commands use them: a DSN for one (made when missing),
and the demo's own database, made anew with a generated legacy sample on every `harness demo`."""

from __future__ import annotations

from dataclasses import dataclass

from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import embedded
from harness.flows import samples

DEMO_DATABASE = "abparts_demo"


def database_url(database: str) -> str:
    """A DSN of a database on the embedded server (started on demand, the database made if missing)."""
    embedded.start()
    target = db.Target(embedded.dsn(database), embedded=True)
    db.ensure_database(target)
    return target.dsn


@dataclass
class DemoDatabase:
    server: embedded.ServerStatus
    target: db.Target
    sample: samples.SampleResult
    dsn: str


def prepare(schemas: Schemas, size: str) -> DemoDatabase:
    """The demo's database, made anew (it never touches `abparts`), with a legacy sample of `size`."""
    server = embedded.start()
    maintenance = db.Target(embedded.dsn("postgres"), embedded=True)
    target = db.resolve(db.create_database(maintenance, DEMO_DATABASE, replace=True))
    sample = samples.generate(target, schemas, size)
    return DemoDatabase(server, target, sample, embedded.dsn(DEMO_DATABASE))
