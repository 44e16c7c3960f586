"""One version number in one place; every API module says which spec it was generated from."""

from __future__ import annotations

import hashlib
import importlib
import json
import tomllib
from pathlib import Path

import pytest

import nordfin
from nordfin._core.provenance import SpecProvenance, spec_provenance

ROOT = Path(__file__).resolve().parent.parent.parent
LOCK = json.loads(
    (ROOT / "generated" / "nordfin_generated" / "generate.lock.json").read_text(encoding="utf-8")
)


def test_the_version_is_written_once_and_read_by_the_build() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

    assert "version" not in pyproject["project"]
    assert pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "overlays/nordfin/_version.py"
    assert f'__version__ = "{nordfin.__version__}"' in (ROOT / "overlays/nordfin/_version.py").read_text()


def test_the_version_is_semantic() -> None:
    assert [p.isdigit() for p in nordfin.__version__.split(".")] == [True, True, True]


@pytest.mark.parametrize("slug", sorted(LOCK["specs"]))
def test_provenance_is_what_the_spec_was_generated_from(slug: str) -> None:
    spec = ROOT / "specs" / slug / "openapi.yaml"

    assert spec_provenance(slug) == SpecProvenance(
        slug,
        LOCK["specs"][slug]["title"],
        LOCK["specs"][slug]["version"],
        hashlib.sha256(spec.read_bytes()).hexdigest(),
    )


def test_goto_module_exposes_its_spec_version_and_sha256() -> None:
    """The pattern every API module follows (``SPEC``, ``SPEC_VERSION``, ``SPEC_SHA256``)."""
    goto = importlib.import_module("nordfin.goto")

    assert (
        LOCK["specs"]["goto"]["version"],
        LOCK["specs"]["goto"]["spec_sha256"],
    ) == (goto.SPEC_VERSION, goto.SPEC_SHA256)
    assert spec_provenance("goto") == goto.SPEC
