"""Lineage docs: `dbt docs generate --static` (works offline) into one HTML
file a reviewer opens in a browser: every model, seed, source and test with
its description, the lineage graph, the compiled SQL."""

from __future__ import annotations

import functools
import http.server
import shutil
import webbrowser
from collections.abc import Callable
from pathlib import Path

from harness.common import paths
from harness.common.errors import HarnessError
from harness.common.schemas import Schemas
from harness.db.connection import Target
from harness.dbt_bridge import dbt_runner


def site_dir() -> Path:
    return paths.home_dir() / "lineage"


def generate(target: Target, schemas: Schemas) -> Path:
    run = dbt_runner.invoke("docs generate", target, schemas, args=["--static", "--log-level", "none"])
    dbt_runner.raise_on_error(run)
    page = run.target_path / "static_index.html" if run.target_path else None
    if not run.success or page is None or not page.exists():
        raise HarnessError("dbt docs generate did not produce the static page; see logs/dbt/dbt.log")
    site_dir().mkdir(parents=True, exist_ok=True)
    final = site_dir() / "index.html"
    shutil.copyfile(page, final)
    return final


def open_in_browser(page: Path) -> bool:
    return webbrowser.open(page.as_uri())


def serve(page: Path, port: int, announce: Callable[[str], None]) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(page.parent))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        announce(f"http://127.0.0.1:{port}/{page.name}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
