"""The HTML report as a person sees it: headless Chromium (Debian's package, /usr/bin/chromium)
opens the page written from a real run's reports (pytests/fixtures/run_reports/) and it loads with
no console error and no request but its own file; nothing is wider than A4; a PNG screenshot
and a PDF printout are saved and the PDF's pages are A4.

Never skipped: without Chromium the test fails in one line naming the apt-get command
(`make test` installs it when run as root). The browser is driven over the DevTools protocol on
a pipe (pytests/browser.py): pure Python, no driver, no port. A control page with an image
from the network, a console error and a table wider than A4 shows the checks see all three.
"""

from __future__ import annotations

import pytest
from browser import A4_POINTS, MISSING, Chromium, executable, look_at, pdf_media_boxes, pdf_pages, png_size, report_home

from harness.reporting import html_report, reports

RUN = "20261204_220132_059f"


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    if executable() is None:
        pytest.fail(MISSING, pytrace=False)
    scratch = tmp_path_factory.mktemp("chromium")
    with Chromium(scratch / "profile", scratch / "chromium.log") as browser:
        yield browser


def test_the_report_loads_in_chromium_with_no_console_error_and_no_network_request(chromium, tmp_path, monkeypatch):
    home = report_home(tmp_path / "home")
    (home / "lineage").mkdir()
    (home / "lineage" / "index.html").write_text("<!DOCTYPE html><title>lineage</title>")
    monkeypatch.setenv("HARNESS_HOME", str(home))
    page = reports.write_page(RUN)
    screenshot, printout = tmp_path / "report.png", tmp_path / "report.pdf"

    look = look_at(chromium, page.as_uri(), screenshot=screenshot, pdf=printout)

    assert look.title == f"abparts-migrate: run {RUN}"
    assert look.requests == [page.as_uri()]  # the page itself, nothing else
    assert look.resources == 0
    assert look.console == []
    assert look.sections[:4] == ["Steps and the lock window", "Rows per table", "Conservation proofs", "Quarantine"]
    assert "Backups, rollback and restore" in look.sections
    # printed, nothing is wider than A4 inside its margins
    assert look.print_scroll_width <= look.print_width and look.too_wide == []
    assert png_size(screenshot.read_bytes()) == (1000, 1400)
    data = printout.read_bytes()
    assert data.startswith(b"%PDF-") and pdf_pages(data) > 1
    boxes = pdf_media_boxes(data)
    assert boxes and all(abs(w - A4_POINTS[0]) < 1.5 and abs(h - A4_POINTS[1]) < 1.5 for w, h in boxes), boxes
    assert look.seconds < 30


def test_long_unbroken_values_wrap_inside_a4(chromium, tmp_path, monkeypatch):
    """Ids, paths and names far longer than a column: every table keeps to the page's width."""
    home = report_home(tmp_path / "home")
    monkeypatch.setenv("HARNESS_HOME", str(home))
    documents = [reports.load(path) for path in html_report.report_paths(RUN)]
    long = "x" * 400
    migration = documents[0]
    migration["database"] = f"postgresql://{long}@/{long}"
    migration["quarantine"]["groups"][0]["example_ids"] = [long, long]
    migration["quarantine"]["groups"][0]["reason_code"] = long
    migration["cutover"]["backup"]["dump_path"] = f"/{long}/{long}.dump"
    migration["steps"][0]["models"] = [long]
    for check in migration["validation"]["checks"]:
        check["example_ids"], check["name"] = [long], check["name"] + long
    migration["surroundings"] = [{long: long, "object": long}]
    page = tmp_path / "long.html"
    page.write_text(html_report.render(documents))
    look = look_at(chromium, page.as_uri())
    assert look.console == [] and look.requests == [page.as_uri()]
    assert look.print_scroll_width <= look.print_width and look.too_wide == []


def test_the_check_sees_a_network_request_and_a_console_error(chromium, tmp_path):
    control = tmp_path / "control.html"
    control.write_text(
        '<!DOCTYPE html><title>control</title><img src="http://127.0.0.1:9/pixel.png">'
        '<script>console.error("the control page logs an error")</script>'
        f'<table><tr><td id="wide">{"x" * 400}</td></tr></table>'
    )
    look = look_at(chromium, control.as_uri())
    assert look.requests == [control.as_uri(), "http://127.0.0.1:9/pixel.png"]
    assert "console.error: the control page logs an error" in look.console
    assert look.resources == 1
    assert look.print_scroll_width > look.print_width and "td#wide" in look.too_wide
