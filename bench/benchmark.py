"""Benchmark: how long each step takes and how long the locks are held, per
sample size, on the embedded server (or --dsn). Prints measured numbers; it
asserts nothing. Run: `make bench` or `.venv/bin/python bench/benchmark.py
--sizes production_scale benchmark_10x`.

Each size runs in a scratch database `abparts_bench` (dropped and created
again): generate, build (stage + dbt build with every test), cutover
(backups + swap), rollback. Peak memory is the harness process's maximum RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from psycopg2 import sql

from harness import build, cutover, db, rollback, samples
from harness.schemas import Schemas

DATABASE = "abparts_bench"


def scratch(server: db.Target) -> db.Target:
    with db.connect(server.with_database("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(DATABASE)))
        cur.execute(sql.SQL("create database {}").format(sql.Identifier(DATABASE)))
    return server.with_database(DATABASE)


def measure(server: db.Target, size: str) -> dict:
    target, schemas = scratch(server), Schemas("public")
    started = time.perf_counter()
    generated = samples.generate(target, schemas, size)
    row = {"size": size, "legacy_rows": sum(generated.row_counts.values()),
           "generate_s": time.perf_counter() - started}
    started = time.perf_counter()
    built = build.build(target, schemas)
    if not built.success:
        raise SystemExit(f"{size}: build failed: {built.failure_summary()}")
    row["build_s"] = time.perf_counter() - started
    row["dbt_s"] = built.dbt.seconds
    row["target_rows"] = sum(built.target_row_counts.values())
    started = time.perf_counter()
    cut = cutover.cutover(target, schemas)
    row["cutover_s"] = time.perf_counter() - started
    row["backup_s"] = cut.backup.seconds
    row["backup_mb"] = cut.backup.dump_bytes / 1e6
    row["cutover_lock_ms"] = cut.lock_window_ms
    started = time.perf_counter()
    undone = rollback.rollback(target, schemas)
    row["rollback_s"] = time.perf_counter() - started
    row["rollback_lock_ms"] = undone.lock_window_ms
    row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="a server to benchmark on (needs CREATEDB); default: the embedded one")
    parser.add_argument("--sizes", nargs="+", default=["small_sample", "production_scale", "benchmark_10x"])
    args = parser.parse_args()
    server = db.resolve_target(args.dsn)
    columns = ["size", "legacy_rows", "target_rows", "generate_s", "build_s", "dbt_s", "backup_s", "backup_mb",
               "cutover_s", "cutover_lock_ms", "rollback_s", "rollback_lock_ms", "peak_rss_mb"]
    print(" | ".join(columns))
    print(" | ".join("---" for _ in columns))
    for size in args.sizes:
        row = measure(server, size)
        print(" | ".join(f"{row[c]:.1f}" if isinstance(row[c], float) else f"{row[c]:,}" if isinstance(row[c], int)
                         else str(row[c]) for c in columns), flush=True)
    with db.connect(server.with_database("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(DATABASE)))


if __name__ == "__main__":
    sys.exit(main())
