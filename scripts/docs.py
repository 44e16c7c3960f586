"""Static HTML reference docs for every spec under specs/, an index page, and a screenshot.

    python scripts/docs.py [--out build/docs] [--screenshot SLUG | --no-screenshot]

One page per spec (``<slug>.html``, rendered by Redoc through ``scripts/redoc_render.cjs``, fully
offline), an ``index.html`` listing each API with its version, provenance and count of inferred
items, and ``<slug>.png``: the first spec's page as headless Chromium shows it. Nothing here knows
an API: everything comes from specs/.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
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
    """``<out>/<slug>.html`` rendered with the pinned Redoc (node_modules, `npm ci`)."""
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
    kind = html.escape(str(source.get("kind", "?")))
    url = str(source.get("url", ""))
    read = html.escape(str(source.get("read", "")))
    link = f'<a href="{html.escape(url)}">{html.escape(url)}</a>' if url else ""
    return f"{kind}, read {read}<br>{link}"


def render_index(apis: list[Api], out: Path) -> Path:
    """``<out>/index.html``: one row per API."""
    rows = "\n".join(
        f'<tr><td><a href="{a.slug}.html">{html.escape(a.title)}</a><br><code>nordfin.{a.slug}</code></td>'
        f"<td>{html.escape(a.version)}</td><td>{source_cell(a.source)}</td>"
        f"<td>{len(a.operations)}</td><td>{a.inferred}</td></tr>"
        for a in apis
    )
    page = out / "index.html"
    page.write_text(
        f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>nordfin API reference</title>
<style>body {{ font-family: sans-serif; margin: 2em; }} td, th {{ border: 1px solid #ccc; padding: .4em .8em;
text-align: left; vertical-align: top; }} table {{ border-collapse: collapse; }}</style></head>
<body><h1>nordfin API reference</h1>
<p>One page per API, rendered from <code>specs/&lt;slug&gt;/openapi.yaml</code>. “Inferred” counts the
details the vendor's documents do not state (<code>x-nordfin-inferred</code>, each with its reason).</p>
<table><thead><tr><th>API</th><th>Spec version</th><th>Provenance</th><th>Operations</th>
<th>Inferred</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
""",
        encoding="utf-8",
    )
    return page


def chromium() -> str:
    """Debian's chromium; installed with apt-get when missing and allowed (root)."""
    found = shutil.which("chromium")
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"], check=True, env=env
        )
        found = shutil.which("chromium")
    if found is None:
        sys.exit("chromium is missing: `apt-get install chromium` (Debian) or pass --no-screenshot")
    return found


def screenshot(page: Path) -> Path:
    """``<page>.png`` as headless Chromium renders it (JavaScript given 10 s of virtual time)."""
    page = page.resolve()
    png = page.with_suffix(".png")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--hide-scrollbars",
                "--window-size=1280,1024",
                "--virtual-time-budget=10000",
                f"--screenshot={png}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    return png


def build(out: Path) -> list[Api]:
    """Every spec's page and the index; returns what the index lists."""
    out.mkdir(parents=True, exist_ok=True)
    apis = []
    for spec_path in sorted(ROOT.glob("specs/*/openapi.yaml")):
        slug, spec = spec_path.parent.name, load(spec_path)
        render_page(slug, spec, out)
        apis.append(describe(slug, spec))
        print(f"{out / slug}.html")
    print(render_index(apis, out))
    return apis


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "docs")
    parser.add_argument("--screenshot", metavar="SLUG", help="which page to photograph (default: the first)")
    parser.add_argument("--no-screenshot", action="store_true")
    args = parser.parse_args(argv)
    apis = build(args.out)
    if apis and not args.no_screenshot:
        print(screenshot(args.out / f"{args.screenshot or apis[0].slug}.html"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
