"""The HTML report of a run shows what its JSON reports hold, escaped, and nothing secret.

The reports in pytests/fixtures/run_reports/ were written by real runs on the embedded server:
`harness sample generate --size minimal_sample --dirty` then `harness migrate --yes --force`
(a cutover with a quarantine, findings of several severities, a backup), and `harness test
--type sample --sample-size minimal_sample`. The page is parsed with the standard library's
HTML parser, and every figure of the documents is looked for in the cells and lines where
a reviewer reads it. No database needed.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common import log
from harness.common.numbers import number
from harness.reporting import html_report, reports

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "run_reports"
RUN = "20261204_220132_059f"  # the migrate --force of the dirty minimal sample
TEST = "20261204_220150_e9de"  # the rehearsal
HOSTILE = "<script>alert('owned')</script>\u202eAutoboss Inc"
PASSWORD = "Leak-Canary-7f3a9c"
# what the page may be made of: no script, no object, no form, no image, no link to a stylesheet
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "main",
    "header",
    "nav",
    "section",
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "div",
    "span",
    "strong",
    "code",
    "pre",
    "a",
    "ol",
    "ul",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "colgroup",
    "col",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "svg",
    "text",
    "rect",
    "line",
}


INLINE_TAGS = {"span", "strong", "code", "a"}


class Page(HTMLParser):
    """The page as a reader gets it: its text (not the head's), its tables (by id) as rows of cell
    texts, its tags. Block elements end a word, as on screen."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.chunks: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.by_id: dict[str, list[str]] = {}  # text of every element with an id
        self._open_ids: list[tuple[str, int]] = []  # (tag, depth)
        self._depth = 0
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._in_head = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self._in_head = self._in_head or tag == "head"
        self._break(tag)
        if tag in ("meta", "col", "rect", "line"):
            return
        self._depth += 1
        if attributes.get("id"):
            self.by_id[attributes["id"]] = []
            self._open_ids.append((attributes["id"], self._depth))
        if tag == "table":
            self._table = attributes.get("id") or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._in_head = self._in_head and tag != "head"
        self._break(tag)
        if tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None
        self._open_ids = [(i, d) for i, d in self._open_ids if d < self._depth]
        self._depth -= 1

    def _break(self, tag):
        if tag not in INLINE_TAGS:
            self.handle_data(" ")

    def handle_data(self, data):
        if self._in_head:
            return
        self.chunks.append(data)
        if self._cell is not None:
            self._cell.append(data)
        for element_id, _ in self._open_ids:
            self.by_id[element_id].append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.chunks).split())

    def text_of(self, element_id: str) -> str:
        return " ".join("".join(self.by_id[element_id]).split())

    def rows(self, table_id: str) -> list[list[str]]:
        return self.tables[table_id][1:]  # without the header row


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A harness home holding the fixture reports, as the runs left them."""
    home = tmp_path / "home"
    (home / "reports").mkdir(parents=True)
    for path in FIXTURES.glob("*.json"):
        shutil.copy(path, home / "reports" / path.name)
    monkeypatch.setenv("HARNESS_HOME", str(home))
    return home


def documents(run: str = RUN) -> dict[str, dict]:
    found = {}
    for path in sorted(FIXTURES.glob(f"*_report_{run}*.json")):
        document = json.loads(path.read_text())
        found[document["kind"] + (f"_{document['phase']}" if document.get("phase") else "")] = document
    return found


def page_of(run: str = RUN) -> Page:
    return Page(reports.write_page(run).read_text())


def cells(*values) -> list[str]:
    """Values as the page's cells read: numbers as the terminal tables print them, spaces collapsed."""
    return [
        number(v)
        if isinstance(v, int | float) and not isinstance(v, bool)
        else " ".join(str("" if v is None else v).split())
        for v in values
    ]


def test_the_fixtures_are_reports_of_real_runs():
    docs = documents()
    assert set(docs) == {"migration", "validation_pre", "validation_post"}
    assert not reports.schema_errors(docs["migration"]) and not reports.schema_errors(docs["validation_post"])
    assert docs["migration"]["outcome"] == "cut over" and docs["migration"]["quarantine"]["total_rows"] > 0
    assert documents(TEST)["test"]["scenarios"]


def test_every_figure_of_the_migration_report_is_on_the_page(home):
    docs = documents()
    doc, post = docs["migration"], docs["validation_post"]
    page = page_of()

    # the banner: what ran, where, as whom, with what, and how it ended
    banner = page.text.split("Steps and the lock window")[0]
    for value in (
        RUN,
        doc["database"],
        "role postgres",
        doc["tool"]["git"],
        f"dbt-core {doc['tool']['dbt']}",
        doc["outcome"],
        "--force",
        post["verdict"],
    ):
        assert value in banner, value

    # steps, their models and durations, the lock window
    steps = page.rows("steps-table")
    for step, row in zip(doc["steps"], steps, strict=True):
        assert row[0].startswith(f"{step['step']} {step['phase']}")
        assert all(model in row[0] for model in step.get("models") or [])
        assert row[1:5] == cells(
            step["status"],
            f"{step['nodes_done']}/{step['nodes_total']}" if step["nodes_total"] else "",
            step["rows"],
            step["seconds"],
        )
    assert any(step.get("models") for step in doc["steps"])
    cutover = doc["cutover"]
    assert f"Lock window: {number(cutover['lock_window_ms'])} ms" in page.text_of("steps")
    assert f"after {number(cutover['lock_wait_ms'])} ms, in {cutover['attempts']} attempt(s)" in page.text
    chart = page.text_of("chart")  # the bar chart: every step's seconds, the cutover, the locks held
    for step in doc["steps"]:
        assert f"{step['step']} {step['phase']} {number(step['seconds'])} s" in chart
    assert f"cutover {number(cutover['seconds'])} s locks held {number(cutover['lock_window_ms'])} ms" in chart

    # rows per table, and the conservation proofs with their sums
    for c in doc["reconciliation"]["row_counts"]:
        assert cells(
            c["legacy_table"],
            c["rows_in"],
            c["migrated"],
            c["quarantined"],
            c["unexpected_in_target"],
            c["unaccounted"],
        ) in page.rows("row-counts")
    for t in doc["reconciliation"]["totals"]:
        assert cells(
            t["legacy_table"],
            t["measure"],
            t["legacy_total"],
            t["migrated_total"],
            t["quarantined_total"],
            t["difference"],
        ) in page.rows("totals")
    stock, ledger = doc["reconciliation"]["stock"], doc["reconciliation"]["ledger"]
    assert (
        f"legacy {number(stock['legacy_total'])} = migrated {number(stock['migrated_total'])} + quarantined "
        f"{number(stock['quarantined_total'])} over {number(stock['pairs'])} organisation/part pairs; mismatched "
        f"pairs: {number(stock['mismatched_pairs'])}"
    ) in page.text_of("stock")
    assert (
        f"{number(ledger['ledger_entries'])} transactions sum to {number(ledger['ledger_total'])} = inventory "
        f"{number(ledger['inventory_total'])} over {number(ledger['positions'])} warehouse/part positions; "
        f"mismatched positions: {number(ledger['mismatched_positions'])}"
    ) in page.text_of("ledger")
    for table, rows in doc["target_row_counts"].items():
        assert f"{table} {number(rows)}" in page.text_of("target-rows")

    # the quarantine, with reasons and ids
    assert f"{number(doc['quarantine']['total_rows'])} legacy rows kept aside" in page.text
    for g in doc["quarantine"]["groups"]:
        assert cells(
            g["severity"],
            g["source_table"],
            g["reason_code"],
            g["rows"],
            " ".join(g["example_ids"]),
            g["example_detail"],
        ) in page.rows("quarantine-groups")

    # findings by severity, each with its rows, ids and fix; every check that ran is named
    for id_, checks, summary in (
        ("findings-build", doc["validation"]["checks"], doc["validation"]["summary"]),
        ("findings-post", post["checks"], post["summary"]),
    ):
        for severity, counts in summary["by_severity"].items():
            assert cells(severity, counts["checks"], counts["found"], counts["rows"]) in page.rows(f"{id_}-summary")
        assert f"{number(summary['checks_run'])} checks run; verdict: {summary['verdict']}" in page.text_of(id_)
        for check in checks:
            assert check["name"] in page.text_of(id_)
            if check["status"] == "found":
                assert cells(
                    check["name"],
                    check["phase"],
                    check["failing_rows"],
                    " ".join(check["example_ids"]),
                    check["meaning"],
                    check["fix_hint"],
                ) in page.rows(f"{id_}-{check['severity']}")
    found = [c for c in doc["validation"]["checks"] if c["status"] == "found"]
    assert {c["severity"] for c in found} >= {"error", "warning"}

    # the application-schema verdict, from the post-validation of the live schema
    application = {row[0]: row for row in page.rows("application-checks")}
    for check in post["checks"]:
        if check["name"] in ("target_matches_application_schema", "alembic_stamp_matches_schema"):
            assert application[check["name"]][1:3] == cells(check["status"], check["failing_rows"])
    assert "matches the application" in page.text_of("application")

    # the backup and the exact commands to undo
    backup = cutover["backup"]
    undo = page.text_of("undo")
    for value in (
        backup["dump_path"],
        backup["dump_sha256"],
        f"{number(backup['dump_bytes'])} bytes",
        cutover["archive_schema"],
        "harness rollback",
        f"harness restore --from {backup['dump_path']}",
    ):
        assert value in undo, value
    for table, rows in backup["snapshot_rows"].items():
        assert cells(table, rows) in page.rows("snapshot-rows")

    # every report the page draws, by path
    for document in docs.values():
        assert document["report"] in page.text_of("sources")


def test_every_figure_of_the_test_report_is_on_the_page(home):
    doc = documents(TEST)["test"]
    page = page_of(TEST)
    assert f"abparts-migrate: test {TEST}" in page.text and doc["server"] in page.text
    for scenario in doc["scenarios"]:
        row = next(r for r in page.rows("scenarios") if r[0] == scenario["name"])
        assert row[1:3] == cells(scenario["verdict"], scenario["seconds"])
        for step in scenario["steps"]:
            assert f"{step['step']}: {step['outcome']}, {number(step['seconds'])} s" in row[3]
        for key, value in scenario["numbers"].items():
            shown = ("yes" if value else "no") if isinstance(value, bool) else value
            assert cells(key, shown) in page.rows("scenario-numbers")


def test_every_value_is_escaped_and_a_right_to_left_override_is_inert(home):
    # an organisation named with markup and a right-to-left override, where the report carries names
    docs = documents()
    for check in docs["migration"]["validation"]["checks"]:
        if check["name"] == "duplicate_organization_names":
            check["example_value"] = HOSTILE
            check["fix_hint"] = check["fix_hint"].replace("Autoboss Inc", HOSTILE)
    for group in docs["migration"]["quarantine"]["groups"]:
        group["example_detail"] = group["example_detail"].replace("Autoboss Inc", HOSTILE)
    assert HOSTILE in json.dumps(docs, ensure_ascii=False)
    text = html_report.render(list(docs.values()))
    page = Page(text)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    assert "\u202e" not in text and "<script" not in text.lower()
    assert "rename all but one organisation named <script>alert('owned')</script>[U+202E]Autoboss Inc" in page.text


def test_no_value_of_any_document_can_add_markup(home):
    """Every string of every document poisoned: the page's elements stay the module's own."""

    def poison(value):
        if isinstance(value, dict):
            return {k: poison(v) for k, v in value.items()}
        if isinstance(value, list):
            return [poison(v) for v in value]
        return (
            value + '"><img src=x onerror=alert(1)><a href="http://example.com/">' + HOSTILE
            if isinstance(value, str)
            else value
        )

    docs = [poison(d) for d in [*documents().values(), *documents(TEST).values()]]
    for doc in docs:
        doc["kind"] = doc["kind"].split('"')[0]  # the kind says which report it is
    text = html_report.render(docs, lineage="../lineage/index.html")
    page = Page(text)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    links = {attrs["href"] for tag, attrs in page.tags if tag == "a"}
    assert all(href.startswith("#") or href == "../lineage/index.html" for href in links), links
    assert "\u202e" not in text and page.text.count("<script>") > 100


def test_no_password_reaches_the_page(home):
    docs = documents()
    # the documents are redacted when written: nothing in them that the log's patterns would mask
    for value in re.findall(r'"((?:[^"\\]|\\.)*)"', json.dumps(docs)):
        assert log.redact(value) == value, value
    # a secret that slipped into a document anyway (a message quoting a DSN, a key=value string)
    docs["migration"]["dbt"]["error"] = f"could not connect: postgresql://admin:{PASSWORD}@db.example/abparts"
    docs["migration"]["stage"]["notes"].append(f"host=db.example password={PASSWORD} dbname=abparts")
    docs["validation_post"]["dbt_errors"] = [f"PGPASSWORD={PASSWORD} token: {PASSWORD}"]
    text = html_report.render(list(docs.values()))
    assert PASSWORD not in text
    assert "postgresql://admin:***@db.example/abparts" in Page(text).text
    page = reports.write_page(RUN).read_text()
    assert PASSWORD not in page and log.redact(Page(page).text) == Page(page).text


def test_the_page_is_written_with_every_report_and_is_the_owners_alone(home):
    docs = documents()
    (home / "reports").chmod(0o755)
    for path in (home / "reports").glob("*"):
        path.unlink()
    body = {k: v for k, v in docs["migration"].items() if k not in ("report_version", "kind", "tool", "written_at")}
    reports.write("migration", RUN, body)
    page = html_report.path_of(RUN)
    assert page == home / "reports" / f"{RUN}.html"
    assert "Post-migration validation" not in Page(page.read_text()).text
    post = {
        k: v for k, v in docs["validation_post"].items() if k not in ("report_version", "kind", "tool", "written_at")
    }
    reports.write("validation", f"{RUN}_post", post)  # the page now combines both
    assert "Post-migration validation of public" in Page(page.read_text()).text
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "reports").stat().st_mode) == 0o700
    assert sorted(p.name for p in (home / "reports").iterdir()) == [
        f"{RUN}.html",
        f"migration_report_{RUN}.json",
        f"validation_report_{RUN}_post.json",
    ]


def test_a_page_that_cannot_be_rendered_never_fails_the_command(home, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise KeyError("steps")

    monkeypatch.setattr(html_report, "render", broken)
    body = {k: v for k, v in documents()["validation_post"].items() if k not in ("report_version", "kind")}
    path = reports.write("validation", f"{RUN}_post", body)
    assert path.exists()
    assert "the HTML report of 20261204_220132_059f_post could not be written: KeyError" in caplog.text


def test_harness_report_html_prints_the_page_and_writes_it_when_missing(home):
    runner = CliRunner()
    page = home / "reports" / f"{RUN}.html"
    assert not page.exists()
    result = runner.invoke(app, ["report", "--html", RUN])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(page) and page.exists()
    for report_id in (f"{RUN}_post", f"{RUN}_pre", None):  # a report of the run, the newest report
        argv = ["--json", "report", "--html"] + ([report_id] if report_id else [])
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["html"] in (str(page), str(home / "reports" / f"{TEST}.html"))
    result = runner.invoke(app, ["report", "--html", "19990101_000000_beef"])
    assert result.exit_code == 2 and "no report for '19990101_000000_beef'" in result.output


def test_the_page_links_the_lineage_page_when_it_lies_beside_it(home):
    assert "lineage" not in {attrs.get("href", "") for _, attrs in page_of().tags if _ == "a"}
    (home / "lineage").mkdir()
    (home / "lineage" / "index.html").write_text("<html></html>")
    later = html_report.path_of(RUN).stat().st_mtime + 10
    os.utime(home / "lineage" / "index.html", (later, later))
    assert reports.page(RUN) == html_report.path_of(RUN)  # rewritten: the lineage page is newer
    links = [attrs["href"] for tag, attrs in Page(html_report.path_of(RUN).read_text()).tags if tag == "a"]
    assert "../lineage/index.html" in links
    assert (html_report.path_of(RUN).parent / "../lineage/index.html").resolve() == home / "lineage" / "index.html"


def test_what_surrounds_the_legacy_tables_is_drawn_whatever_it_holds(home):
    docs = documents()
    assert "Around the legacy tables" not in Page(html_report.render(list(docs.values()))).text
    docs["migration"]["surroundings"] = [
        {
            "object": "public.v_stock_by_org",
            "type": "view",
            "cutover": "recreated on the target",
            "depends_on": ["inventory", "organizations"],
        },
        {"object": "public.trg_audit", "type": "trigger", "cutover": "left with the legacy schema"},
    ]
    page = Page(html_report.render(list(docs.values())))
    assert "Around the legacy tables" in page.text
    table = next(rows for rows in page.tables.values() if rows and rows[0][:3] == ["object", "type", "cutover"])
    assert table[1:] == [
        ["public.v_stock_by_org", "view", "recreated on the target", "inventory, organizations"],
        ["public.trg_audit", "trigger", "left with the legacy schema", ""],
    ]


def test_the_page_needs_nothing_else_and_prints_on_a4(home):
    text = reports.write_page(RUN).read_text()
    page = Page(text)
    style = text[text.index("<style>") : text.index("</style>")]
    assert "@page { size: A4;" in style and "thead { display: table-header-group; }" in style
    assert "table-layout: fixed" in style and "overflow-wrap: anywhere" in style
    assert not re.search(r"url\(|@import|\bsrc=|<link|<script|<iframe|<img", text, re.I)
    csp = next(attrs["content"] for tag, attrs in page.tags if tag == "meta" and attrs.get("http-equiv"))
    assert csp.startswith("default-src 'none'") and "script-src" not in csp
    assert text.count("<svg") == 1 and 'role="img"' in text


def test_a_document_without_optional_parts_still_renders(home):
    """A failed build: no cutover, no reconciliation, no quarantine; a standalone pre-validation."""
    doc = copy.deepcopy(documents()["migration"])
    for key in ("cutover", "reconciliation", "quarantine", "stage", "target_row_counts"):
        doc.pop(key)
    doc["outcome"], doc["success"] = "failed", False
    doc["dbt"]["failed"] = [{"node": "model.abparts_migrate.transactions", "message": "division by zero"}]
    page = Page(html_report.render([doc]))
    assert "FAILED" in page.text and "No cutover in this run" in page.text
    assert ["model.abparts_migrate.transactions", "division by zero"] in page.rows("dbt-failed")
    pre = documents()["validation_pre"]
    page = Page(html_report.render([pre]))
    assert f"{number(pre['summary']['checks_run'])} checks run" in page.text_of("findings-pre")
