"""`nox -s docs`: each API's page names every operation of its spec; the index lists every API."""

from __future__ import annotations

import functools
import html
import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SLUGS = sorted(p.parent.name for p in ROOT.glob("specs/*/openapi.yaml"))


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
    """The pages `nox -s docs` built (NORDFIN_DOCS_DIR), else a fresh build without screenshot."""
    given = os.environ.get("NORDFIN_DOCS_DIR")
    if given:
        return Path(given)
    if not (ROOT / "node_modules" / "redoc").is_dir():
        pytest.skip("needs `npm ci` (nox -s spec_lint and nox -s docs run it)")
    out = tmp_path_factory.mktemp("docs")
    docs_module().build(out)
    return out


def visible_text(page: str) -> str:
    """What a reader sees without JavaScript: the prerendered markup, scripts and styles left out."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


@pytest.mark.parametrize("slug", SLUGS)
def test_page_names_every_operation(built: Path, slug: str) -> None:
    docs = docs_module()
    page = (built / f"{slug}.html").read_text(encoding="utf-8")
    text = " ".join(visible_text(page).split())
    ops = docs.operations(docs.load(ROOT / "specs" / slug / "openapi.yaml"))

    missing_summaries = [s for _, s in ops if " ".join(s.split()) not in text]
    missing_anchors = [o for o, _ in ops if f"operation/{o}" not in page]

    assert ops
    assert missing_summaries == []
    assert missing_anchors == []


def test_page_loads_nothing_from_the_network(built: Path) -> None:
    for slug in SLUGS:
        page = (built / f"{slug}.html").read_text(encoding="utf-8")
        assert re.findall(r"""<(?:script|link)[^>]+(?:src|href)=["']?https?:""", page) == [], slug


def test_index_lists_every_api_with_version_provenance_and_inferences(built: Path) -> None:
    docs = docs_module()
    index = (built / "index.html").read_text(encoding="utf-8")
    for slug in SLUGS:
        api = docs.describe(slug, docs.load(ROOT / "specs" / slug / "openapi.yaml"))
        row = next(r for r in index.split("<tr>") if f'href="{slug}.html"' in r)
        assert html.escape(api.title) in row
        assert f"<td>{html.escape(api.version)}</td>" in row
        assert html.escape(str(api.source.get("kind"))) in row
        assert f"<td>{api.inferred}</td></tr>" in row
