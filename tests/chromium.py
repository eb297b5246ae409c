"""Headless Chromium driven over the DevTools protocol on a pipe, with the stdlib only.

Just enough of the protocol to test the architecture map: open a page, wait for
its scripts, evaluate JavaScript, log every network request, take a screenshot
and read its pixels. The browser is Debian's ``chromium`` (no browser download).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from typing import Any, Optional

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
]


def executable() -> Optional[str]:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(Exception):
    pass


class Browser:
    """One Chromium process and one page; messages are NUL-terminated JSON on fds 3 and 4."""

    def __init__(self, path: str, width: int = 1600, height: int = 1000) -> None:
        self.profile = tempfile.mkdtemp(prefix="depcheck-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds() -> None:  # runs in the child: the pipe ends become its fds 3 and 4
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)  # above 4 neither is clobbered
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [path, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=child_fds, close_fds=False,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: Optional[str] = None
        target = next(t for t in self._wait_targets() if t["type"] == "page")
        self.session = self.send("Target.attachToTarget", targetId=target["targetId"], flatten=True,
                                 browser=True)["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=False)

    def _wait_targets(self) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            targets = self.send("Target.getTargets", browser=True)["targetInfos"]
            if any(t["type"] == "page" for t in targets):
                return targets
            time.sleep(0.05)
        raise BrowserError("chromium opened no page")

    def _read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise BrowserError("chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed the pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, timeout: float = 30, browser: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command (to the page's session unless ``browser``) and wait for its answer."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session and not browser:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read(timeout)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error'].get('message')}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def open(self, url: str, timeout: float = 60) -> None:
        """Load ``url`` and wait until the page's scripts set ``<body data-ready>``.

        The event log starts afresh, so ``requests`` and ``errors`` are this page's.
        """
        self.send("Page.navigate", url="about:blank")  # a fresh document even when only the fragment differs
        self.events.clear()
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate("document.body && document.body.dataset.ready") == "true":
                return
            if self.errors():
                raise BrowserError(f"{url}: {self.errors()[0]}")
            time.sleep(0.05)
        raise BrowserError(f"{url}: the page's scripts did not finish in {timeout}s")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"script error: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def requests(self) -> list[str]:
        """Every URL the page asked for since it was opened (network events, not an assumption)."""
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def errors(self) -> list[str]:
        """Uncaught script errors and console errors of the page."""
        found = []
        for e in self.events:
            if e["method"] == "Runtime.exceptionThrown":
                details = e["params"]["exceptionDetails"]
                found.append(str(details.get("exception", {}).get("description") or details.get("text")))
            elif e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] == "error":
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in e["params"]["args"]))
        return found

    def screenshot(self) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def pixel_stats(self, png: bytes) -> dict[str, Any]:
        """Decode a PNG in a blank page (the browser's own decoder) and count its pixels.

        The page shown before is left: open it again to go on with it.

        ``colors``: distinct colours (4 bits a channel); ``ink``: share of pixels that are not
        near-white; ``red``, ``violet`` and ``orange``: pixels of the map's violation, event and
        cycle colours.
        """
        self.send("Page.navigate", url="about:blank")
        self.evaluate("new Promise(r => document.readyState === 'complete' ? r() : onload = r)")
        data = base64.b64encode(png).decode()
        return self.evaluate(_PIXEL_STATS.replace("DATA", data))

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5, browser=True)
        except (BrowserError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_PIXEL_STATS = """
new Promise((resolve, reject) => {
  const img = new Image();
  img.onerror = () => reject(new Error("the screenshot is not an image"));
  img.onload = () => {
    const c = document.createElement("canvas");
    c.width = img.width; c.height = img.height;
    const ctx = c.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    const colors = new Set();
    let ink = 0, red = 0, violet = 0, orange = 0;
    for (let i = 0; i < px.length; i += 4) {
      const r = px[i], g = px[i + 1], b = px[i + 2];
      colors.add((r >> 4) << 8 | (g >> 4) << 4 | (b >> 4));
      if (r < 235 || g < 235 || b < 235) ink++;
      if (r > 170 && g < 90 && b < 90) red++;
      if (r > 90 && r < 160 && g < 100 && b > 190) violet++;
      if (r > 200 && g > 110 && g < 170 && b < 60) orange++;
    }
    resolve({width: c.width, height: c.height, colors: colors.size, ink: ink / (px.length / 4), red, violet, orange});
  };
  img.src = "data:image/png;base64,DATA";
})
"""
