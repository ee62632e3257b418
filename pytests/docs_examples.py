"""The example output of the docs, from real runs (`make docs-examples`):

    .venv/bin/python pytests/docs_examples.py --write

runs the commands of the runbook's "Command by command" and "Validation findings: the
dirty sample", and `harness demo` ("make demo"), each in a fresh HARNESS_HOME with an
embedded server of its own, and writes what they printed into the code block after each
marker `<!-- docs-examples: NAME ... -->` of docs/runbook.md, and the end of the demo's
into README.md's. What the output shows of the machine is left out: the home directory's
path (the project directory when an operator runs it) is shown relative (`reports/…`),
and as `$PWD` in a DSN, where it must be absolute; the progress lines (one per dbt node
and step off a terminal) are left out.

pytests/unit/test_docs_truth.py checks, without running anything, that the blocks are
there, show these commands, and hold no absolute path. Without --write: prints the blocks;
with names (command-by-command, dirty-sample, make-demo): just those.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
RUNBOOK = PROJECT / "docs" / "runbook.md"
README = PROJECT / "README.md"
MARKER = "<!-- docs-examples: {name} (make docs-examples writes the block below from a real run; do not edit it) -->"
COLUMNS = {"dirty-sample": "160"}  # the width tables are drawn for (rich's, off a terminal): else 110
PROGRESS = re.compile(r"^\d\d:\d\d:\d\d ")  # the plain progress lines: HH:MM:SS [step] ...

# what each block shows: shell lines, run as an operator types them
TRANSCRIPTS = {
    "command-by-command": [
        "harness db start",
        "harness db status",
        'export HARNESS_DSN="$(harness db url --database abparts_guide)"',
        "harness sample generate --size small_sample",
        "harness stage",
        "harness validate",
        "echo $?",
        "harness migrate --yes",
        "harness status",
        "harness rollback",
        "harness rollback",
        "echo $?",
        "harness prune --yes",
        "harness --schema Public build",
        "echo $?",
    ],
    "dirty-sample": [
        'export HARNESS_DSN="$(harness db url --database abparts_dirty)"',
        "harness sample generate --size small_sample --dirty",
        "harness validate",
        "echo $?",
    ],
    # `make demo` is `harness demo`; its block shows the output alone
    "make-demo": ["harness demo"],
}
# the README shows the end of the demo's output, from its verdict
README_FROM = "checks run: "
# a command's output longer than this is shown shortened, its middle left out (and said so)
LONGEST = {"dirty-sample": 40}
KEPT_AT_END = 5


class Session:
    """A shell of one's own: a fresh HARNESS_HOME (and so an embedded server of its own)."""

    def __init__(self, home: Path, columns: str = "110"):
        self.home = home
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("HARNESS_", "PG", "XDG_RUNTIME_DIR"))}
        self.env |= {"HARNESS_HOME": str(home), "COLUMNS": columns, "NO_COLOR": "1"}
        self.code = 0

    def harness(self, words: list[str]) -> tuple[str, int]:
        done = subprocess.run(
            [sys.executable, "-m", "harness", *words],
            cwd=PROJECT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return done.stdout, done.returncode

    def run(self, line: str) -> str:
        """What the line prints, as the docs show it."""
        if line == "echo $?":
            return f"{self.code}\n"
        exported = re.fullmatch(r'export (\w+)="\$\(harness (.*)\)"', line)
        if exported:
            printed, self.code = self.harness(shlex.split(exported.group(2)))
            assert self.code == 0, printed
            self.env[exported.group(1)] = printed.strip()
            return ""
        assert line.startswith("harness "), line
        printed, self.code = self.harness(shlex.split(line)[1:])
        return printed

    def shown(self, text: str) -> str:
        """The output without the machine: no progress line, no path of the home directory."""
        home = str(self.home.resolve())
        text = re.sub(rf"host={re.escape(home)}", "host=$PWD", text)
        text = text.replace(home + "/", "").replace(home, ".")
        return "".join(line for line in text.splitlines(keepends=True) if not PROGRESS.match(line))


def shortened(printed: str, longest: int | None) -> str:
    lines = printed.splitlines(keepends=True)
    if longest is None or len(lines) <= longest:
        return printed
    head, tail = lines[: longest - KEPT_AT_END - 1], lines[-KEPT_AT_END:]
    return "".join([*head, f"… ({len(lines) - len(head) - len(tail)} lines left out here)\n", *tail])


def record(name: str) -> str:
    """The block `name` as a fresh run prints it: `$ command` lines and their output (make-demo: the output)."""
    with tempfile.TemporaryDirectory(prefix="abparts-docs-") as home:
        session = Session(Path(home), COLUMNS.get(name, "110"))
        shown = []
        try:
            for line in TRANSCRIPTS[name]:
                printed = shortened(session.shown(session.run(line)), LONGEST.get(name))
                shown.append(printed if name == "make-demo" else f"$ {line}\n{printed}")
        finally:
            session.harness(["db", "stop"])
    return "".join(shown).rstrip("\n") + "\n"


def replace_block(text: str, name: str, block: str) -> str:
    """`text` with the code block after the marker of `name` replaced by `block`."""
    marker = MARKER.format(name=name)
    at = text.index(marker) + len(marker)
    start = text.index("```\n", at)
    end = text.index("\n```", start + 4)
    return text[: start + 4] + block.rstrip("\n") + text[end:]


def block_after(text: str, name: str) -> str:
    marker = MARKER.format(name=name)
    at = text.index(marker) + len(marker)
    start = text.index("```\n", at) + 4
    return text[start : text.index("\n```", start)] + "\n"


def readme_excerpt(demo: str) -> str:
    return demo[demo.rindex(README_FROM) :]


def main(argv: list[str]) -> int:
    """[--write] [NAME ...]: the blocks (every one unless named), printed or written into the docs."""
    write, names = argv[:1] == ["--write"], argv[1:] if argv[:1] == ["--write"] else argv
    unknown = set(names) - set(TRANSCRIPTS)
    if unknown:
        raise SystemExit(f"no example named {', '.join(sorted(unknown))}: {', '.join(TRANSCRIPTS)}")
    blocks = {name: record(name) for name in names or TRANSCRIPTS}
    if not write:
        for name, block in blocks.items():
            print(f"{MARKER.format(name=name)}\n```\n{block}```\n")
        return 0
    runbook = RUNBOOK.read_text()
    for name, block in blocks.items():
        runbook = replace_block(runbook, name, block)
    RUNBOOK.write_text(runbook)
    if "make-demo" in blocks:
        README.write_text(replace_block(README.read_text(), "make-demo", readme_excerpt(blocks["make-demo"])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
