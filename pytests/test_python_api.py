"""docs/python-api.md is true: every ```python block of it runs, top to bottom
in one namespace, against a scratch database of the embedded server."""

from __future__ import annotations

import re

import pytest
from conftest import PROJECT


@pytest.mark.timeout(400)  # whole flows; the default (pyproject.toml) is 120 s
def test_the_python_api_examples_run(new_database, monkeypatch):
    target = new_database("api")
    monkeypatch.setenv("HARNESS_DSN", target.dsn)
    text = (PROJECT / "docs" / "python-api.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 6
    namespace: dict = {}
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"docs/python-api.md block {number}", "exec"), namespace)  # noqa: S102
