"""One self-contained HTML page per run: the evidence a change board reads.

reports/<run>.html is drawn from the run's JSON reports — the same to_dict()
documents `--json` prints and render.py draws as tables — and from nothing
else: no figure is computed here, every number on the page is a value of a
document. The page needs no other file: CSS inline, the chart an inline SVG,
no script (its Content-Security-Policy allows none, nor any fetch). Every value
is escaped, and bidirectional and control characters are shown as their code
points, so a legacy value cannot add markup or reorder what a reviewer reads.
It prints on A4: table headers repeat on each page, long ids wrap.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from harness.common import paths
from harness.common.log import redact
from harness.common.numbers import number

SEVERITIES = ("critical", "error", "warning", "info")
FOUND = ("found", "error")
# the checks that say whether the application can run on the target
APPLICATION_SCHEMA_CHECKS = (
    "target_matches_application_schema",
    "alembic_stamp_matches_schema",
    "target_constraints_present",
    "target_enum_types_exact",
)
# what another part of the harness may add: what surrounds the legacy tables (views, functions,
# sequences, ...) and what the cutover did with it; drawn as whatever it holds
SURROUNDINGS_KEYS = ("surroundings", "inventory")
VALIDATION_SUFFIXES = ("_pre", "_post")
LINEAGE = Path("lineage") / "index.html"
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'"

# C0/C1 controls (but tab and newline), bidirectional controls and invisible marks
_SHOWN_AS_CODE_POINT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


VOID_ELEMENTS = {"col", "meta", "br"}


class Html(str):
    """Markup this module made; anything else is escaped on the way in."""


def esc(value: Any) -> Html:
    if isinstance(value, Html):
        return value
    if value is None:
        return Html("")
    if isinstance(value, bool):
        value = "yes" if value else "no"
    elif isinstance(value, int | float):
        value = number(value)
    # the documents are redacted when written; the log's patterns again, for a value that slipped
    text = _SHOWN_AS_CODE_POINT.sub(lambda m: f"[U+{ord(m.group()):04X}]", redact(str(value)))
    return Html(html.escape(text, quote=True))


def tag(name: str, *children: Any, **attributes: Any) -> Html:
    attrs = "".join(f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in attributes.items() if v is not None)
    if name in VOID_ELEMENTS:
        return Html(f"<{name}{attrs}>")
    return Html(f"<{name}{attrs}>{''.join(esc(c) for c in children)}</{name}>")


def join(parts: Iterable[Any], separator: str = "") -> Html:
    return Html(esc(separator).join(esc(p) for p in parts))


def ids(values: Iterable[Any]) -> Html:
    """Ids one per line (each may wrap: a page is never wider than A4)."""
    return join((tag("code", v, class_="id") for v in values), "\n")


def table(
    headers: list[str],
    rows: Iterable[Iterable[Any]],
    *,
    numeric: Iterable[str] = (),
    widths: Iterable[float] = (),
    id_: str | None = None,
    cls: str | None = None,
) -> Html:
    """A table of fixed layout: each column its share of the width (`widths`, in percent; the rest
    share what is left), so no value can widen it beyond the page; `numeric` columns right-aligned."""
    right = [h in set(numeric) for h in headers]
    shares = list(widths)
    columns = tag("colgroup", *(tag("col", style=f"width: {w}%") for w in shares)) if shares else ""
    head = tag(
        "thead", tag("tr", *(tag("th", h, class_="n" if r else None) for h, r in zip(headers, right, strict=True)))
    )
    body = tag(
        "tbody",
        *(
            tag("tr", *(tag("td", v, class_="n" if r else None) for v, r in zip(row, right, strict=True)))
            for row in rows
        ),
    )
    return tag("table", columns, head, body, id=id_, class_=cls)


def facts(pairs: Iterable[tuple[str, Any]]) -> Html:
    return tag("dl", *(Html(tag("dt", k) + tag("dd", v)) for k, v in pairs if v not in (None, "")), class_="facts")


def section(id_: str, title: str, *content: Any) -> Html:
    return tag("section", tag("h2", title), *content, id=id_)


def para(*content: Any, cls: str | None = None, id_: str | None = None) -> Html:
    return tag("p", *content, class_=cls, id=id_)


def generic(value: Any) -> Html:
    """Whatever a document holds, as tables and lists (for keys this module does not know yet)."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        columns = list(dict.fromkeys(k for row in value for k in row))
        return table(columns, ([_generic_cell(row.get(c)) for c in columns] for row in value), cls="generic")
    if isinstance(value, dict):
        return facts((k, generic(v) if isinstance(v, list | dict) else v) for k, v in value.items())
    if isinstance(value, list):
        return tag("ul", *(tag("li", generic(v) if isinstance(v, list | dict) else v) for v in value))
    return para(value)


def _generic_cell(value: Any) -> Any:
    if isinstance(value, list) and all(not isinstance(v, list | dict) for v in value):
        return join(value, ", ")
    return generic(value) if isinstance(value, list | dict) else value


# ---------------------------------------------------------------- which reports make a run's page


def run_of(kind: str, report_id: str) -> str:
    """The run a report belongs to: a validation report's id is <run>_pre or <run>_post."""
    if kind == "validation":
        for suffix in VALIDATION_SUFFIXES:
            if report_id.endswith(suffix):
                return report_id.removesuffix(suffix)
    return report_id


def report_paths(run: str) -> list[Path]:
    """The JSON reports of a run (migration, pre, post) or of a test, in that order."""
    directory = paths.reports_dir()
    names = [
        f"migration_report_{run}.json",
        f"validation_report_{run}_pre.json",
        f"validation_report_{run}_post.json",
        f"test_report_{run}.json",
    ]
    return [directory / name for name in names if (directory / name).exists()]


def path_of(run: str) -> Path:
    return paths.reports_dir() / f"{run}.html"


def lineage_href() -> str | None:
    """The lineage page by a path relative to reports/, when it lies beside it."""
    return f"../{LINEAGE.as_posix()}" if (paths.reports_dir().parent / LINEAGE).exists() else None


def write(run: str, documents: list[dict]) -> Path:
    """(Re)write reports/<run>.html from the run's report documents (owner read/write only)."""
    path = path_of(run)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render(documents, lineage=lineage_href()), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
    return path


def is_stale(run: str) -> bool:
    """Whether the page of a run is missing or older than what it draws."""
    page = path_of(run)
    inputs = report_paths(run) + ([paths.reports_dir().parent / LINEAGE] if lineage_href() else [])
    return not page.exists() or page.stat().st_mtime < max(p.stat().st_mtime for p in inputs)


# ---------------------------------------------------------------- the page


def render(documents: list[dict], *, lineage: str | None = None) -> str:
    """The page of one run from its report documents (as reports.load returns them)."""
    by_kind: dict[str, dict] = {}
    for doc in documents:
        key = f"validation_{doc.get('phase')}" if doc.get("kind") == "validation" else doc.get("kind")
        by_kind[str(key)] = doc
    migration, test = by_kind.get("migration"), by_kind.get("test")
    pre, post = by_kind.get("validation_pre"), by_kind.get("validation_post")
    run = (migration or pre or post or {}).get("run_id") or (test or {}).get("test_id") or "?"

    parts: list[tuple[str, str, Html]] = []  # (id, title, section body)
    if migration:
        parts.append(("steps", "Steps and the lock window", _steps(migration, lineage)))
        parts.append(("rows", "Rows per table", _rows(migration)))
        parts.append(("proofs", "Conservation proofs", _proofs(migration)))
        parts.append(("quarantine", "Quarantine", _quarantine(migration.get("quarantine"))))
    findings = _all_findings(migration, pre, post)
    if findings:
        parts.append(("findings", "Findings by severity", findings))
    application = _application_schema(migration, post)
    if application:
        parts.append(("application", "Application schema", application))
    around = [
        Html(
            tag("h3", f"{key} ({doc.get('kind')}{' ' + doc['phase'] if doc.get('phase') else ''} report)")
            + generic(doc[key])
        )
        for doc in documents
        for key in SURROUNDINGS_KEYS
        if key in doc
    ]
    if around:
        parts.append(("around", "Around the legacy tables", join(around)))
    if migration:
        parts.append(("undo", "Backups, rollback and restore", _undo(migration)))
    if migration and migration.get("rollback"):
        parts.append(("rolled-back", "The rollback", _rolled_back(migration)))
    if test:
        parts.append(("rehearsal", "Rehearsal: the verdict per scenario", _rehearsal(test)))
    parts.append(("sources", "The reports on this page", _sources(documents, lineage)))

    contents = tag(
        "nav", tag("ol", *(tag("li", tag("a", title, href=f"#{id_}")) for id_, title, _ in parts)), class_="contents"
    )
    body = [
        _banner(run, migration, pre, post, test),
        contents,
        *(section(id_, title, content) for id_, title, content in parts),
    ]
    return (
        "<!DOCTYPE html>\n"
        + tag(
            "html",
            tag(
                "head",
                Html('<meta charset="utf-8">'),
                Html(f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'),
                Html('<meta name="viewport" content="width=device-width, initial-scale=1">'),
                Html('<meta name="color-scheme" content="light">'),
                tag("title", _title(run, migration, test)),
                tag("style", Html(STYLE)),
            ),
            tag("body", tag("main", *body)),
            lang="en",
        )
        + "\n"
    )


def _banner(run: str, migration: dict | None, pre: dict | None, post: dict | None, test: dict | None) -> Html:
    main = migration or pre or post or test or {}
    verdicts: list[tuple[str, str]] = []  # (what, verdict)
    if migration:
        outcome = migration.get("outcome") or "?"
        options = migration.get("options") or {}
        flags = [f"--{k}" for k in ("force", "strict") if options.get(k)]
        what = (
            ("dry run: built into " if options.get("mode") == "dry-run" else "build into ")
            + f"{migration.get('live_schema')}_next"
            + (f" ({' '.join(flags)})" if flags else "")
        )
        if migration.get("cutover"):
            what += f", then the cutover: {migration.get('live_schema')} swapped"
        summary = (migration.get("validation") or {}).get("summary") or {}
        if summary.get("verdict"):
            forced = (
                " (--force: the blocking rows are quarantined)"
                if options.get("force") and summary["verdict"] == "fail"
                else ""
            )
            verdicts.append(("checks of the build", summary["verdict"] + forced))
    elif test:
        what, outcome = f"rehearsal: harness test --type {test.get('type')}", test.get("verdict") or "?"
    else:
        what, outcome = "validation", (pre or post or {}).get("verdict") or "?"
    if pre and not migration:
        verdicts.append(("pre-migration validation", pre.get("verdict")))
    if post:
        verdicts.append(
            (
                "post-migration validation" + (" of the live schema" if migration and migration.get("cutover") else ""),
                post.get("verdict"),
            )
        )
    if test:
        verdicts.append(("rehearsal", test.get("verdict")))
    failed = outcome == "failed" or any(str(v).startswith("fail") and "--force" not in str(v) for _, v in verdicts)
    warned = any(str(v).startswith("fail") for _, v in verdicts) or _has_warnings(migration, pre, post)
    tone = "bad" if failed else ("warn" if warned else "ok")
    tools = list(dict.fromkeys(_tool(d.get("tool") or {}) for d in (migration, pre, post, test) if d))
    dbts = list(dict.fromkeys(_dbt(d.get("tool") or {}) for d in (migration, pre, post, test) if d))
    database = main.get("database") or main.get("server")
    headline = join(
        [
            tag("span", str(outcome).upper(), class_="outcome"),
            *(Html(f" · {esc(what_)}: {tag('strong', v)}") for what_, v in verdicts),
        ]
    )
    return tag(
        "header",
        tag("h1", _title(run, migration, test)),
        para(headline, cls="headline"),
        facts(
            [
                ("what ran", what),
                ("server and database", database),
                ("live schema", main.get("live_schema")),
                ("role", _role(database)),
                ("started", main.get("started_at")),
                ("finished", main.get("finished_at")),
                ("seconds", main.get("seconds")),
                ("tool", join(tools, "; ")),
                ("dbt", join(dbts, "; ")),
                ("outcome", outcome),
            ]
        ),
        class_=f"banner {tone}",
    )


def _title(run: str, migration: dict | None, test: dict | None) -> str:
    return f"abparts-migrate: {'test' if test and not migration else 'run'} {run}"


def _has_warnings(*docs: dict | None) -> bool:
    for doc in docs:
        if not doc:
            continue
        summary = (doc.get("validation") or {}).get("summary") or doc.get("summary") or {}
        if ((summary.get("by_severity") or {}).get("warning") or {}).get("found"):
            return True
    return False


def _tool(tool: dict) -> str:
    version = f"{tool.get('name', 'abparts-migrate')} {tool.get('version', '?')}"
    return f"{tool['git']} ({version})" if tool.get("git") else version


def _dbt(tool: dict) -> str:
    if not tool.get("dbt"):
        return "not recorded (a report written before the tool recorded it)"
    return f"dbt-core {tool['dbt']}" + (f", dbt-postgres {tool['dbt_postgres']}" if tool.get("dbt_postgres") else "")


def _role(database: str | None) -> str | None:
    """The role the run connected as: the user of its connection string (db.redact's URI)."""
    if not database:
        return None
    try:
        user = urlsplit(database).username
    except ValueError:
        user = None
    return unquote(user) if user else "not recorded (libpq's default: the operating-system user)"


# ---------------------------------------------------------------- steps

STATUS_COLOURS = {"ok": "#2da44e", "warn": "#bf8700", "failed": "#cf222e", "running": "#0969da"}
LOCK_COLOUR = "#8250df"


def _steps(doc: dict, lineage: str | None) -> Html:
    steps = doc.get("steps") or []
    cutover = doc.get("cutover") or {}
    out = [_chart(steps, cutover)]
    rows = []
    for s in steps:
        models = s.get("models") or []
        name = Html(
            esc(f"{s.get('step')} {s.get('phase')}")
            + (tag("div", f"models ({len(models)}): ", join(models, ", "), class_="models") if models else "")
        )
        rows.append(
            [
                name,
                s.get("status"),
                f"{s.get('nodes_done')}/{s.get('nodes_total')}" if s.get("nodes_total") else "",
                s.get("rows"),
                s.get("seconds"),
                s.get("note"),
            ]
        )
    out.append(
        table(
            ["step", "status", "nodes", "rows", "seconds", "note"],
            rows,
            numeric=["nodes", "rows", "seconds"],
            widths=[30, 9, 9, 9, 10],
            id_="steps-table",
        )
    )
    if lineage:
        out.append(
            para("Each model, its SQL and its lineage: ", tag("a", "the lineage page", href=lineage), f" ({lineage}).")
        )
    if cutover:
        out.append(
            para(
                tag("strong", f"Lock window: {number(cutover.get('lock_window_ms'))} ms"),
                f" — the application's writers waited at most this long (readers do not wait); the locks "
                f"were granted after {number(cutover.get('lock_wait_ms'))} ms, in "
                f"{number(cutover.get('attempts'))} attempt(s). The cutover took "
                f"{number(cutover.get('seconds'))} s in all, the backup included.",
                cls="lock",
            )
        )
    else:
        out.append(
            para("No cutover in this run: the live schema was not swapped and no lock was taken on it.", cls="lock")
        )
    dbt = doc.get("dbt") or {}
    if dbt:
        counts = ", ".join(f"{number(v)} {k}" for k, v in (dbt.get("status_counts") or {}).items())
        out.append(
            para(
                f"dbt: {'success' if dbt.get('success') else 'failed'} in {number(dbt.get('seconds'))} s; "
                f"nodes: {counts or 'none'}." + (f" Error: {dbt['error']}" if dbt.get("error") else "")
            )
        )
        if dbt.get("failed"):
            out.append(
                table(
                    ["failed dbt node", "message"],
                    ([f.get("node"), f.get("message")] for f in dbt["failed"]),
                    widths=[35],
                    id_="dbt-failed",
                )
            )
    return join(out)


def _chart(steps: list[dict], cutover: dict) -> Html:
    """Seconds per step as horizontal bars, and the cutover with its lock window, in inline SVG."""
    bars = [
        (
            f"{s.get('step')} {s.get('phase')}",
            float(s.get("seconds") or 0),
            f"{number(s.get('seconds'))} s",
            STATUS_COLOURS.get(s.get("status"), "#8c959f"),
        )
        for s in steps
    ]
    if cutover:
        bars.append(("cutover", float(cutover.get("seconds") or 0), f"{number(cutover.get('seconds'))} s", "#0969da"))
        bars.append(
            (
                "locks held",
                float(cutover.get("lock_window_ms") or 0) / 1000,
                f"{number(cutover.get('lock_window_ms'))} ms",
                LOCK_COLOUR,
            )
        )
    if not bars:
        return Html("")
    width, label_w, value_w, row_h, top = 720, 150, 110, 20, 22
    bar_w = width - label_w - value_w
    scale = max(b[1] for b in bars) or 1.0
    parts = [
        tag("title", "Seconds per step (the sum of each step's node times), the cutover and its lock window"),
        Html(f'<text x="{label_w}" y="14" class="axis">0 s</text>'),
        Html(f'<text x="{label_w + bar_w}" y="14" class="axis" text-anchor="end">{esc(number(scale))} s</text>'),
        Html(f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{top + row_h * len(bars)}" class="rule"/>'),
    ]
    for i, (label, seconds, value, colour) in enumerate(bars):
        y = top + i * row_h
        w = max(seconds / scale * bar_w, 1.5 if seconds > 0 else 0)
        parts.append(
            Html(
                f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{esc(label)}</text>'
                f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}"/>'
                f'<text x="{label_w + w + 5:.1f}" y="{y + 13}">{esc(value)}</text>'
            )
        )
    height = top + row_h * len(bars) + 6
    return Html(
        f'<svg id="chart" class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


# ---------------------------------------------------------------- rows, proofs, quarantine


def _rows(doc: dict) -> Html:
    reconciliation = doc.get("reconciliation") or {}
    counts = reconciliation.get("row_counts") or []
    out = []
    if counts:
        out.append(
            para(
                "Every legacy row is migrated with its legacy id or quarantined with a reason "
                "(reconciliation_row_counts):"
            )
        )
        out.append(
            table(
                ["legacy table", "legacy rows", "migrated", "quarantined", "unexpected in target", "unaccounted"],
                (
                    [
                        c.get("legacy_table"),
                        c.get("rows_in"),
                        c.get("migrated"),
                        c.get("quarantined"),
                        c.get("unexpected_in_target"),
                        c.get("unaccounted"),
                    ]
                    for c in counts
                ),
                numeric=["legacy rows", "migrated", "quarantined", "unexpected in target", "unaccounted"],
                widths=[25],
                id_="row-counts",
            )
        )
    else:
        out.append(para("The report holds no row counts (the build did not reach the reconciliation)."))
    stage = doc.get("stage") or {}
    if stage:
        out.append(
            para(
                f"Staged from {doc.get('live_schema')} at {stage.get('snapshot_time')} into "
                f"{stage.get('stage_schema') or 'the stage'} (one REPEATABLE READ snapshot)."
            )
        )
        for note in stage.get("notes") or []:
            out.append(para("Note: ", note, cls="note"))
    target = doc.get("target_row_counts") or {}
    if target:
        out.append(tag("h3", f"Target tables ({len(target)})"))
        out.append(
            tag(
                "ul",
                *(tag("li", tag("span", name), " ", tag("span", rows, class_="n")) for name, rows in target.items()),
                class_="cols",
                id="target-rows",
            )
        )
    return join(out)


def _proofs(doc: dict) -> Html:
    reconciliation = doc.get("reconciliation") or {}
    out = []
    stock, ledger = reconciliation.get("stock") or {}, reconciliation.get("ledger") or {}
    if stock:
        out.append(
            para(
                tag("strong", "Stock: "),
                f"legacy {number(stock.get('legacy_total'))} = migrated "
                f"{number(stock.get('migrated_total'))} + quarantined {number(stock.get('quarantined_total'))}"
                f" over {number(stock.get('pairs'))} organisation/part pairs; mismatched pairs: "
                f"{number(stock.get('mismatched_pairs'))}.",
                id_="stock",
            )
        )
        if stock.get("mismatches"):
            out.append(generic(stock["mismatches"]))
    if ledger:
        out.append(
            para(
                tag("strong", "Ledger: "),
                f"{number(ledger.get('ledger_entries'))} transactions sum to "
                f"{number(ledger.get('ledger_total'))} = inventory {number(ledger.get('inventory_total'))} "
                f"over {number(ledger.get('positions'))} warehouse/part positions; mismatched positions: "
                f"{number(ledger.get('mismatched_positions'))}.",
                id_="ledger",
            )
        )
        if ledger.get("mismatches"):
            out.append(generic(ledger["mismatches"]))
    totals = reconciliation.get("totals") or []
    if totals:
        out.append(para("Totals per table and measure: legacy = migrated + quarantined (reconciliation_totals):"))
        out.append(
            table(
                ["legacy table", "measure", "legacy", "migrated", "quarantined", "difference"],
                (
                    [
                        t.get("legacy_table"),
                        t.get("measure"),
                        t.get("legacy_total"),
                        t.get("migrated_total"),
                        t.get("quarantined_total"),
                        t.get("difference"),
                    ]
                    for t in totals
                ),
                numeric=["legacy", "migrated", "quarantined", "difference"],
                widths=[25, 13],
                id_="totals",
            )
        )
    return join(out) if out else para("The report holds no reconciliation (the build did not reach it).")


def _quarantine(quarantine: dict | None) -> Html:
    if quarantine is None:
        return para("The report holds no quarantine (the build did not reach it).")
    groups = quarantine.get("groups") or []
    if not groups:
        return para(f"No legacy row was quarantined ({number(quarantine.get('total_rows') or 0)} rows).")
    return join(
        [
            para(
                f"{number(quarantine.get('total_rows'))} legacy rows kept aside, by table, reason and severity. "
                "The rows themselves stay in the audit's quarantine table (they may hold password hashes); "
                "here are their ids."
            ),
            table(
                ["severity", "table", "reason", "rows", "example ids", "example"],
                (
                    [
                        tag("span", g.get("severity"), class_=f"sev {g.get('severity')}"),
                        g.get("source_table"),
                        g.get("reason_code"),
                        g.get("rows"),
                        ids(g.get("example_ids") or []),
                        g.get("example_detail"),
                    ]
                    for g in groups
                ),
                numeric=["rows"],
                widths=[11, 14, 16, 7, 28],
                id_="quarantine-groups",
            ),
        ]
    )


# ---------------------------------------------------------------- findings, application schema


def _all_findings(migration: dict | None, pre: dict | None, post: dict | None) -> Html:
    out = []
    if migration and (migration.get("validation") or {}).get("checks"):
        validation = migration["validation"]
        out.append(
            _findings(
                "findings-build",
                "The checks of the build (pre-migration checks on the staged copy, "
                f"post-migration checks on {migration.get('live_schema')}_next)",
                validation["checks"],
                validation.get("summary") or {},
            )
        )
    elif pre:  # a build writes its pre-migration checks as this report too: shown once, above
        out.append(
            _findings(
                "findings-pre",
                f"Pre-migration validation of {pre.get('live_schema')} (staged copy)",
                pre.get("checks") or [],
                pre.get("summary") or {},
                pre.get("dbt_errors"),
            )
        )
    if post:
        out.append(
            _findings(
                "findings-post",
                f"Post-migration validation of {post.get('target_schema')}",
                post.get("checks") or [],
                post.get("summary") or {},
                post.get("dbt_errors"),
            )
        )
    return join(out)


def _findings(id_: str, title: str, checks: list[dict], summary: dict, dbt_errors: list | None = None) -> Html:
    by_severity = summary.get("by_severity") or {}
    out = [
        tag("h3", title),
        para(
            f"{number(summary.get('checks_run'))} checks run; verdict: ",
            tag("strong", summary.get("verdict")),
            "." + (f" Blocking: {', '.join(summary['blocking_checks'])}." if summary.get("blocking_checks") else ""),
        ),
        table(
            ["severity", "checks", "with findings", "failing rows"],
            (
                [tag("span", sev, class_=f"sev {sev}"), v.get("checks"), v.get("found"), v.get("rows")]
                for sev, v in by_severity.items()
            ),
            numeric=["checks", "with findings", "failing rows"],
            id_=f"{id_}-summary",
            cls="narrow",
        ),
    ]
    for error in dbt_errors or []:
        out.append(para("Could not run: ", error, cls="note"))
    known = [c for c in checks if c.get("severity") in SEVERITIES]
    for severity in SEVERITIES:
        found = [c for c in known if c.get("severity") == severity and c.get("status") in FOUND]
        if found:
            out.append(tag("h4", tag("span", severity, class_=f"sev {severity}"), f" ({len(found)})"))
            out.append(
                table(
                    ["check", "phase", "rows", "example ids", "meaning", "fix"],
                    (
                        [
                            tag("code", c.get("name")),
                            c.get("phase"),
                            c.get("failing_rows") if c.get("status") == "found" else f"error: {c.get('message')}",
                            ids(c.get("example_ids") or []),
                            c.get("meaning"),
                            c.get("fix_hint"),
                        ]
                        for c in found
                    ),
                    numeric=["rows"],
                    widths=[19, 8, 7, 26, 19],
                    id_=f"{id_}-{severity}",
                )
            )
    others = [c for c in checks if c not in known or c.get("status") not in FOUND + ("passed",)]
    if others:
        out.append(tag("h4", f"Not run or unknown ({len(others)})"))
        out.append(
            table(
                ["check", "severity", "phase", "status", "message"],
                ([c.get("name"), c.get("severity"), c.get("phase"), c.get("status"), c.get("message")] for c in others),
                widths=[28, 12, 9, 11],
                id_=f"{id_}-other",
            )
        )
    passed = [c for c in known if c.get("status") == "passed"]
    if passed:
        out.append(
            para(
                tag("strong", f"Passed ({len(passed)}): "),
                join((Html(tag("code", c.get("name")) + esc(f" ({c.get('severity')})")) for c in passed), ", "),
                cls="passed",
            )
        )
    return tag("div", *out, id=id_)


def _application_schema(migration: dict | None, post: dict | None) -> Html:
    """Can the application run on the target: its tables and columns, and the Alembic stamp."""
    checks = (post or {}).get("checks") or ((migration or {}).get("validation") or {}).get("checks") or []
    where = (
        f"{post.get('target_schema')} (post-migration validation)"
        if post and post.get("checks")
        else f"{(migration or {}).get('live_schema')}_next (the build)"
    )
    chosen = [c for name in APPLICATION_SCHEMA_CHECKS for c in checks if c.get("name") == name]
    if not chosen:
        return Html("")
    statuses = {c.get("status") for c in chosen}
    verdict = (
        "matches the application: every table, column, constraint and enum type, and the Alembic stamp"
        if statuses == {"passed"}
        else "does NOT match the application: see the checks below"
        if statuses & set(FOUND)
        else "was not fully checked: see the checks below"
    )
    stamp = ((migration or {}).get("target_row_counts") or {}).get("alembic_version")
    return join(
        [
            para(
                tag("strong", f"The target schema in {where} {verdict}."),
                f" alembic_version holds {number(stamp)} rows (the heads of the application's revision graph)."
                if stamp is not None
                else "",
            ),
            table(
                ["check", "status", "failing rows", "meaning", "fix"],
                (
                    [
                        tag("code", c.get("name")),
                        c.get("status"),
                        c.get("failing_rows"),
                        c.get("meaning"),
                        c.get("fix_hint") if c.get("status") in FOUND else "",
                    ]
                    for c in chosen
                ),
                numeric=["failing rows"],
                widths=[28, 10, 10, 30],
                id_="application-checks",
            ),
        ]
    )


# ---------------------------------------------------------------- backups, rehearsal, sources


def _rolled_back(doc: dict) -> Html:
    """What a rollback of the run did: the schemas, the lock window, the writes since the cutover and
    what came back to the legacy tables (or why not)."""
    rollback = doc["rollback"]
    carried = rollback.get("carried") or {}
    out = [
        facts(
            [
                ("legacy schema live again as", rollback.get("live_schema")),
                ("the target kept as", rollback.get("rolledback_schema")),
                ("locks held", f"{number(rollback.get('lock_window_ms'))} ms ({rollback.get('attempts')} attempt(s))"),
                ("writes since the cutover", number(sum((rollback.get("writes_after_cutover") or {}).values()))),
                ("exported to", tag("code", carried.get("export_path")) if carried else "nothing to export"),
            ]
        )
    ]
    if carried.get("carried"):
        out.append(
            table(["carried back to legacy table", "rows"], carried["carried"].items(), numeric=["rows"], cls="narrow")
        )
    if carried.get("not_carried"):
        out.append(
            table(
                ["not carried: table", "row", "op", "reason"],
                ((n.get("table"), n.get("row_id") or "", n.get("op"), n.get("reason")) for n in carried["not_carried"]),
            )
        )
    return join(out)


def _undo(doc: dict) -> Html:
    cutover = doc.get("cutover") or {}
    if not cutover:
        return para(
            f"No cutover in this run: no backup was taken and there is nothing to roll back; the live schema "
            f"{doc.get('live_schema')} was not swapped."
        )
    backup = cutover.get("backup") or {}
    live = doc.get("live_schema") or "public"
    schema_option = "" if live == "public" else f"--schema {live} "
    out = [
        facts(
            [
                ("legacy schema kept as", cutover.get("archive_schema")),
                ("pg_dump of the legacy schema", tag("code", backup.get("dump_path"))),
                ("size", f"{number(backup.get('dump_bytes'))} bytes"),
                ("sha256", tag("code", backup.get("dump_sha256"), class_="sha")),
                ("backup took", f"{number(backup.get('seconds'))} s (dbt snapshots and pg_dump)"),
                ("dbt snapshots", f"migration_backup.{live}__<table> (the rows per table below)"),
                ("extensions moved", ", ".join(cutover.get("extensions_moved") or []) or "none"),
                ("extensions left with the legacy schema", ", ".join(cutover.get("extensions_left") or []) or "none"),
                ("privilege statements replayed", cutover.get("privilege_statements")),
            ]
        )
    ]
    if backup.get("snapshot_rows"):
        out.append(
            table(
                ["snapshot of legacy table", "rows"],
                (backup["snapshot_rows"] or {}).items(),
                numeric=["rows"],
                id_="snapshot-rows",
                cls="narrow",
            )
        )
    out.append(
        para(
            "To put the legacy schema back (one transaction; it refuses if the application wrote to the new "
            "schema since the cutover, and --force exports those writes and carries back what has a legacy "
            "equivalent):"
        )
    )
    out.append(tag("pre", f"harness {schema_option}rollback"))
    out.append(
        para(
            "To restore the dump into a new schema of the same database (never over existing data; "
            "--database D restores into a new database instead):"
        )
    )
    out.append(
        tag(
            "pre",
            f"sha256sum {backup.get('dump_path')}\n# expect {backup.get('dump_sha256')}\n"
            f"harness {schema_option}restore --from {backup.get('dump_path')}",
        )
    )
    out.append(
        para(
            f"Both with this run's connection ({doc.get('database')}) as --dsn or HARNESS_DSN, the password "
            "in PGPASSWORD or ~/.pgpass.",
            cls="note",
        )
    )
    return join(out)


def _rehearsal(doc: dict) -> Html:
    scenarios = doc.get("scenarios") or []
    out = [
        facts(
            [
                ("test", doc.get("test_id")),
                ("type", doc.get("type")),
                ("server", doc.get("server")),
                ("verdict", doc.get("verdict")),
                ("seconds", doc.get("seconds")),
                ("kept databases", ", ".join(doc.get("kept_databases") or []) or "none"),
            ]
        )
    ]
    out.append(
        table(
            ["scenario", "verdict", "seconds", "steps", "reasons and notes"],
            (
                [
                    s.get("name"),
                    tag("strong", s.get("verdict"), class_=f"verdict {s.get('verdict')}"),
                    s.get("seconds"),
                    join(
                        tag(
                            "div",
                            f"{st.get('step')}: {st.get('outcome')}, {number(st.get('seconds'))} s",
                            f" ({st['note']})" if st.get("note") else "",
                        )
                        for st in s.get("steps") or []
                    ),
                    join(tag("div", r) for r in [*(s.get("reasons") or []), *(s.get("notes") or [])]),
                ]
                for s in scenarios
            ),
            numeric=["seconds"],
            widths=[18, 9, 9, 36],
            id_="scenarios",
        )
    )
    keys = list(dict.fromkeys(k for s in scenarios for k in s.get("numbers") or {}))
    if keys:
        out.append(
            table(
                ["number", *(s.get("name") for s in scenarios)],
                ([k, *((s.get("numbers") or {}).get(k) for s in scenarios)] for k in keys),
                numeric=[s.get("name") for s in scenarios],
                widths=[30],
                id_="scenario-numbers",
            )
        )
    for holder in (doc, *scenarios):
        if "prediction" in holder:
            out.append(tag("h3", f"Prediction{' of ' + holder['name'] if holder is not doc else ''}"))
            out.append(generic(holder["prediction"]))
    return join(out)


def _sources(documents: list[dict], lineage: str | None) -> Html:
    rows = [
        [
            d.get("kind") + (f" ({d['phase']})" if d.get("phase") else ""),
            tag("code", d.get("report")),
            d.get("written_at"),
            _tool(d.get("tool") or {}),
        ]
        for d in documents
    ]
    out = [
        para(
            "Every figure on this page is a value of these JSON reports (harness report <id> prints them "
            "as tables, harness --json report <id> as they are); nothing is computed for the page."
        ),
        table(["report", "file", "written at", "by"], rows, widths=[15, 45, 18], id_="sources"),
    ]
    if lineage:
        out.append(para("The models, their SQL and their lineage: ", tag("a", lineage, href=lineage), "."))
    return join(out)


STYLE = """
@page { size: A4; margin: 14mm 12mm 14mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: #1f2328; background: #fff;
  font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1.2rem 1.4rem 3rem; }
h1 { font-size: 1.45rem; margin: 0 0 .3rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; padding-bottom: .2rem; border-bottom: 2px solid #d0d7de;
  break-after: avoid; }
h3 { font-size: 1rem; margin: 1.1rem 0 .4rem; break-after: avoid; }
h4 { font-size: .95rem; margin: .9rem 0 .3rem; break-after: avoid; }
p { margin: .35rem 0; overflow-wrap: anywhere; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: .9em; }
code { overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; border: 1px solid #d0d7de;
  border-radius: 4px; padding: .45rem .6rem; margin: .3rem 0 .6rem; break-inside: avoid; }
a { color: #0969da; }
table { border-collapse: collapse; table-layout: fixed; width: 100%; margin: .35rem 0 .8rem; font-size: .88em; }
table.narrow { table-layout: auto; width: auto; min-width: 50%; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 1px solid #d0d7de; padding: .2rem .4rem; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; word-break: normal; }
th { background: #f6f8fa; font-weight: 600; }
.n { text-align: right; font-variant-numeric: tabular-nums; }
code.id { display: block; font-size: .82em; }
.banner { border-left: .55rem solid #8c959f; background: #f6f8fa; padding: .7rem 1rem .5rem; margin-bottom: 1rem;
  break-inside: avoid; }
.banner.ok { border-color: #1a7f37; background: #dafbe1; }
.banner.warn { border-color: #bf8700; background: #fff8c5; }
.banner.bad { border-color: #cf222e; background: #ffebe9; }
.headline { font-size: 1.05rem; margin: .2rem 0 .5rem; }
.outcome { font-weight: 700; letter-spacing: .03em; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .1rem .9rem; margin: .3rem 0; }
dl.facts dt { font-weight: 600; color: #57606a; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; min-width: 0; }
nav.contents ol { columns: 2; margin: .2rem 0 .6rem; padding-left: 1.4rem; }
.models { font-size: .85em; color: #57606a; margin-top: .1rem; }
.note { color: #57606a; }
.lock { background: #fbefff; border-left: 4px solid #8250df; padding: .35rem .6rem; break-inside: avoid; }
.passed { font-size: .85em; color: #57606a; }
.sev { font-weight: 600; }
.sev.critical { color: #82071e; } .sev.error { color: #cf222e; } .sev.warning { color: #9a6700; }
.sev.info { color: #0969da; }
.verdict.pass { color: #1a7f37; } .verdict.fail { color: #cf222e; }
ul.cols { columns: 3; list-style: none; padding: 0; margin: .3rem 0; font-size: .88em; }
ul.cols li { display: flex; justify-content: space-between; gap: .6rem; padding: 0 .6rem 0 0;
  break-inside: avoid; overflow-wrap: anywhere; }
svg.chart { display: block; width: 100%; max-width: 720px; height: auto; margin: .3rem 0 .6rem;
  font: 11px system-ui, "DejaVu Sans", sans-serif; }
svg.chart text { fill: #1f2328; }
svg.chart .axis { fill: #57606a; }
svg.chart .rule { stroke: #8c959f; stroke-width: 1; }
@media print {
  main { max-width: none; padding: 0; }
  body { font-size: 9.5pt; }
  a { color: inherit; }
  nav.contents { display: none; }
  .banner, .sev, .lock, th, svg.chart { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section { break-inside: auto; }
}
"""
