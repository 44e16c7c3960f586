"""Every spec under specs/ is valid OpenAPI 3.1, follows DESIGN.md's rules, and its examples hold."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
SPEC_FILES = sorted((ROOT / "specs").glob("*/openapi.yaml"))
SLUGS = [p.parent.name for p in SPEC_FILES]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def load(slug: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "specs" / slug / "openapi.yaml").read_text(encoding="utf-8"))


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def walk(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}/{index}")


def examples(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for media-type examples and JSON Schema `examples` arrays."""
    for where, node in walk(spec):
        schema = node.get("schema")
        if isinstance(schema, dict):
            if "example" in node:
                yield f"{where}/example", schema, node["example"]
            for name, example in (node.get("examples") or {}).items():
                if isinstance(example, dict) and "value" in example:
                    yield f"{where}/examples/{name}", schema, example["value"]
        if where.split("/")[-2:-1] != ["properties"] and isinstance(node.get("examples"), list):
            for index, value in enumerate(node["examples"]):
                yield f"{where}/examples/{index}", node, value


@pytest.mark.parametrize("slug", SLUGS)
def test_spec_is_valid_openapi_3_1(slug: str) -> None:
    spec = load(slug)

    assert spec["openapi"].startswith("3.1")
    validate(spec)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_example_validates_against_its_schema(slug: str) -> None:
    spec = load(slug)
    registry = referencing.Registry().with_resource(
        "urn:spec",
        referencing.Resource.from_contents(spec, default_specification=referencing.jsonschema.DRAFT202012),
    )
    failures = []
    found = 0
    for where, schema, example in examples(spec):
        found += 1
        validator = jsonschema.Draft202012Validator(_rooted(schema), registry=registry)
        failures += [f"{where}: {error.message}" for error in validator.iter_errors(example)]

    assert found > 0, "the spec should carry the vendor's examples"
    assert failures == []


def _rooted(node: Any) -> Any:
    """Point `#/components/...` references inside an embedded schema at the whole spec."""
    if isinstance(node, dict):
        return {
            k: ("urn:spec" + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rooted(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rooted(v) for v in node]
    return node


@pytest.mark.parametrize("slug", SLUGS)
def test_every_operation_is_complete(slug: str) -> None:
    """operationId in snake_case, the vendor's title as summary, tags, and documented errors."""
    problems = []
    for path, method, operation in operations(load(slug)):
        name = f"{method.upper()} {path}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", operation.get("operationId", "")):
            problems.append(f"{name}: operationId missing or not snake_case")
        if not operation.get("summary") or not operation.get("tags"):
            problems.append(f"{name}: summary or tags missing")
        codes = set(operation.get("responses", {}))
        if not any(c.startswith(("2",)) for c in codes):
            problems.append(f"{name}: no success response")
        if not any(c.startswith(("4", "5")) or c == "default" for c in codes):
            problems.append(f"{name}: no error response")

    assert problems == []


@pytest.mark.parametrize("slug", SLUGS)
def test_provenance_is_visible(slug: str) -> None:
    """info says where the spec comes from; every inference gives its reason."""
    spec = load(slug)
    source = spec["info"].get("x-nordfin-source", {})
    reasons = [
        (where, node["x-nordfin-inferred"]) for where, node in walk(spec) if "x-nordfin-inferred" in node
    ]

    assert {"kind", "url", "read"} <= set(source)
    assert reasons, "a hand-written spec without a single inference is unlikely; check the markers"
    assert [where for where, why in reasons if not isinstance(why, str) or len(why.split()) < 5] == []


@pytest.mark.parametrize("slug", SLUGS)
def test_generated_code_is_from_this_spec(slug: str) -> None:
    """The lock file names the sha256 of the spec the committed client came from."""
    lock = json.loads((ROOT / "generated" / "nordfin_generated" / "generate.lock.json").read_text())
    digest = hashlib.sha256((ROOT / "specs" / slug / "openapi.yaml").read_bytes()).hexdigest()

    assert lock["specs"][slug]["spec_sha256"] == digest
