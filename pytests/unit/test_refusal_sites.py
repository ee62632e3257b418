"""Every refusal the harness can raise has a test of its exit code and its one line.

A refusal site is a `raise` of a CheckFailed or a UsageError, or of one of their subclasses
(OutOfOrder, Aborted, SwapRefused, Busy, LegacyShapeError, ...), anywhere in harness/, or a
function returning one (the swap's refusals are made by such functions). Its message is read
as a template: the literal text, with every placeholder a wildcard; a message made by a
variable or by another function of the harness is what that assigns or returns.

A site is tested when a test requires a string of its message:
  - the words of a corpus case (pytests/corpus.py: test_corpus.py requires them, with the
    exit code and one line on stderr), or
  - a string an `assert` requires in a test function that also asserts an exit code
    (`exit_code`, `returncode`: the command ran as an operator runs it);
and that string is distinctive: the template of that site (or of the sites with the very same
message) can say it, with at least MIN_LITERAL characters of its literal text, and with more of
its literal text than any other site's template can. A SwapRefused is also recorded in the
audit with its reason: a corpus case (`Case.reason`) or an exit-code test must require it. A refusal no
command can reach (LIBRARY_ONLY, each with the reason) is tested by `pytest.raises(...,
match=...)` instead: its match is required the same way.

So a new refusal without a test fails here, and so does a test whose words another refusal
could have said. No database needed."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

import corpus
from helpers import PROJECT

HARNESS = PROJECT / "harness"
TESTS = PROJECT / "pytests"
REFUSAL_ROOTS = ("CheckFailed", "UsageError")
WILD = "\x00"  # a placeholder of a message template: any text
MIN_LITERAL = 12  # literal characters of the message a distinctive string must share
EXIT_NAMES = ("exit_code", "returncode")
# refusals of the library the command line never reaches: (file, words of the message) -> why
LIBRARY_ONLY = {
    ("harness/flows/samples.py", "unknown sample size"): "the command line's --size choices are samples.SIZES",
    ("harness/flows/testing.py", "unknown test type"): "the command line's --type choices are testing.TYPES",
    ("harness/flows/testing.py", "it generates no sample"): "the command line sends --type rehearsal to rehearsal.py",
    ("harness/reporting/reports.py", "no report of run"): "`harness report --html` finds a run's reports first",
    ("harness/flows/validate.py", "nothing is staged to validate again"): "migrate validates the stage it just used",
    ("harness/flows/rehearsal.py", "a rehearsal copies into a new one"): "the command line names the copy anew",
}
LINE_START = "error: "  # the boundary's line: "error: <message>"
GRAM = 6  # a string and a template share a piece this long before they are compared


@dataclass
class Site:
    where: str  # harness/flows/cutover.py:66
    kind: str  # the exception class
    templates: list[str]  # the message's possible templates (WILD for a placeholder)
    reason: str | None = None  # a SwapRefused's reason
    tested_by: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return " | ".join(t.replace(WILD, "…") for t in self.templates)


def modules() -> dict[str, ast.Module]:
    return {p.relative_to(PROJECT).as_posix(): ast.parse(p.read_text()) for p in sorted(HARNESS.rglob("*.py"))}


def refusal_classes(trees: dict[str, ast.Module]) -> set[str]:
    """CheckFailed, UsageError and every class of the harness derived from them."""
    bases = {
        node.name: {b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases}
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    found = set(REFUSAL_ROOTS)
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def string_functions(trees: dict[str, ast.Module]) -> dict[str, list[ast.expr]]:
    """Function name -> the expressions it returns (to read a message another function makes)."""
    found: dict[str, list[ast.expr]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                returned = [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None]
                found.setdefault(node.name, []).extend(returned)
    return found


class Templates:
    """The templates an expression can evaluate to (a placeholder is WILD)."""

    def __init__(self, functions: dict[str, list[ast.expr]]):
        self.functions = functions

    def of(self, node: ast.expr | None, scope: ast.AST | None, depth: int = 0) -> list[str]:
        if node is None or depth > 4:
            return [WILD]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.JoinedStr):
            return ["".join(v.value if isinstance(v, ast.Constant) else WILD for v in node.values)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return [a + b for a in self.of(node.left, scope, depth) for b in self.of(node.right, scope, depth)]
        if isinstance(node, ast.IfExp):
            return self.of(node.body, scope, depth) + self.of(node.orelse, scope, depth)
        if isinstance(node, ast.Name) and scope is not None:
            assigned = [
                a.value
                for a in ast.walk(scope)
                if isinstance(a, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)
            ]
            if assigned:
                return [t for value in assigned for t in self.of(value, scope, depth + 1)]
        if isinstance(node, ast.Call) and called_name(node) in self.functions:
            returned = self.functions[called_name(node)]
            return [t for value in returned for t in self.of(value, None, depth + 1)] or [WILD]
        return [WILD]


def refusal_sites() -> list[Site]:
    trees = modules()
    classes = refusal_classes(trees)
    templates = Templates(string_functions(trees))
    sites = []
    for path, tree in trees.items():
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            for node in ast.walk(function):
                made = node.exc if isinstance(node, ast.Raise) else node.value if isinstance(node, ast.Return) else None
                if not (isinstance(made, ast.Call) and called_name(made) in classes):
                    continue
                if any(node in ast.walk(inner) for inner in function.body if isinstance(inner, ast.FunctionDef)):
                    continue  # a nested function's own: found when that function is walked
                kind = called_name(made)
                args = list(made.args)
                reason = None
                if kind == "SwapRefused":
                    reason = args.pop(0).value if args and isinstance(args[0], ast.Constant) else WILD
                message = args[0] if args else next((k.value for k in made.keywords if k.arg == "message"), None)
                sites.append(Site(f"{path}:{node.lineno}", kind, templates.of(message, function), reason))
    return sites


# ---------------------------------------------------------------- what the tests require


def asserted_strings() -> list[tuple[str, str]]:
    """(where, string) for every string the corpus's words or an exit-code test's asserts (and the
    parameters it is run with) require."""
    found = [(f"corpus: {case.name}", word) for case in corpus.CASES for word in case.words]
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            asserts = [n for n in ast.walk(function) if isinstance(n, ast.Assert)]
            checks_exit = any(
                isinstance(n, ast.Attribute) and n.attr in EXIT_NAMES for a in asserts for n in ast.walk(a)
            )
            if not checks_exit:
                continue
            where = f"{path.relative_to(PROJECT).as_posix()}::{function.name}"
            for node in [n for part in (*asserts, *function.decorator_list) for n in ast.walk(part)]:
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.append((where, node.value))
                elif isinstance(node, ast.JoinedStr):  # an f-string: its placeholders any text
                    found.append(
                        (where, "".join(v.value if isinstance(v, ast.Constant) else WILD for v in node.values))
                    )
    return found


def raised_matches() -> list[tuple[str, str]]:
    """(where, literal piece) of every `pytest.raises(..., match=...)` of the tests."""
    found = []
    for path in sorted(TESTS.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and called_name(node) == "raises":
                for keyword in node.keywords:
                    if keyword.arg == "match" and isinstance(keyword.value, ast.Constant):
                        pieces = re.split(r"(?<!\\)[.*+?()\[\]{}|^$]+", keyword.value.value)
                        found += [(path.name, re.sub(r"\\(.)", r"\1", piece)) for piece in pieces]
    return found


def library_only(site: Site) -> bool:
    return any(
        site.where.startswith(f"{path}:") and words in t for (path, words) in LIBRARY_ONLY for t in site.templates
    )


def literal_overlap(template: str, text: str) -> int:
    """The most literal characters of `template` that `text` can share while being a piece of a
    message the template makes (each WILD any text); -1 when it cannot be such a piece. A text
    that starts with "error: " is the start of the line the boundary prints: the message's start."""
    size = len(template)
    anchored = text.startswith(LINE_START)
    text = text.removeprefix(LINE_START)

    def closure(states: dict[int, int]) -> dict[int, int]:
        for j in sorted(states):  # a placeholder may stand for nothing
            k = j
            while k < size and template[k] == WILD:
                states[k + 1] = max(states.get(k + 1, -1), states[j])
                k += 1
        return states

    states = closure({0: 0} if anchored else dict.fromkeys(range(size + 1), 0))
    for char in text:
        after: dict[int, int] = {}
        if char == WILD:  # a placeholder of the test's own (an f-string) may stand for any part of the message
            best = -1
            for j in range(min(states), size + 1):
                best = max(best, states.get(j, -1))
                after[j] = best
            states = after
            continue
        for j, literal in states.items():
            if j > 0 and template[j - 1] == WILD:  # the placeholder just passed goes on
                after[j] = max(after.get(j, -1), literal)
            if j < size and template[j] == char:
                after[j + 1] = max(after.get(j + 1, -1), literal + 1)
        if not after:
            return -1
        states = closure(after)
    return max(states.values())


def grams(text: str) -> set[str]:
    return {text[i : i + GRAM] for i in range(len(text) - GRAM + 1) if WILD not in text[i : i + GRAM]}


def best_explained_by(text: str, sites: list[Site]) -> str | None:
    """The message (template) that says `text` with the most of its literal text, when no other
    message says it as well and it shares at least MIN_LITERAL characters; else None."""
    if len(text.removeprefix(LINE_START)) < MIN_LITERAL:
        return None
    pieces = grams(text.removeprefix(LINE_START))
    overlap: dict[str, int] = {}
    for site in sites:
        for template in site.templates:
            if pieces & grams(template):
                overlap[site.message] = max(overlap.get(site.message, -1), literal_overlap(template, text))
    ranked = sorted(overlap.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < MIN_LITERAL or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]


def covered(sites: list[Site]) -> list[Site]:
    """The sites a distinctive string is required of (each site's tested_by says by which tests)."""
    asserted = asserted_strings()
    reasons = {case.reason for case in corpus.CASES if case.reason} | {text for _, text in asserted}
    library_reasons = reasons | every_asserted_string()
    evidence = [(where, text, False) for where, text in asserted]
    evidence += [(where, text, True) for where, text in raised_matches()]
    for where, text, raised in evidence:
        message = best_explained_by(text, sites)
        for site in sites:
            if message is not None and site.message == message and library_only(site) == raised:
                site.tested_by.append(f"{where}: {text!r}")
    return [
        s
        for s in sites
        if s.tested_by and (s.reason is None or s.reason in (library_reasons if library_only(s) else reasons))
    ]


def every_asserted_string() -> set[str]:
    """Every string an assert of a test requires (a library refusal's reason is asserted so)."""
    return {
        node.value
        for path in sorted(TESTS.rglob("test_*.py"))
        for check in ast.walk(ast.parse(path.read_text()))
        if isinstance(check, ast.Assert)
        for node in ast.walk(check)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


# ---------------------------------------------------------------- the tests


def test_every_refusal_site_has_a_test_of_its_exit_code_and_its_line():
    sites = refusal_sites()
    tested = {s.where for s in covered(sites)}
    untested = [
        f"{s.where} {s.kind}" + (f" ({s.reason})" if s.reason else "") + f": {s.message}"
        for s in sites
        if s.where not in tested
    ]
    assert untested == [], "refusals without a test (add a corpus case, pytests/corpus.py):\n" + "\n".join(untested)


def test_each_refusal_the_command_line_cannot_reach_is_still_a_refusal_of_the_library():
    sites = refusal_sites()
    for path, words in LIBRARY_ONLY:
        said = [s for s in sites if s.where.startswith(f"{path}:") and any(words in t for t in s.templates)]
        assert said, f"no refusal of {path} says {words!r} now"
