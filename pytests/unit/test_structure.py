"""One place per responsibility, checked on the source: the audit schema has
one owner, schema renames happen in the swap alone, the command line and the
rendering hold no SQL. No database needed."""

from __future__ import annotations

import re

from conftest import PROJECT

HARNESS = PROJECT / "harness"


def python_sources() -> dict[str, str]:
    return {p.relative_to(HARNESS).as_posix(): p.read_text() for p in sorted(HARNESS.rglob("*.py"))}


def test_only_the_audit_module_and_its_sql_touch_migration_audit():
    touching = sorted(name for name, text in python_sources().items()
                      if re.search(r"migration_audit\.\w|AUDIT_SCHEMA", text))
    assert touching == ["common/schemas.py", "db/audit.py"]  # schemas.py names it, audit.py uses it
    assert "migration_audit." not in python_sources()["common/schemas.py"]
    ddl = [p.relative_to(HARNESS).as_posix() for p in HARNESS.glob("sql/**/*.sql")
           if re.search(r"create (table|index|schema|or replace function)[^;]*migration_audit", p.read_text(), re.I)]
    assert ddl == ["sql/migration_audit.sql"]


def test_schema_renames_happen_in_the_swap_module_alone():
    renaming = sorted(name for name, text in python_sources().items() if re.search(r"rename\s+to", text, re.I))
    assert renaming == ["db/swap.py"]
    assert not [p for p in HARNESS.glob("sql/**/*.sql") if re.search(r"alter\s+schema[^;]*rename", p.read_text(), re.I)]


def test_the_command_line_and_the_rendering_hold_no_sql_and_no_cursors():
    sources = python_sources()
    for name in ("cli/commands.py", "cli/render.py", "reporting/html_report.py"):
        text = sources[name]
        assert not re.search(r"\.cursor\(|\.execute\(|psycopg2|\bsql\.SQL|\bselect\s+\w+.*\bfrom\b", text, re.I), name
    assert len(sources["cli/commands.py"].splitlines()) <= 490


def test_every_path_of_the_architecture_map_exists():
    text = (PROJECT / "docs" / "architecture.md").read_text()
    table = text[text.index("| behaviour | where it lives |"):].split("\n\n")[0]
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
