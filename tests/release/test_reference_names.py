"""The Python reference (mkdocstrings, which reads the source with griffe) sees every public name.

griffe reads the source without importing it, so a name it cannot see statically is missing from
the reference although ``__all__`` exports it: a tuple assignment (``A, B = x, y``) was one, which
left ``SPEC_VERSION`` and ``SPEC_SHA256`` out of every API's page. This runs in a second, without
building the site (`nox -s docs` checks the built pages).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import griffe
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
SLUGS = sorted(p.parent.name for p in ROOT.glob("specs/*/openapi.yaml"))
MODULES = ["nordfin", "nordfin.errors", *(f"nordfin.{slug}" for slug in SLUGS)]


def search_paths() -> list[str]:
    """Where mkdocs.yml tells mkdocstrings to look for the sources."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    handler = next(
        p["mkdocstrings"] for p in config["plugins"] if isinstance(p, dict) and "mkdocstrings" in p
    )
    return [str(ROOT / path) for path in handler["handlers"]["python"]["paths"]]


@pytest.mark.parametrize("module_name", MODULES)
def test_griffe_sees_every_name_the_module_exports(module_name: str) -> None:
    exported = importlib.import_module(module_name).__all__
    seen = griffe.load(module_name, search_paths=search_paths()).members

    assert [name for name in exported if name not in seen] == []
