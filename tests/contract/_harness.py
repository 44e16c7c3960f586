"""The generic machinery of the contract tests: specs, operations, generated code, drawn data, calls.

Everything here is driven by ``specs/*/openapi.yaml``; nothing names an API. The spec is read here
with plain YAML (an independent reading); ``nordfin._core.spec.SpecIndex`` is used only where the
properties name it (request/response validation, routing).

Data is drawn with schemathesis 4's public API from *harness specs* (toolchain.md §6): copies of
a spec whose ``paths`` are replaced by synthetic ``POST`` operations whose request body schema is
what we want drawn — the inputs of an operation, or the body of one of its documented responses.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import functools
import importlib
import inspect
import json
import os
import pkgutil
import re
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, UnionType
from typing import Any
from urllib.parse import unquote

import httpx
import jsonschema
import schemathesis
import yaml
from hypothesis import Phase, find, settings
from hypothesis import strategies as st

from nordfin._core.session import ApiProfile, AsyncSession, Session
from nordfin._core.spec import SpecIndex

ROOT = Path(__file__).resolve().parents[2]
SLUGS = sorted(p.parent.name for p in (ROOT / "specs").glob("*/openapi.yaml"))
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
#: Statuses drawn for a ``default`` (or ``4XX``/``5XX``) response: the families callers handle.
ERROR_STATUSES = (400, 401, 403, 404, 409, 500, 503)
NO_BODY: Any = type("NoBody", (), {"__repr__": lambda self: "NO_BODY"})()


def contract(**overrides: Any) -> settings:
    """The Hypothesis settings of a contract property: the profile of ``HYPOTHESIS_PROFILE``."""
    return settings(settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci")), **overrides)


# --- the spec, read independently ----------------------------------------------------------------


@functools.cache
def load(slug: str) -> dict[str, Any]:
    """``specs/<slug>/openapi.yaml`` as parsed YAML (treat as read-only)."""
    text = (ROOT / "specs" / slug / "openapi.yaml").read_text(encoding="utf-8")
    # libyaml's loader when PyYAML has it: the same safe reading, some ten times faster, and every
    # xdist worker reads every spec while collecting.
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """``node`` with local ``$ref`` chains followed."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


@dataclass(eq=False)
class Op:
    """One operation of one spec, its parameters, body and responses with ``$ref`` resolved."""

    slug: str
    operation_id: str
    method: str
    path: str
    params: list[dict[str, Any]]
    body: dict[str, Any] | None
    responses: dict[str, dict[str, Any]]
    security: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.slug}.{self.operation_id}"

    @property
    def spec(self) -> dict[str, Any]:
        return load(self.slug)

    def params_in(self, location: str) -> list[dict[str, Any]]:
        return [p for p in self.params if p["in"] == location]

    @property
    def slash_params(self) -> bool:
        """True when a path parameter is documented with ``x-nordfin-path-allows-slash: true``."""
        return any(p.get("x-nordfin-path-allows-slash") is True for p in self.params_in("path"))

    @property
    def success_keys(self) -> list[str]:
        return [k for k in self.responses if k.startswith("2")]


@functools.cache
def operations(slug: str) -> tuple[Op, ...]:
    """Every operation of ``slug``'s spec, in document order."""
    spec = load(slug)
    found = []
    for path, item in spec.get("paths", {}).items():
        item = resolve(spec, item)
        for method in METHODS:
            if method in item:
                found.append(_op(slug, spec, path, method, item))
    return tuple(found)


def _op(slug: str, spec: dict[str, Any], path: str, method: str, item: dict[str, Any]) -> Op:
    raw = item[method]
    merged = {}
    for param in (*item.get("parameters", []), *raw.get("parameters", [])):
        param = resolve(spec, param)
        merged[(param["name"], param["in"])] = param
    body = resolve(spec, raw["requestBody"]) if "requestBody" in raw else None
    responses = {str(k): resolve(spec, v) for k, v in raw.get("responses", {}).items()}
    security = raw.get("security", spec.get("security", []))
    params = list(merged.values())
    return Op(slug, raw["operationId"], method.upper(), path, params, body, responses, security)


def all_operations() -> list[Op]:
    return [op for slug in SLUGS for op in operations(slug)]


def is_json(media: str) -> bool:
    media = media.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def json_content(node: dict[str, Any] | None) -> tuple[str, Any] | None:
    """(media type, schema) of the first JSON media type of a body or response; None if it has none."""
    for media, entry in (node or {}).get("content", {}).items():
        if is_json(media):
            return media, entry.get("schema", {})
    return None


def base_url(slug: str) -> str:
    """The first server's URL, its variables replaced by their defaults."""
    server = (load(slug).get("servers") or [{"url": "http://localhost"}])[0]
    url = str(server["url"])
    for name, variable in server.get("variables", {}).items():
        url = url.replace("{" + name + "}", str(variable["default"]))
    return url


def credentials(op: Op) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, query) meeting the first security requirement, with placeholder values."""
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    schemes = load(op.slug).get("components", {}).get("securitySchemes", {})
    for name in (op.security or [{}])[0]:
        scheme = resolve(op.spec, schemes[name])
        kind = scheme.get("type")
        if kind == "apiKey" and scheme.get("in") == "header":
            headers[scheme["name"]] = "x"
        elif kind == "apiKey" and scheme.get("in") == "query":
            query[scheme["name"]] = "x"
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            headers["Authorization"] = "Basic eDp4"
        elif kind in ("http", "oauth2", "openIdConnect"):
            headers["Authorization"] = "Bearer x"
    return headers, query


# --- the generated client, found generically -----------------------------------------------------


def profile(slug: str) -> ApiProfile:
    """The overlay's ``ApiProfile``: what ``Session`` needs to know about the API."""
    return importlib.import_module(f"nordfin.{slug}._plans").PROFILE


@functools.cache
def generated_modules(slug: str) -> dict[str, ModuleType]:
    """Every generated operation module of ``slug``, by its name (the operationId)."""
    package = importlib.import_module(f"nordfin_generated.{slug}.api")
    found = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        if hasattr(module, "build_request") and hasattr(module, "parse_response"):
            found[info.name.rsplit(".", 1)[-1]] = module
    return found


def module_for(op: Op) -> ModuleType:
    return generated_modules(op.slug)[op.operation_id]


def name_key(name: str) -> str:
    """What survives openapi-python-client's renaming (``$filter`` → ``filter_``, ``orderId`` → ``order_id``).

    The generator snake-cases names and suffixes reserved words with ``_``; letters and digits remain.
    """
    return re.sub(r"[^0-9a-z]", "", name.lower())


def python_names(op: Op) -> dict[tuple[str, str], str]:
    """(location, spec name) → the ``build_request`` argument that carries it."""
    arguments = [n for n in inspect.signature(module_for(op).build_request).parameters if n != "body"]
    names = {}
    for param in op.params:
        if param["in"] == "cookie":
            continue
        matches = [a for a in arguments if name_key(a) == name_key(param["name"])]
        if len(matches) != 1:
            raise LookupError(f"{op}: no single build_request argument for {param['in']} {param['name']!r}")
        names[(param["in"], param["name"])] = matches[0]
    return names


@functools.cache
def _models(slug: str) -> dict[str, type]:
    module = importlib.import_module(f"nordfin_generated.{slug}.models")
    exported = {n: getattr(module, n) for n in module.__all__}  # each model loads on first use
    found = {n: v for n, v in exported.items() if isinstance(v, type) and hasattr(v, "from_dict")}
    return {name_key(n): v for n, v in found.items()}


_PRIMITIVES: dict[str, type] = {"string": str, "boolean": bool, "integer": int}


def expect_for(op: Op, key: str) -> type | None:
    """The generated model the answer ``key`` must be read as: a component's or an inline schema's class."""
    content = json_content(op.responses[key])
    if content is None:
        return None
    schema = content[1]
    resolved = resolve(op.spec, schema)
    if resolved.get("type") == "array":
        return list
    if resolved.get("type") in _PRIMITIVES:  # e.g. a JSON string answer (a token): no model, a str
        return _PRIMITIVES[resolved["type"]]
    if isinstance(schema, dict) and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
    else:
        name = f"{op.operation_id}_response_{key}"
    model = _models(op.slug).get(name_key(name))
    if model is None:
        raise LookupError(f"{op}: no generated model {name!r} for the {key} answer")
    return model


def body_value(annotation: Any, value: Any) -> Any:
    """``value`` (JSON) as the type ``build_request`` annotates its body with: a model via ``from_dict``."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, UnionType):
        members = [m for m in typing.get_args(annotation) if getattr(m, "__name__", "") != "Unset"]
        lists = [m for m in members if typing.get_origin(m) is list]
        if isinstance(value, list) and lists:
            return body_value(lists[0], value)
        for member in members:  # a union of models (oneOf): the first whose from_dict reads the value
            try:
                return body_value(member, value)
            except (KeyError, TypeError, ValueError):
                continue
        return value
    if origin is list:
        (item,) = typing.get_args(annotation)
        return [body_value(item, v) for v in value]
    if hasattr(annotation, "from_dict"):
        return annotation.from_dict(value)
    return value


def call_arguments(op: Op, inputs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``session.call`` for drawn ``inputs`` (path, query, header, body)."""
    names = python_names(op)
    arguments = {}
    for location in ("path", "query", "header"):
        for name, value in inputs.get(location, {}).items():
            arguments[names[(location, name)]] = value
    if "body" in inputs:
        build = module_for(op).build_request
        # the operation module names its models only under TYPE_CHECKING: they load on first use
        models = importlib.import_module(build.__module__.split(".api.")[0] + ".models")
        names = {name: getattr(models, name) for name in models.__all__}
        annotation = typing.get_type_hints(build, globalns={**names, **build.__globals__})["body"]
        arguments["body"] = body_value(annotation, inputs["body"])
    return arguments


# --- harness specs and drawn data ----------------------------------------------------------------


#: The most items a drawn array holds where its schema sets no limit. Each further item is read by
#: the same code as the ones before; nested arrays of unbounded length made some bodies hundreds of
#: nodes, drawn in a second each (payfunc's accounts and orders were a third of the contract suite).
MAX_ITEMS = 3


def _harness_spec(slug: str, paths: dict[str, Any]) -> Any:
    harness = copy.deepcopy({**load(slug), "paths": paths})
    harness.pop("security", None)
    _bound_arrays(harness)
    return schemathesis.openapi.from_dict(harness)


def _bound_arrays(node: Any) -> None:
    """Give every array schema without ``maxItems`` one (``MAX_ITEMS``, or its ``minItems``)."""
    if isinstance(node, dict):
        kind = node.get("type")
        if (kind == "array" or (isinstance(kind, list) and "array" in kind)) and "maxItems" not in node:
            node["maxItems"] = max(MAX_ITEMS, node.get("minItems", 0))
        for key, child in node.items():
            if key not in ("example", "examples", "default", "enum", "const"):  # values, not schemas
                _bound_arrays(child)
    elif isinstance(node, list):
        for child in node:
            _bound_arrays(child)


def _synthetic(schema: Any, parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A ``POST`` whose JSON body is drawn from ``schema`` (None: no body), headers from ``parameters``."""
    operation: dict[str, Any] = {"parameters": parameters or [], "responses": {"200": {"description": "-"}}}
    if schema is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    return {"post": operation}


def input_schema(op: Op) -> dict[str, Any]:
    """A JSON Schema of one call's inputs: ``{path: {...}, query: {...}, header: {...}, body: ...}``."""
    properties: dict[str, Any] = {}
    for location in ("path", "query", "header"):
        params = op.params_in(location)
        if params:
            properties[location] = {
                "type": "object",
                "properties": {p["name"]: p.get("schema", {}) for p in params},
                "required": [p["name"] for p in params if p.get("required")],
                "additionalProperties": False,
            }
    required = list(properties)
    if op.body is not None:
        content = json_content(op.body)
        if content is None:
            raise NotImplementedError(f"{op}: the client sends JSON only, the spec documents no JSON body")
        properties["body"] = content[1]
        required += ["body"] if op.body.get("required") else []
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


@functools.cache
def _request_harness(slug: str) -> Any:
    return _harness_spec(
        slug, {f"/__request/{op.operation_id}": _synthetic(input_schema(op)) for op in operations(slug)}
    )


@functools.cache  # one strategy per operation: Hypothesis validates and caches a strategy once
def request_inputs(op: Op, *, path_shaped: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Spec-valid inputs of ``op``: path, query and header values and the JSON body.

    With ``path_shaped``, path parameters are sometimes replaced by path-shaped values (``a/../b``,
    ``.``, ``%2F``) that their schema allows: random text seldom holds them, and a URL mangles them.
    """
    operation = _request_harness(op.slug)[f"/__request/{op.operation_id}"]["POST"]
    drawn = operation.as_strategy().map(lambda case: _python_numbers(op, case.body))
    return drawn.flatmap(lambda inputs: _path_shaped(op, inputs)) if path_shaped else drawn


def _python_numbers(op: Op, inputs: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema counts ``0.0`` as an integer; a Python ``int`` argument is an ``int``."""
    result = dict(inputs)
    for location in ("path", "query", "header"):
        values = dict(inputs.get(location, {}))
        for param in op.params_in(location):
            value = values.get(param["name"])
            types = resolve(op.spec, param.get("schema", {})).get("type", [])
            if isinstance(value, float) and value.is_integer() and "integer" in types:
                values[param["name"]] = int(value)
        if location in inputs:
            result[location] = values
    return result


PATH_SEGMENTS = ("..", ".", "", "a", "%2F", "b c", "?#")


@st.composite
def _path_shaped(draw: st.DrawFn, op: Op, inputs: dict[str, Any]) -> dict[str, Any]:
    path = dict(inputs.get("path", {}))
    for param in op.params_in("path"):
        shaped = draw(st.lists(st.sampled_from(PATH_SEGMENTS), min_size=1, max_size=4).map("/".join))
        wanted = isinstance(path.get(param["name"]), str) and draw(st.booleans(), label="path-shaped")
        if wanted and schema_accepts(op.spec, param.get("schema", {}), shaped):
            path[param["name"]] = shaped
    return {**inputs, "path": path} if path else inputs


def schema_accepts(spec: dict[str, Any], schema: Any, value: Any) -> bool:
    """Plain jsonschema (Draft 2020-12, formats checked) on one value; ``#/components`` refs resolve."""
    document = {"components": spec.get("components", {}), "allOf": [schema]}
    validator = jsonschema.Draft202012Validator(document, format_checker=jsonschema.FormatChecker())
    return validator.is_valid(value)


def _header_params(response: dict[str, Any], spec: dict[str, Any]) -> list[dict[str, Any]]:
    params = []
    for name, header in response.get("headers", {}).items():
        header = resolve(spec, header)
        if name.lower() != "content-type":
            params.append(
                {
                    "name": name,
                    "in": "header",
                    "required": bool(header.get("required")),
                    "schema": header.get("schema", {}),
                }
            )
    return params


@functools.cache
def _response_harness(slug: str) -> Any:
    paths = {}
    for op in operations(slug):
        for key, response in op.responses.items():
            content = json_content(response)
            schema = content[1] if content else None
            headers = _header_params(response, op.spec)
            paths[f"/__response/{op.operation_id}/{key}"] = _synthetic(schema, headers)
    return _harness_spec(slug, paths)


@dataclass
class Answer:
    """A server's answer: status, headers, media type and body (``NO_BODY``: none; else JSON or bytes)."""

    status: int
    headers: dict[str, str]
    media_type: str | None
    body: Any = NO_BODY

    def content(self) -> bytes:
        if self.body is NO_BODY:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, ensure_ascii=False).encode()

    def respond(self, request: httpx.Request) -> httpx.Response:
        headers = dict(self.headers)
        if self.media_type is not None and self.body is not NO_BODY:
            headers["Content-Type"] = self.media_type
        return httpx.Response(self.status, headers=headers, content=self.content(), request=request)


def response_key(op: Op, status: int) -> str:
    """The documented response key that covers ``status``: exact, then its range, then default."""
    keys = {k.upper(): k for k in op.responses}
    return next(keys[k] for k in (str(status), f"{status // 100}XX", "DEFAULT") if k in keys)


def statuses(op: Op, key: str) -> st.SearchStrategy[int]:
    """The statuses a response key stands for (``default``, ``4XX``: undocumented error statuses)."""
    if key.isdigit():
        return st.just(int(key))
    documented = {k for k in op.responses if k.isdigit()}
    prefix = "" if key.lower() == "default" else key[0]
    candidates = [s for s in ERROR_STATUSES if str(s).startswith(prefix) and str(s) not in documented]
    return st.sampled_from(candidates)


def error_code_properties(op: Op, schema: Any) -> dict[str, list[Any]]:
    """Properties of an error body whose schema lists the vendor's codes (``x-nordfin-error-codes``)."""
    resolved = resolve(op.spec, schema)
    found = {}
    if not isinstance(resolved, dict):
        return found
    # An error body may be one of several spellings (anyOf/oneOf, e.g. PascalCase or camelCase).
    for member in resolved.get("anyOf", []) + resolved.get("oneOf", []):
        found.update(error_code_properties(op, member))
    for name, sub in resolved.get("properties", {}).items():
        sub = resolve(op.spec, sub)
        codes = sub.get("x-nordfin-error-codes") if isinstance(sub, dict) else None
        if codes:
            cast = int if sub.get("type") == "integer" else str
            found[name] = [cast(code) for code in codes]
    return found


@st.composite
def _with_known_codes(draw: st.DrawFn, body: Any, codes: dict[str, list[Any]]) -> Any:
    """Half the time, put one of the spec's documented error codes into the drawn error body."""
    if not isinstance(body, dict) or not codes or not draw(st.booleans(), label="documented code"):
        return body
    name = draw(st.sampled_from(sorted(codes)))
    return {**body, name: draw(st.sampled_from(codes[name]), label=name)}


@functools.cache  # one strategy per answer: Hypothesis validates and caches a strategy once
def answers(op: Op, key: str) -> st.SearchStrategy[Answer]:
    """Spec-valid answers documented by ``op.responses[key]``: status, required headers, body."""
    content = json_content(op.responses[key])
    operation = _response_harness(op.slug)[f"/__response/{op.operation_id}/{key}"]["POST"]
    cases, codes = operation.as_strategy(), error_code_properties(op, content[1]) if content else {}

    @st.composite
    def draw_answer(draw: st.DrawFn) -> Answer:
        status = draw(statuses(op, key), label="status")
        case = draw(cases, label="case")
        headers = {k: str(v) for k, v in (case.headers or {}).items()}
        if content is None:
            return Answer(status, headers, None)
        body = draw(_with_known_codes(case.body, codes))
        return Answer(status, headers, content[0], body)

    return draw_answer()


# --- JSON compared semantically --------------------------------------------------------------------

_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def canonical(value: Any) -> Any:
    """JSON in a form where equal means equal on the wire: date-times as instants (toolchain P7),
    numbers by value but never equal to booleans (``True == 1`` in Python, not in JSON)."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, int | float):
        return ("number", int(value) if float(value).is_integer() and abs(value) < 2**53 else value)
    if isinstance(value, str) and _DATE_TIME.fullmatch(value):
        return ("instant", dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00")))
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def without_nulls(value: Any) -> Any:
    """JSON without its null members: an answer's model reads a null member and a missing one both
    as None (scripts/generate.py, "Answers read as plain Python"), and sends neither back."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def as_json(parsed: Any) -> Any:
    """A parsed answer back to JSON through the generated models' ``to_dict``."""
    if isinstance(parsed, list):
        return [as_json(item) for item in parsed]
    return parsed.to_dict() if hasattr(parsed, "to_dict") else parsed


# --- calling the client through a mock transport --------------------------------------------------


@dataclass
class Exchange:
    """What one ``session.call`` sent, and what came back: the result or the exception it raised."""

    sent: list[httpx.Request] = field(default_factory=list)
    result: Any = None
    error: BaseException | None = None


def invoke(
    op: Op,
    arguments: dict[str, Any],
    respond: Callable[[httpx.Request], httpx.Response],
    *,
    strict: bool,
    is_async: bool,
) -> Exchange:
    """Call ``op`` through ``Session`` (or ``AsyncSession``) whose httpx client answers with ``respond``."""
    exchange = Exchange()

    def handler(request: httpx.Request) -> httpx.Response:
        exchange.sent.append(request)
        return respond(request)

    headers, query = credentials(op)
    options = {
        "base_url": base_url(op.slug),
        "headers": headers,
        "params": query,
        "transport": httpx.MockTransport(handler),
    }
    expects = {expect_for(op, key) for key in op.success_keys}
    # Success answers that read as different things (a model for 200, nothing for 204): accept any.
    expect = (expects.pop() if len(expects) == 1 else object) if expects else None
    call = functools.partial(_call_async if is_async else _call_sync, op, options, expect, arguments, strict)
    try:
        exchange.result = call()
    except Exception as error:  # the properties assert on the type
        exchange.error = error
    return exchange


def _call_sync(
    op: Op, options: dict[str, Any], expect: type | None, arguments: dict[str, Any], strict: bool
) -> Any:
    with httpx.Client(**options) as http:
        session = Session(profile(op.slug), http, strict=strict)
        return session.call(module_for(op), expect, slash_params=op.slash_params, **arguments)


def _call_async(
    op: Op, options: dict[str, Any], expect: type | None, arguments: dict[str, Any], strict: bool
) -> Any:
    async def run() -> Any:
        async with httpx.AsyncClient(**options) as http:
            session = AsyncSession(profile(op.slug), http, strict=strict)
            return await session.call(module_for(op), expect, slash_params=op.slash_params, **arguments)

    return asyncio.run(run())


#: The first example found is enough: no shrinking, which would only cost time.
FIRST_FOUND = settings(
    database=None, derandomize=True, max_examples=300, deadline=None, phases=[Phase.generate]
)


@functools.cache
def sent_inputs(op: Op) -> dict[str, Any]:
    """Spec-valid inputs of ``op`` that the client sends: the first ``request_inputs`` finds.

    The answer properties call with these. How an answer is read does not depend on what was asked,
    and drawing the inputs anew for every answer was a third of those properties' time; what the
    client makes of drawn inputs is property 1's (``test_requests.py``, its examples per operation).
    ``find`` may not run inside a property: ``conftest.py`` calls this before each test of an ``op``.
    """

    def sends(inputs: dict[str, Any]) -> bool:
        refuse = Answer(503, {}, None).respond
        return len(invoke(op, call_arguments(op, inputs), refuse, strict=False, is_async=False).sent) == 1

    return find(request_inputs(op, path_shaped=False), sends, settings=FIRST_FOUND)


def answered_call(op: Op, answer: Answer, data: st.DataObject, *, strict: bool) -> Exchange:
    """Call ``op`` with ``sent_inputs``, sync or async as drawn, the server answering ``answer``."""
    is_async = data.draw(st.booleans(), label="async")
    arguments = call_arguments(op, sent_inputs(op))
    exchange = invoke(op, arguments, answer.respond, strict=strict, is_async=is_async)
    assert len(exchange.sent) == 1, f"{op}: {len(exchange.sent)} requests for one call"
    return exchange


# --- the request, read independently ---------------------------------------------------------------


def wire_matches(value: Any, sent: str) -> bool:
    """Whether a query or header string carries the JSON value ``value``."""
    if isinstance(value, bool):
        return sent == ("true" if value else "false")
    if isinstance(value, int) and re.fullmatch(r"-?[0-9]+", sent):
        return int(sent) == value
    if isinstance(value, int | float):
        try:
            return float(sent) == value
        except ValueError:
            return False
    return sent == str(value)


def path_params_sent(op: Op, request: httpx.Request) -> dict[str, str] | None:
    """The path parameters read from the request path by the operation's template (None: no match)."""
    prefix = httpx.URL(base_url(op.slug)).raw_path.decode().rstrip("/")
    path = request.url.raw_path.decode("ascii").split("?", 1)[0]
    if not path.startswith(prefix):
        return None
    pattern, slashed = "", []
    for index, part in enumerate(re.split(r"\{([^}]+)\}", op.path)):
        if index % 2 == 0:
            pattern += re.escape(part)
            continue
        param = next(p for p in op.params_in("path") if p["name"] == part)
        slashed.append((part, param.get("x-nordfin-path-allows-slash") is True))
        pattern += "(.+)" if slashed[-1][1] else "([^/]+)"
    found = re.fullmatch(pattern, path[len(prefix) :])
    if found is None:
        return None
    return {name: _decoded(raw, slash) for (name, slash), raw in zip(slashed, found.groups(), strict=True)}


def _decoded(raw: str, allows_slash: bool) -> str:
    """A path parameter as sent. Where the spec wants slashes sent as real slashes, an encoded one
    stays visible (undecoded), so it cannot pass for the value."""
    return raw if allows_slash and "%2f" in raw.lower() else unquote(raw)


def request_mismatches(op: Op, inputs: dict[str, Any], request: httpx.Request) -> list[str]:
    """How the request differs from what ``inputs`` ask for: method, path, query, headers, body."""
    problems = [] if request.method == op.method else [f"method {request.method} != {op.method}"]
    expected_path = {k: str(v) for k, v in inputs.get("path", {}).items()}
    sent_path = path_params_sent(op, request)
    if sent_path != expected_path:
        problems.append(f"path {request.url.raw_path!r} reads as {sent_path}, expected {expected_path}")
    problems += _query_mismatches(op, inputs.get("query", {}), request)
    for name, value in inputs.get("header", {}).items():
        if value is not None and not wire_matches(value, request.headers.get(name, "")):
            problems.append(f"header {name}: {request.headers.get(name)!r} does not carry {value!r}")
    return problems + _body_mismatches(inputs, request)


def _query_mismatches(op: Op, query: dict[str, Any], request: httpx.Request) -> list[str]:
    sent: dict[str, list[str]] = {}
    for name, value in request.url.params.multi_items():
        sent.setdefault(name, []).append(value)
    problems = []
    for param in op.params_in("query"):
        name, values = param["name"], sent.pop(param["name"], None)
        if name not in query or query[name] is None:
            default = resolve(op.spec, param.get("schema", {})).get("default")
            if values is not None and not (default is not None and values == [_wire(default)]):
                problems.append(f"query {name}: sent {values} though not given (default {default!r})")
            continue
        wanted = query[name] if isinstance(query[name], list) else [query[name]]
        if values is None or len(values) != len(wanted) or not all(map(wire_matches, wanted, values)):
            problems.append(f"query {name}: sent {values}, expected {wanted!r}")
    unexpected = set(sent) - set(credentials(op)[1])
    return problems + ([f"query: unexpected {sorted(unexpected)}"] if unexpected else [])


def _wire(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _body_mismatches(inputs: dict[str, Any], request: httpx.Request) -> list[str]:
    if "body" not in inputs:
        return [f"a body was sent though none was given: {request.content[:80]!r}"] if request.content else []
    media = request.headers.get("content-type", "")
    if not is_json(media):
        return [f"Content-Type {media!r} is not JSON"]
    try:
        sent = json.loads(request.content)
    except ValueError:
        return [f"the body is not JSON: {request.content[:80]!r}"]
    return [] if canonical(sent) == canonical(inputs["body"]) else [f"body {sent!r} != {inputs['body']!r}"]


def routed(op: Op, request: httpx.Request) -> tuple[str, dict[str, str]] | None:
    """``SpecIndex.match`` on a captured request: the operationId it routes to and its path parameters."""
    index = SpecIndex.for_slug(op.slug)
    path = request.url.raw_path.decode("ascii").split("?", 1)[0]
    if not path.startswith(index.server_path):
        return None
    found = index.match(request.method, path.removeprefix(index.server_path))
    return None if found is None else (found[0].operation_id, found[1])


def validate_sent_request(op: Op, request: httpx.Request) -> list[str]:
    """``SpecIndex.validate_request`` on a captured request (the same reading the fakes use)."""
    index = SpecIndex.for_slug(op.slug)
    route = routed(op, request)
    if route is None or route[0] != op.operation_id:
        return [f"path: {request.url.raw_path!r} is not routed to {op.operation_id}"]
    return index.validate_request(
        index.operation(op.operation_id),
        path_params=route[1],
        query=list(request.url.params.multi_items()),
        headers=request.headers,
        content_type=request.headers.get("content-type"),
        body=json.loads(request.content) if request.content else None,
    )


# --- spec-breaking answers --------------------------------------------------------------------------

JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")
MUTATIONS = ("drop_property", "wrong_type", "whole_body", "not_json", "undocumented_status")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def values_of_type(kind: str) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=4)
    return {
        "null": st.none(),
        "boolean": st.booleans(),
        "integer": st.integers(),
        # A fraction by construction: filtering out whole floats made Hypothesis give up a case in ten.
        "number": st.floats(-1e15, 1e15).map(lambda f: f + 0.5 if f.is_integer() else f),
        "string": st.text(max_size=8),
        "array": st.lists(scalars, max_size=3),
        "object": st.dictionaries(st.text(max_size=4), scalars, max_size=3),
    }[kind]


def other_type_than(value: Any) -> st.SearchStrategy[Any]:
    """A JSON value whose type differs from ``value``'s."""
    kinds = [k for k in JSON_TYPES if k != json_type(value)]
    return st.sampled_from(kinds).flatmap(values_of_type)


def nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) inside a JSON value, the root first."""
    yield path, value
    if isinstance(value, dict | list):
        for key, child in value.items() if isinstance(value, dict) else enumerate(value):
            yield from nodes(child, (*path, key))


def replaced(value: Any, path: tuple[Any, ...], new: Any = NO_BODY) -> Any:
    """A copy of ``value`` with the node at ``path`` set to ``new`` (``NO_BODY``: removed)."""
    result = copy.deepcopy(value)
    parent = result
    for key in path[:-1]:
        parent = parent[key]
    if new is NO_BODY:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return result


def applicable_mutations(op: Op, answer: Answer) -> list[str]:
    kinds = list(MUTATIONS)
    if not any(isinstance(node, dict) and node for _, node in nodes(answer.body)):
        kinds.remove("drop_property")
    if answer.body is NO_BODY or not isinstance(answer.body, dict | list) or not answer.body:
        kinds.remove("wrong_type")
    if not undocumented_successes(op):
        kinds.remove("undocumented_status")
    return kinds


def undocumented_successes(op: Op) -> list[int]:
    if "2XX" in {k.upper() for k in op.responses}:
        return []
    return [s for s in (200, 201, 202, 203, 204, 206) if str(s) not in op.responses]


def requires_somewhere(spec: dict[str, Any], schema: Any, depth: int = 8) -> bool:
    """Whether any schema reachable from ``schema`` (members, items, any branch) requires a member:
    only then can a dropped property break a value of it."""
    schema = resolve(spec, schema)
    if not isinstance(schema, dict) or depth == 0:
        return False
    subs = [*schema.get("properties", {}).values(), schema.get("items"), schema.get("additionalProperties")]
    subs += [*schema.get("allOf", []), *schema.get("anyOf", []), *schema.get("oneOf", [])]
    return bool(schema.get("required")) or any(requires_somewhere(spec, sub, depth - 1) for sub in subs)


def constrains_members(spec: dict[str, Any], schema: Any, depth: int = 8) -> bool:
    """Whether ``schema`` gives a type to some member or item (so a value of the wrong type can
    break it); False for an open object such as ``{type: object, additionalProperties: true}``."""
    schema = resolve(spec, schema)
    if not isinstance(schema, dict) or depth == 0:
        return False
    if schema.get("properties"):
        return True
    item = resolve(spec, schema.get("items"))
    if isinstance(item, dict) and ("type" in item or "properties" in item):
        return True
    return any(constrains_members(spec, branch, depth - 1) for branch in schema.get("allOf", []))


@st.composite
def mutated(draw: st.DrawFn, op: Op, answer: Answer, kinds: list[str] | None = None) -> tuple[str, Answer]:
    """``answer`` broken by one drawn mutation; whether it really breaks the spec is the caller's check."""
    kind = draw(st.sampled_from(kinds or applicable_mutations(op, answer)), label="mutation")
    media = answer.media_type or "application/json"
    body = None if answer.body is NO_BODY else answer.body
    if kind == "drop_property":
        sites = [(*path, key) for path, node in nodes(body) if isinstance(node, dict) for key in node]
        dropped = replaced(body, draw(st.sampled_from(sites), label="dropped"))
        return kind, Answer(answer.status, answer.headers, media, dropped)
    if kind == "wrong_type":
        path, old = draw(st.sampled_from(list(nodes(body))[1:]), label="node")
        changed = replaced(body, path, draw(other_type_than(old), label="value"))
        return kind, Answer(answer.status, answer.headers, media, changed)
    if kind == "whole_body":
        return kind, Answer(answer.status, answer.headers, media, draw(other_type_than(body)))
    if kind == "not_json":
        junk = st.sampled_from([b"<html>Bad gateway</html>", b"{", b"{'a': 1}", b"[1,]", b"NaN"])
        raw = draw(junk | st.text(max_size=20).map(lambda t: ("<" + t).encode()), label="raw")
        return kind, Answer(answer.status, answer.headers, media, raw)
    status = draw(st.sampled_from(undocumented_successes(op)), label="status")
    return kind, Answer(status, answer.headers, answer.media_type, answer.body)


def spec_problems(op: Op, answer: Answer) -> list[str]:
    """What ``SpecIndex.validate_response`` finds wrong with an answer; a non-JSON JSON body always is."""
    if isinstance(answer.body, bytes):
        try:
            json.loads(answer.body)
        except ValueError:
            return ["body: not JSON, with a JSON Content-Type"]
    index = SpecIndex.for_slug(op.slug)
    body = None if answer.body is NO_BODY else answer.body
    content_type = answer.media_type if answer.body is not NO_BODY else None
    return index.validate_response(
        index.operation(op.operation_id),
        status=answer.status,
        content_type=content_type,
        body=body,
        headers=answer.headers,
    )


def can_require(spec: dict[str, Any], schema: Any, depth: int = 8) -> bool:
    """Whether a value of ``schema`` can hold a required property that ``required_sites`` would find
    (through properties, items and allOf); False e.g. for a string answer or an all-optional object."""
    schema = resolve(spec, schema)
    if not isinstance(schema, dict) or depth == 0:
        return False
    subs = [*schema.get("allOf", []), *schema.get("properties", {}).values(), schema.get("items")]
    return bool(schema.get("required")) or any(can_require(spec, sub, depth - 1) for sub in subs)


def is_container(spec: dict[str, Any], schema: Any) -> bool:
    """Whether ``schema`` describes a JSON object or array (which the body mutations need)."""
    schema = resolve(spec, schema)
    return isinstance(schema, dict) and (schema.get("type") in ("object", "array") or "properties" in schema)


def required_sites(
    spec: dict[str, Any], schema: Any, value: Any, path: tuple[Any, ...] = ()
) -> Iterator[tuple[Any, ...]]:
    """Paths of the required properties present in ``value``, through properties, items and allOf
    (not anyOf/oneOf: which branch a generated model reads is its own business)."""
    return ((*path, *site) for site, _ in required_members(spec, schema, value))


# --- where the spec is a guess (x-nordfin-inferred), read independently ----------------------------

INFERRED = "x-nordfin-inferred"


@dataclass(frozen=True)
class Site:
    """A member of an answer body with its schema (``$ref`` followed): ``inferred`` when that schema,
    or one it is written inside (not across a ``$ref``), carries ``x-nordfin-inferred``; ``guessed``
    when the member's own schema, as written in its object's ``properties``, does (its presence and
    non-null are guesses: CONTRIBUTING, "Marking guesses")."""

    path: tuple[Any, ...]
    schema: dict[str, Any]
    inferred: bool
    guessed: bool = False


def marked(spec: dict[str, Any], schema: Any, inferred: bool) -> tuple[Any, bool]:
    """``schema`` with ``$ref``s followed, and whether it is under a marker: ``inferred`` (a marker
    above it) or its own. A marker does not reach into a referenced component, which has its own."""
    while isinstance(schema, dict):
        if isinstance(schema.get("$ref"), str):
            inferred = INFERRED in schema
            schema = resolve(spec, {"$ref": schema["$ref"]})
            continue
        inferred = inferred or INFERRED in schema
        break
    return schema, inferred


def sites(
    spec: dict[str, Any],
    schema: Any,
    value: Any,
    path: tuple[Any, ...] = (),
    inferred: bool = False,
    guessed: bool = False,
) -> Iterator[Site]:
    """Every node of ``value`` reachable through properties, items and allOf, with its schema (not
    through anyOf/oneOf: which branch applies is the validator's business)."""
    schema, inferred = marked(spec, schema, inferred)
    if not isinstance(schema, dict):
        return
    yield Site(path, schema, inferred, guessed)
    for branch in schema.get("allOf", []):
        yield from sites(spec, branch, value, path, inferred, guessed)
    if isinstance(value, dict):
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                yield from sites(spec, sub, value[key], (*path, key), inferred, guessed_member(schema, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from sites(spec, schema["items"], item, (*path, index), inferred)


def required_members(spec: dict[str, Any], schema: Any, value: Any) -> Iterator[tuple[tuple[Any, ...], bool]]:
    """(path, guessed) of each required member present in ``value``: ``guessed`` when the member's
    own schema carries ``x-nordfin-inferred`` (CONTRIBUTING, "Marking guesses")."""
    for site in sites(spec, schema, value):
        node = value
        for key in site.path:
            node = node[key]
        if isinstance(node, dict):
            for key in site.schema.get("required", []):
                if key in node:
                    yield (*site.path, key), guessed_member(site.schema, key)


def guessed_member(schema: dict[str, Any], name: str) -> bool:
    """Whether member ``name`` of the object ``schema`` carries the marker on its own schema."""
    member = schema.get("properties", {}).get(name)
    return isinstance(member, dict) and INFERRED in member


def schema_types(spec: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The JSON types a (resolved) schema names, through anyOf/oneOf; empty when it names none."""
    declared = schema.get("type", [])
    types = {declared} if isinstance(declared, str) else set(declared)
    for branch in (*schema.get("anyOf", []), *schema.get("oneOf", [])):
        types |= schema_types(spec, marked(spec, branch, False)[0])
    return types
