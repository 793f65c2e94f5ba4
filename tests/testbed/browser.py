"""A real headless browser for tests: Debian's chromium, driven over the DevTools protocol.

Chromium is started with --remote-debugging-pipe and spoken to through two
pipes (JSON messages ended by NUL on its fds 3 and 4), so nothing but the
standard library and the chromium package is needed: no websocket client,
no browser download, no port to pick.

    from tests.testbed.browser import Browser

    with Browser() as browser:
        page = browser.new_page(width=390, height=844, mobile=True)
        page.goto("build/report/report.html")          # a path or a URL
        rows = page.evaluate("document.querySelectorAll('tbody tr').length")
        page.click("button[data-filter=ok]")             # real mouse events
        page.screenshot("build/shot.png", full_page=True)
        html = page.dom()                                # the rendered DOM

From a shell: python -m tests.testbed.browser URL_OR_PATH [--screenshot OUT.png]
[--width 1280 --height 800 --mobile] [--dump-dom] [--eval JS].

ensure_chromium() installs the package with tests/testbed/chromium.sh when
it is missing (root needed), so a fresh machine gets it on first use.
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.testbed.paths import REPO

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags chromium keeps trying Google's
# services, and a closed network refuses those connections; running as root
# needs --no-sandbox. A new, empty profile per browser keeps runs independent.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
)


class BrowserError(RuntimeError):
    pass


def ensure_chromium():
    """Path of chromium; installs it with tests/testbed/chromium.sh first when missing."""
    if not os.access(CHROMIUM, os.X_OK):
        subprocess.run(["bash", str(REPO / "tests" / "testbed" / "chromium.sh")], check=True)
    if not os.access(CHROMIUM, os.X_OK):
        raise BrowserError("%s is missing after tests/testbed/chromium.sh" % CHROMIUM)
    return CHROMIUM


def _as_url(target):
    text = str(target)
    if "://" in text or text.startswith(("about:", "data:")):
        return text
    return Path(text).resolve().as_uri()


class Browser:
    """One headless chromium process; close() (or leaving the with block) ends it."""

    def __init__(self, executable=None, timeout=30.0, extra_flags=()):
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="labcloud-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def child_fds():
            # Chromium reads commands on fd 3 and writes answers on fd 4. The
            # pipe ends may sit on any number, 3 and 4 included, so both are
            # first moved out of the way and then put in place.
            high_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 64)
            high_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 64)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        command = [executable or ensure_chromium(), *FLAGS, *extra_flags]
        command += ["--user-data-dir=" + self._profile, "--remote-debugging-pipe", "about:blank"]
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            pass_fds=(3, 4),
            preexec_fn=child_fds,  # the tests start browsers from one thread
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._lock = threading.Condition()
        self._next_id = 0
        self._answers = {}
        self.events = []
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.version = self.send("Browser.getVersion")["product"]

    # -- protocol --------------------------------------------------------

    def _read(self):
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_child, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self._lock:
                    if "id" in message:
                        self._answers[message["id"]] = message
                    else:
                        self.events.append(message)
                    self._lock.notify_all()
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    def send(self, method, params=None, session=None, timeout=None):
        """Send one command and return its result; BrowserError on a protocol error or timeout."""
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode("utf-8") + b"\0"
        try:
            while data:
                data = data[os.write(self._to_child, data) :]
        except BrokenPipeError:
            raise BrowserError("chromium has exited: %s" % self.stderr_tail()) from None
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._lock:
            while ident not in self._answers:
                left = deadline - time.monotonic()
                if self._closed:
                    raise BrowserError("chromium exited during %s: %s" % (method, self.stderr_tail()))
                if left <= 0:
                    raise BrowserError("no answer to %s within %.0f s" % (method, timeout or self.timeout))
                self._lock.wait(left)
            answer = self._answers.pop(ident)
        if "error" in answer:
            raise BrowserError("%s: %s" % (method, answer["error"].get("message", answer["error"])))
        return answer.get("result", {})

    def wait_event(self, method, session=None, since=0, timeout=None):
        """The first event named method (of session) at or after index since."""
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._lock:
            while True:
                for event in self.events[since:]:
                    if event.get("method") == method and (session is None or event.get("sessionId") == session):
                        return event
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise BrowserError("no %s event within %.0f s" % (method, timeout or self.timeout))
                self._lock.wait(left)

    def stderr_tail(self, size=2000):
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")[-size:]

    # -- pages -----------------------------------------------------------

    def new_page(self, width=1280, height=800, mobile=False, scale=1):
        """A new tab with the given viewport (CSS pixels); mobile also emulates touch and a phone's viewport meta."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        for domain in ("Page", "Runtime", "Log"):
            self.send(domain + ".enable", session=session)
        page.set_viewport(width, height, mobile=mobile, scale=scale)
        # Taps (touch gestures) reach only the tab in front.
        self.send("Page.bringToFront", session=session)
        return page

    def close(self):
        if self.process.poll() is None:
            try:
                self.send("Browser.close", timeout=5)
            except BrowserError:
                pass
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self._stderr.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Page:
    def __init__(self, browser, target, session):
        self.browser = browser
        self.target = target
        self.session = session

    def send(self, method, params=None, timeout=None):
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def close(self):
        self.browser.send("Target.closeTarget", {"targetId": self.target})

    def set_viewport(self, width, height, mobile=False, scale=1):
        self.width, self.height, self.mobile = width, height, mobile
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile},
        )
        self.send("Emulation.setTouchEmulationEnabled", {"enabled": bool(mobile)})

    def goto(self, target, timeout=None):
        """Load a URL or a local file and wait for its load event."""
        since = len(self.browser.events)
        answer = self.send("Page.navigate", {"url": _as_url(target)})
        if answer.get("errorText"):
            raise BrowserError("cannot load %s: %s" % (target, answer["errorText"]))
        self.browser.wait_event("Page.loadEventFired", self.session, since, timeout)

    def evaluate(self, expression):
        """The value of a JavaScript expression (promises awaited); BrowserError when it throws."""
        answer = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            raise BrowserError(
                "JavaScript error: %s" % details.get("exception", {}).get("description", details.get("text"))
            )
        return answer["result"].get("value")

    def dom(self):
        """The rendered document as HTML (after scripts ran)."""
        return self.evaluate("document.documentElement.outerHTML")

    def click(self, selector):
        """Click (tap, on a mobile page) the first element matching selector, with real input events at its centre."""
        box = self.evaluate(
            "(() => { const e = document.querySelector(%s); if (!e) return null;"
            " e.scrollIntoView({block: 'center', inline: 'center'}); const r = e.getBoundingClientRect();"
            " return {x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height}; })()"
            % json.dumps(selector)
        )
        if not box:
            raise BrowserError("nothing matches %s" % selector)
        if not box["w"] or not box["h"]:
            raise BrowserError("%s is not visible" % selector)
        if self.mobile:
            # With touch emulated, a phone gets a tap, not mouse events.
            point = [{"x": box["x"], "y": box["y"]}]
            self.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point})
            self.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
            # The click that a tap becomes is dispatched after the gesture ends,
            # not within touchEnd: let two frames pass.
            self.evaluate(
                "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 20))))"
            )
            return
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": box["x"], "y": box["y"], "button": "left", "clickCount": 1},
            )

    def console(self):
        """Console messages, log entries (CSP reports among them) and uncaught exceptions of this page."""
        out = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            params = event.get("params", {})
            if event["method"] == "Runtime.consoleAPICalled":
                out.append(" ".join(str(arg.get("value", arg.get("description"))) for arg in params.get("args", [])))
            elif event["method"] == "Log.entryAdded":
                out.append(params["entry"].get("text", ""))
            elif event["method"] == "Runtime.exceptionThrown":
                out.append(params["exceptionDetails"].get("text", "exception"))
        return out

    def screenshot(self, path, full_page=False):
        """A PNG of the viewport, or of the whole page at the viewport's width."""
        params = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params.update(
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": self.width, "height": max(size["height"], 1), "scale": 1},
            )
        data = base64.b64decode(self.send("Page.captureScreenshot", params)["data"])
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


def main(argv=None):
    parser = argparse.ArgumentParser(description="Load a page in headless chromium and show what it renders.")
    parser.add_argument("target", help="URL or local file")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--mobile", action="store_true", help="emulate a phone (touch, viewport meta)")
    parser.add_argument("--screenshot", metavar="PNG", help="write a full-page screenshot")
    parser.add_argument("--dump-dom", action="store_true", help="print the rendered DOM")
    parser.add_argument("--eval", metavar="JS", help="print the JSON value of a JavaScript expression")
    args = parser.parse_args(argv)
    with Browser() as browser:
        page = browser.new_page(args.width, args.height, mobile=args.mobile)
        page.goto(args.target)
        if args.dump_dom:
            print(page.dom())
        if args.eval:
            print(json.dumps(page.evaluate(args.eval), indent=2))
        if args.screenshot:
            print("screenshot: %s" % page.screenshot(args.screenshot, full_page=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
