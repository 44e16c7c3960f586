"""`nox -s docs`: one offline site with the guide, the Python reference and the HTTP reference.

Built once per run (or read from NORDFIN_DOCS_DIR, where `nox -s docs` built it): every guide
example ran while building (mkdocs --strict fails otherwise), each API's HTTP page names every
operation of its spec, the Python reference shows each module's public classes and functions, the
provenance page counts inferences, and headless Chromium renders the reference of
``nordfin.payex.Client`` without one request leaving the machine.
"""

from __future__ import annotations

import functools
import html
import importlib
import importlib.util
import inspect
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SLUGS = sorted(p.parent.name for p in ROOT.glob("specs/*/openapi.yaml"))
MODULES = ["nordfin", "nordfin.errors", *(f"nordfin.{slug}" for slug in SLUGS)]


@functools.cache
def docs_module() -> ModuleType:
    """scripts/docs.py (scripts/ is no package)."""
    spec = importlib.util.spec_from_file_location("nordfin_docs_script", ROOT / "scripts" / "docs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site `nox -s docs` built (NORDFIN_DOCS_DIR), else a fresh build (needs `npm ci`)."""
    given = os.environ.get("NORDFIN_DOCS_DIR")
    if given:
        return Path(given)
    assert (ROOT / "node_modules" / "redoc").is_dir(), "run `npm ci` first (nox -s spec_lint and docs do)"
    out = tmp_path_factory.mktemp("docs") / "site"
    docs_module().build(out)
    return out


def visible_text(page: str) -> str:
    """What a reader sees without JavaScript: the prerendered markup, scripts and styles left out."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@pytest.mark.parametrize("slug", SLUGS)
def test_http_page_names_every_operation(built: Path, slug: str) -> None:
    docs = docs_module()
    page = (built / "http" / f"{slug}.html").read_text(encoding="utf-8")
    text = visible_text(page)
    ops = docs.operations(docs.load(ROOT / "specs" / slug / "openapi.yaml"))

    assert ops
    assert [s for _, s in ops if " ".join(s.split()) not in text] == []
    assert [o for o, _ in ops if f"operation/{o}" not in page] == []


@pytest.mark.parametrize("module_name", MODULES)
def test_python_reference_shows_every_public_class_and_function(built: Path, module_name: str) -> None:
    module = importlib.import_module(module_name)
    page_name = "nordfin" if module_name == "nordfin" else module_name.removeprefix("nordfin.")
    page = (built / "reference" / f"{page_name}.html").read_text(encoding="utf-8")
    public = [
        n
        for n in module.__all__
        if inspect.isclass(getattr(module, n)) or inspect.isfunction(getattr(module, n))
    ]

    assert public
    assert [n for n in public if f'id="{module_name}.{n}"' not in page] == []


def test_python_reference_of_the_payex_client_shows_its_docstrings(built: Path) -> None:
    from nordfin import payex

    page = (built / "reference" / "payex.html").read_text(encoding="utf-8")
    text = visible_text(page)
    first_words = " ".join((payex.Client.follow.__doc__ or "").split()[:4])  # before any ``code``

    assert 'id="nordfin.payex.Client"' in page
    assert 'id="nordfin.payex.Client.follow"' in page
    assert len(first_words.split()) == 4
    assert first_words in text
    assert "Client(*,ledger_number:str,token:str|Secret" in "".join(text.split())  # the constructor


@pytest.mark.parametrize("slug", SLUGS)
def test_guide_examples_ran_while_building(built: Path, slug: str) -> None:
    """markdown-exec put each example's output under it: something every example prints."""
    page = (built / "guide" / f"{slug}.html").read_text(encoding="utf-8")
    expected = {
        "goto": "30 days net",
        "payex": "britt@example.se",
        "payfunc": "settled: 1",
        "aptic": "fullName eq 'Anna O''Brien'",
        "permanad": "readyToShip",
    }[slug]

    assert "Traceback" not in page
    assert html.escape(expected, quote=False) in page or expected in html.unescape(page)


def test_provenance_lists_every_api_with_version_source_and_inferences(built: Path) -> None:
    docs = docs_module()
    page = (built / "http.html").read_text(encoding="utf-8")
    for slug in SLUGS:
        api = docs.describe(slug, docs.load(ROOT / "specs" / slug / "openapi.yaml"))
        row = next(r for r in page.split("<tr>") if f'href="http/{slug}.html"' in r)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.DOTALL)
        assert html.escape(api.title) in cells[0]
        assert cells[2] == html.escape(api.version)
        assert str(api.source.get("kind")) in cells[3]
        assert [cells[4], cells[5]] == [str(len(api.operations)), str(api.inferred)]


def test_no_page_links_a_script_style_or_font_elsewhere(built: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    remote = re.compile(r"""<(?:script|link|img|iframe)[^>]+(?:src|href)=["']?(?:https?:)?//""")

    assert len(pages) > len(SLUGS)
    assert [str(p.relative_to(built)) for p in pages if remote.search(p.read_text(encoding="utf-8"))] == []


def test_chromium_renders_the_payex_client_reference_and_nothing_leaves(built: Path, tmp_path: Path) -> None:
    docs = docs_module()
    url = f"{(built / docs.REFERENCE_PAGE).resolve().as_uri()}#{docs.REFERENCE_ANCHOR}"

    rendered = docs.render(url, tmp_path / "shot.png")

    assert rendered.found
    assert rendered.page_requests[0] == url.split("#")[0]
    assert len(rendered.page_requests) > 1  # its stylesheets and scripts, read from disk
    assert rendered.left_machine == []
    assert (tmp_path / "shot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_network_check_catches_a_page_that_asks_the_network(tmp_path: Path) -> None:
    """The same check on a page that loads a font and an image from elsewhere reports both."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="https://fonts.example.net/css?family=X">'
        '</head><body><p id="here">x</p><img src="http://images.example.org/a.png"></body></html>',
        encoding="utf-8",
    )

    rendered = docs_module().render(f"{page.as_uri()}#here")

    assert rendered.found
    assert sorted(rendered.left_machine) == [
        "http://images.example.org/a.png",
        "https://fonts.example.net/css?family=X",
    ]
