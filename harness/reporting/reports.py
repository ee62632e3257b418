"""JSON reports in reports/ (documented in docs/reports.md, with JSON Schemas
in docs/*-report.schema.json), and the one document shape of every result:
what `--json` prints, what a report holds and what render.py shows.

Nothing secret goes into a report: DSNs are redacted and quarantined legacy
rows are summarised by id, never copied (a users row holds a password hash).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import math
import os
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

from harness import __version__
from harness.common import paths
from harness.common.errors import UsageError
from harness.common.log import LOGGER_NAME
from harness.reporting import html_report

REPORT_VERSION = 1


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal) and not value.is_finite():
        return _not_finite(value)
    if hasattr(value, "__float__"):
        return _finite(float(value))
    return str(value)


def _not_finite(value: float | Decimal) -> str:
    """JSON has no NaN or Infinity (RFC 8259): such a number is written as its name, a string."""
    if value.is_nan() if isinstance(value, Decimal) else math.isnan(value):
        return "NaN"
    return "-Infinity" if value < 0 else "Infinity"


def _finite(value: Any) -> Any:
    """`value` with every NaN and infinite float named (json writes floats itself, unasked)."""
    if isinstance(value, float) and not math.isfinite(value):
        return _not_finite(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def dumps(value: Any, **options) -> str:
    """Strict JSON whatever the data holds: a NaN or infinite number is written as its name."""
    return json.dumps(_finite(value), default=_json_default, allow_nan=False, **options)


def jsonable(value: Any) -> Any:
    """A result's fields as plain JSON values (dates as ISO strings, decimals as numbers)."""
    return json.loads(dumps(value))


class Result:
    """Base of the result dataclasses: to_dict() is their one document shape."""

    def to_dict(self) -> dict:
        return jsonable(dataclasses.asdict(self))


def path_of(kind: str, report_id: str) -> Path:
    return paths.reports_dir() / f"{kind}_report_{report_id}.json"


@functools.cache
def tool() -> dict:
    """Which tool wrote a report: the package version, `git describe` of the checkout it runs
    from (none when installed as a package), and the dbt it ran."""
    described = {}
    if (paths.project_dir() / ".git").exists():
        try:
            run = subprocess.run(
                ["git", "-C", str(paths.project_dir()), "describe", "--always", "--dirty", "--tags"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
            if run.returncode == 0 and run.stdout.strip():
                described = {"git": run.stdout.strip()}
        except (OSError, subprocess.SubprocessError):
            pass
    versions = {}
    for key, package in (("dbt", "dbt-core"), ("dbt_postgres", "dbt-postgres")):
        try:
            versions[key] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return {"name": "abparts-migrate", "version": __version__} | described | versions


def write(kind: str, report_id: str, body: dict) -> Path:
    """Write reports/<kind>_report_<id>.json (owner read/write only), then the run's HTML page."""
    paths.ensure_private_dir(paths.reports_dir())
    document = {
        "report_version": REPORT_VERSION,
        "kind": kind,
        "tool": tool(),
        "written_at": utc_now(),
    } | body
    path = path_of(kind, report_id)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(dumps(document, indent=2) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    _write_page(kind, report_id)
    return path


def _write_page(kind: str, report_id: str) -> None:
    """reports/<run>.html, from every report of the run. The JSON is the record and is written:
    a page that cannot be rendered is logged, and never fails the command that ran (a cutover
    is done by then); `harness report --html` shows the error."""
    try:
        write_page(html_report.run_of(kind, report_id))
    except Exception as exc:  # noqa: BLE001 - see the docstring
        logging.getLogger(LOGGER_NAME).warning(
            "the HTML report of %s could not be written: %s: %s", report_id, type(exc).__name__, exc
        )


def write_page(run: str) -> Path:
    """(Re)write reports/<run>.html from every report of the run (html_report.py draws it)."""
    sources = html_report.report_paths(run)
    if not sources:
        raise UsageError(f"no report of run {run!r} in {paths.reports_dir()}")
    return html_report.write(run, [load(p) for p in sources])


def page(report_id: str | None) -> Path:
    """The HTML page of a run, test or report id (default: the newest report's run); written when
    it is missing or older than what it draws."""
    if report_id is None or not html_report.report_paths(report_id):
        kind, _, found_id = chosen(report_id)[0].name.removesuffix(".json").partition("_report_")
        run = html_report.run_of(kind, found_id)
    else:
        run = report_id
    if html_report.is_stale(run):
        write_page(run)
    return html_report.path_of(run)


def add_to_migration_report(
    run_id: str, live_schema: str, key: str, block: dict, outcome: str, *, extra: dict | None = None
) -> Path:
    """A step after the build (the cutover, the rollback) adds its block to the run's migration report
    (or starts one where the build's is not here), and says the run's outcome; the page follows.
    extra: top-level keys it replaces too (the surroundings as the swap found them)."""
    document = load(path_of("migration", run_id)) if path_of("migration", run_id).exists() else {}
    body = {k: v for k, v in document.items() if k not in ("report_version", "kind", "tool", "written_at")}
    body.setdefault("run_id", run_id)
    body.setdefault("live_schema", live_schema)
    body["outcome"] = outcome
    body[key] = block
    body.update(extra or {})
    return write("migration", run_id, body)


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


def chosen(report_id: str | None) -> list[Path]:
    """The reports of a run or test id, else the newest report of any kind."""
    if report_id:
        found = find(report_id)
        if not found:
            raise UsageError(f"no report for {report_id!r} in {paths.reports_dir()}")
        return found
    newest = [p for p in (latest(k) for k in ("migration", "validation", "test")) if p]
    if not newest:
        raise UsageError(f"no report yet in {paths.reports_dir()}: run `harness build` or `harness validate`")
    return [max(newest, key=lambda p: p.stat().st_mtime)]


KINDS = ("migration", "validation", "test")


def load(path: Path) -> dict:
    """A report the harness wrote; anything else (damaged, or another program's JSON) is one line."""
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(
            f"{path} cannot be read as a report ({exc}): is it a report the harness wrote, and whole?"
        ) from None
    if not isinstance(document, dict) or document.get("kind") not in KINDS or "report_version" not in document:
        raise UsageError(f"{path} is not a report the harness wrote (no report_version and kind {' | '.join(KINDS)})")
    return document


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
