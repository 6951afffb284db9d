"""A small WebDriver BiDi client for Debian's Firefox (`firefox-esr`), for the inspector's browser tests.

Firefox speaks WebDriver BiDi itself (`--remote-debugging-port`), so no driver binary is needed (geckodriver is not
in Debian, and Playwright's Firefox is a patched build it would download). What the tests need: open a page, run
script in it, wait for what it shows, press keys and click with real input events, take a screenshot, and collect
what the page logs.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from waits import HANG_S
from websockets.sync.client import ClientConnection, connect

LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")
# Quiet start-up: no first-run pages, update checks or telemetry reaching for the network.
PREFS = """
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.disabledForTesting", true);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("browser.safebrowsing.update.enabled", false);
"""


def firefox_path() -> str | None:
    return shutil.which("firefox-esr") or shutil.which("firefox")


class BidiError(RuntimeError):
    pass


class Firefox:
    """One headless Firefox with one browsing context."""

    def __init__(self, executable: str, *, width: int = 1500, height: int = 1000, timeout: float = 60) -> None:
        self.profile = tempfile.TemporaryDirectory(prefix="mockexchange-firefox-")
        Path(self.profile.name, "user.js").write_text(PREFS)
        command = [executable, "--headless", "--no-remote", "--remote-debugging-port=0", "--profile", self.profile.name]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.version = ""
        self.log: list[dict[str, Any]] = []
        self._next_id = 0
        url = self._wait_for_listening(timeout)
        self._stack = contextlib.ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(
            connect(url + "/session", max_size=64 * 2**20, open_timeout=timeout)
        )
        session = self.command("session.new", {"capabilities": {}})
        self.version = session["capabilities"]["browserVersion"]
        self.command("session.subscribe", {"events": ["log.entryAdded"]})
        self.context = self.command("browsingContext.getTree", {})["contexts"][0]["context"]
        self.command("browsingContext.setViewport", {
            "context": self.context, "viewport": {"width": width, "height": height},
        })  # fmt: skip

    def _wait_for_listening(self, timeout: float) -> str:
        # Firefox's stderr is read to its end by a thread (a full pipe would stall the browser); the address is
        # the first thing wanted from it.
        seen: list[str] = []
        found: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self.process.stderr is not None
            for line in self.process.stderr:
                seen.append(line)
                del seen[:-50]
                match = LISTENING.search(line)
                if match and not found:
                    found.append(match.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        ready.wait(timeout)
        if not found:
            self.close()
            raise BidiError("Firefox did not start its WebDriver BiDi server:\n" + "".join(seen[-20:]))
        return found[0]

    def command(self, method: str, params: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
        self._next_id += 1
        sent = self._next_id
        self.ws.send(json.dumps({"id": sent, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(max(0.1, deadline - time.monotonic())))
            if message.get("type") == "event":
                if message.get("method") == "log.entryAdded":
                    self.log.append(message["params"])
                continue
            if message.get("id") != sent:
                continue
            if message.get("type") == "error":
                raise BidiError(f"{method}: {message.get('error')}: {message.get('message')}")
            return message["result"]

    def goto(self, url: str) -> None:
        self.command("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a script expression (awaited if it is a promise)."""
        result = self.command("script.evaluate", {
            "expression": f"(async () => JSON.stringify(await ({expression})))()",
            "target": {"context": self.context}, "awaitPromise": True, "resultOwnership": "none",
        })  # fmt: skip
        if result["type"] == "exception":
            raise BidiError(f"{expression}: {result['exceptionDetails'].get('text')}")
        value = result["result"]
        return None if value.get("type") == "undefined" else json.loads(value["value"])

    def wait_for(self, expression: str, timeout: float = HANG_S) -> Any:
        """Poll a script expression until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"not true within {timeout} s: {expression}")
            time.sleep(0.05)

    def text(self, selector: str) -> str | None:
        return self.evaluate(f"document.querySelector({json.dumps(selector)})?.textContent ?? null")

    def press(self, key: str) -> None:
        strokes = [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        self.command("input.performActions", {
            "context": self.context, "actions": [{"type": "key", "id": "keyboard", "actions": strokes}],
        })  # fmt: skip

    def click(self, selector: str) -> None:
        """A real mouse click at the middle of the element. The page may move under the pointer between finding the
        element and the click (a list filled again, a panel that loaded above it): the element says whether it got
        the click, and a click it did not get is made again, until a hang's ceiling."""
        target = json.dumps(selector)
        deadline = time.monotonic() + HANG_S
        while True:
            box = self.evaluate(
                f"(() => {{ const e = document.querySelector({target}); e.scrollIntoView({{block: 'center'}});"
                " window.bidiClicked = false;"
                " e.addEventListener('click', () => { window.bidiClicked = true; }, {once: true});"
                " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
            )
            self.command("input.performActions", {"context": self.context, "actions": [{
                "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
                "actions": [{"type": "pointerMove", "x": int(box[0]), "y": int(box[1]), "origin": "viewport"},
                            {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}],
            }]})  # fmt: skip
            if self.evaluate("window.bidiClicked === true"):  # dispatched before performActions answers
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{selector} never got a click within {HANG_S} s")

    def screenshot(self, path: Path) -> Path:
        shot = self.command("browsingContext.captureScreenshot", {"context": self.context, "origin": "document"})
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def noise(self) -> list[str]:
        """What the page logged as an error or warning (console messages and uncaught errors)."""
        return [f"{entry.get('type')} {entry.get('level')}: {entry.get('text')}" for entry in self.log
                if entry.get("level") in ("error", "warn")]  # fmt: skip

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                with contextlib.suppress(Exception):  # it is going away either way
                    self.command("session.end", {}, timeout=5)
                self._stack.close()
        finally:
            self.process.kill()
            self.process.wait(10)
            self.profile.cleanup()
