"""The wheel's long description: a user README whose examples run and which PyPI can render."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from readme_renderer.markdown import render

ROOT = Path(__file__).resolve().parent.parent.parent
README = ROOT / "README.pypi.md"
SLUGS = sorted(p.parent.name for p in ROOT.glob("specs/*/openapi.yaml"))


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


def test_the_long_description_is_the_user_readme() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    assert project["readme"] == "README.pypi.md"


def test_it_renders_as_pypi_renders_it() -> None:
    rendered = render(README.read_text(encoding="utf-8"))

    assert rendered is not None
    assert re.search(r'<h2 id="user-content-install">Install', rendered)
    assert rendered.count('<pre lang="python">') == len(SLUGS)


def test_it_shows_one_example_per_api_and_each_runs(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    for block in blocks:
        exec(compile(block, "README.pypi.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()

    fakes = [re.findall(r"from nordfin\.testing\.(\w+) import", b) for b in blocks]
    assert sorted(slug for found in fakes for slug in found) == SLUGS
    assert printed == ["30 days net", "Britt", "1", "Anna O'Brien", "0 orders"]


def test_it_names_the_supported_pythons() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    versions = [c.rsplit(" :: ", 1)[1] for c in project["classifiers"] if re.search(r":: 3\.\d+$", c)]

    assert project["requires-python"] == f">={versions[0]}"
    assert f"Python {versions[0]} to {versions[-1]}." in README.read_text(encoding="utf-8")
