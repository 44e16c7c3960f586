"""Checking exchanges against a spec, strictly, and noting which parts of the spec they touched.

For each exchange the :class:`Checker` finds the operation, then asks: is the status documented
(a success answer must be listed by its code or range: ``default`` covers only errors)? Is the
content type documented? Is the body valid against the schema? Does it hold members the schema
does not list (reported even where the schema is open; a schema without ``properties`` is a map
and its keys are data)? A null where the schema does not allow one? The headers the answer
documents as required (``Retry-After`` on a 429)? And a 400 or 422 to a request the spec allows
says the request schema is laxer than the vendor (``refused-request``).

Each :class:`Finding` names a JSON pointer into the body and one into the spec (the node it
contradicts, with ``$ref``s followed). Every spec node an exchange went through is added to
:attr:`Checker.visited`, which the inference ledger reads. Findings never carry a value from the
traffic: only member names, statuses and media types.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import attrs
from jsonschema.exceptions import best_match

from nordfin._core.redact import redact_url
from nordfin._core.spec import Operation, SpecIndex, media_type_of
from nordfin.verify.record import Exchange
from nordfin.verify.scrub import is_redacted

__all__ = ["Checker", "Finding", "escape", "to_pointer"]

_SUCCESS = range(200, 400)
_REFUSED = (400, 422)


def escape(token: str) -> str:
    """A JSON pointer reference token for ``token`` (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def to_pointer(parts: Any) -> str:
    """The JSON pointer of a path given as keys and indexes."""
    return "".join(f"/{escape(str(part))}" for part in parts)


@attrs.frozen
class Finding:
    """One way an exchange disagrees with the spec."""

    kind: str
    operation_id: str
    method: str
    status: int | None
    #: A JSON pointer into the answer's body ("" for the whole body or for a header).
    pointer: str
    #: A JSON pointer into the spec: the node this answer contradicts.
    spec_location: str
    message: str
    suggestion: str
    #: The request's path, redacted.
    path: str = ""
    #: Other spec nodes this finding bears on (for the inference ledger).
    also: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The finding as JSON data, spelt as in the report."""
        return {
            "kind": self.kind,
            "operationId": self.operation_id,
            "method": self.method,
            "status": self.status,
            "pointer": self.pointer,
            "specLocation": self.spec_location,
            "message": self.message,
            "suggestion": self.suggestion,
            "path": self.path,
        }


@attrs.define
class _Context:
    operation: Operation
    status: int
    path: str
    findings: list[Finding]

    def add(self, kind: str, pointer: str, location: str, message: str, suggestion: str, *also: str) -> None:
        finding = Finding(
            kind,
            self.operation.operation_id,
            self.operation.method,
            self.status,
            pointer,
            location,
            message,
            suggestion,
            self.path,
            tuple(also),
        )
        if finding not in self.findings:
            self.findings.append(finding)


class Checker:
    """Checks exchanges against one spec; collects findings, visited spec nodes and counts.

    ``base_url`` is where the API was reached (its path is the prefix every operation path
    follows); without it, the spec's server URLs are tried. Exchanges with another host are
    counted in :attr:`elsewhere`; those outside every operation of the spec (a token endpoint)
    are listed in :attr:`outside`. Neither is checked.
    """

    def __init__(self, index: SpecIndex, base_url: str | None = None) -> None:
        self.index = index
        self.spec = index.spec
        self.base_url = base_url
        self._host = urlsplit(base_url).netloc.lower() if base_url else None
        self._prefixes = _prefixes(self.spec, base_url)
        self.visited: set[str] = set()
        self.findings: list[Finding] = []
        self.checked: list[tuple[str, str, int]] = []
        self.outside: list[str] = []
        #: Exchanges with another host than ``base_url``'s (a browser's other requests).
        self.elsewhere = 0

    # --- one exchange ---------------------------------------------------------------------------

    def check(self, exchange: Exchange) -> list[Finding]:
        """Check ``exchange``; its findings (also added to :attr:`findings`)."""
        host = urlsplit(exchange.url).netloc.lower().rpartition("@")[2]
        if self._host is not None and host != self._host:
            self.elsewhere += 1
            return []
        routed = self._route(exchange)
        if routed is None:
            self.outside.append(f"{exchange.method} {redact_url(urlsplit(exchange.url).path)}")
            return []
        operation, op_ptr, path_params = routed
        self.checked.append((operation.operation_id, operation.method, exchange.status))
        context = _Context(operation, exchange.status, redact_url(urlsplit(exchange.url).path), [])
        self.visited.add(op_ptr)
        self._check_answer(context, op_ptr, exchange)
        if exchange.status in _SUCCESS:
            self._visit_request(operation, op_ptr, exchange)
        elif exchange.status in _REFUSED and exchange.request_body:
            self._check_refusal(context, op_ptr, exchange, path_params)
        # The same disagreement in a later exchange (a second read) is reported once.
        self.findings += [f for f in context.findings if f not in self.findings]
        return context.findings

    def _route(self, exchange: Exchange) -> tuple[Operation, str, dict[str, str]] | None:
        parts = urlsplit(exchange.url)
        for prefix in self._prefixes:
            found = prefix.match(parts.path)
            if found is None:
                continue
            matched = self.index.match(exchange.method, parts.path[found.end() :] or "/")
            if matched is not None:
                operation, path_params = matched
                return operation, to_pointer(["paths", operation.path, operation.method.lower()]), path_params
        return None

    # --- the answer -----------------------------------------------------------------------------

    def _check_answer(self, context: _Context, op_ptr: str, exchange: Exchange) -> None:
        responses = self.spec["paths"][context.operation.path][context.operation.method.lower()].get(
            "responses", {}
        )
        key = _response_key(responses, exchange.status)
        if key is None:
            self._undocumented_status(context, op_ptr, responses)
            return
        response, response_ptr = self._deref(responses[key], f"{op_ptr}/responses/{escape(key)}")
        self._check_headers(context, response, response_ptr, exchange)
        self._check_content(context, response, response_ptr, exchange)

    def _undocumented_status(self, context: _Context, op_ptr: str, responses: dict[str, Any]) -> None:
        status = context.status
        same_class = [k for k in responses if k[:1] == str(status)[:1]]
        documented = ", ".join(sorted(responses)) or "none"
        context.add(
            "undocumented-status",
            "",
            f"{op_ptr}/responses",
            f"answered {status}; the spec documents {documented}",
            f"document a {status} answer for {context.operation.operation_id}"
            + (f" (or correct {', '.join(sorted(same_class))})" if same_class else ""),
            *self._response_pointers(op_ptr, responses, same_class),
        )

    def _response_pointers(self, op_ptr: str, responses: dict[str, Any], keys: list[str]) -> list[str]:
        """Where each of these documented responses lives: its place and its ``$ref`` target."""
        found = []
        for key in keys:
            place = f"{op_ptr}/responses/{escape(key)}"
            found += [place, self._deref(responses[key], place)[1]]
        return found

    def _check_headers(
        self, context: _Context, response: dict[str, Any], response_ptr: str, exchange: Exchange
    ) -> None:
        for name, raw in (response.get("headers") or {}).items():
            header, header_ptr = self._deref(raw, f"{response_ptr}/headers/{escape(name)}")
            value = exchange.response_header(name)
            if value is None:
                if header.get("required"):
                    context.add(
                        "missing-header",
                        "",
                        header_ptr,
                        f"the {context.status} answer has no {name} header, which the spec requires",
                        f"make {name} optional in the {context.status} answer, or ask the vendor",
                    )
                continue
            self.visited.add(header_ptr)
            schema = header.get("schema", {})
            typed: Any = int(value) if value.strip().isdigit() else value
            if not self.index.validator(schema).is_valid(typed):
                context.add(
                    "invalid-header",
                    "",
                    f"{header_ptr}/schema",
                    f"the {name} header does not match its schema",
                    f"correct the schema of the {name} header",
                )

    def _check_content(
        self, context: _Context, response: dict[str, Any], response_ptr: str, exchange: Exchange
    ) -> None:
        content = {k.lower(): v for k, v in (response.get("content") or {}).items()}
        originals = {k.lower(): k for k in (response.get("content") or {})}
        has_body = bool(exchange.response_body.strip()) and exchange.method != "HEAD"
        if not has_body:
            if content and context.status != 204:
                context.add(
                    "missing-body",
                    "",
                    f"{response_ptr}/content",
                    f"the {context.status} answer has no body; the spec documents {sorted(content)}",
                    "document the answer without content, or ask the vendor",
                )
            return
        if not content:
            context.add(
                "undocumented-body",
                "",
                response_ptr,
                f"the {context.status} answer has a body; the spec documents none",
                "document the answer's content",
            )
            return
        media = media_type_of(exchange.response_header("content-type"))
        key = _media_key(content, media)
        if key is None:
            context.add(
                "content-type",
                "",
                f"{response_ptr}/content",
                f"answered {media or 'without a Content-Type'}; the spec documents {sorted(content)}",
                f"document {media} for this answer, or ask the vendor",
            )
            return
        media_ptr = f"{response_ptr}/content/{escape(originals[key])}"
        self.visited.add(media_ptr)
        schema = content[key].get("schema")
        if schema is None:
            return
        body = self._decode(context, media_ptr, key, exchange.response_body, schema)
        if body is not _UNREAD:
            self._check_body(context, body, schema, f"{media_ptr}/schema")

    def _decode(self, context: _Context, media_ptr: str, media: str, raw: bytes, schema: Any) -> Any:
        try:
            if media.endswith("json"):
                return json.loads(raw)
            if media.endswith("xml"):
                from nordfin._core.xmlbody import read_xml  # only for an XML answer

                return read_xml(self.index, raw, schema)
        except ValueError:
            context.add(
                "invalid-body",
                "",
                media_ptr,
                f"the body is not {media}",
                "ask the vendor what the answer really holds",
            )
        return _UNREAD

    # --- the body against its schema ---------------------------------------------------------

    def _check_body(self, context: _Context, body: Any, schema: Any, schema_ptr: str) -> None:
        where: dict[str, str] = {}
        self._walk(context, body, schema, schema_ptr, "", where)
        for error in self.index.validator(schema).iter_errors(body):
            self._schema_error(context, error, where)

    def _schema_error(self, context: _Context, error: Any, where: dict[str, str]) -> None:
        if error.context:
            error = best_match(error.context)
        pointer = to_pointer(error.absolute_path)
        # Reported by the walk already, more precisely: a missing member, an undocumented one, a null.
        if error.validator in ("required", "additionalProperties", "unevaluatedProperties"):
            return
        if error.instance is None or is_redacted(error.instance):
            return
        location = where.get(pointer) or where.get("", "")
        context.add(
            "schema",
            pointer,
            location,
            f"{pointer or 'the body'} {_rule(error)}",
            f"correct the schema at {location}, or ask the vendor",
        )

    def _walk(
        self, context: _Context, value: Any, node: Any, ptr: str, at: str, where: dict[str, str]
    ) -> None:
        node, ptr = self._deref(node, ptr)
        self.visited.add(ptr)
        where[at] = ptr
        if not isinstance(node, dict):
            return
        if value is None:
            if not self._allows_null(node, value):
                context.add(
                    "null",
                    at,
                    ptr,
                    f"{at or 'the body'} is null; the spec does not allow null there",
                    f"make {ptr} nullable, or ask the vendor",
                )
            return
        parts = list(self._parts(node, ptr, value))
        if isinstance(value, dict):
            self._walk_object(context, value, parts, at, where)
        elif isinstance(value, list):
            for sub, sub_ptr in parts:
                items = sub.get("items")
                if isinstance(items, (dict, bool)):
                    for index, item in enumerate(value):
                        self._walk(context, item, items, f"{sub_ptr}/items", f"{at}/{index}", where)
                    break

    def _walk_object(
        self,
        context: _Context,
        value: dict[str, Any],
        parts: list[tuple[dict[str, Any], str]],
        at: str,
        where: dict[str, str],
    ) -> None:
        members: dict[str, tuple[Any, str]] = {}
        required: dict[str, str] = {}
        has_properties = False
        open_schema: tuple[Any, str] | None = None
        for sub, sub_ptr in parts:
            if "properties" in sub:
                has_properties = True
            for name, prop in (sub.get("properties") or {}).items():
                members.setdefault(name, (prop, f"{sub_ptr}/properties/{escape(name)}"))
            for name in sub.get("required") or []:
                required.setdefault(name, f"{sub_ptr}/required")
            extra = sub.get("additionalProperties")
            if isinstance(extra, dict) and open_schema is None:
                open_schema = (extra, f"{sub_ptr}/additionalProperties")
        owner = where.get(at, "")
        for name, item in value.items():
            child = f"{at}/{escape(name)}"
            if name in members:
                prop, prop_ptr = members[name]
                self._walk(context, item, prop, prop_ptr, child, where)
                continue
            if has_properties:
                context.add(
                    "undocumented-member",
                    child,
                    owner,
                    f"{child} is not a documented member",
                    f"document '{name}' in {owner}, or ask the vendor why it is sent",
                )
            if open_schema is not None:
                self._walk(context, item, open_schema[0], open_schema[1], child, where)
        for name, required_ptr in required.items():
            if name not in value:
                prop_ptr = members[name][1] if name in members else required_ptr
                context.add(
                    "missing-member",
                    f"{at}/{escape(name)}",
                    prop_ptr,
                    f"{at}/{escape(name)} is required but absent",
                    f"make '{name}' optional in {owner}, or ask the vendor",
                    required_ptr,
                )

    def _parts(self, node: dict[str, Any], ptr: str, value: Any) -> Iterator[tuple[dict[str, Any], str]]:
        """``node`` and the subschemas that apply to ``value``: every allOf, the matching anyOf/oneOf."""
        yield node, ptr
        for index, sub in enumerate(node.get("allOf") or []):
            resolved, sub_ptr = self._deref(sub, f"{ptr}/allOf/{index}")
            self.visited.add(sub_ptr)
            if isinstance(resolved, dict):
                yield from self._parts(resolved, sub_ptr, value)
        for keyword in ("anyOf", "oneOf"):
            branches = node.get(keyword) or []
            chosen = self._branch(branches, value)
            if chosen is not None:
                resolved, sub_ptr = self._deref(branches[chosen], f"{ptr}/{keyword}/{chosen}")
                self.visited.add(sub_ptr)
                if isinstance(resolved, dict):
                    yield from self._parts(resolved, sub_ptr, value)

    def _branch(self, branches: list[Any], value: Any) -> int | None:
        for index, branch in enumerate(branches):
            if self.index.validator(branch).is_valid(value):
                return index
        for index, branch in enumerate(branches):  # none fits: the one of the value's type
            if _json_type(value) in self.index.types(branch):
                return index
        return None

    def _allows_null(self, node: dict[str, Any], value: Any) -> bool:
        types = self.index.types(node)
        if "null" in types or node.get("nullable") is True:
            return True
        if None in (node.get("enum") or []) or ("const" in node and node["const"] is None):
            return True
        if any(
            self._allows_null(self._deref(b, "")[0], value)
            for b in node.get("anyOf", []) + node.get("oneOf", [])
        ):
            return True
        return not types and not any(k in node for k in ("properties", "items", "enum", "const", "$ref"))

    # --- the request: which documented parts it used --------------------------------------

    def _check_refusal(
        self, context: _Context, op_ptr: str, exchange: Exchange, path_params: dict[str, str]
    ) -> None:
        """A 400 or 422 to a request the spec allows: the spec's request schema is too lax."""
        media = media_type_of(exchange.request_header("content-type"))
        try:
            body = json.loads(exchange.request_body) if media and media.endswith("json") else None
        except ValueError:
            return
        if body is None:
            return
        problems = self.index.validate_request(
            context.operation,
            path_params=path_params,
            query=_query_pairs(exchange.url),
            headers=dict(exchange.request_headers),
            content_type=exchange.request_header("content-type"),
            body=body,
        )
        if problems:
            return  # the request broke the spec itself: nothing to learn about the vendor
        raw = self.spec["paths"][context.operation.path][context.operation.method.lower()]
        _, body_ptr = self._deref(raw.get("requestBody", {}), f"{op_ptr}/requestBody")
        context.add(
            "refused-request",
            "",
            body_ptr,
            f"answered {context.status} to a request the spec allows",
            "find the rule the vendor applies (see the answer) and add it to the request schema",
            *sorted(self._request_schemas(body_ptr, raw.get("requestBody"), media)),
        )

    def _request_schemas(self, body_ptr: str, raw_body: Any, media: str | None) -> set[str]:
        """The request body's media entry and top schema: the guesses a refusal puts in question.

        Nothing is marked visited: a refused request confirms nothing.
        """
        before = set(self.visited)
        resolved, _ = self._deref(raw_body or {}, body_ptr)
        content = {k.lower(): (k, v) for k, v in (resolved.get("content") or {}).items()}
        found: set[str] = set()
        if media in content:
            original, entry = content[media]
            media_ptr = f"{body_ptr}/content/{escape(original)}"
            found = {media_ptr, self._deref(entry.get("schema", {}), f"{media_ptr}/schema")[1]}
        self.visited = before
        return found

    def _visit_request(self, operation: Operation, op_ptr: str, exchange: Exchange) -> None:
        path_item = self.spec["paths"][operation.path]
        raw_op = path_item[operation.method.lower()]
        query = dict(_query_pairs(exchange.url))
        for base, params in (
            (to_pointer(["paths", operation.path]), path_item.get("parameters")),
            (op_ptr, raw_op.get("parameters")),
        ):
            for index, raw in enumerate(params or []):
                param, param_ptr = self._deref(raw, f"{base}/parameters/{index}")
                location = param.get("in")
                sent = (
                    location == "path"
                    or (location == "query" and param.get("name") in query)
                    or (location == "header" and exchange.request_header(str(param.get("name"))) is not None)
                )
                if sent:  # and answered with a success: the parameter and its schema held
                    self.visited.update({f"{base}/parameters/{index}", param_ptr, f"{param_ptr}/schema"})
        body = raw_op.get("requestBody")
        if body is not None and exchange.request_body:
            self._visit_request_body(body, f"{op_ptr}/requestBody", exchange)
        self._visit_security(raw_op, exchange)
        self._visit_servers(exchange)

    def _visit_request_body(self, body: Any, ptr: str, exchange: Exchange) -> None:
        resolved, body_ptr = self._deref(body, ptr)
        self.visited.add(ptr)
        media = media_type_of(exchange.request_header("content-type"))
        content = {k.lower(): (k, v) for k, v in (resolved.get("content") or {}).items()}
        if media is None or media not in content or not media.endswith("json"):
            return
        original, entry = content[media]
        try:
            data = json.loads(exchange.request_body)
        except ValueError:
            return
        media_ptr = f"{body_ptr}/content/{escape(original)}"
        self.visited.add(media_ptr)
        scratch = _Context(Operation("", "", "", (), None, {}, []), 0, "", [])
        self._walk(scratch, data, entry.get("schema", {}), f"{media_ptr}/schema", "", {})

    def _visit_security(self, raw_op: dict[str, Any], exchange: Exchange) -> None:
        schemes = self.spec.get("components", {}).get("securitySchemes", {})
        requirements = raw_op.get("security", self.spec.get("security", []))
        for requirement in requirements:
            for name in requirement:
                scheme = self._deref(schemes.get(name, {}), "")[0]
                if _carries(scheme, exchange):
                    self.visited.add(to_pointer(["components", "securitySchemes", name]))

    def _visit_servers(self, exchange: Exchange) -> None:
        for index, server in enumerate(self.spec.get("servers") or []):
            pattern = _template(str(server.get("url", "")).rstrip("/"))
            if re.match(pattern, exchange.url):
                self.visited.add(f"/servers/{index}")

    # --- the document -----------------------------------------------------------------------

    def _deref(self, node: Any, ptr: str) -> tuple[Any, str]:
        """``node`` with its ``$ref`` chain followed, and the pointer where it really lives."""
        for _ in range(32):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node, ptr
            self.visited.add(ptr)
            ref = node["$ref"]
            ptr = unquote(ref[1:]) if ref.startswith("#") else ref
            node = self.index.resolve({"$ref": ref})
        return node, ptr


_UNREAD = object()


def _response_key(responses: dict[str, Any], status: int) -> str | None:
    keys = {k.upper(): k for k in responses}
    for candidate in (str(status), f"{status // 100}XX"):
        if candidate in keys:
            return keys[candidate]
    if status >= 400 and "DEFAULT" in keys:
        return keys["DEFAULT"]
    return None


def _media_key(content: dict[str, Any], media: str | None) -> str | None:
    if media is None:
        return None
    if media in content:
        return media
    main = media.split("/", 1)[0]
    return next((c for c in (f"{main}/*", "*/*") if c in content), None)


def _prefixes(spec: Mapping[str, Any], base_url: str | None) -> list[re.Pattern[str]]:
    found = []
    if base_url:
        found.append(re.compile(re.escape(urlsplit(base_url).path.rstrip("/"))))
    for server in spec.get("servers") or []:
        url = str(server.get("url", "")).rstrip("/")
        path = url.split("://", 1)[-1].partition("/")[2]
        found.append(re.compile(_pattern("/" + path if path else "")))
    found.append(re.compile(""))
    return found


def _pattern(template: str) -> str:
    """A regex for a URL template: each ``{variable}`` matches one path segment."""
    parts = re.split(r"(\{[^}]*\})", template)
    return "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)


def _template(url: str) -> str:
    return _pattern(url) + r"(/|$)"


def _query_pairs(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _carries(scheme: dict[str, Any], exchange: Exchange) -> bool:
    kind = scheme.get("type")
    authorization = (exchange.request_header("authorization") or "").lower()
    if kind == "apiKey":
        name = str(scheme.get("name", ""))
        if scheme.get("in") == "query":
            return name in dict(_query_pairs(exchange.url))
        return exchange.request_header(name) is not None
    if kind == "http":
        return authorization.startswith(str(scheme.get("scheme", "")).lower())
    if kind in ("oauth2", "openIdConnect"):
        return authorization.startswith("bearer")
    return False


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _rule(error: Any) -> str:
    """What a jsonschema error says, without the value (it may be a secret or an identity number)."""
    rules: dict[str, Callable[[Any], str]] = {
        "type": lambda v: f"must be of type {v}",
        "enum": lambda v: "is not one of the documented values",
        "const": lambda v: "is not the documented constant",
        "format": lambda v: f"is not a valid {v}",
        "pattern": lambda v: "does not match the documented pattern",
        "minLength": lambda v: f"is shorter than {v} characters",
        "maxLength": lambda v: f"is longer than {v} characters",
        "minimum": lambda v: f"is less than {v}",
        "maximum": lambda v: f"is more than {v}",
        "exclusiveMinimum": lambda v: f"is not more than {v}",
        "exclusiveMaximum": lambda v: f"is not less than {v}",
        "minItems": lambda v: f"has fewer than {v} items",
        "maxItems": lambda v: f"has more than {v} items",
        "multipleOf": lambda v: f"is not a multiple of {v}",
    }
    make = rules.get(error.validator)
    return make(error.validator_value) if make else f"breaks the schema's '{error.validator}' rule"
