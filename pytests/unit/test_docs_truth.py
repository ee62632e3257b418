"""The docs name only what exists, and every one of a kind where they promise the full list:
fault points, exit codes, commands and options, selections, quarantine reason codes,
refusal reasons, checks. Each list is read from the code (or dbt's manifest), never
written twice by hand here. No database needed."""

from __future__ import annotations

import ast
import re

from helpers import PROJECT

from harness.common import faults

HARNESS = PROJECT / "harness"
PYTESTS = PROJECT / "pytests"


def doc(name: str) -> str:
    return (PROJECT / name).read_text()


def string_constants(folder) -> list[tuple[str, str]]:
    """(file, text) of every string literal in the Python files under `folder` (f-strings' literal parts too)."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((path.relative_to(PROJECT).as_posix(), node.value))
    return found


# ---------------------------------------------------------------- fault points

FAULT = re.compile(r"^(kill|term|int|pause)@(\S*)$")
DBT_POINT = "dbt:<node>"


def fault_points_in_code() -> dict[str, str]:
    """Every faults.point(...) call of the harness as a pattern (an f-string's values: a wildcard) -> where."""
    found = {}
    for path in sorted(HARNESS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "point"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "faults"
            ):
                continue
            (argument,) = node.args
            if isinstance(argument, ast.Constant):
                pattern = re.escape(argument.value)
            else:
                assert isinstance(argument, ast.JoinedStr), f"{path}:{node.lineno}: name the fault point in the call"
                pattern = "".join(
                    re.escape(part.value) if isinstance(part, ast.Constant) else r"[\w.<>-]+"
                    for part in argument.values
                )
            found[pattern] = f"{path.relative_to(PROJECT)}:{node.lineno}"
    return found


def points_of_docstring() -> list[str]:
    """The points faults.py's docstring lists (its `points` block), in order."""
    lines = faults.__doc__[faults.__doc__.index("  points ") : faults.__doc__.index("  actions ")].splitlines()
    names = []
    for line in lines:
        words = line.removeprefix("  points").split()
        if words and ":" in words[0] and len(line) - len(line.lstrip()) <= 11:
            names.append(words[0])
    return names


def test_the_fault_points_the_docstring_lists_are_every_point_of_the_code():
    documented = points_of_docstring()
    assert documented[0].startswith("dbt:<node")
    named = {DBT_POINT} | set(faults.POINTS)
    assert set(documented[1:]) == set(faults.POINTS), "faults.py's docstring lists exactly POINTS"
    in_code = fault_points_in_code()
    assert in_code, "no faults.point(...) call found"
    # every call names a point of the list, and every point of the list is a call
    assert {where: p for p, where in in_code.items() if not any(re.fullmatch(p, n) for n in named)} == {}
    assert [n for n in sorted(named) if not any(re.fullmatch(p, n) for p in in_code)] == []


def fired_fault_points() -> dict[str, str]:
    """point -> a file firing it: every "<action>@<point>" string of the suite."""
    fired = {}
    for where, text in string_constants(PYTESTS):
        match = FAULT.match(text)
        if match:
            fired.setdefault(match.group(2), where)
    return fired


def test_every_fault_point_is_fired_by_a_test_and_every_fired_point_exists():
    from harness.dbt_bridge import checks, project

    fired = fired_fault_points()
    nodes = project.load(checks.ensure_manifest()).nodes
    node_names = {node["name"] for node in nodes.values()} | set(nodes)
    unknown = {
        point: where
        for point, where in fired.items()
        if not (
            point in faults.POINTS or (point.startswith(faults.DBT) and point[len(faults.DBT) :] in node_names | {""})
        )
    }
    assert unknown == {}, "a test arms a fault point that does not exist: it never fires"
    never = [p for p in faults.POINTS if p not in fired]
    assert never == [], "a fault point no test fires proves nothing: fire it in a test (pytests/test_trust.py)"
    assert any(p.startswith(faults.DBT) for p in fired)


def test_the_fault_points_the_docs_name_exist():
    from harness.dbt_bridge import checks, project

    node_names = {node["name"] for node in project.load(checks.ensure_manifest()).nodes.values()}
    named = {
        point
        for name in ["README.md", *sorted(p.relative_to(PROJECT).as_posix() for p in PROJECT.glob("docs/*.md"))]
        for point in re.findall(r"`(?:HARNESS_FAULT=)?(?:kill|term|int|pause)@([^`\s…]+)`", doc(name))
    }
    assert named, "the runbook names the fault points the suite fires"
    assert [p for p in named if not (p in faults.POINTS or p.removeprefix(faults.DBT) in node_names)] == []
