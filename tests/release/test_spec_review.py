"""`nox -s spec_review` on a throwaway git repository: a breaking change is caught, a harmless one is not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"

pytestmark = pytest.mark.skipif(
    not (NODE_BIN / "spectral").exists() or shutil.which("git") is None,
    reason="needs `npm ci` (nox -s spec_lint runs it; CI runs spec_lint before tests) and git",
)

SPEC = """\
openapi: 3.1.0
info:
  title: Toy API
  version: "1"
  description: A toy API for the spec review test.
  x-nordfin-source: {kind: hand-written, url: https://example.com/doc, read: "2026-11-22", files: [toy.txt]}
servers: [{url: https://api.toy.test}]
security: [{token: []}]
tags: [{name: things, description: Things.}]
paths:
  /things:
    get:
      operationId: list_things
      summary: List things
      description: All things.
      tags: [things]
      parameters:
        - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1}}
      responses:
        "200":
          description: The things.
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Thing"}}
        "400": {$ref: "#/components/responses/Problem"}
  /things/{thing_id}:
    delete:
      operationId: delete_thing
      summary: Delete thing
      description: Delete one thing.
      tags: [things]
      parameters:
        - {name: thing_id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: Deleted.}
        "404": {$ref: "#/components/responses/Problem"}
components:
  securitySchemes:
    token: {type: http, scheme: bearer}
  responses:
    Problem:
      description: A problem.
      content:
        application/problem+json:
          schema: {type: object, properties: {title: {type: string}}}
  schemas:
    Thing:
      type: object
      required: [name]
      properties:
        name: {type: string, examples: [spoon]}
        colour:
          type: string
          x-nordfin-inferred: The vendor shows the field only in one sample answer.
"""

MODULE = '''"""Toy overlay."""


def list_things(limit: int | None = None) -> list[str]:
    """List things."""
    return []


def delete_thing(thing_id: str) -> None:
    """Delete thing."""
'''


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=repo, check=True
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with one toy spec and its overlay committed, nordfin at 0.3.0."""
    repo = tmp_path / "repo"
    for name in (".spectral.yaml", "redocly.yaml"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, repo / name)
    (repo / "node_modules").symlink_to(ROOT / "node_modules")
    write(repo, "specs/toy/openapi.yaml", SPEC)
    write(repo, "overlays/nordfin/__init__.py", '"""nordfin."""\n')
    write(repo, "overlays/nordfin/_version.py", '__version__ = "0.3.0"\n')
    write(repo, "overlays/nordfin/toy/__init__.py", MODULE)
    (repo / "generated").mkdir()
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo


def write(repo: Path, path: str, text: str) -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text, encoding="utf-8")


def edit(repo: Path, path: str, old: str, new: str) -> None:
    text = (repo / path).read_text(encoding="utf-8")
    assert text.count(old) == 1
    (repo / path).write_text(text.replace(old, new), encoding="utf-8")


def review(repo: Path) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "spec_review.py"), "--root", str(repo), "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    assert (repo / "build" / "spec-review" / "toy.md").exists(), done.stderr
    report = (repo / "build" / "spec-review" / "toy.md").read_text(encoding="utf-8")
    return done.returncode, report


def break_api(repo: Path) -> None:
    """Remove an operation and make a parameter required, in the spec and in the Python API."""
    spec = "specs/toy/openapi.yaml"
    edit(repo, spec, "{name: limit, in: query, required: false,", "{name: limit, in: query, required: true,")
    text = (repo / spec).read_text(encoding="utf-8")
    start, end = text.index("  /things/{thing_id}:"), text.index("components:")
    write(repo, spec, text[:start] + text[end:])
    module = "overlays/nordfin/toy/__init__.py"
    edit(repo, module, "limit: int | None = None", "limit: int")
    edit(repo, module, MODULE[MODULE.index("\n\ndef delete_thing") :], "\n")


def test_breaking_change_is_flagged_and_refused_without_a_minor_bump(repo: Path) -> None:
    break_api(repo)

    status, report = review(repo)

    assert status == 1
    assert "❌ breaking change(s) that nordfin 0.3.0 → 0.3.0 does not allow" in report
    assert "**BREAKING** `GET /things`: the `query` request parameter `limit` became required" in report
    assert "**BREAKING** `DELETE /things/{thing_id}`: api path removed without deprecation" in report
    assert "**BREAKING** `nordfin.toy.list_things(limit)`: parameter is now required" in report
    assert "**BREAKING** `nordfin.toy.delete_thing`: public object was removed" in report
    assert "operations: removed `DELETE /things/{thing_id}`" in report
    assert "removed `nordfin.toy.delete_thing`" in report


def test_breaking_change_is_allowed_by_a_minor_bump_below_1(repo: Path) -> None:
    break_api(repo)
    write(repo, "overlays/nordfin/_version.py", '__version__ = "0.4.0"\n')

    status, report = review(repo)

    assert status == 0
    assert "⚠️ breaking change(s), allowed by nordfin 0.3.0 → 0.4.0" in report


def test_harmless_change_is_not_flagged(repo: Path) -> None:
    """A new optional parameter, a new function and a confirmed inference break nobody."""
    spec = "specs/toy/openapi.yaml"
    edit(
        repo,
        spec,
        "        - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1}}\n",
        "        - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1}}\n"
        "        - {name: colour, in: query, required: false, schema: {type: string}}\n",
    )
    edit(
        repo,
        spec,
        "          x-nordfin-inferred: The vendor shows the field only in one sample answer.\n",
        "",
    )
    write(
        repo,
        "overlays/nordfin/toy/__init__.py",
        MODULE + '\n\ndef count_things() -> int:\n    """Count."""\n    return 0\n',
    )

    status, report = review(repo)

    assert status == 0
    assert "✅ no lint errors, no breaking changes" in report
    assert "BREAKING" not in report
    assert "parameters: added `GET /things query.colour`" in report
    assert "confirmed by the vendor now: `/components/schemas/Thing/properties/colour`" in report
    assert "added `nordfin.toy.count_things`" in report


def test_a_new_inferred_property_is_listed_as_a_new_guess(repo: Path) -> None:
    """A property the change adds with ``x-nordfin-inferred`` is a guess the reviewer must see;
    a guess the base already had is not news."""
    edit(
        repo,
        "specs/toy/openapi.yaml",
        "        name: {type: string, examples: [spoon]}\n",
        "        name: {type: string, examples: [spoon]}\n"
        "        size:\n"
        "          type: integer\n"
        "          x-nordfin-inferred: The vendor's sample answer shows a size; no text describes it.\n",
    )

    status, report = review(repo)
    guesses = [line for line in report.splitlines() if line.startswith("- new guess")]

    assert status == 0
    assert guesses == ["- new guess (added, inferred): `/components/schemas/Thing/properties/size`"]


def test_lint_errors_fail_the_review(repo: Path) -> None:
    """Each of our rules, and the built-in example check, is an error."""
    spec = "specs/toy/openapi.yaml"
    edit(repo, spec, "      summary: List things\n", "")
    edit(repo, spec, "operationId: list_things", "operationId: listThings")
    edit(repo, spec, '        "400": {$ref: "#/components/responses/Problem"}\n', "")
    edit(
        repo,
        spec,
        "x-nordfin-inferred: The vendor shows the field only in one sample answer.",
        "x-nordfin-inferred: guess",
    )
    edit(repo, spec, "examples: [spoon]", "examples: [42]")

    status, report = review(repo)

    assert status == 1
    for tool, rule in [
        ("spectral", "nordfin-operation-summary"),
        ("spectral", "nordfin-operation-id-snake-case"),
        ("spectral", "nordfin-operation-error-responses"),
        ("spectral", "nordfin-inferred-has-reason"),
        ("redocly", "operation-summary"),
        ("redocly", "no-invalid-schema-examples"),
    ]:
        assert f"| {tool} | error | `{rule}` |" in report
