"""The documentation site, built offline, and its check in headless Chromium.

    python scripts/docs.py [--out build/site] [--no-check]

One MkDocs site (mkdocs.yml): the user guide with every example executed while building, the
Python API reference from the docstrings (mkdocstrings), and, generated here from specs/ before the
build, ``http/<slug>.html`` (one Redoc page per spec, through ``scripts/redoc_render.cjs``) and
``http.html`` (each API with its version, provenance and count of inferred items). Then headless
Chromium opens the Python reference of ``nordfin.payex.Client`` and saves ``python-reference.png``
beside the site, every HTTP request it tries going to a loopback recorder instead of the network:
the build fails if a page asks for anything outside the site. Nothing here knows an API.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Api:
    """What the index page says about one spec."""

    slug: str
    title: str
    version: str
    source: dict[str, Any]
    inferred: int
    operations: list[tuple[str, str]]  # (operationId, summary)


def load(spec_path: Path) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    return spec


def count_inferred(node: Any) -> int:
    """How many nodes carry ``x-nordfin-inferred``."""
    if isinstance(node, dict):
        return int("x-nordfin-inferred" in node) + sum(count_inferred(v) for v in node.values())
    if isinstance(node, list):
        return sum(count_inferred(v) for v in node)
    return 0


def operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(operationId, summary) of every operation, in document order."""
    found = []
    for item in (spec.get("paths") or {}).values():
        for method in HTTP_METHODS:
            if isinstance(item, dict) and method in item:
                op = item[method]
                found.append((op.get("operationId", ""), op.get("summary", "")))
    return found


def describe(slug: str, spec: dict[str, Any]) -> Api:
    info = spec.get("info") or {}
    return Api(
        slug,
        str(info.get("title", slug)),
        str(info.get("version", "")),
        dict(info.get("x-nordfin-source") or {}),
        count_inferred(spec),
        operations(spec),
    )


def render_page(slug: str, spec: dict[str, Any], out: Path) -> Path:
    """``<out>/<slug>.html``: the spec's HTTP reference, by the pinned Redoc (node_modules, `npm ci`)."""
    if not (ROOT / "node_modules" / "redoc").is_dir():
        sys.exit("node_modules/redoc is missing: run `npm ci` (nox -s docs does)")
    page = out / f"{slug}.html"
    with tempfile.TemporaryDirectory() as tmp:
        spec_json = Path(tmp) / f"{slug}.json"
        # default=str: YAML dates (e.g. x-nordfin-source.read) become ISO strings, as in the package.
        spec_json.write_text(json.dumps(spec, default=str), encoding="utf-8")
        subprocess.run(
            ["node", str(ROOT / "scripts" / "redoc_render.cjs"), str(spec_json), str(page)],
            cwd=ROOT,
            check=True,
        )
    return page


def source_cell(source: dict[str, Any]) -> str:
    kind = str(source.get("kind", "?"))
    url = str(source.get("url", ""))
    link = f" from [the vendor's page]({url})" if url else ""
    return f"{kind}{link}, read {source.get('read', '')}"


def provenance_page(apis: list[Api]) -> str:
    """``http.md``: one row per API, linking its HTTP reference page."""
    rows = "\n".join(
        f"| [{a.title}](http/{a.slug}.html) | [`nordfin.{a.slug}`](reference/{a.slug}.md) | {a.version} "
        f"| {source_cell(a.source)} | {len(a.operations)} | {a.inferred} |"
        for a in apis
    )
    return f"""# HTTP reference and spec provenance

Each API's HTTP reference is rendered from the spec nordfin generates its client from,
`specs/<slug>/openapi.yaml`. *Inferred* counts the details the vendor's own documents do not
state: each carries `x-nordfin-inferred` with its reason, shown in the reference beside it.

| API (HTTP reference) | Python | Spec version | Provenance | Operations | Inferred |
|---|---|---|---|---|---|
{rows}
"""


def chromium() -> str:
    """Debian's chromium (or a GitHub runner's Chromium or Chrome); apt-get installs it if allowed (root)."""
    found = next(filter(None, map(shutil.which, ("chromium", "google-chrome", "chromium-browser"))), None)
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"], check=True, env=env
        )
        found = shutil.which("chromium")
    if found is None:
        sys.exit("chromium is missing: `apt-get install chromium` (Debian) or pass --no-check")
    return found


class _Recorder(socketserver.ThreadingTCPServer):
    """A loopback "proxy" that records the first line of every request and refuses it."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _RecordOne)


class _RecordOne(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(4096).decode("latin-1").strip()
        if line:
            self.server.requests.append(line)  # type: ignore[attr-defined]
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@contextmanager
def recorder() -> Iterator[_Recorder]:
    server = _Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (stdlib only).

    Every HTTP request Chromium makes, its own background traffic included, goes to the loopback
    recorder, so nothing really leaves. What a *page* asked for is read from the page's own
    ``Network.requestWillBeSent`` events, which Chromium's background traffic never appears in.
    """

    def __init__(self, proxy_port: int, profile: str) -> None:
        to_chromium, self._write = os.pipe()
        self._read, from_chromium = os.pipe()

        def pipes_as_3_and_4() -> None:  # --remote-debugging-pipe reads fd 3, writes fd 4
            os.dup2(to_chromium, 3)
            os.dup2(from_chromium, 4)

        self._process = subprocess.Popen(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--proxy-server=http://127.0.0.1:{proxy_port}",
                "--proxy-bypass-list=<-loopback>",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=pipes_as_3_and_4,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chromium)
        os.close(from_chromium)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        decoded: dict[str, Any] = json.loads(message)
        return decoded

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command; keep the events that arrive before its answer."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._receive()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)

    def wait_for(self, method: str) -> None:
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._receive())

    def close(self) -> None:
        try:
            self.call("Browser.close")
        finally:
            self._process.wait(timeout=30)
            os.close(self._write)
            os.close(self._read)


@dataclass
class Rendered:
    """What one page did in the browser."""

    page_requests: list[str]  # every URL the page asked for (documents, scripts, fonts, images…)
    left_machine: list[str]  # what of those is neither a file, inline data, nor loopback
    recorder_saw: list[str]  # all HTTP traffic, Chromium's own background calls included
    found: bool  # the element named by the URL's #fragment exists


LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "devtools:")


def render(url: str, png: Path | None = None, width: int = 1280, height: int = 1400) -> Rendered:
    """Open ``url`` in headless Chromium; optionally save a screenshot; report its requests."""
    fragment = url.split("#", 1)[1] if "#" in url else ""
    with recorder() as seen, tempfile.TemporaryDirectory() as profile:
        browser = Browser(seen.server_address[1], profile)
        try:
            target = browser.call("Target.createTarget", url="about:blank")["targetId"]
            session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            browser.call("Network.enable", session)
            browser.call("Page.enable", session)
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                session,
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
            browser.call("Page.navigate", session, url=url)
            browser.wait_for("Page.loadEventFired")
            # Let late requests (fonts, lazy scripts) start before looking: an evaluation that
            # resolves after two animation frames and a macrotask.
            probe = (
                "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() =>"
                f" r(document.getElementById({json.dumps(fragment)}) !== null), 500))))"
            )
            found = browser.call("Runtime.evaluate", session, expression=probe, awaitPromise=True)
            if png is not None:
                shot = browser.call("Page.captureScreenshot", session, format="png")
                png.write_bytes(base64.b64decode(shot["data"]))
            requests = [
                e["params"]["request"]["url"]
                for e in browser.events
                if e.get("method") == "Network.requestWillBeSent" and e.get("sessionId") == session
            ]
        finally:
            browser.close()
        return Rendered(
            requests,
            [r for r in requests if not r.startswith(LOCAL_SCHEMES) and not is_loopback(r)],
            list(seen.requests),
            bool(found.get("result", {}).get("value")),
        )


def is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in ("localhost", "127.0.0.1", "::1")


def mkdocs_build(generated: Path, out: Path) -> None:
    """``mkdocs build --strict`` (mkdocs.yml) into ``out``, with the generated pages added."""
    env = {**os.environ, "NORDFIN_DOCS_GENERATED": str(generated), "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(out.resolve()),
        ],
        cwd=ROOT,
        check=True,
        env=env,
    )


def build(out: Path) -> list[Api]:
    """The whole site in ``out``; returns the APIs its provenance page lists."""
    apis = []
    with tempfile.TemporaryDirectory() as tmp:
        generated = Path(tmp)
        (generated / "http").mkdir()
        for spec_path in sorted(ROOT.glob("specs/*/openapi.yaml")):
            slug, spec = spec_path.parent.name, load(spec_path)
            render_page(slug, spec, generated / "http")
            apis.append(describe(slug, spec))
        (generated / "http.md").write_text(provenance_page(apis), encoding="utf-8")
        mkdocs_build(generated, out)
    print(out / "index.html")
    return apis


REFERENCE_PAGE = "reference/payex.html"
REFERENCE_ANCHOR = "nordfin.payex.Client"


def check(out: Path) -> int:
    """Photograph the Python reference of nordfin.payex.Client; 1 if the page asked the network."""
    url = f"{(out / REFERENCE_PAGE).resolve().as_uri()}#{REFERENCE_ANCHOR}"
    png = out.parent / "python-reference.png"
    rendered = render(url, png)
    print(f"{png}: {len(rendered.page_requests)} requests, all local: {not rendered.left_machine}")
    for request in rendered.left_machine:
        print(f"docs: {url} asked for {request}", file=sys.stderr)
    if not rendered.found:
        print(f"docs: {url} has no element #{REFERENCE_ANCHOR}", file=sys.stderr)
    return int(bool(rendered.left_machine) or not rendered.found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--no-check", action="store_true", help="build only: no Chromium")
    args = parser.parse_args(argv)
    build(args.out)
    return 0 if args.no_check else check(args.out)


if __name__ == "__main__":
    sys.exit(main())
