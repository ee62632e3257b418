"""Every SQL text the tool sends is ASCII, so that a LATIN1 (or any single-byte) database
receives it: the dbt project's SQL, the values of its seeds and the YAML dbt renders into SQL,
the harness's SQL files and the SQL strings of its Python. A character beyond ASCII that a
statement needs is written as an escape (U&'\\00DC', or \\u00a0 inside a regular expression).
pytests/test_settings.py migrates a LATIN1 database. No database needed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml
from helpers import PROJECT

DBT_SQL = ("models", "macros", "tests", "snapshots", "analyses")
DBT_YAML = ("models", "macros", "tests", "snapshots", "seeds")
# YAML keys whose values are documentation, never sent to the database
PROSE_KEYS = {"description"}
# calls whose arguments are SQL the harness sends (psycopg2's cursor, psycopg2.sql, connection.fetch_all)
SQL_CALLS = {"execute", "executemany", "mogrify", "copy_expert", "SQL", "fetch_all"}


def beyond_ascii(text: str) -> list[str]:
    """Each line with a character beyond ASCII, numbered."""
    lines = enumerate(text.splitlines(), 1)
    return [f"{n}: {line.strip()[:90]}" for n, line in lines if re.search(r"[^\x00-\x7f]", line)]


def project_files(folders, *suffixes) -> list[Path]:
    found = []
    for folder in folders:
        found += [p for p in (PROJECT / folder).rglob("*") if p.is_file() and p.suffix in suffixes]
    return sorted(found)


def yaml_values(node, key=None):
    """Every string of a YAML document that is not documentation."""
    if key in PROSE_KEYS:
        return
    if isinstance(node, dict):
        for k, v in node.items():
            yield from yaml_values(k)
            yield from yaml_values(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from yaml_values(item)
    elif isinstance(node, str):
        yield node


def sql_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string constant that reaches the database: in the arguments of an
    execute() or sql.SQL() call, or assigned to a name those arguments use."""
    tree = ast.parse(source)
    assigned: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)

    found: list[tuple[int, str]] = []
    seen: set[int] = set()

    def collect(expression: ast.AST) -> None:
        for node in ast.walk(expression):
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((node.lineno, node.value))
            elif isinstance(node, ast.Name):
                for value in assigned.get(node.id, []):
                    collect(value)

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in SQL_CALLS:
                for argument in [*node.args, *(k.value for k in node.keywords)]:
                    collect(argument)
    return found


def test_the_dbt_projects_sql_is_ascii():
    found = {p.relative_to(PROJECT).as_posix(): beyond_ascii(p.read_text()) for p in project_files(DBT_SQL, ".sql")}
    assert {path: lines for path, lines in found.items() if lines} == {}


def test_the_seeds_values_and_what_the_yaml_gives_dbts_sql_are_ascii():
    bad = {}
    for path in project_files(("seeds",), ".csv"):
        if beyond_ascii(path.read_text()):
            bad[path.relative_to(PROJECT).as_posix()] = beyond_ascii(path.read_text())
    for path in [*project_files(DBT_YAML, ".yml", ".yaml"), PROJECT / "dbt_project.yml", PROJECT / "selectors.yml"]:
        values = [v for v in yaml_values(yaml.safe_load(path.read_text())) if beyond_ascii(v)]
        if values:
            bad[path.relative_to(PROJECT).as_posix()] = values
    assert bad == {}


def test_the_harnesss_sql_files_and_the_sql_strings_of_its_python_are_ascii():
    bad = {}
    for path in sorted((PROJECT / "harness" / "sql").rglob("*.sql")):
        if beyond_ascii(path.read_text()):
            bad[path.relative_to(PROJECT).as_posix()] = beyond_ascii(path.read_text())
    for path in sorted((PROJECT / "harness").rglob("*.py")):
        strings = [f"{line}: {text[:90]!r}" for line, text in sql_strings(path.read_text()) if beyond_ascii(text)]
        if strings:
            bad[path.relative_to(PROJECT).as_posix()] = strings
    assert bad == {}


def test_the_lint_sees_sql_in_a_call_in_a_composed_statement_and_in_a_constant_it_uses():
    source = (
        "TOTALS = 'count(*) as r\u00e9sum\u00e9'\n"
        "def f(cur):\n"
        "    cur.execute('select \u2014 1')\n"
        "    cur.execute(sql.SQL('select ' + TOTALS + ' from {}').format(sql.Identifier('t')))\n"
        "    raise ValueError('a message \u2014 never sent')\n"
    )
    found = [text for _, text in sql_strings(source) if beyond_ascii(text)]
    assert found == ["select \u2014 1", "count(*) as r\u00e9sum\u00e9"]
