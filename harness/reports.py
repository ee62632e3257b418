"""JSON reports in reports/ (documented in docs/report-format.md) and the
human summary printed at the end of a build.

Nothing secret goes into a report: DSNs are redacted and quarantined legacy
rows are summarised by id, never copied (a users row holds a password hash).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__, paths

REPORT_VERSION = 1


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "__float__"):
        return float(value)
    return str(value)


def write(kind: str, report_id: str, body: dict) -> Path:
    """Write reports/<kind>_report_<id>.json (owner read/write only)."""
    directory = paths.reports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "report_version": REPORT_VERSION,
        "kind": kind,
        "tool": {"name": "abparts-migrate", "version": __version__},
        "written_at": utc_now(),
    } | body
    path = directory / f"{kind}_report_{report_id}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=2, default=_json_default) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path


def latest(kind: str) -> Path | None:
    directory = paths.reports_dir()
    if not directory.exists():
        return None
    candidates = sorted(directory.glob(f"{kind}_report_*.json"), key=lambda p: p.stat().st_mtime)
    return candidates[-1] if candidates else None


def find(report_id: str) -> list[Path]:
    directory = paths.reports_dir()
    if not directory.exists():
        return []
    return sorted(directory.glob(f"*_report_{report_id}.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def schema_errors(document: dict) -> list[str]:
    """Where a report breaks its JSON Schema (docs/<kind>-report.schema.json); empty when valid."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    docs = paths.project_dir() / "docs"
    resources = []
    for path in docs.glob("*-report.schema.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
        resources.append((path.name, Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    schema = json.loads((docs / f"{document['kind']}-report.schema.json").read_text())
    validator = Draft202012Validator(schema, registry=registry)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(document)]
