"""What the operator reads: every result printed from its to_dict() document.

The same document is what `--json` prints and what a report file holds, so
`harness report` shows a saved run exactly as the command showed it live.
No SQL, no cursors here: only documents in, text out.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from harness.cli.console import out, table
from harness.common.numbers import number

SEVERITIES = ("critical", "error", "warning", "info")
STYLES = {"critical": "bold red", "error": "red", "warning": "yellow", "info": "cyan"}
NEW_TABLES = ("warehouses", "transactions", "alembic_version")


def line(text: str) -> None:
    out.print(text, markup=False)


def server(doc: dict) -> None:
    """The embedded server's status (`harness db start | stop | status`, the demo's first line)."""
    if not doc["initialised"]:
        line(f"embedded server: not initialised (data dir {doc['data_dir']})")
    elif not doc["running"]:
        line(f"embedded server: stopped (data dir {doc['data_dir']})")
    else:
        line(f"embedded server: running, pid {doc['pid']}, socket dir {doc['socket_dir']}, data dir {doc['data_dir']}")


def lineage_docs(doc: dict) -> None:
    line(f"lineage docs: {doc['page']}")
    line(f"open it with a browser: {doc['url']}")
    if doc.get("serving"):
        line(f"serving {doc['serving']} (Ctrl-C to stop)")


def demo_database(doc: dict) -> None:
    sample_doc = doc["sample"]
    line(
        f"created legacy ABParts database '{doc['database']}', schema {sample_doc['live_schema']}: "
        f"{sample_doc['size']}, {sum(sample_doc['row_counts'].values()):,} rows in {sample_doc['seconds']:.2f}s"
    )


def demo_next(doc: dict) -> None:
    dsn = doc["dsn"]
    line(
        f'\nlook at it with: psql "{dsn}"\n'
        f'carry on with it: export HARNESS_DSN="{dsn}"; harness validate; harness migrate'
    )


def _found(check: dict) -> bool:
    return check["status"] in ("found", "error")


def summary_line(summary: dict) -> str:
    counts = ", ".join(f"{v['found']} {k}" for k, v in summary["by_severity"].items())
    return f"checks run: {summary['checks_run']}; with findings: {counts}; verdict: {summary['verdict']}"


def checks(
    title: str, documents: Iterable[dict], summary: dict, *, show_all: bool = False, info_as_line: bool = False
) -> None:
    """The findings table: grouped by severity, with example ids and the fix."""
    shown = [c for c in documents if show_all or _found(c)]
    infos = [c for c in shown if c["severity"] == "info"] if info_as_line else []
    shown = [c for c in shown if c not in infos]
    if shown:
        t = Table(title=title, title_justify="left", show_lines=False)
        for column in ("severity", "check", "rows", "example ids (up to 5)", "fix"):
            if column.startswith("example"):
                t.add_column(column, no_wrap=True, min_width=36)
            else:
                t.add_column(column, overflow="fold", justify="right" if column == "rows" else "left")
        for severity in SEVERITIES:
            group = [c for c in shown if c["severity"] == severity]
            for i, c in enumerate(group):
                rows = f"{c['failing_rows']:,}" if c["status"] in ("found", "passed") else c["status"]
                t.add_row(
                    f"[{STYLES[severity]}]{severity}[/]" if i == 0 else "",
                    c["name"],
                    rows,
                    "\n".join(c["example_ids"][:5]),
                    c["fix_hint"] if _found(c) else "",
                )
            if group:
                t.add_section()
        out.print(t)
    if infos:
        line("info: " + ", ".join(f"{c['name']} ({c['failing_rows']:,})" for c in infos))
    line(summary_line(summary))


def _steps(title: str, steps: list[dict]) -> None:
    out.print(
        table(
            title,
            ["step", "status", "nodes", "rows", "seconds"],
            [
                (
                    f"{s['step']:>2} {s['phase']}",
                    s["status"],
                    f"{s['nodes_done']}/{s['nodes_total']}" if s["nodes_total"] else "",
                    s["rows"] or "",
                    f"{s['seconds']:.2f}" if s["seconds"] else "",
                )
                for s in steps
            ],
            right=["nodes", "rows", "seconds"],
        )
    )


def _row_counts(counts: list[dict]) -> None:
    if counts:
        out.print(
            table(
                "rows per table: legacy -> target",
                ["legacy table", "legacy rows", "migrated", "quarantined", "unaccounted"],
                [(c["legacy_table"], c["rows_in"], c["migrated"], c["quarantined"], c["unaccounted"]) for c in counts],
                right=["legacy rows", "migrated", "quarantined", "unaccounted"],
            )
        )


def _stock_and_ledger(reconciliation: dict) -> None:
    stock, ledger = reconciliation.get("stock") or {}, reconciliation.get("ledger") or {}
    if stock and ledger:
        line(
            f"stock: legacy {number(stock['legacy_total'])} = migrated {number(stock['migrated_total'])} + "
            f"quarantined {number(stock['quarantined_total'])} ({stock['mismatched_pairs']} mismatched "
            f"organisation/part pairs); ledger: {number(ledger['ledger_entries'])} entries sum to "
            f"{number(ledger['ledger_total'])} = inventory {number(ledger['inventory_total'])} "
            f"({ledger['mismatched_positions']} mismatched warehouse/part positions)"
        )


def _part_classification(rows: list[dict]) -> None:
    if rows:
        line(
            "parts classified: "
            + "; ".join(
                f"{r['parts']:,} {r['part_type']} in {r['unit_of_measure']} by {r['classified_by']} "
                f"({r['parts_in_stock']:,} holding stock)"
                for r in rows
            )
        )


def sample(doc: dict) -> None:
    out.print(
        table(
            f"legacy sample {doc['size']} (seed {doc['seed']}{', dirty' if doc['dirty'] else ''}) "
            f"in schema {doc['live_schema']}",
            ["table", "rows"],
            doc["row_counts"].items(),
            right=["rows"],
        )
    )
    line(f"{sum(doc['row_counts'].values()):,} rows in {doc['seconds']:.2f}s; uuid functions: {doc['uuid_ossp']}")


def sample_extract(doc: dict) -> None:
    how = "anonymised" if doc["anonymised"] else "personal data kept"
    where = f"{doc['destination']}, schema {doc['schema']}"
    out.print(
        table(
            f"extract of {doc['source']} ({doc['source_schema']}) into {where}: {doc['selection']}, "
            f"seed {doc['seed']}, {how}",
            ["table", "source rows", "extract rows"],
            [(t, n, doc["row_counts"].get(t, 0)) for t, n in doc["source_row_counts"].items()],
            right=["source rows", "extract rows"],
        )
    )
    chosen = doc["organizations"]
    names = ", ".join(f"{o['name']} ({o['type']})" for o in chosen[:12])
    more = f" and {len(chosen) - 12} more" if len(chosen) > 12 else ""
    line(
        f"organisations chosen: {len(chosen)}: {names}{more}; "
        f"{doc['parent_organizations']} more came as parents of their rows"
    )
    covered, missed = doc["kinds_covered"], doc["kinds_missed"]
    line(f"kinds of the source covered: {len(covered)} of {len(covered) + len(missed)}: {', '.join(covered)}")
    line(f"kinds missed: {', '.join(missed) if missed else 'none'}")
    if doc["kinds_extra"]:
        line(f"kinds in the extract that the source lacks: {', '.join(doc['kinds_extra'])}")
    for note in doc["notes"]:
        line(f"note: {note}")
    line(
        f"{doc['rows_copied']:,} rows read in {doc['copy_seconds']:.2f}s ({doc['rows_per_second']:,.0f} rows/s); "
        f"{doc['validations']} validations; {doc['seconds']:.1f}s in all"
    )


def stage(doc: dict) -> None:
    out.print(
        table(
            f"staged run {doc['run_id']} into {doc['stage_schema']} (snapshot {doc['snapshot_time']})",
            ["table", "rows"],
            doc["row_counts"].items(),
            right=["rows"],
        )
    )
    for note in doc["notes"]:
        line(f"note: {note}")


def build(doc: dict) -> None:
    """A build, a dry run, or a saved migration report."""
    title = (
        f"target schema built in {doc['seconds']:.1f}s (run {doc['run_id']})"
        if doc.get("success")
        else f"migration report of run {doc['run_id']} ({doc.get('outcome')})"
    )
    _steps(title, doc.get("steps") or [])
    reconciliation = doc.get("reconciliation") or {}
    _row_counts(reconciliation.get("row_counts") or [])
    target_rows = doc.get("target_row_counts") or {}
    new_tables = {k: v for k, v in target_rows.items() if k in NEW_TABLES}
    if new_tables:
        out.print(table("new target tables", ["table", "rows"], new_tables.items(), right=["rows"]))
    legacy = {c["legacy_table"] for c in reconciliation.get("row_counts") or []}
    empty = sorted(k for k, v in target_rows.items() if not v and k not in NEW_TABLES and k not in legacy)
    if empty:
        line(f"built empty (the legacy database has nothing for them): {len(empty)} tables of the application")
    _stock_and_ledger(reconciliation)
    _part_classification(reconciliation.get("part_classification") or [])
    quarantine = doc.get("quarantine") or {}
    if quarantine.get("groups"):
        out.print(
            table(
                f"quarantine: {quarantine['total_rows']:,} legacy rows kept aside (the audit's quarantine table)",
                ["severity", "table", "reason", "rows", "example ids"],
                [
                    (q["severity"], q["source_table"], q["reason_code"], q["rows"], ", ".join(q["example_ids"][:3]))
                    for q in quarantine["groups"]
                ],
                right=["rows"],
            )
        )
    validation = doc.get("validation") or {}
    if validation.get("checks"):
        checks(
            "validation findings (pre- and post-migration checks)",
            validation["checks"],
            validation["summary"],
            info_as_line=True,
        )
    failed = (doc.get("dbt") or {}).get("failed") or []
    if failed:
        out.print(
            table("failed dbt nodes", ["node", "message"], [(f["node"], (f["message"] or "")[:200]) for f in failed])
        )
    if doc.get("cutover"):
        cutover(doc["cutover"] | {"run_id": doc["run_id"]})
    if doc.get("report"):
        line(f"report: {doc['report']}")


def validation(doc: dict, *, show_all: bool = False) -> None:
    where = doc["target_schema"] or f"{doc['live_schema']}_stage (staged from {doc['live_schema']})"
    checks(
        f"{doc['phase']}-migration checks on {where}, run {doc['run_id']}",
        doc["checks"],
        doc["summary"],
        show_all=show_all,
    )
    if doc.get("mode") and doc["phase"] == "post":
        nodes = ", ".join(f"{n} {kind}s" for kind, n in sorted((doc.get("dbt_nodes") or {}).items())) or "none"
        line(f"post-validation {doc['mode']}: dbt nodes run: {nodes}")
    for note in doc.get("notes") or []:
        line(f"note: {note}")
    if doc.get("report"):
        line(f"report: {doc['report']}")


def surroundings(rows: list[dict], title: str, column: str = "what the cutover does") -> None:
    """What surrounds the legacy tables (harness/db/surroundings.py), one row per object."""
    if rows:
        out.print(
            table(
                title,
                ["object", "type", "on", column],
                [(r["object"], r["type"], r.get("on") or "", r["cutover"]) for r in rows],
            )
        )


def plan(doc: dict) -> None:
    out.print(
        table(
            f"plan: cut over run {doc['run_id']}: {doc['live_schema']} (legacy) -> archive, "
            f"{doc['target_schema']} -> {doc['live_schema']}",
            ["legacy table", "rows before", "migrated", "quarantined"],
            [(r["legacy_table"], r["rows_in"], r["migrated"], r["quarantined"]) for r in doc["row_counts"]],
            right=["rows before", "migrated", "quarantined"],
        )
    )
    new = {k: v for k, v in doc["target_row_counts"].items() if k in ("warehouses", "transactions")}
    line(f"new tables: {', '.join(f'{k} {number(v)}' for k, v in new.items())}")
    _part_classification(doc.get("part_classification") or [])
    line(f"quarantined rows: {doc['quarantined_rows']:,}" + (" (--force)" if doc["force"] else ""))
    for q in doc["quarantine"]:
        line(f"  {q['severity']}: {q['source_table']} {q['reason_code']}: {q['rows']}")
    if doc["warnings"]:
        line(
            f"warnings ({len(doc['warnings'])}): "
            + ", ".join(f"{c['name']} ({c['failing_rows']})" for c in doc["warnings"])
        )
    for note in doc.get("notes") or []:
        line(f"note: {note}")
    grants(doc.get("grants") or {})
    surroundings(doc.get("surroundings") or [], f"around the legacy tables of {doc['live_schema']}")
    if doc.get("after_swap"):
        line(f"after the renames, inside the swap: {doc['after_swap']} (its time counts in the lock window)")
    line(f"expected lock window: ~{doc['expected_lock_window_ms']:.0f} ms (writers wait, readers do not)")
    line(f"backup before the swap: dbt snapshots into migration_backup + {doc['backup_path']}")


def _privileges(row: dict) -> str:
    """SELECT, INSERT*, UPDATE (a, b): the privileges of one role on one table (*: with grant option)."""
    held = [p + ("*" if p in row["grantable"] else "") for p in row["privileges"]]
    held += [f"{p} ({', '.join(columns)})" for p, columns in row["columns"].items()]
    return ", ".join(held)


def grants(doc: dict) -> None:
    """The grant rule's plan: each role with its privileges and the new tables that get them."""
    if not doc.get("owners"):
        return
    by_role: dict[tuple[str, str], list[str]] = {}
    for row in doc["rows"]:
        by_role.setdefault((row["role"], _privileges(row)), []).append(row["table"])
    tables = len(doc["owners"])
    rows = [
        (role, privileges, "all " + str(tables) if len(names) == tables else ", ".join(names))
        for (role, privileges), names in sorted(by_role.items())
    ]
    if rows:
        out.print(
            table(
                "grants on the new tables (the grant rule: never wider than on the legacy tables; "
                "seeds/grant_adjustments.csv adjusts it)",
                ["role", "privileges", "tables"],
                rows,
            )
        )
    else:
        line("grants on the new tables: none to other roles (none on the legacy tables either: the grant rule)")
    owners: dict[str, int] = {}
    for owner in doc["owners"].values():
        owners[owner] = owners.get(owner, 0) + 1
    line("owners: " + ", ".join(f"{o} ({n} tables)" for o, n in sorted(owners.items())))
    for dropped in doc.get("dropped_column_grants") or []:
        line(
            f"dropped: {dropped['privilege']} ({dropped['column']}) on {dropped['table']} to {dropped['role']}: "
            "the new table has no such column"
        )
    for adjusted in doc.get("adjustments") or []:
        line(
            f"adjusted: {adjusted['decision']} {adjusted['privilege']} on {adjusted['table']} to {adjusted['role']}"
            + (f" ({adjusted['reason']})" if adjusted.get("reason") else "")
        )


def cutover(doc: dict) -> None:
    backup = doc.get("backup") or {}
    line(
        f"cut over run {doc['run_id']}: locks held {doc['lock_window_ms']:.1f} ms (waited "
        f"{doc['lock_wait_ms']:.1f} ms, {doc['attempts']} attempt(s)); legacy kept as {doc['archive_schema']}; "
        f"backup {backup.get('dump_path')} ({backup.get('dump_bytes', 0):,} bytes); extensions moved: "
        f"{', '.join(doc.get('extensions_moved') or []) or 'none'}"
    )
    for name, why in (doc.get("extension_notes") or {}).items():
        line(
            f"extension {name} stays with the legacy schema in {doc['archive_schema']} ({why}); the target does "
            "not need it, and a rollback brings it back with the legacy schema"
        )
    if doc.get("carried"):
        line(f"the application's own objects carried into the new live schema: {', '.join(doc['carried'])}")
    if doc.get("after_swap"):
        line(f"{doc['after_swap']} ran inside the swap in {doc.get('after_swap_ms', 0):.1f} ms (in the lock window)")


def migrate(doc: dict) -> None:
    if doc["stopped_after"] == "dry run":
        build(doc["build"])
        line(
            f"dry run complete: the target schema is in {doc['build']['live_schema']}_next; the live schema "
            f"{doc['build']['live_schema']} was not touched"
        )
        return
    cut, post = doc["cutover"], doc["post_validation"] or {}
    if cut is None:  # a resumed migrate: its cutover was done by the run that died
        line(
            f"finished run {doc['run_id']}: post-validation: {(post.get('summary') or {}).get('verdict')}; "
            f"report: {post.get('report')}"
        )
        return
    line(
        f"cut over run {doc['run_id']}: {cut['live_schema']} is the target schema; the legacy schema is kept as "
        f"{cut['archive_schema']}; locks held {cut['lock_window_ms']:.1f} ms (waited {cut['lock_wait_ms']:.1f} ms, "
        f"{cut['attempts']} attempt(s)); backup {cut['backup']['dump_path']}; post-validation: "
        f"{(post.get('summary') or {}).get('verdict')}; report: {cut['report_path']}"
    )


def rollback(doc: dict) -> None:
    line(
        f"rolled back run {doc['run_id']}: the legacy schema is live again as {doc['live_schema']}; the target is "
        f"kept as {doc['rolledback_schema']}; locks held {doc['lock_window_ms']:.1f} ms"
    )
    if doc.get("moved_back"):
        line(f"the application's own objects back with the legacy schema: {', '.join(doc['moved_back'])}")
    if doc.get("after_rollback"):
        line(f"{doc['after_rollback']} ran inside the rollback")
    carried = doc.get("carried")
    if carried:
        line(f"{carried['changes']} post-cutover writes exported to {carried['export_path']}")
        out.print(
            table(
                "carried back to the legacy schema",
                ["legacy table", "rows"],
                carried["carried"].items(),
                right=["rows"],
            )
        )
        not_carried = carried["not_carried"]
        if not_carried:
            out.print(
                table(
                    f"not carried ({len(not_carried)}; all in the export and in {doc['rolledback_schema']})",
                    ["table", "row", "op", "reason"],
                    [(n["table"], n["row_id"] or "", n["op"], n["reason"]) for n in not_carried[:30]],
                )
            )


def status(doc: dict) -> None:
    line(
        f"{doc['database']}, live schema {doc['live_schema']}: {doc['phase']} (the live schema holds the "
        f"{doc['live_holds']} schema)"
    )
    stage_doc, build_doc = doc["stage"], doc["build"]
    line(f"  stage:   {stage_doc['run_id'] or '-'}" + ("" if stage_doc["exists"] else " (stage schema dropped)"))
    built = f"{build_doc['run_id'] or '-'} {build_doc['outcome'] or ''} {build_doc['finished_at'] or ''}"
    line(f"  build:   {built.rstrip()}")
    cut = doc["cutover"]
    if cut:
        d = cut.get("details") or {}
        line(
            f"  cutover: run {cut['run_id']} at {cut['at']}; archive {d.get('archive_schema')}; locks held "
            f"{d.get('lock_window_ms', 0):.1f} ms; backup {(d.get('backup') or {}).get('dump_path')}"
        )
    if doc.get("post_validation") in ("not finished", "not run"):
        what = "did not finish" if doc["post_validation"] == "not finished" else "has not run"
        line(
            f"  post-validation {what}: run `harness validate --phase post` (or `harness migrate --yes` to "
            "finish a migrate), then keep the cutover, or `harness rollback`"
        )
    elif doc.get("post_validation"):
        line(f"  post-validation: {doc['post_validation']}")
    if doc["last_rollback"]:
        line(f"  rolled back: run {doc['last_rollback']['run_id']} at {doc['last_rollback']['at']}")
    capturing = doc["change_capture_on_live"]
    line(f"  change capture on {doc['live_schema']}: {('run ' + capturing) if capturing else 'off'}")
    for kept in doc["kept_schemas"]:
        line(f"  kept: {kept['schema']}" + (f" ({kept['comment']})" if kept["comment"] else ""))
    what = "what the cutover does" if doc["live_holds"] == "legacy" else "what a rollback does"
    surroundings(doc.get("surroundings") or [], f"around the {doc['live_schema']} tables", what)
    if doc["history"]:
        out.print(
            table(
                "history (latest 12 steps)",
                ["run", "step", "outcome", "finished"],
                [(s["run_id"], s["step"], s["outcome"], s["at"]) for s in doc["history"]],
            )
        )


def prune_plan(doc: dict) -> None:
    for name in doc["drop_schemas"]:
        line(f"drop schema {name}")
    for name in doc["remove_capture_from"]:
        tables = doc["capture_tables"][name]
        line(
            f"remove change capture from the {len(tables)} tables of {name} (run {doc['capture_run']}; a build of "
            "it is then never cut over: the next build installs capture again)"
        )
    for name in doc["kept"]:
        line(f"keep {name}")
    for why in doc.get("blocked") or []:
        line(f"kept: {why}")


def pruned(doc: dict) -> None:
    line(f"pruned {len(doc['dropped_schemas'])} schema(s)")
    for name, tables in doc["capture_removed"].items():
        line(f"removed change capture from {len(tables)} tables of {name}: {', '.join(tables)}")


def restore(doc: dict) -> None:
    line(
        f"restored {doc['tables']} tables from {doc['dump_path']} into database {doc['database']}, "
        f"schema {doc['schema']} in {doc['seconds']:.1f}s"
    )


def scenario_line(doc: dict) -> str:
    n = doc["numbers"]
    text = (
        f"{'PASS' if doc['verdict'] == 'pass' else 'FAIL'} {doc['name']}: {doc['seconds']:.1f}s, "
        f"{n.get('quarantined_rows', '?')} quarantined, cutover locks {n.get('cutover_lock_ms', '?')} ms, "
        f"round trip identical: {n.get('round_trip_identical', '?')}"
    )
    return text + ("" if doc["verdict"] == "pass" else " - " + "; ".join(doc["reasons"]))


def test_run(doc: dict) -> None:
    rows = []
    for s in doc["scenarios"]:
        n = s["numbers"]
        steps = {step["step"]: step["seconds"] for step in s["steps"]}
        rows.append(
            (
                s["name"],
                s["verdict"],
                n.get("legacy_rows"),
                n.get("quarantined_rows"),
                n.get("unaccounted_rows"),
                f"{steps.get('migrate', 0):.1f}",
                f"{n.get('cutover_lock_ms', 0):.1f}",
                f"{n.get('rollback_lock_ms', 0):.1f}",
                "yes" if n.get("round_trip_identical") else "no",
            )
        )
    out.print(
        table(
            f"test {doc['test_id']} ({doc['type']}): {doc['verdict']} in {doc['seconds']:.0f}s",
            [
                "scenario",
                "verdict",
                "legacy rows",
                "quarantined",
                "unaccounted",
                "migrate s",
                "cutover lock ms",
                "rollback lock ms",
                "identical after rollback",
            ],
            rows,
            right=["legacy rows", "quarantined", "unaccounted", "migrate s", "cutover lock ms", "rollback lock ms"],
        )
    )
    for s in doc["scenarios"]:
        for reason in s["reasons"]:
            line(f"{s['name']}: {reason}")
        for note in s.get("notes") or []:
            line(f"{s['name']}: note: {note}")
    if doc.get("prediction"):
        prediction(doc["prediction"])
    if doc.get("report"):
        line(f"report: {doc['report']}")


def prediction(doc: dict) -> None:
    """A rehearsal's prediction of the real run: steps, lock window, rows, quarantine, findings."""
    line(f"prediction: {doc['verdict']}; rehearsed {doc['rehearsed']}")
    copy = doc.get("copy") or {}
    if copy:
        dump = f"dump {copy['dump_seconds']:.1f} s, " if copy["dump_seconds"] else ""
        line(
            f"copy: {copy['kind']} of {copy['from']}, {copy['legacy_rows']:,} legacy rows in {copy['seconds']:.1f} s"
            f" ({dump}restore {copy['restore_seconds']:.1f} s)"
        )
    if doc.get("steps"):
        out.print(
            table(
                "steps of the real run (predicted)",
                ["step", "seconds"],
                [(s["step"], f"{s['seconds']:.2f}") for s in doc["steps"]],
                right=["seconds"],
            )
        )
    window = doc.get("lock_window")
    if window:
        line(
            f"lock window: cutover {window['cutover_ms']:.1f} ms, rollback {window['rollback_ms']:.1f} ms; "
            f"{window['note']}"
        )
    if doc.get("rows"):
        out.print(
            table(
                "rows per legacy table (predicted)",
                list(doc["rows"][0]),
                [list(r.values()) for r in doc["rows"]],
                right=[k for k, v in doc["rows"][0].items() if isinstance(v, int | float)],
            )
        )
    if doc.get("quarantine"):
        out.print(
            table(
                f"quarantine (predicted): {doc['quarantined_rows']:,} rows",
                ["table", "reason", "severity", "rows"],
                [(q["source_table"], q["reason_code"], q["severity"], q["rows"]) for q in doc["quarantine"]],
                right=["rows"],
            )
        )
    if doc.get("findings"):
        out.print(
            table(
                "findings (predicted)",
                ["phase", "severity", "check", "rows"],
                [(f["phase"], f["severity"], f["check"], f["rows"]) for f in doc["findings"]],
                right=["rows"],
            )
        )
    if doc.get("backups"):
        line(f"backups: pg_dump {doc['backups']['pg_dump_bytes']:,} bytes in {doc['backups']['pg_dump_seconds']:.1f} s")
    if doc.get("surroundings"):
        line(f"around the legacy tables: {doc['surroundings'].get('note') or doc['surroundings']}")
        surroundings(doc["surroundings"].get("objects") or [], "around the legacy tables (predicted)")
    for difference in (doc.get("servers") or {}).get("differences") or []:
        line(f"the copy's server differs: {difference}")
    # what the copy lacks (not_rehearsed) is the scenario's notes, printed above


def report(doc: dict) -> None:
    """A saved report, whatever its kind, as its command printed it."""
    kind = doc.get("kind")
    if kind == "test":
        test_run(doc)
    elif kind == "validation":
        validation(doc)
    else:
        build(doc)
