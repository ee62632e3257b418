"""One place per responsibility, checked on the source: the harness's layers import only
downwards, the audit schema has one owner, schema renames happen in the swap alone, the
command line parses, calls a flow and prints. No database needed."""

from __future__ import annotations

import ast
import re

from helpers import PROJECT

HARNESS = PROJECT / "harness"
# the layers, bottom first: a module imports its own layer's modules and those below, never above
LAYERS = ("common", "reporting", "db", "dbt_bridge", "flows", "cli")


def python_sources() -> dict[str, str]:
    """Every module of the harness by its path under harness/ (db/audit.py)."""
    return {p.relative_to(HARNESS).as_posix(): p.read_text() for p in sorted(HARNESS.rglob("*.py"))}


def harness_imports(text: str) -> list[tuple[int, str]]:
    """(line, module) of every harness import in a module, at its top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("harness"):
            if node.level:
                raise AssertionError(f"line {node.lineno}: a relative import; the harness imports by full name")
            package = HARNESS.parent.joinpath(*node.module.split("."))
            if package.is_dir():  # from harness.db import connection: the module harness.db.connection
                found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("harness")]
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_is_in_a_layer_and_imports_only_its_own_layer_and_below():
    upward = []
    for name, text in python_sources().items():
        if name in ("__init__.py", "__main__.py"):
            continue
        own = name.split("/")[0]
        assert own in LAYERS, f"harness/{name} is in no layer: move it into one of {LAYERS}"
        for line, module in harness_imports(text):
            layer = layer_of(module)
            assert layer is not None or module == "harness.__version__", f"harness/{name}:{line} imports {module}"
            if layer and LAYERS.index(layer) > LAYERS.index(own):
                upward.append(f"harness/{name}:{line} ({own}) imports {module} ({layer})")
    assert upward == []


def test_the_structure_test_sees_an_upward_import_and_one_inside_a_function():
    text = "from harness.db import audit\n\ndef f():\n    from harness.flows import build\n"
    assert [layer_of(module) for _, module in harness_imports(text)] == ["db", "flows"]


def test_only_the_audit_module_and_its_sql_touch_migration_audit():
    sources = python_sources()
    touching = sorted(name for name, text in sources.items() if re.search(r"migration_audit\.\w|AUDIT_SCHEMA", text))
    assert touching == ["common/schemas.py", "db/audit.py"]  # schemas.py names it, audit.py uses it
    assert "migration_audit." not in sources["common/schemas.py"]
    ddl = [
        p.relative_to(HARNESS).as_posix()
        for p in HARNESS.glob("sql/**/*.sql")
        if re.search(r"create (table|index|schema|or replace function)[^;]*migration_audit", p.read_text(), re.I)
    ]
    assert ddl == ["sql/migration_audit.sql"]


def test_schema_renames_happen_in_the_swap_module_alone():
    renaming = sorted(name for name, text in python_sources().items() if re.search(r"rename\s+to", text, re.I))
    assert renaming == ["db/swap.py"]
    assert not [p for p in HARNESS.glob("sql/**/*.sql") if re.search(r"alter\s+schema[^;]*rename", p.read_text(), re.I)]


# what the command line may use: the flows, the reports, its own rendering, the common modules, and
# from the database layer only where to connect (a DSN resolved, the embedded server started)
CLI_MAY_IMPORT = (
    "harness.cli",
    "harness.flows",
    "harness.reporting",
    "harness.common",
    "harness.db.connection",
    "harness.db.embedded",
)


def test_the_command_line_parses_calls_a_flow_and_prints():
    """No SQL, no cursor, no business rule in the command line: each command parses its options,
    calls one flow (or two: the demo's database, then migrate) and prints the result's document."""
    for name, text in python_sources().items():
        if not (name.startswith("cli/") or name == "reporting/html_report.py"):
            continue
        assert not re.search(r"\.cursor\(|\.execute\(|psycopg2|\bsql\.SQL|\bselect\s+\w+.*\bfrom\b", text, re.I), name
        if name.startswith("cli/"):
            for line, module in harness_imports(text):
                assert module.startswith(CLI_MAY_IMPORT), f"harness/{name}:{line} imports {module}"


def test_every_path_of_the_architecture_map_exists():
    text = (PROJECT / "docs" / "architecture.md").read_text()
    table = text[text.index("| behaviour | where it lives |") :].split("\n\n")[0]
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    assert len(rows) >= 30
    paths = [p for row in rows for p in re.findall(r"`([^`]+)`", row.split("|")[2])]
    assert paths and not [p for p in paths if not (PROJECT / p.rstrip("/")).exists()]


def test_every_doc_the_code_and_the_docs_cite_exists():
    cited = set()
    for path in list(HARNESS.rglob("*.py")) + list(PROJECT.glob("docs/*.md")) + [PROJECT / "README.md"]:
        cited |= set(re.findall(r"\bdocs/[\w.-]+\.(?:md|json)\b", path.read_text()))
    assert cited and not [doc for doc in sorted(cited) if not (PROJECT / doc).exists()]


def test_the_readme_is_an_entry_page():
    readme = (PROJECT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    first_section = readme.split("\n## ")[1]
    assert first_section.startswith("Try it: two commands")
    assert "make demo" in first_section and "make test" in first_section


def test_private_directories_leave_the_embedded_data_dir_reachable(tmp_path, monkeypatch):
    """Root runs the embedded server as another OS user: .harness must stay traversable, or the
    server stops the moment a command makes the harness's directories private."""
    import os
    import stat

    from harness.common import paths

    monkeypatch.setenv("HARNESS_HOME", str(tmp_path))
    for name in ("logs", "target", ".harness/profiles", ".harness/pgdata"):
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name).chmod(0o755)
    umask = os.umask(0o022)
    try:
        paths.make_private()
    finally:
        os.umask(umask)
    mode = lambda name: stat.S_IMODE((tmp_path / name).stat().st_mode)  # noqa: E731
    assert mode("logs") == mode("target") == mode(".harness/profiles") == 0o700
    assert mode(".harness") & 0o011 == 0o011  # others may traverse to pgdata


def test_every_suite_file_has_its_place_in_the_longest_first_order():
    from conftest import LONGEST_FIRST

    files = sorted(p.name for p in (PROJECT / "pytests").glob("test_*.py"))
    assert sorted(LONGEST_FIRST) == files  # a new file goes where its measured time puts it
