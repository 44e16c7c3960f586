"""A read-only index over one OpenAPI 3.1 document: routing, request and response validation.

Used by the fakes (to route and check what they receive), by the clients' strict mode (to check
what they receive) and by the contract tests. It knows no API: everything comes from the document.

Problems are reported as ``"<where>: <rule>"`` strings, ``where`` being ``path.<name>``,
``query.<name>``, ``header.<name>``, ``body`` or ``body.<dotted.path>``, ``status``, ``headers.<name>``.
A rule never repeats the offending value: it may be a secret or a national identity number.

Every client validates each request against its spec before sending, so jsonschema is a runtime
dependency; the spec ships inside the package as JSON (``generate.py`` converts it), so reading it
needs no YAML parser.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import json
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import attrs
import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

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

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SPEC_URI = "urn:nordfin:spec"
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_XML_NAME = re.compile(r"[^A-Za-z0-9_.\-]")
_XML_BAD_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


@functools.cache
def load_spec(slug: str) -> dict[str, Any]:
    """The packaged spec of ``slug`` (``nordfin_generated/specs/<slug>/openapi.json``), parsed once.

    The same dict is returned to every caller: treat it as read-only.
    """
    resource = importlib.resources.files("nordfin_generated") / "specs" / slug / "openapi.json"
    spec: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return spec


def media_type_of(content_type: str | None) -> str | None:
    """``"application/json"`` for ``"Application/JSON; charset=utf-8"``; None for None or blank."""
    if content_type is None:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    return media or None


@attrs.frozen
class Parameter:
    """A path, query, header or cookie parameter, its ``$ref`` resolved."""

    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    allows_slash: bool = False
    explode: bool = True


@attrs.frozen
class RequestBody:
    """A request body: whether it is required and its schema per media type."""

    required: bool
    content: dict[str, dict[str, Any]]


@attrs.frozen
class Header:
    """A documented response header."""

    name: str
    required: bool
    schema: dict[str, Any]


@attrs.frozen
class Response:
    """A documented response: its schema per media type and its headers."""

    description: str
    content: dict[str, dict[str, Any]]
    headers: dict[str, Header]


@attrs.frozen
class Operation:
    """One operation of the document, with path-level and operation-level parameters merged."""

    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: dict[str, Response]
    security: list[dict[str, list[Any]]]
    #: ``x-nordfin-idempotent``: whether repeating the request is safe, when its method says
    #: otherwise (a create by ``PUT``); None: the method decides.
    idempotent: bool | None = None

    def parameter(self, name: str, location: str) -> Parameter | None:
        """The parameter named ``name`` in ``location`` ("path", "query", ...), if documented."""
        return next((p for p in self.parameters if p.name == name and p.location == location), None)


@attrs.frozen
class _Route:
    operation: Operation
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    rank: tuple[int, int]


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
        self._validators: dict[int, tuple[Any, Any]] = {}
        self._fast: dict[int, tuple[Any, Any]] = {}
        self._types_cache: dict[int, tuple[set[str], set[str]]] = {}
        self._rs: Any = None
        self._registry: Any = None
        self._lock = threading.Lock()

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
                    yield self._operation(path, method, item, item[method])

    def _operation(self, path: str, method: str, item: dict[str, Any], raw: dict[str, Any]) -> Operation:
        return Operation(
            operation_id=raw.get("operationId") or f"{method} {path}",
            method=method.upper(),
            path=path,
            parameters=self._parameters(item.get("parameters", []), raw.get("parameters", [])),
            request_body=self._request_body(raw.get("requestBody")),
            responses={str(k): self._response(v) for k, v in raw.get("responses", {}).items()},
            security=raw.get("security", self.spec.get("security", [])),
            idempotent=raw.get("x-nordfin-idempotent"),
        )

    def _parameters(self, shared: list[Any], own: list[Any]) -> tuple[Parameter, ...]:
        merged: dict[tuple[str, str], Parameter] = {}
        for raw in (*shared, *own):  # an operation's parameter overrides the path's
            param = self.resolve(raw)
            merged[(param["name"], param["in"])] = Parameter(
                name=param["name"],
                location=param["in"],
                required=bool(param.get("required", param["in"] == "path")),
                schema=param.get("schema", {}),
                allows_slash=bool(param.get("x-nordfin-path-allows-slash", False)),
                explode=bool(param.get("explode", param.get("style", "form") == "form")),
            )
        return tuple(merged.values())

    def _request_body(self, raw: Any) -> RequestBody | None:
        if raw is None:
            return None
        body = self.resolve(raw)
        return RequestBody(bool(body.get("required", False)), _content(body))

    def _response(self, raw: Any) -> Response:
        response = self.resolve(raw)
        headers = {}
        for name, header in response.get("headers", {}).items():
            header = self.resolve(header)
            headers[name] = Header(name, bool(header.get("required", False)), header.get("schema", {}))
        return Response(response.get("description", ""), _content(response), headers)

    # --- routing --------------------------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation serving ``method`` on ``path`` and its percent-decoded path parameters.

        ``path`` is the request path without the server's prefix, still percent-encoded. A
        template variable matches one segment, or several when its parameter has
        ``x-nordfin-path-allows-slash``. Literal templates win over templated ones.
        """
        method = method.upper()
        for route in self._routes:
            found = route.pattern.fullmatch(path)
            if found is not None and route.operation.method == method:
                values = zip(route.names, found.groups(), strict=True)
                return route.operation, {name: unquote(value) for name, value in values}
        return None

    def allowed_methods(self, path: str) -> list[str]:
        """The methods documented for ``path`` (as for ``match``), e.g. for a 405's ``Allow``."""
        return sorted({r.operation.method for r in self._routes if r.pattern.fullmatch(path)})

    # --- validation -----------------------------------------------------------------------------

    def validate_request(
        self,
        operation: Operation,
        *,
        path_params: Mapping[str, str],
        query: list[tuple[str, str]],
        headers: Mapping[str, str],
        content_type: str | None,
        body: Any,
    ) -> list[str]:
        """What is wrong with a request for ``operation``; empty when it is valid.

        Parameters arrive as strings and are read as their schema's type first. Unknown query
        parameters are allowed. ``body`` is the decoded body (None: no body). Security is not
        checked here.
        """
        lowered = {k.lower(): v for k, v in headers.items()}
        sources: dict[str, Any] = {
            "path": {k: [v] for k, v in path_params.items()},
            "query": _grouped(query),
            "header": {k: [v] for k, v in lowered.items()},
        }
        problems: list[str] = []
        for param in operation.parameters:
            if param.location in sources:
                problems += self._check_parameter(param, sources[param.location])
        return problems + self._check_body(operation.request_body, content_type, body)

    def _check_parameter(self, param: Parameter, values: Mapping[str, list[str]]) -> list[str]:
        where = f"{param.location}.{param.name}"
        key = param.name.lower() if param.location == "header" else param.name
        raw = values.get(key)
        if raw is None:
            return [f"{where}: is required"] if param.required else []
        return self._problems(where, param.schema, self._typed(param, raw))

    def _check_body(self, body: RequestBody | None, content_type: str | None, value: Any) -> list[str]:
        if body is None:
            return []
        if value is None:
            return ["body: is required"] if body.required else []
        media = media_type_of(content_type)
        if media is None:
            return ["body: the Content-Type header is missing"]
        schema = _for_media_type(body.content, media)
        if schema is None:
            return [f"body: media type {media!r} is not one of {sorted(body.content)}"]
        return self._problems("body", schema, value)

    def response_for(self, operation: Operation, status: int) -> Response | None:
        """The documented response for ``status``: exact, then a range like "4XX", then "default"."""
        responses = {k.upper(): v for k, v in operation.responses.items()}
        for key in (str(status), f"{status // 100}XX", "DEFAULT"):
            if key in responses:
                return responses[key]
        return None

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
        return self._problems("body", schema, body)

    def _check_response_headers(self, response: Response, headers: Mapping[str, str]) -> list[str]:
        lowered = {k.lower(): v for k, v in headers.items()}
        problems = []
        for name, header in response.headers.items():
            value = lowered.get(name.lower())
            if value is None:
                problems += [f"headers.{name}: is required"] if header.required else []
            else:
                typed = _coerce(value, self._types(header.schema))
                problems += self._problems(f"headers.{name}", header.schema, typed)
        return problems

    # --- parameter values ---------------------------------------------------------------------

    def typed_query(self, operation: Operation, query: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """The query as Python values: documented parameters read as their type, defaults filled in.

        Unknown parameters keep their first string value.
        """
        grouped = _grouped(query)
        typed: dict[str, Any] = {name: values[0] for name, values in grouped.items()}
        for param in operation.parameters:
            if param.location != "query":
                continue
            if param.name in grouped:
                typed[param.name] = self._typed(param, grouped[param.name])
            elif "default" in self.resolve(param.schema):
                typed[param.name] = self.resolve(param.schema)["default"]
        return typed

    def _typed(self, param: Parameter, raw: list[str]) -> Any:
        types, item_types = self._param_types(param)
        if "array" not in types:
            return _coerce(raw[0], types)
        values = raw if param.explode else [v for item in raw for v in item.split(",")]
        return [_coerce(v, item_types) for v in values]

    def _param_types(self, param: Parameter) -> tuple[set[str], set[str]]:
        """The JSON types of a parameter and of its items, worked out once per parameter."""
        found = self._types_cache.get(id(param))
        if found is None:
            schema = self.resolve(param.schema)
            found = (self._types(schema), self._types(schema.get("items", {})))
            self._types_cache[id(param)] = found  # params live as long as the index: ids stay theirs
        return found

    def _types(self, schema: Any) -> set[str]:
        """The JSON types a schema allows, looking through $ref, anyOf and oneOf."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return set()
        declared = schema.get("type", [])
        types = {declared} if isinstance(declared, str) else set(declared)
        for branch in (*schema.get("anyOf", []), *schema.get("oneOf", []), *schema.get("allOf", [])):
            types |= self._types(branch)
        return types

    # --- JSON Schema --------------------------------------------------------------------------

    def schema_for(self, ref_or_schema: Any) -> dict[str, Any]:
        """A standalone copy of a schema of this document, its local ``$ref``s made absolute.

        Validate with it under :meth:`registry` so the references resolve into this document.
        """
        return _absolute_refs(ref_or_schema)  # type: ignore[no-any-return]

    def registry(self) -> Any:
        """A ``referencing.Registry`` holding this document, for schemas from :meth:`schema_for`."""
        if self._registry is None:
            resource = DRAFT202012.create_resource(self.spec)
            self._registry = _empty_registry().with_resource(_SPEC_URI, resource)
        return self._registry

    def validator(self, schema: Any) -> Any:
        """A compiled Draft 2020-12 validator (with format checks) for a schema of this document."""
        cached = self._validators.get(id(schema))
        if cached is not None:
            return cached[1]
        validator = _validator_class()(
            self.schema_for(schema), registry=self.registry(), format_checker=_format_checker()
        )
        with self._lock:
            # Keeping `schema` alive keeps its id from being reused by another object.
            self._validators[id(schema)] = (schema, validator)
        return validator

    def _fast_validator(self, schema: Any) -> Any:
        cached = self._fast.get(id(schema))
        if cached is not None:
            return cached[1]
        validator = jsonschema_rs.Draft202012Validator(
            self.schema_for(schema), registry=self._rs_registry(), validate_formats=True
        )
        with self._lock:
            self._fast[id(schema)] = (schema, validator)
        return validator

    def _rs_registry(self) -> Any:
        if self._rs is None:
            self._rs = jsonschema_rs.Registry([(_SPEC_URI, dict(self.spec))])
        return self._rs

    def _problems(self, where: str, schema: Any, instance: Any) -> list[str]:
        # jsonschema-rs answers "valid?" some 50 times faster; the Python validator, whose errors
        # we know how to word without the value, has the last word whenever it says "no".
        try:
            if self._fast_validator(schema).is_valid(instance):
                return []
        except (ValueError, TypeError):  # not JSON-like (e.g. an object), or a schema it refuses
            pass
        found = [_describe(where, error) for error in self.validator(schema).iter_errors(instance)]
        return [f"{field}: {rule}" for field, rule in sorted(found, key=lambda item: item[0])]

    # --- XML ------------------------------------------------------------------------------------

    def read_xml(self, raw: bytes, schema: Any) -> Any:
        """Read an XML document into JSON-like data, guided by ``schema``.

        Elements are named after properties (or their ``xml.name``), arrays are repeated
        elements (or wrapped, with ``xml.wrapped``), the root must be the schema's ``xml.name``.
        A required unwrapped array with no elements reads as ``[]``.
        Raises ValueError for XML that is malformed, has a DOCTYPE, or has the wrong root.
        """
        if b"<!doctype" in raw.lower() or b"<!entity" in raw.lower():
            raise ValueError("XML with a DOCTYPE is refused")
        try:
            root = ET.fromstring(raw)
        except ET.ParseError as error:
            raise ValueError(f"malformed XML ({error})") from None
        expected = self.xml_root_name(schema)
        if _local(root.tag) != expected:
            raise ValueError(f"the root element must be <{expected}>")
        return self._read_element(root, schema)

    def xml_root_name(self, schema: Any) -> str:
        """The root element's name for ``schema``: its ``xml.name``, else its component's name."""
        resolved = self.resolve(schema)
        name = resolved.get("xml", {}).get("name") if isinstance(resolved, dict) else None
        if name:
            return str(name)
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else "data"

    def _read_element(self, element: ET.Element, schema: Any) -> Any:
        schema = self._concrete(schema)
        if element.get(_XSI_NIL) == "true":
            return None
        types = self._types(schema)
        if "object" in types or "properties" in schema or len(element) or _attributes(element):
            return self._read_object(element, schema)
        return _coerce(element.text or "", types)

    def _read_object(self, element: ET.Element, schema: dict[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        tags = self._xml_tags(properties)
        result: dict[str, Any] = {}
        for name, sub in properties.items():
            options = self._concrete(sub).get("xml", {})
            if options.get("attribute") and options.get("name", name) in element.attrib:
                result[name] = _coerce(element.attrib[options.get("name", name)], self._types(sub))
        for child in element:
            tag = _local(child.tag)
            name = tags.get(tag, tag)
            self._read_child(result, name, child, properties.get(name, {}))
        for name in schema.get("required", []):
            if name not in result and self._is_bare_array(properties.get(name, {})):
                result[name] = []  # an unwrapped array without elements leaves no trace in XML
        return result

    def _is_bare_array(self, schema: Any) -> bool:
        concrete = self._concrete(schema)
        return "array" in self._types(concrete) and not concrete.get("xml", {}).get("wrapped")

    def _read_child(self, result: dict[str, Any], name: str, child: ET.Element, schema: Any) -> None:
        concrete = self._concrete(schema)
        if "array" in self._types(concrete):
            items = concrete.get("items", {})
            if concrete.get("xml", {}).get("wrapped"):
                result[name] = [self._read_element(c, items) for c in child]
            else:
                result.setdefault(name, []).append(self._read_element(child, items))
        elif name in result:  # an undocumented element that repeats: keep every value
            previous = result[name]
            result[name] = [
                *(previous if isinstance(previous, list) else [previous]),
                self._read_element(child, schema),
            ]
        else:
            result[name] = self._read_element(child, schema)

    def _xml_tags(self, properties: Mapping[str, Any]) -> dict[str, str]:
        """Element name -> property name, accepting both names for an unwrapped array's items."""
        tags: dict[str, str] = {}
        for name, sub in properties.items():
            concrete = self._concrete(sub)
            tags[concrete.get("xml", {}).get("name", name)] = name
            if "array" in self._types(concrete) and not concrete.get("xml", {}).get("wrapped"):
                item_name = self._concrete(concrete.get("items", {})).get("xml", {}).get("name")
                tags.setdefault(item_name or name, name)
        return tags

    def write_xml(self, value: Any, schema: Any) -> bytes:
        """Write JSON-like data as XML, by the same rules :meth:`read_xml` reads; None values are left out."""
        root = ET.Element(self.xml_root_name(schema))
        self._fill(root, value, schema)
        document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return document

    def _fill(self, element: ET.Element, value: Any, schema: Any) -> None:
        concrete = self._concrete(schema)
        if isinstance(value, dict):
            properties = concrete.get("properties", {})
            for name, item in value.items():
                if item is not None:
                    self._write_child(element, str(name), item, properties.get(name, {}))
        elif isinstance(value, list):
            for item in value:
                self._fill(ET.SubElement(element, "item"), item, concrete.get("items", {}))
        else:
            element.text = _xml_text(value)

    def _write_child(self, parent: ET.Element, name: str, value: Any, schema: Any) -> None:
        options = self._concrete(schema).get("xml", {})
        tag = _XML_NAME.sub("_", options.get("name", name)) or "element"
        if options.get("attribute"):
            parent.set(tag, _xml_text(value))
        elif isinstance(value, list):
            items = self._concrete(schema).get("items", {})
            item_tag = self._concrete(items).get("xml", {}).get("name", tag)
            holder = ET.SubElement(parent, tag) if options.get("wrapped") else parent
            for item in value:
                self._fill(ET.SubElement(holder, item_tag), item, items)
        else:
            self._fill(ET.SubElement(parent, tag), value, schema)

    def _concrete(self, schema: Any) -> dict[str, Any]:
        """The schema with $ref followed and, for anyOf/oneOf, its first branch that is not null."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return {}
        for branch in (*schema.get("anyOf", []), *schema.get("oneOf", [])):
            if self._types(branch) != {"null"}:
                return {**self._concrete(branch), **{k: v for k, v in schema.items() if k == "xml"}}
        return schema


@functools.cache
def _index_for(slug: str) -> SpecIndex:
    return SpecIndex(load_spec(slug))


def _server_url(spec: Mapping[str, Any]) -> str:
    """The first server's URL, its variables (e.g. a ledger number) replaced by their defaults."""
    server = (spec.get("servers") or [{}])[0]
    url = str(server.get("url", ""))
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    return url.rstrip("/")


def _content(node: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {media.lower(): entry.get("schema", {}) for media, entry in node.get("content", {}).items()}


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
    return _Route(operation, re.compile(pattern), tuple(names), (len(names), -literal))


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _coerce(value: str, types: set[str]) -> Any:
    """A parameter's string as the type its schema wants; unchanged when it cannot be read so."""
    if "integer" in types and _INTEGER.fullmatch(value):
        return int(value)
    if "number" in types and _NUMBER.fullmatch(value):
        return float(value) if any(c in value for c in ".eE") else int(value)
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    return value


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


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attributes(element: ET.Element) -> list[str]:
    return [name for name in element.attrib if not name.startswith("{http://www.w3.org/")]


def _xml_text(value: Any) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return _XML_BAD_CHARS.sub("", text)


def _absolute_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _absolute_ref(v) if k == "$ref" else _absolute_refs(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_absolute_refs(item) for item in node]
    return node


def _absolute_ref(ref: Any) -> Any:
    return _SPEC_URI + ref if isinstance(ref, str) and ref.startswith("#") else ref


def _describe(where: str, error: Any) -> tuple[str, str]:
    """(field, rule) for a jsonschema error, the rule stripped of the offending value."""
    field = where + "".join(f".{part}" for part in error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        absent = [p for p in error.validator_value if p not in error.instance]
        missing = next((p for p in absent if repr(p) in error.message), None)
        if missing is not None:
            return f"{field}.{missing}", "is required"
    if error.context:
        return _describe(where, _closest(error.context))
    if error.validator in _LIMITS:
        return field, _LIMITS[error.validator].format(error.validator_value)
    return field, _without_value(error.message, error.instance)


_LIMITS = {
    "minLength": "must be at least {} characters long",
    "maxLength": "must be at most {} characters long",
    "minItems": "must have at least {} items",
    "maxItems": "must have at most {} items",
    "minProperties": "must have at least {} properties",
    "maxProperties": "must have at most {} properties",
}


def _closest(errors: list[Any]) -> Any:
    """The error of an anyOf/oneOf to show: one from a branch of the value's own type, if any."""
    typed = [e for e in errors if e.validator != "type"]
    return best_match(typed or errors)


def _without_value(message: str, instance: Any) -> str:
    shown = repr(instance)
    if message.startswith(shown):
        return message[len(shown) :].strip()
    return message.replace(shown, "the value") if isinstance(instance, (str, int, float)) else message


@functools.cache
def _empty_registry() -> Any:
    return Registry()


@functools.cache
def _validator_class() -> Any:
    """Draft 2020-12, with ``pattern`` read as ECMA-262 (where ``$`` ends the text, no "\\n" before)."""

    def pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[Any]:
        if validator.is_type(instance, "string") and not _ecma_pattern(patrn).search(instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})  # type: ignore[no-untyped-call]


@functools.lru_cache(maxsize=512)
def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    """Python's ``$`` also matches before a final newline; ECMA-262's (and pydantic's) does not."""
    out, in_class, escaped = [], False, False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
            continue
        escaped = char == "\\"
        in_class = (in_class and char != "]") or (char == "[" and not in_class)
        out.append(r"\Z" if char == "$" and not in_class else char)
    return re.compile("".join(out))


@functools.cache
def _format_checker() -> Any:
    """date, date-time, email and uuid, checked the same whichever optional packages are installed."""
    checker = FormatChecker(formats=())
    checker.checks("date", raises=ValueError)(_is_date)
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    checker.checks("email")(lambda value: not isinstance(value, str) or "@" in value)
    checker.checks("uuid", raises=ValueError)(_is_uuid)
    return checker


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LEAP_SECOND = re.compile(r"(T[0-9]{2}:[0-9]{2}):60")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_DATE.fullmatch(value)) and bool(dt.date.fromisoformat(value))


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.fullmatch(value):
        return False
    # fromisoformat wants an upper-case T and no leap second; RFC 3339 allows both spellings.
    normal = _LEAP_SECOND.sub(r"\1:59", value.upper().replace("Z", "+00:00"))
    return bool(dt.datetime.fromisoformat(normal))


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(uuid.UUID(value)) and all(value[i] == "-" for i in (8, 13, 18, 23))
