"""A read-only index over one OpenAPI 3.1 document: its operations, routing, request and response checks.

Used by the clients (every request is checked before it is sent; answers too in strict mode), by
the fakes (to route and check what they receive) and by the contract tests. It knows no API:
everything comes from the document, which ships inside the package as JSON (``generate.py``
converts it), so reading it needs no YAML parser.

Problems are reported as ``"<where>: <rule>"`` strings, ``where`` being ``path.<name>``,
``query.<name>``, ``header.<name>``, ``body`` or ``body.<dotted.path>``, ``status``, ``headers.<name>``.
A rule never repeats the offending value: it may be a secret or a national identity number.

The parts live beside this module: ``operation`` (what an operation is made of) and ``schema``
(JSON Schema checks: jsonschema-rs says "valid?", jsonschema words the problem, loaded only then).
Reading and writing XML and typing a query, which only the fakes need, are in ``nordfin.testing``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from nordfin._core.operation import (
    HTTP_METHODS,
    Header,
    Operation,
    Parameter,
    RequestBody,
    Response,
    read_operation,
)
from nordfin._core.packaged import read_packaged
from nordfin._core.schema import SchemaChecker, coerce, schema_for, schema_types

__all__ = [
    "Header",
    "Operation",
    "Parameter",
    "RequestBody",
    "Response",
    "SpecIndex",
    "load_spec",
    "media_type_of",
]


@functools.cache
def load_spec(slug: str) -> dict[str, Any]:
    """The packaged spec of ``slug`` (``nordfin_generated/specs/<slug>/openapi.json``), parsed once.

    The same dict is returned to every caller: treat it as read-only.
    """
    spec: dict[str, Any] = json.loads(read_packaged("specs", slug, "openapi.json"))
    return spec


def media_type_of(content_type: str | None) -> str | None:
    """``"application/json"`` for ``"Application/JSON; charset=utf-8"``; None for None or blank."""
    if content_type is None:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    return media or None


class _Route(NamedTuple):  # NamedTuples: cheaper to define at import than attrs classes
    operation: Operation
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    rank: tuple[int, int]
    prefix: str  # the literal text before the first template variable: a cheap first test


class _ParamCheck(NamedTuple):
    """What checking one parameter needs, worked out once per operation (it depends only on the spec)."""

    param: Parameter
    where: str
    key: str
    types: frozenset[str]
    item_types: frozenset[str]


class SpecIndex:
    """Operations, routes and validators of one OpenAPI 3.1 document (which it never changes)."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        self.server_url = _server_url(spec)
        self.server_path = urlsplit(self.server_url).path
        self.security_schemes: dict[str, dict[str, Any]] = {
            name: self.resolve(scheme)
            for name, scheme in spec.get("components", {}).get("securitySchemes", {}).items()
        }
        self.operations = tuple(self._operations())
        self._by_id = {op.operation_id: op for op in self.operations}
        self._routes = sorted((_route(op) for op in self.operations), key=lambda r: r.rank)
        self._by_method: dict[str, list[_Route]] = {}
        for route in self._routes:
            self._by_method.setdefault(route.operation.method, []).append(route)
        self._checks: dict[int, tuple[Operation, tuple[_ParamCheck, ...]]] = {}
        self._responses: dict[tuple[int, int], tuple[Operation, Response | None]] = {}
        self._schemas = SchemaChecker(spec)

    @classmethod
    def for_slug(cls, slug: str) -> SpecIndex:
        """The index of the packaged spec of ``slug``, built once per process."""
        return _index_for(slug)

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId; KeyError if there is none."""
        try:
            return self._by_id[operation_id]
        except KeyError:
            raise KeyError(f"no operation {operation_id!r} in the spec") from None

    # --- documents and references -------------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """``node`` with local ``$ref``s followed (``#/components/...``); other nodes unchanged."""
        for _ in range(32):  # a bound, because a document may contain a $ref cycle
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node
            node = self._pointer(node["$ref"])
        raise ValueError("$ref chain too long (a cycle?)")

    def _pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise ValueError(f"only local references are supported, not {ref!r}")
        node: Any = self.spec
        for part in filter(None, ref[1:].split("/")):
            key = unquote(part).replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node

    def _operations(self) -> Iterator[Operation]:
        for path, item in self.spec.get("paths", {}).items():
            item = self.resolve(item)
            for method in HTTP_METHODS:
                if method in item:
                    yield read_operation(self.resolve, self.spec, path, method, item)

    def types(self, schema: Any) -> set[str]:
        """The JSON types a schema of this document allows, looking through $ref, anyOf, oneOf, allOf."""
        return schema_types(self.resolve, schema)

    # --- routing --------------------------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation serving ``method`` on ``path`` and its percent-decoded path parameters.

        ``path`` is the request path without the server's prefix, still percent-encoded. A
        template variable matches one segment, or several when its parameter has
        ``x-nordfin-path-allows-slash``. Literal templates win over templated ones.
        """
        for route in self._by_method.get(method if method.isupper() else method.upper(), ()):
            if not route.names:  # a literal template: no pattern needed
                if path == route.prefix:
                    return route.operation, {}
            elif path.startswith(route.prefix) and (found := route.pattern.fullmatch(path)) is not None:
                # one group per name, by construction of the pattern
                return route.operation, dict(zip(route.names, map(unquote, found.groups()), strict=False))
        return None

    def allowed_methods(self, path: str) -> list[str]:
        """The methods documented for ``path`` (as for ``match``), e.g. for a 405's ``Allow``."""
        return sorted({r.operation.method for r in self._routes if r.pattern.fullmatch(path)})

    # --- requests -------------------------------------------------------------------------------

    def validate_request(
        self,
        operation: Operation,
        *,
        path_params: Mapping[str, str],
        query: Iterable[tuple[str, str]],
        headers: Mapping[str, str],
        content_type: str | None,
        body: Any,
    ) -> list[str]:
        """What is wrong with a request for ``operation``; empty when it is valid.

        Parameters arrive as strings and are read as their schema's type first. Unknown query
        parameters are allowed. ``body`` is the decoded body (None: no body). Security is not
        checked here.
        """
        problems: list[str] = []
        grouped: dict[str, list[str]] | None = None
        lowered: dict[str, str] | None = None
        for check in self._param_checks(operation):
            location = check.param.location
            if location == "path":
                value = path_params.get(check.key)
                raw = None if value is None else [value]
            elif location == "query":
                grouped = _grouped(query) if grouped is None else grouped
                raw = grouped.get(check.key)
            elif location == "header":
                lowered = {k.lower(): v for k, v in headers.items()} if lowered is None else lowered
                value = lowered.get(check.key)
                raw = None if value is None else [value]
            else:  # cookies are not checked
                continue
            if raw is None:
                if check.param.required:
                    problems.append(f"{check.where}: is required")
                continue
            problems += self._schemas.problems(check.where, check.param.schema, self._read(check, raw))
        if operation.request_body is not None:
            problems += self._check_body(operation.request_body, content_type, body)
        return problems

    def parameter_value(self, param: Parameter, raw: list[str]) -> Any:
        """The strings a request gave for ``param`` read as its schema's type (a list for arrays)."""
        return self._read(_param_check(self, param), raw)

    def _read(self, check: _ParamCheck, raw: list[str]) -> Any:
        if "array" not in check.types:
            return coerce(raw[0], check.types)
        values = raw if check.param.explode else [v for item in raw for v in item.split(",")]
        return [coerce(v, check.item_types) for v in values]

    def _param_checks(self, operation: Operation) -> tuple[_ParamCheck, ...]:
        cached = self._checks.get(id(operation))
        if cached is None:
            checks = tuple(_param_check(self, p) for p in operation.parameters)
            # Keeping `operation` alive keeps its id from being reused by another object.
            cached = self._checks[id(operation)] = (operation, checks)
        return cached[1]

    def _check_body(self, body: RequestBody, content_type: str | None, value: Any) -> list[str]:
        if value is None:
            return ["body: is required"] if body.required else []
        media = media_type_of(content_type)
        if media is None:
            return ["body: the Content-Type header is missing"]
        schema = _for_media_type(body.content, media)
        if schema is None:
            return [f"body: media type {media!r} is not one of {sorted(body.content)}"]
        return self._schemas.problems("body", schema, value)

    # --- answers --------------------------------------------------------------------------------

    def response_for(self, operation: Operation, status: int) -> Response | None:
        """The documented response for ``status``: exact, then a range like "4XX", then "default"."""
        cached = self._responses.get((id(operation), status))
        if cached is None:  # it depends only on the spec: worked out once per operation and status
            # Keeping `operation` alive keeps its id from being reused by another object.
            cached = self._responses[(id(operation), status)] = (operation, _response_for(operation, status))
        return cached[1]

    def validate_response(
        self,
        operation: Operation,
        *,
        status: int,
        content_type: str | None,
        body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> list[str]:
        """What is wrong with an answer to ``operation``; empty when the spec allows it.

        ``body`` is the decoded body, None when the answer has none. ``headers`` None means
        "not checked"; given, every required documented header must be there and be valid.
        """
        response = self.response_for(operation, status)
        if response is None:
            return [f"status: {status} is not documented for {operation.operation_id}"]
        problems = self._check_response_body(response, status, content_type, body)
        if headers is not None:
            problems += self._check_response_headers(response, headers)
        return problems

    def _check_response_body(
        self, response: Response, status: int, content_type: str | None, body: Any
    ) -> list[str]:
        if body is None:
            if response.content:
                return [f"body: is empty, but the {status} answer documents {sorted(response.content)}"]
            return []
        if not response.content:
            return [f"body: the {status} answer documents no body"]
        media = media_type_of(content_type)
        schema = _for_media_type(response.content, media) if media else None
        if schema is None:
            return [f"body: media type {media!r} is not one of {sorted(response.content)}"]
        if isinstance(body, bytes):
            return []  # a body nobody decoded (neither JSON nor XML): the media type is all we check
        return self._schemas.problems("body", schema, body)

    def _check_response_headers(self, response: Response, headers: Mapping[str, str]) -> list[str]:
        lowered = {k.lower(): v for k, v in headers.items()}
        problems = []
        for name, header in response.headers.items():
            value = lowered.get(name.lower())
            if value is None:
                problems += [f"headers.{name}: is required"] if header.required else []
            else:
                typed = coerce(value, self.types(header.schema))
                problems += self._schemas.problems(f"headers.{name}", header.schema, typed)
        return problems

    # --- JSON Schema --------------------------------------------------------------------------

    def schema_for(self, ref_or_schema: Any) -> dict[str, Any]:
        """A standalone copy of a schema of this document, its local ``$ref``s made absolute.

        Validate with it under :meth:`registry` so the references resolve into this document.
        """
        return schema_for(ref_or_schema)  # type: ignore[no-any-return]

    def registry(self) -> Any:
        """A ``referencing.Registry`` holding this document, for schemas from :meth:`schema_for`."""
        return self._schemas.registry()

    def validator(self, schema: Any) -> Any:
        """A compiled Draft 2020-12 validator (with format checks) for a schema of this document."""
        return self._schemas.validator(schema)


@functools.cache
def _index_for(slug: str) -> SpecIndex:
    return SpecIndex(load_spec(slug))


def _param_check(index: SpecIndex, param: Parameter) -> _ParamCheck:
    schema = index.resolve(param.schema)
    return _ParamCheck(
        param=param,
        where=f"{param.location}.{param.name}",
        key=param.name.lower() if param.location == "header" else param.name,
        types=frozenset(index.types(schema)),
        item_types=frozenset(index.types(schema.get("items", {}) if isinstance(schema, dict) else {})),
    )


def _response_for(operation: Operation, status: int) -> Response | None:
    responses = {k.upper(): v for k, v in operation.responses.items()}
    for key in (str(status), f"{status // 100}XX", "DEFAULT"):
        if key in responses:
            return responses[key]
    return None


def _server_url(spec: Mapping[str, Any]) -> str:
    """The first server's URL, its variables (e.g. a ledger number) replaced by their defaults."""
    server = (spec.get("servers") or [{}])[0]
    url = str(server.get("url", ""))
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    return url.rstrip("/")


def _route(operation: Operation) -> _Route:
    parts = re.split(r"\{([^}]+)\}", operation.path)
    pattern, names = "", []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            pattern += re.escape(part)
            continue
        param = operation.parameter(part, "path")
        pattern += "(.+)" if param is not None and param.allows_slash else "([^/]+)"
        names.append(part)
    literal = sum(len(p) for p in parts[::2])
    return _Route(operation, re.compile(pattern), tuple(names), (len(names), -literal), parts[0])


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _for_media_type(content: Mapping[str, Any], media: str | None) -> Any:
    """The schema documented for ``media``, allowing ranges like "application/*" and "*/*"."""
    if media is None:
        return None
    if media in content:
        return content[media]
    main = media.split("/", 1)[0]
    for candidate in (f"{main}/*", "*/*"):
        if candidate in content:
            return content[candidate]
    return None
