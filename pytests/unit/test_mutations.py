"""The mutations of `make mutants` (pytests/mutants/mutations.py) stay applicable: each changes one
line of a Python or SQL file, found there exactly once, into a line no longer than lint allows
(run.py rejects one that fails lint), and every area of issue 30 keeps at least two (30 at
least in all). Whether the tests kill them is `make mutants`' business (an
hour); that each can still be applied is this test's (milliseconds)."""

from __future__ import annotations

import sys
from collections import Counter

from helpers import PROJECT

sys.path.insert(0, str(PROJECT / "pytests" / "mutants"))
from mutations import AREAS, MUTATIONS  # noqa: E402

LINE_LENGTH = {".py": 120, ".sql": 130}  # ruff's (pyproject.toml) and sqlfluff's (.sqlfluff): a longer line is rejected


def test_every_mutation_changes_one_line_found_once():
    stale = []
    for mutation in MUTATIONS:
        path = PROJECT / mutation.path
        if not path.is_file() or path.read_text().count(mutation.before) != 1:
            stale.append(f"{mutation.area}/{mutation.name}: {mutation.before!r} is not once in {mutation.path}")
            continue
        text = path.read_text()
        start = text.rfind("\n", 0, text.index(mutation.before)) + 1
        line = text[start : text.index("\n", start)].replace(mutation.before, mutation.after)
        if len(line) > LINE_LENGTH[path.suffix]:
            stale.append(f"{mutation.area}/{mutation.name}: the mutated line is {len(line)} long (lint rejects it)")
        assert "\n" not in mutation.before + mutation.after and mutation.before != mutation.after, mutation.name
        assert mutation.path.endswith((".py", ".sql")), mutation.name
    assert stale == [], "a mutated line changed: update pytests/mutants/mutations.py\n" + "\n".join(stale)


def test_every_area_keeps_two_mutations_and_every_name_is_one():
    per_area = Counter(m.area for m in MUTATIONS)
    assert set(per_area) <= set(AREAS)
    assert {area: n for area, n in per_area.items() if n < 2} == {} and set(per_area) == set(AREAS)
    assert len(MUTATIONS) >= 30
    assert len({m.name for m in MUTATIONS}) == len(MUTATIONS)


def test_a_mutation_is_chosen_by_its_area_its_name_or_area_slash_name_as_the_run_prints_it():
    import pytest
    from run import chosen

    first = MUTATIONS[0]
    by_area = chosen([first.area])
    assert first in by_area and {m.area for m in by_area} == {first.area}
    assert chosen([first.name]) == [first] == chosen([f"{first.area}/{first.name}"])
    other_area = next(area for area in AREAS if area != first.area)
    for wrong in ("nowhere/nothing", f"{other_area}/{first.name}"):
        with pytest.raises(SystemExit, match=f"no area or mutation named {wrong};"):
            chosen([wrong])
