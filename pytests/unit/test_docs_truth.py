"""The docs name only what exists, and every one of a kind where they promise the full list:
fault points, exit codes, commands and options, selections, quarantine reason codes,
refusal reasons, checks. Each list is read from the code (or dbt's manifest), never
written twice by hand here. No database needed."""

from __future__ import annotations

import ast
import re

from helpers import PROJECT, command_line, leaf_commands

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


# ---------------------------------------------------------------- exit codes and errors


def exit_codes() -> set[int]:
    from harness.common import errors

    return {value for name, value in vars(errors).items() if name.startswith("EXIT_")}


def between(text: str, start: str, end: str) -> str:
    at = text.index(start)
    return text[at : text.index(end, at + len(start))]


def numbers(text: str) -> set[int]:
    """The codes a passage names: in bold, or in a table's cells; else every number in it."""
    marked = re.findall(r"\*\*(\d+)\*\*", text) + re.findall(r"\| (\d+) \|", text)
    return {int(n) for n in marked or re.findall(r"(?<![\w.])(\d+)(?![\w.])", text)}


def test_every_place_that_lists_the_exit_codes_lists_every_one():
    from harness.cli import boundary, commands

    codes = exit_codes()
    assert {0, 1, 2, 130, 143} <= codes
    promised = {
        "README.md": numbers(between(doc("README.md").partition("## Interruptions")[2], "Exit codes:", "\n\n")),
        "docs/runbook.md": numbers(between(doc("docs/runbook.md"), "Exit codes:", "\n\n")),
        "docs/architecture.md": numbers(between(doc("docs/architecture.md"), "exit codes (", ";")),
        "harness/cli/boundary.py": numbers(between(boundary.__doc__, "Exit codes:", "\n\n")),
        "harness/cli/commands.py": numbers(between(commands.__doc__, "Exit codes:", "(boundary.py)")),
    }
    assert {where: listed for where, listed in promised.items() if listed != codes} == {}
    # where only the failures are listed: every code but 0
    failures = {
        "docs/troubleshooting.md": numbers(between(doc("docs/troubleshooting.md"), "the exit code says", "\n\n")),
        "docs/python-api.md": numbers(between(doc("docs/python-api.md"), "| class | exit code |", "## Examples")),
    }
    assert {where: listed for where, listed in failures.items() if listed != codes - {0}} == {}


def test_every_exit_code_the_docs_name_exists():
    named = {}
    for name in ["README.md", *sorted(p.relative_to(PROJECT).as_posix() for p in PROJECT.glob("docs/*.md"))]:
        for paragraph in doc(name).split("\n\n"):
            if re.search(r"(?i)\bexit", paragraph):
                codes = re.findall(r"(?i)\bexit(?: codes?)?(?: is)? \**(\d+)", paragraph)
                for code in codes + re.findall(r"\*\*(\d+)\*\*", paragraph):
                    named.setdefault(int(code), name)
    assert named and {code: where for code, where in named.items() if code not in exit_codes()} == {}


def test_the_harness_exits_only_with_a_named_exit_code():
    """A new code is a new EXIT_ constant (and so in every list above), never a bare number."""
    bare = []
    for path in sorted(HARNESS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            values = []
            if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Attribute) and node.func.attr in ("Exit", "exit"))
                or (isinstance(node.func, ast.Name) and node.func.id == "exit")
            ):
                values = node.args
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in ("exit_code", "code") for t in node.targets
            ):
                values = [node.value]
            bare += [
                f"{path.relative_to(PROJECT)}:{node.lineno}"
                for value in values
                for n in ast.walk(value)
                if isinstance(n, ast.Constant) and isinstance(n.value, int) and not isinstance(n.value, bool)
            ]
    assert bare == []


def harness_errors() -> dict[str, int]:
    """Every HarnessError class of the harness, as docs/python-api.md names it -> its exit code."""
    import importlib

    from harness.common.errors import HarnessError

    classes: dict[str, tuple[str, list[str]]] = {}
    for path in sorted(HARNESS.rglob("*.py")):
        module = ".".join(path.relative_to(PROJECT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                bases = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]
                classes[node.name] = (module, bases)
    known = {"HarnessError"}
    while True:
        more = {name for name, (_, bases) in classes.items() if set(bases) & known} - known
        if not more:
            break
        known |= more
    found = {}
    for name in known:
        module = classes[name][0]
        cls = getattr(importlib.import_module(module), name)
        assert issubclass(cls, HarnessError), name
        found[name if module == "harness.common.errors" else f"{module}.{name}"] = cls.exit_code
    return found


def test_the_python_api_lists_every_error_class_with_its_exit_code():
    table = between(doc("docs/python-api.md"), "| class | exit code |", "\n\n")
    listed = {
        re.match(r"\| `([\w.]+)`", row).group(1): int(row.split("|")[2])
        for row in table.splitlines()[2:]
        if row.startswith("| `")
    }
    assert listed == harness_errors()


def swap_refusal_reasons() -> set[str]:
    reasons = set()
    for path in sorted(HARNESS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "SwapRefused":
                assert isinstance(node.args[0], ast.Constant), f"{path}:{node.lineno}: a refusal's reason is a literal"
                reasons.add(node.args[0].value)
    return reasons


def test_the_docs_list_every_reason_a_swap_refuses_with():
    reasons = swap_refusal_reasons()
    assert {"drift", "writes_after_cutover"} < reasons
    api = between(doc("docs/python-api.md"), "`harness.db.swap.SwapRefused`", "\n")
    assert set(re.findall(r'`"(\w+)"`', api)) == reasons
    runbook = between(doc("docs/runbook.md"), "and its reason (", ")")
    assert set(re.findall(r"`(\w+)`", runbook)) == reasons


def test_the_readme_says_what_an_interruption_does_and_links_to_the_runbook():
    section = between(doc("README.md"), "\n## Interruptions\n", "\n## ")
    for words in ("Ctrl-C", "SIGTERM", "SIGKILL", "harness status", "harness migrate --yes"):
        assert words in section, words
    assert "(docs/runbook.md#stopping-a-command-and-if-the-process-dies)" in section
    assert len(section.splitlines()) <= 30, "the README is the front door: the details are the runbook's"


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def test_every_link_to_a_section_of_the_docs_finds_it():
    files = ["README.md", *sorted(p.relative_to(PROJECT).as_posix() for p in PROJECT.glob("docs/*.md"))]
    anchors = {name: {slug(h) for h in re.findall(r"^#{1,6} (.+)$", doc(name), re.M)} for name in files}
    broken = []
    for name in files:
        folder = (PROJECT / name).parent
        for target, anchor in re.findall(r"\]\(([\w./-]*\.md|)#([\w-]+)\)", doc(name)):
            linked = (folder / target).resolve().relative_to(PROJECT).as_posix() if target else name
            if anchor not in anchors.get(linked, set()):
                broken.append(f"{name}: {target}#{anchor}")
    assert broken == []


# ---------------------------------------------------------------- commands and options


def options_of(command) -> dict[str, object]:
    """Every name of every option of a command (--yes, -y, --no-anonymise, --help) -> the option."""
    import types

    return {"--help": types.SimpleNamespace(is_flag=True, type_descriptor=None)} | {
        name: param
        for param in command.params
        if param.param_type_name == "option"
        for name in [*param.opts, *param.secondary_opts]
    }


def long_names(command) -> set[str]:
    return {name for name in options_of(command) if name.startswith("--")} - {"--help"}


def choices(param) -> set[str] | None:
    import enum
    import typing

    if param.type_descriptor is None:
        return None
    annotation = param.type_descriptor.annotation
    for kind in (annotation, *typing.get_args(annotation)):
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return {member.value for member in kind}
    return None


def words_of(text: str) -> list[str]:
    """A command line as shown, in words: `[optional]` unbracketed, `a \\| b` alternatives kept as `|`,
    a comment dropped."""
    import shlex

    cleaned = text.replace("\\|", " | ").replace("[", " ").replace("]", " ")
    try:
        return shlex.split(cleaned, comments=True)
    except ValueError:  # an unbalanced quote of a shortened example
        return cleaned.split("#")[0].split()


def placeholder(word: str) -> bool:
    return word.isupper() or bool(re.search(r"[<>…$'\"]|\.\.\.", word))


def read_command_line(text: str) -> tuple[set[str], list[tuple[str, str | None]]]:
    """The commands a command line shows (`db start | stop`: two) and the options it gives them
    (with their values); AssertionError when a command, or an option before it, does not exist."""
    words = words_of(text)
    node, path = command_line(), []
    while True:
        while words and words[0].startswith("-"):  # the options of `harness` itself, or of a group
            option = options_of(node).get(words[0].split("=")[0])
            assert option is not None, f"`harness {' '.join(path)}` has no option {words[0]}"
            words = words[1 if option.is_flag or "=" in words[0] else 2 :]
        if not words or not hasattr(node, "commands") or placeholder(words[0]):  # `harness COMMAND ...`
            break
        assert words[0] in node.commands, f"`harness {' '.join(path)}` has no command {words[0]!r}"
        parent, node = node, node.commands[words[0]]
        path.append(words.pop(0))
        if not hasattr(node, "commands"):
            break
    if hasattr(node, "commands"):  # a group named alone: `harness db`
        return set(), []
    names = {" ".join(path)}
    while len(words) >= 2 and words[0] == "|" and words[1] in parent.commands:
        names.add(" ".join([*path[:-1], words[1]]))
        words = words[2:]
    given = []
    for i, word in enumerate(words):
        if word.startswith("-") and len(word) > 1 and not word[1].isdigit():
            following = words[i + 1] if i + 1 < len(words) else None
            value = following if following and not following.startswith("-") and following != "|" else None
            given.append((word.split("=")[0].rstrip(".,…"), value))
    return names, given


def command_table() -> list[tuple[set[str], set[str]]]:
    """The runbook's "Commands and options" table: per row, the commands and the options it names
    (a command may have rows of its own per use: `test --type sample`, `test --type rehearsal`)."""
    section = between(doc("docs/runbook.md"), "## Commands and options", "\n### ")
    rows = []
    for row in section.splitlines():
        if row.startswith("| `harness "):
            first_cell = re.split(r"(?<!\\)\|", row)[1]
            spans = re.findall(r"`([^`]+)`", first_cell)
            names, given = read_command_line(spans[0].removeprefix("harness "))
            more = [word for span in spans[1:] for word in words_of(span) if word.startswith("--")]
            rows.append((names, {option for option, _ in given} | set(more)))
    return rows


def test_the_runbook_lists_every_command_with_every_option():
    commands = leaf_commands()
    rows = command_table()
    listed = {name for names, _ in rows for name in names}
    assert listed == set(commands), "the runbook's table lists every command, and only those"
    problems, named_for = [], {}
    for names, named in rows:
        existing = set().union(*(set(options_of(commands[name])) for name in names))
        problems += [f"{sorted(names)}: {option} does not exist" for option in sorted(named - existing)]
        for name in names:
            named_for.setdefault(name, set()).update(named)
    for name, named in named_for.items():
        problems += [f"{name}: {option} is not listed" for option in sorted(long_names(commands[name]) - named)]
    assert problems == []
    # the options every command takes, before it
    usage = between(doc("docs/runbook.md"), "All commands take the same connection options:", "COMMAND")
    assert set(re.findall(r"--[\w-]+", usage)) == long_names(command_line())


def harness_command_lines() -> list[tuple[str, str]]:
    """(where, the words after `harness`) of every harness command line the docs and the harness's
    messages show: in code spans, and on the lines of code blocks."""
    texts = {name: doc(name) for name in ["README.md", *(f"docs/{p.name}" for p in sorted(PROJECT.glob("docs/*.md")))]}
    found = []
    for name, text in texts.items():
        found += [(name, span) for span in re.findall(r"`harness ([^`\n]+)`", text)]
        for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S):
            for line in block.splitlines():
                for segment in re.split(r";|&&", line.removeprefix("$ ")):
                    match = re.match(r"\s*(?:\w+=\S+\s+)*harness ([^#\n]*)", segment)
                    if match:
                        found.append((name, match.group(1)))
                found += [(name, inner) for inner in re.findall(r"\$\(harness ([^)]*)\)", line)]
    for where, text in string_constants(HARNESS):
        found += [(where, span) for span in re.findall(r"`harness ([^`\n]+)`", text)]
    return found


def test_every_harness_command_line_the_docs_and_messages_show_exists_with_its_options():
    commands = leaf_commands()
    lines = harness_command_lines()
    assert len(lines) > 100
    problems = []
    for where, text in lines:
        try:
            names, given = read_command_line(text)
        except AssertionError as missing:
            problems.append(f"{where}: harness {text.strip()}: {missing}")
            continue
        options = {}
        for name in names:
            options |= options_of(commands[name])
        for option, value in given:
            if option not in options:
                problems.append(f"{where}: harness {text.strip()}: {' | '.join(sorted(names))} has no option {option}")
                continue
            allowed = choices(options[option])
            if value and allowed and not placeholder(value) and value not in allowed:
                problems.append(f"{where}: harness {text.strip()}: {option} takes no value {value!r}")
    assert problems == []


# ---------------------------------------------------------------- selections and paths


def selectors_yml() -> list[str]:
    import yaml

    return [s["name"] for s in yaml.safe_load(doc("selectors.yml"))["selectors"]]


def test_the_selections_the_docs_and_the_harness_name_exist_and_the_map_lists_each():
    from harness.dbt_bridge import project

    defined = selectors_yml()
    assert sorted(defined) == sorted(project.SELECTORS), "harness/dbt_bridge/project.py names each selection"
    # the architecture's table of the selections: every one, and only those
    table = between(doc("docs/architecture.md"), "| selection | used by |", "\n\n")
    assert sorted(re.findall(r"^\| `(\w+)` \|", table, re.M)) == sorted(defined)
    # anything shaped like a selection's name, in the docs, the models' docs and the harness
    texts = {name: doc(name) for name in ["README.md", *(f"docs/{p.name}" for p in sorted(PROJECT.glob("docs/*.md")))]}
    texts |= {p.relative_to(PROJECT).as_posix(): p.read_text() for p in sorted(PROJECT.glob("models/**/*.md"))}
    texts |= {where: text for where, text in string_constants(HARNESS)}
    named = {
        (where, name)
        for where, text in texts.items()
        for name in re.findall(r"`((?:pre|post|lean)_[a-z_]+)`", text) + re.findall(r"--selector[ =](\w+)", text)
    }
    assert named and sorted((where, name) for where, name in named if name not in defined) == []


def test_every_file_of_the_harness_the_docs_and_comments_name_exists():
    sources = [PROJECT / name for name in ("README.md", "Makefile", "selectors.yml", "dbt_project.yml")]
    for folder, pattern in (("docs", "*.md"), ("harness", "**/*.py"), ("pytests", "**/*.py"), ("bench", "**/*.py")):
        sources += sorted(PROJECT.glob(f"{folder}/{pattern}"))
    for folder in ("models", "macros", "tests", "seeds", "snapshots"):
        sources += [p for p in sorted(PROJECT.glob(f"{folder}/**/*")) if p.suffix in (".yml", ".sql", ".md")]
    missing = sorted(
        f"{path.relative_to(PROJECT)}: {name}"
        for path in sources
        for name in re.findall(r"(?<![\w./-])((?:harness|pytests)/[\w/]*\w\.(?:py|sql))\b", path.read_text())
        if not (PROJECT / name).exists()
    )
    assert missing == []


def test_every_area_of_the_mutation_run_has_its_guarding_tests_in_the_architecture_map():
    """docs/architecture.md says which tests guard each class of promise: one row per area of
    pytests/mutants/mutations.py, none for an area that is not there (the files it names exist:
    the test above)."""
    import sys

    sys.path.insert(0, str(PYTESTS / "mutants"))
    from mutations import AREAS

    text = doc("docs/architecture.md")
    section = text.split("## Which tests guard which promise", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z-]+)` \| [^|]+ \| ([^|]+) \|$", section, re.MULTILINE)
    assert sorted(area for area, _ in rows) == sorted(AREAS)
    assert [area for area, tests in rows if "pytests/" not in tests] == []
    defined = {
        name for path in PYTESTS.glob("**/test_*.py") for name in re.findall(r"^def (test_\w+)", path.read_text(), re.M)
    }
    assert sorted(set(re.findall(r"`(test_\w+)`", section)) - defined) == []


# ---------------------------------------------------------------- quarantine reasons and checks


def test_the_quarantine_reasons_of_the_mapping_rules_are_the_rules_of_the_models():
    """Per legacy table, the codes its rules emit, in the order they are tried, with their severity."""
    import reason_codes

    expected: dict[str, list[tuple[str, str]]] = {}
    for rule in reason_codes.rules():
        codes = expected.setdefault(rule.legacy_table, [])
        if (rule.reason, rule.severity) not in codes:
            codes.append((rule.reason, rule.severity))
    section = doc("docs/mapping-rules.md").partition("\n## Quarantine reasons\n")[2]
    table = section[section.index("| legacy table |") :].split("\n\n")[0]
    listed: dict[str, list[tuple[str, str]]] = {}
    for row in table.splitlines()[2:]:
        _, tables, reasons, _ = row.split("|")
        codes = [
            (code, severity or "error")
            for code, severity in re.findall(r"`(\w+)`(?: \((critical|warning|info)\))?", reasons)
        ]
        for name in tables.split(","):
            assert name.strip() not in listed, f"{name.strip()} in two rows"
            listed[name.strip()] = codes
    assert listed == expected
    assert "Every reason is error unless marked" in doc("docs/mapping-rules.md")


def test_a_check_the_docs_name_with_its_severity_exists_with_that_severity():
    """`name` (severity) in the operator's docs: a check of that severity (or a quarantine reason)."""
    import reason_codes

    from harness.dbt_bridge import checks

    severities = {check.name: check.severity for check in checks.catalogue().values()}
    severities |= {
        name: "critical"
        for name in re.findall(r'^\w+ = "(\w+)"', (HARNESS / "flows" / "swap_checks.py").read_text(), re.M)
    }
    reasons = {(rule.reason, rule.severity) for rule in reason_codes.rules()}
    wrong = []
    for name in (
        "README.md",
        "docs/runbook.md",
        "docs/troubleshooting.md",
        "docs/checks.md",
        "docs/mapping-rules.md",
        "docs/reports.md",
    ):
        text = doc(name).split("<!-- generated by: make docs-checks")[0]
        for check, severity in re.findall(r"`([\w…]+)` \((critical|error|warning|info)\b", text):
            pattern = re.escape(check).replace("…", r"\w+")
            if (
                not any(re.fullmatch(pattern, c) and s == severity for c, s in severities.items())
                and (check, severity) not in reasons
            ):
                wrong.append(f"{name}: {check} ({severity})")
    assert wrong == []


def harness_checks() -> list[str]:
    """The rows docs/checks.md gives the harness's own checks (harness/flows/swap_checks.py), as
    the generated table writes a check: from the module's _check(name, meaning, fix) calls."""
    module = ast.parse((HARNESS / "flows" / "swap_checks.py").read_text())
    constants = {
        node.targets[0].id: node.value.value
        for node in module.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
    }
    define = next(n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "_check")
    made = next(n for n in ast.walk(define) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Check")
    fixed = {k.arg: k.value.value for k in made.keywords if isinstance(k.value, ast.Constant)}
    rows = []
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_check":
            name, meaning, fix = (constants[a.id] if isinstance(a, ast.Name) else a.value for a in node.args[:3])
            fix = fix.replace("{value}", "*value*")
            rows.append(f"| `{name}` | {fixed['severity']} | {fixed['phase']} | {meaning} | {fix} |")
    return rows


def test_checks_md_lists_the_harness_checks_too():
    """The catalogue is dbt's tests (generated) and the two checks of the swap's work (harness checks)."""
    rows = harness_checks()
    assert len(rows) == 2
    text = doc("docs/checks.md")
    assert [row for row in rows if row not in text] == []


# ---------------------------------------------------------------- example output


ABSOLUTE_PATH = re.compile(r"(?:^|(?<=[\s\"'=(:,]))((?:/[\w.@+-]+){2,}/?)", re.M)


def docs_files() -> list[str]:
    return ["README.md", *(f"docs/{p.name}" for p in sorted(PROJECT.glob("docs/*.md")))]


def test_no_example_in_the_docs_shows_a_path_of_a_machine():
    """Output in the docs shows paths relative to the project (`reports/…`), `$PWD` in a DSN, or
    `/…/`: never the checkout it was recorded in."""
    shown = []
    for name in docs_files():
        text = doc(name)
        assert str(PROJECT) not in text, name
        for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S):
            shown += [f"{name}: {path}" for path in ABSOLUTE_PATH.findall(block)]
    assert shown == []


def test_the_example_output_is_the_generated_one_of_the_commands_it_shows():
    """make docs-examples (pytests/docs_examples.py) wrote the blocks: their markers are there, each
    shows the commands the generator runs, and the README's is the end of the runbook's demo."""
    import docs_examples

    runbook = doc("docs/runbook.md")
    for name, transcript in docs_examples.TRANSCRIPTS.items():
        block = docs_examples.block_after(runbook, name)
        if name == "make-demo":
            assert block.startswith("embedded server: running") and "dry run complete" in block
            assert not [line for line in block.splitlines() if line.startswith("$ ")]
        else:
            assert [line[2:] for line in block.splitlines() if line.startswith("$ ")] == transcript
        assert not [line for line in block.splitlines() if docs_examples.PROGRESS.match(line)]
    demo = docs_examples.block_after(runbook, "make-demo")
    assert docs_examples.block_after(doc("README.md"), "make-demo") == docs_examples.readme_excerpt(demo)
    # the commands the generator runs exist with their options (the docs' command lines are checked
    # as a whole above; these are checked here even when the docs change)
    for transcript in docs_examples.TRANSCRIPTS.values():
        for line in transcript:
            for command in re.findall(r"harness ([^)\"]+)", line):
                names, given = read_command_line(command)
                options = {}
                for each in names:
                    options |= options_of(leaf_commands()[each])
                assert names and all(option in options for option, _ in given), line
