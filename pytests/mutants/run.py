"""`make mutants`: apply each hand-written mutation of pytests/mutants/mutations.py, one at a
time, to a temporary worktree of HEAD, and run the tests found for the mutated file; a
mutation the tests do not fail survived.

For each mutation, in order:
  1. reject it unless it is what it claims to be: one line of one file changed (its `before`
     text found exactly once, `after` a single line), and the file still imports (Python),
     parses (dbt's parse, for the dbt project's SQL) and lints as `make lint` does (ruff check
     and format; sqlfluff where make lint runs it: not on macros);
  2. find its tests, automatically: for a Python module, the test files that import it directly
     or through the modules that import it (nearest first, by the number of imports between);
     for the harness's own SQL (harness/sql/), those of the modules that read the file; for the
     dbt project's SQL (models, tests, macros, snapshots), the test files that name the file (or
     the macros it defines), the most mentions first, then every test file that runs dbt (never
     the test of the mutation list: it fails on any mutated worktree, a kill of nothing);
  3. run them in that order in one pytest process that stops at the first failure (-x):
     killed when a test fails, survived when all pass; a timeout is not a kill. A killing test
     is run again at the end on the unmutated worktree: one that fails there too kills nothing.

The checkout is never written to (the worktree is made with `git worktree add --detach` and
removed however the run ends, Ctrl-C included); mutations are read from the checkout,
sources and tests from HEAD: commit first.

    .venv/bin/python pytests/mutants/run.py              every mutation
    .venv/bin/python pytests/mutants/run.py seal lock    those of these areas (or names)
    .venv/bin/python pytests/mutants/run.py --list       each mutation and its tests, nothing run
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from mutations import AREAS, MUTATIONS, Mutation  # noqa: E402

BIN = Path(sys.executable).parent
DBT_PROJECT_DIRS = ("models", "tests", "macros", "snapshots")
LINTED_SQL = ("models/", "tests/", "harness/sql/")  # what `make lint` runs sqlfluff on (macros: dbt's parse only)
DEFAULT_TIMEOUT_S = 1800
FAILURE = r"^(?:FAILED|ERROR) ([^\s\[]+(?:\[[^\]]*\])?)"  # a test id in pytest's short summary
# tests of the mutation list itself: on a mutated worktree they fail (its line is no longer found), a kill of nothing
OF_THE_MUTATIONS = ("pytests/unit/test_mutations.py",)


@dataclass
class Outcome:
    mutation: Mutation
    status: str  # killed | survived | rejected | timeout | error
    detail: str = ""
    tests: list[str] = field(default_factory=list)
    killer: str | None = None
    seconds: float = 0.0


# ---------------------------------------------------------------- finding the tests


def module_name(path: Path, root: Path) -> str:
    """harness/db/capture.py -> harness.db.capture; pytests/pool.py -> pool (the tests' own path)."""
    relative = path.relative_to(root).with_suffix("")
    parts = list(relative.parts)
    if parts[0] == "pytests":
        parts = parts[1:] if parts[1:2] != ["unit"] else parts[2:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> set[str]:
    """The modules of the harness and of the tests' own (helpers, pool, corpus, ...) a file imports,
    at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            package = root.joinpath(*node.module.split("."))
            if node.module.startswith("harness") and package.is_dir():
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


class ImportGraph:
    def __init__(self, root: Path):
        self.root = root
        files = sorted((root / "harness").rglob("*.py")) + sorted((root / "pytests").rglob("*.py"))
        files = [
            f
            for f in files
            if "mutants" not in f.relative_to(root).parts
            and f.name != "conftest.py"
            and f.relative_to(root).as_posix() not in OF_THE_MUTATIONS
        ]
        self.path_of = {module_name(f, root): f for f in files}
        self.importers: dict[str, set[str]] = defaultdict(set)
        for name, path in self.path_of.items():
            for imported in imports_of(path, root):
                if imported in self.path_of:
                    self.importers[imported].add(name)

    def distances(self, modules: list[str]) -> dict[str, int]:
        """Module -> the fewest imports between it and one of `modules` (0: itself)."""
        found = dict.fromkeys(modules, 0)
        frontier = list(modules)
        while frontier:
            later = []
            for module in frontier:
                for importer in self.importers.get(module, ()):
                    if importer not in found:
                        found[importer] = found[module] + 1
                        later.append(importer)
            frontier = later
        return found

    def test_files(self, modules: list[str]) -> list[Path]:
        """The test files that import one of `modules`, directly or through others: nearest first."""
        near = self.distances(modules)
        tests = [(d, str(self.path_of[m])) for m, d in near.items() if self.path_of[m].name.startswith("test_")]
        return [Path(p) for _, p in sorted(tests)]


def sql_readers(relative: str, root: Path) -> list[str]:
    """The harness modules that read a file of harness/sql/: they name it, or its folder."""
    inside = relative.removeprefix("harness/sql/")
    folder = inside.rsplit("/", 1)[0] + "/" if "/" in inside else None
    readers = []
    for path in sorted((root / "harness").rglob("*.py")):
        text = path.read_text()
        if inside in text or (folder and f'"{folder}' in text):
            readers.append(module_name(path, root))
    return readers


def dbt_names(path: Path) -> list[str]:
    """How a test names a file of the dbt project: its name, and the macros it defines."""
    return [path.stem] + re.findall(r"{%-?\s*macro\s+(\w+)", path.read_text())


STOP_WORDS = {"self", "none", "true", "false", "return", "raise", "with", "from", "import", "else", "elif", "cur"}


def words_around(path: Path, text: str) -> set[str]:
    """The identifiers of the mutated line and of the function it is in (Python)."""
    source = path.read_text()
    line = source[: source.index(text)].count("\n") + 1 if text in source else 0
    around = text
    if path.suffix == ".py":
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.lineno <= line <= (node.end_lineno or 0):
                around += " " + node.name  # every function it is in, the outermost too
    return {w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]{3,}", around) if w.lower() not in STOP_WORDS}


def by_relevance(tests: list[Path], words: set[str]) -> list[Path]:
    """Nearest first, as found; before them, the test files naming more of the mutated code's rarer words
    (a word most of the test files use says nothing)."""
    texts = {t: t.read_text() for t in tests}
    rare = {w for w in words if sum(bool(re.search(rf"\b{w}\b", x)) for x in texts.values()) <= len(tests) / 3}
    score = {t: sum(bool(re.search(rf"\b{w}\b", texts[t])) for w in rare) for t in tests}
    return unit_first(sorted(tests, key=lambda t: -score[t]))  # stable: the distance order within a score


def unit_first(tests: list[Path]) -> list[Path]:
    """The tests that need no database first: seconds for all of them."""
    return [t for t in tests if t.parent.name == "unit"] + [t for t in tests if t.parent.name != "unit"]


def tests_for(relative: str, root: Path, graph: ImportGraph, before: str = "") -> list[Path]:
    path = root / relative
    if relative.endswith(".py"):
        return by_relevance(graph.test_files([module_name(path, root)]), words_around(path, before))
    if relative.startswith("harness/sql/"):
        return by_relevance(graph.test_files(sql_readers(relative, root)), words_around(path, before))
    names = dbt_names(path)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    counted = []
    for test in sorted((root / "pytests").rglob("test_*.py")):
        hits = len(pattern.findall(test.read_text()))
        if hits:
            counted.append((-hits, str(test)))
    naming = [Path(p) for _, p in sorted(counted)]
    running_dbt = graph.test_files(["harness.dbt_bridge.dbt_runner"])
    return unit_first(naming) + unit_first([t for t in running_dbt if t not in naming])


# ---------------------------------------------------------------- one mutation


def run(args: list[str], cwd: Path, env: dict | None = None, timeout: float | None = None):
    """A command in a process group of its own (stopped whole on a timeout, Ctrl-C or SIGTERM: stop())."""
    process = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output
    except subprocess.TimeoutExpired:
        stop(process)
        return None, ""
    except BaseException:  # Ctrl-C or SIGTERM: the tests stopped, their servers with them, before the worktree goes
        stop(process)
        raise


STOP_GRACE_S = 60  # what pytest gets, once interrupted, to stop the embedded servers of its sessions


def stop(process: subprocess.Popen) -> None:
    """Interrupt a command's process group as Ctrl-C would (pytest's teardown stops each session's
    embedded server, which SIGKILL would leave running, its data directory gone); SIGKILL it if it
    has not ended within STOP_GRACE_S."""
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.communicate(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    except ProcessLookupError:
        pass


def environment(worktree: Path, home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARNESS_", "PG", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(worktree), str(worktree / "pytests" / "mutants")])
    env["HARNESS_HOME"] = str(home)
    env["PYTEST_DEBUG_TEMPROOT"] = str(home.parent / "pytest")  # removed with the run's scratch directory
    (home.parent / "pytest").mkdir(parents=True, exist_ok=True)
    return env


def apply(mutation: Mutation, worktree: Path) -> str | None:
    """Write the mutation into the worktree; the reason it is not one, if it is not."""
    if "\n" in mutation.before or "\n" in mutation.after or mutation.before == mutation.after:
        return "before and after must be one line each, and differ"
    path = worktree / mutation.path
    if not path.is_file():
        return f"{mutation.path} does not exist"
    text = path.read_text()
    count = text.count(mutation.before)
    if count != 1:
        return f"its text is found {count} times in {mutation.path} (once wanted)"
    path.write_text(text.replace(mutation.before, mutation.after))
    return None


def rejected(mutation: Mutation, worktree: Path, env: dict) -> str | None:
    """Why the mutated file does not import, parse or lint (None: it does)."""
    relative = mutation.path
    if relative.endswith(".py"):
        module = module_name(worktree / relative, worktree)
        code, said = run([sys.executable, "-c", f"import {module}"], worktree, env)
        if code != 0:
            return f"import {module} fails: {said.strip().splitlines()[-1] if said.strip() else code}"
        for check in (["check", relative], ["format", "--check", relative]):
            code, said = run([str(BIN / "ruff"), *check], worktree, env)
            if code != 0:
                return f"ruff {check[0]}: {said.strip().splitlines()[0]}"
        return None
    if relative.endswith(".sql"):
        if relative.startswith(LINTED_SQL):
            lint = [str(BIN / "sqlfluff"), "lint", relative, "--disable-progress-bar", "--processes", "1"]
            if relative.startswith("harness/sql/"):
                lint += ["--templater", "placeholder"]
            code, said = run(lint, worktree, env)
            if code != 0:
                problems = [line for line in said.splitlines() if line.startswith("L:")]
                return f"sqlfluff: {problems[0].strip() if problems else said.strip()[-200:]}"
        if relative.split("/")[0] in DBT_PROJECT_DIRS:
            parse = (
                "from harness.common.schemas import Schemas\nfrom harness.db import connection as db\n"
                "from harness.dbt_bridge import dbt_runner\n"
                "run = dbt_runner.invoke('parse', db.Target('host=localhost dbname=parse_only'), Schemas('public'))\n"
                "raise SystemExit(run.error or (0 if run.success else 'the parse failed'))\n"
            )
            code, said = run([sys.executable, "-c", parse], worktree, env)
            if code != 0:
                return f"dbt parse: {said.strip().splitlines()[-1] if said.strip() else code}"
        return None
    return "only Python and SQL files are mutated"


def first_failure(output: str) -> str | None:
    found = re.search(FAILURE, output, re.M)
    return found.group(1) if found else None


def pytest_args(workers: int) -> list[str]:
    """pytest, stopping at the first failure, the files in the run's order (order_plugin.py)."""
    spread = ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else ["-p", "no:xdist"]
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "order_plugin", *spread, "-x", "-q"]


def try_mutation(mutation: Mutation, worktree: Path, graph: ImportGraph, homes: Path, options) -> Outcome:
    started = time.perf_counter()
    outcome = Outcome(mutation, "rejected")
    env = environment(worktree, homes / "parse")
    try:
        if (worktree / mutation.path).is_file() and mutation.before in (worktree / mutation.path).read_text():
            found = tests_for(mutation.path, worktree, graph, mutation.before)
            outcome.tests = [str(t.relative_to(worktree)) for t in found]
        why = apply(mutation, worktree)
        if why is None:
            why = rejected(mutation, worktree, env)
        if why is not None:
            outcome.detail = why
            return outcome
        if not outcome.tests:
            outcome.status, outcome.detail = "survived", "no test file was found for it"
            return outcome
        env = environment(worktree, homes / "run")
        env["MUTANTS_ORDER"] = os.pathsep.join(outcome.tests)
        timeout = options.timeout
        code, said = run([*pytest_args(options.workers), *outcome.tests], worktree, env, timeout)
        killer = first_failure(said)
        if code is None:
            outcome.status, outcome.detail = "timeout", f"the tests ran over {timeout:.0f} s"
        elif code in (1, 2) and killer:  # 2: xdist stopping its workers at the first failure (-x)
            outcome.status, outcome.killer = "killed", killer
        elif code == 0:
            outcome.status = "survived"
        else:
            outcome.status, outcome.detail = "error", f"pytest exit {code}: {said.strip()[-300:]}"
        return outcome
    finally:
        subprocess.run(["git", "-C", str(worktree), "checkout", "--quiet", "--", mutation.path], check=False)
        outcome.seconds = time.perf_counter() - started


def confirm_killers(outcomes: list[Outcome], worktree: Path, homes: Path, timeout: float) -> None:
    """A killing test must pass on the unmutated worktree; one that fails there too killed nothing."""
    killers = sorted({o.killer for o in outcomes if o.status == "killed" and o.killer and "::" in o.killer})
    if not killers:
        return
    print(f"\nrunning the {len(killers)} killing tests on the unmutated worktree ...", flush=True)
    env = environment(worktree, homes / "run")
    env["MUTANTS_ORDER"] = ""
    code, said = run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q", "-rfE", *killers],
        worktree,
        env,
        timeout,
    )
    failing = set(re.findall(FAILURE, said, re.M)) if code else set()
    if code is None:
        failing = set(killers)
    for outcome in outcomes:
        if outcome.status == "killed" and outcome.killer in failing:
            outcome.status, outcome.detail = "survived", f"{outcome.killer} fails unmutated too"


# ---------------------------------------------------------------- the run


def chosen(names: list[str]) -> list[Mutation]:
    """The mutations named: an area, a mutation's name, or area/name as the run prints it."""
    if not names:
        return list(MUTATIONS)
    known = set(AREAS) | {m.name for m in MUTATIONS} | {f"{m.area}/{m.name}" for m in MUTATIONS}
    unknown = [n for n in names if n not in known]
    wanted = {n.split("/", 1)[-1] for n in names}
    if unknown:
        raise SystemExit(f"no area or mutation named {', '.join(unknown)}; areas: {', '.join(AREAS)}")
    return [m for m in MUTATIONS if m.area in wanted or m.name in wanted]


def summary(outcomes: list[Outcome], seconds: float) -> str:
    counts: dict[str, dict[str, int]] = {area: defaultdict(int) for area in AREAS}
    for outcome in outcomes:
        counts[outcome.mutation.area][outcome.status] += 1
    width = max(len(a) for a in AREAS)
    lines = [f"{'area':<{width}}  killed  survived  rejected  timeout  error"]
    for area, by in counts.items():
        if sum(by.values()):
            lines.append(
                f"{area:<{width}}  {by['killed']:>6}  {by['survived']:>8}  {by['rejected']:>8}  {by['timeout']:>7}"
                f"  {by['error']:>5}"
            )
    total = defaultdict(int)
    for outcome in outcomes:
        total[outcome.status] += 1
    lines.append(
        f"{'all':<{width}}  {total['killed']:>6}  {total['survived']:>8}  {total['rejected']:>8}  "
        f"{total['timeout']:>7}  {total['error']:>5}"
    )
    lines.append(f"{len(outcomes)} mutations in {seconds / 60:.1f} min")
    return "\n".join(lines)


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="areas or mutation names (default: every mutation)")
    parser.add_argument("--list", action="store_true", help="print each mutation and its tests; run nothing")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per mutation's tests")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers per mutation's tests (1: none)")
    options = parser.parse_args()
    mutations = chosen(options.names)
    signal.signal(signal.SIGTERM, interrupted)
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="abparts-mutants-"))
    worktree = scratch / "worktree"
    outcomes: list[Outcome] = []
    try:
        subprocess.run(
            ["git", "-C", str(CHECKOUT), "worktree", "add", "--quiet", "--detach", str(worktree), "HEAD"], check=True
        )
        (worktree / "pytests" / "mutants").mkdir(exist_ok=True)
        shutil.copy(HERE / "order_plugin.py", worktree / "pytests" / "mutants" / "order_plugin.py")
        graph = ImportGraph(worktree)
        if options.list:
            for mutation in mutations:
                tests = [
                    str(t.relative_to(worktree)) for t in tests_for(mutation.path, worktree, graph, mutation.before)
                ]
                print(
                    f"{mutation.area}/{mutation.name}: {mutation.path}: {mutation.before.strip()!r} -> "
                    f"{mutation.after.strip()!r}\n    tests: {', '.join(tests) or 'none'}"
                )
            return 0
        print(f"{len(mutations)} mutations of HEAD ({worktree})", flush=True)
        for number, mutation in enumerate(mutations, 1):
            outcome = try_mutation(mutation, worktree, graph, scratch / "homes", options)
            outcomes.append(outcome)
            said = outcome.killer if outcome.status == "killed" else outcome.detail
            print(
                f"[{number}/{len(mutations)}] {mutation.area}/{mutation.name}: {outcome.status}"
                f"{': ' + said if said else ''} ({outcome.seconds:.0f} s, {len(outcome.tests)} test files)",
                flush=True,
            )
        confirm_killers(outcomes, worktree, scratch / "homes", options.timeout)
    except KeyboardInterrupt:
        print("\ninterrupted: the worktree is removed, the checkout was never changed", flush=True)
        return 130
    finally:
        subprocess.run(["git", "-C", str(CHECKOUT), "worktree", "remove", "--force", str(worktree)], check=False)
        subprocess.run(["git", "-C", str(CHECKOUT), "worktree", "prune"], check=False)
        shutil.rmtree(scratch, ignore_errors=True)
    if not outcomes:
        return 0
    survivors = [o for o in outcomes if o.status != "killed"]
    print()
    for outcome in survivors:
        print(f"not killed: {outcome.mutation.area}/{outcome.mutation.name} ({outcome.status}): {outcome.detail}")
    print(summary(outcomes, time.perf_counter() - started))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
