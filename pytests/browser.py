"""Headless Chromium (Debian's package) over the DevTools protocol on a pipe: pure Python, no
driver and no port. Chromium reads commands on its fd 3 and writes answers and events on its
fd 4 (--remote-debugging-pipe), each message JSON ended by a NUL byte.

`look_at()` opens a page and tells what a person would have seen: its title, every request
it made, every console message and uncaught error, whether anything is wider than A4, and
it saves a PNG screenshot and a PDF printout.

    python pytests/browser.py --screenshot docs/report-screenshot.png   # make docs-screenshot
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
INSTALL = "apt-get install -y chromium"
MISSING = f"Chromium is missing: {INSTALL} (make test installs it when run as root)"
# as the machine's probe starts it: no background networking (this network is closed), no GPU
FLAGS = [
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]
A4_POINTS = (595.28, 841.89)  # 210 x 297 mm
# the width of A4 inside the page's @page margins (12 mm each side), in CSS pixels (96 per inch)
A4_CONTENT_PX = round((210 - 24) / 25.4 * 96)


class ChromiumMissing(RuntimeError):
    pass


def executable() -> str | None:
    return shutil.which("chromium") or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)


def _high(fd: int) -> int:
    """The fd moved above 9, so the child's `3<&` and `4>&` can never clobber it."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Chromium:
    """One headless browser; `call` sends a command and returns its result, keeping the events."""

    def __init__(self, profile: Path, log: Path):
        found = executable()
        if found is None:
            raise ChromiumMissing(MISSING)
        commands_read, self._commands = (_high(fd) for fd in os.pipe())
        self._answers, answers_write = (_high(fd) for fd in os.pipe())
        flags = [*FLAGS, f"--user-data-dir={profile}", *(["--no-sandbox"] if os.geteuid() == 0 else [])]
        script = f'exec "$@" 3<&{commands_read} 4>&{answers_write} {commands_read}<&- {answers_write}>&-'
        self.log = log
        with log.open("wb") as sink:
            # bash: dash's redirections take single-digit fds only
            self.process = subprocess.Popen(
                ["bash", "-c", script, "chromium", found, *flags],
                pass_fds=(commands_read, answers_write),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        os.close(commands_read)
        os.close(answers_write)
        self._buffer = bytearray()
        self._next_id = 0
        self.events: list[dict] = []

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.call("Browser.close", timeout=10)
            except (OSError, TimeoutError, RuntimeError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for fd in (self._commands, self._answers):
            try:
                os.close(fd)
            except OSError:
                pass

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._commands, data) :]
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline, method)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result") or {}
            self.events.append(answer)

    def wait_for(self, event: str, session: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for message in self.events:
                if message.get("method") == event and message.get("sessionId") == session:
                    return message
            self.events.append(self._read(deadline, event))

    def _read(self, deadline: float, waiting_for: str) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"Chromium did not answer {waiting_for}; its log: {self.log}")
            ready, _, _ = select.select([self._answers], [], [], left)
            if ready:
                chunk = os.read(self._answers, 1 << 20)
                if not chunk:
                    raise RuntimeError(
                        f"Chromium exited ({self.process.poll()}) during {waiting_for}; "
                        f"its log: {self.log}: {self.log.read_text(errors='replace')[-800:]}"
                    )
                self._buffer += chunk
        end = self._buffer.index(b"\0")
        message = json.loads(bytes(self._buffer[:end]))
        del self._buffer[: end + 1]
        return message


@dataclass
class Look:
    """What a person would have seen of a page."""

    url: str
    title: str = ""
    requests: list[str] = field(default_factory=list)  # every request the page made, its own load included
    console: list[str] = field(default_factory=list)  # console messages, browser log entries, uncaught errors
    resources: int = 0  # what the page fetched, as the page's own Performance API counts it
    print_width: int = 0  # the viewport width in print emulation (A4 inside the margins)
    print_scroll_width: int = 0  # the document's width there: more than print_width is wider than the page
    too_wide: list[str] = field(default_factory=list)  # elements that end right of the A4 page
    sections: list[str] = field(default_factory=list)
    seconds: float = 0.0


def look_at(
    browser: Chromium,
    page: str,
    *,
    screenshot: Path | None = None,
    pdf: Path | None = None,
    width: int = 1000,
    height: int = 1400,
) -> Look:
    started = time.monotonic()
    look = Look(url=page)
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Network", "Runtime", "Log"):
        browser.call(f"{domain}.enable", session=session)
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        session,
    )
    first_event = len(browser.events)
    browser.call("Page.navigate", {"url": page}, session)
    browser.wait_for("Page.loadEventFired", session)
    time.sleep(0.3)  # anything the page would still fetch or log after its load event
    browser.call("Runtime.evaluate", {"expression": "1"}, session)  # reads what arrived meanwhile

    def evaluate(expression: str):
        answer = browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    look.title = evaluate("document.title")
    look.resources = evaluate("performance.getEntriesByType('resource').length")
    look.sections = evaluate("[...document.querySelectorAll('section h2')].map(h => h.textContent)")
    browser.call("Emulation.setEmulatedMedia", {"media": "print"}, session)
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": A4_CONTENT_PX, "height": height, "deviceScaleFactor": 1, "mobile": False},
        session,
    )
    look.print_width = evaluate("innerWidth")
    look.print_scroll_width = evaluate("document.documentElement.scrollWidth")
    look.too_wide = evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)"
        ".map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')).slice(0, 20)"
    )
    if pdf:
        printed = browser.call("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}, session)
        pdf.write_bytes(base64.b64decode(printed["data"]))
    browser.call("Emulation.setEmulatedMedia", {"media": "screen"}, session)
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        session,
    )
    if screenshot:
        shot = browser.call("Page.captureScreenshot", {"format": "png"}, session)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
    browser.call("Target.closeTarget", {"targetId": target})

    for message in browser.events[first_event:]:
        if message.get("sessionId") != session:
            continue
        method, params = message.get("method"), message.get("params") or {}
        if method == "Network.requestWillBeSent":
            look.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args") or [])
            look.console.append(f"console.{params.get('type')}: {text}")
        elif method == "Runtime.exceptionThrown":
            look.console.append(f"uncaught: {params['exceptionDetails'].get('text')}")
        elif method == "Log.entryAdded":
            entry = params["entry"]
            look.console.append(f"{entry.get('source')} {entry.get('level')}: {entry.get('text')}")
    look.seconds = round(time.monotonic() - started, 3)
    return look


def pdf_media_boxes(data: bytes) -> list[tuple[float, float]]:
    """The size of every MediaBox of a PDF, in points."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", data)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def report_home(home: Path) -> Path:
    """A harness home holding the reports of the fixture's real run (pytests/fixtures/run_reports/)."""
    (home / "reports").mkdir(parents=True, exist_ok=True)
    for path in (Path(__file__).resolve().parent / "fixtures" / "run_reports").glob("*.json"):
        shutil.copy(path, home / "reports" / path.name)
    return home


def main() -> int:
    parser = argparse.ArgumentParser(description="Screenshot the HTML report of the fixture run (for the runbook).")
    parser.add_argument("--screenshot", type=Path, required=True)
    parser.add_argument("--run", default="20261204_220132_059f")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["HARNESS_HOME"] = str(report_home(Path(scratch) / "home"))
        from harness.reporting import reports

        page = reports.write_page(args.run)
        with Chromium(Path(scratch) / "profile", Path(scratch) / "chromium.log") as browser:
            look = look_at(browser, page.as_uri(), screenshot=args.screenshot, width=1000, height=1300)
    if look.console or look.requests != [page.as_uri()]:
        print(f"the page was not clean: {look.console} {look.requests}", file=sys.stderr)
        return 1
    print(f"{args.screenshot}: {png_size(args.screenshot.read_bytes())} of {page.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
