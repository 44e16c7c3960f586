"""The parts of one OpenAPI operation, read from the document once, their ``$ref``s resolved."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

__all__ = ["Header", "Operation", "Parameter", "RequestBody", "Response", "read_operation"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Parameter(NamedTuple):
    """A path, query, header or cookie parameter, its ``$ref`` resolved."""

    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    allows_slash: bool = False
    explode: bool = True


class RequestBody(NamedTuple):
    """A request body: whether it is required and its schema per media type."""

    required: bool
    content: dict[str, dict[str, Any]]


class Header(NamedTuple):
    """A documented response header."""

    name: str
    required: bool
    schema: dict[str, Any]


class Response(NamedTuple):
    """A documented response: its schema per media type and its headers."""

    description: str
    content: dict[str, dict[str, Any]]
    headers: dict[str, Header]


class Operation(NamedTuple):
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


Resolve = Callable[[Any], Any]


def read_operation(
    resolve: Resolve, spec: Mapping[str, Any], path: str, method: str, item: dict[str, Any]
) -> Operation:
    """The operation ``method`` of the path item ``item`` (already resolved)."""
    raw = item[method]
    return Operation(
        operation_id=raw.get("operationId") or f"{method} {path}",
        method=method.upper(),
        path=path,
        parameters=_parameters(resolve, item.get("parameters", []), raw.get("parameters", [])),
        request_body=_request_body(resolve, raw.get("requestBody")),
        responses={str(k): _response(resolve, v) for k, v in raw.get("responses", {}).items()},
        security=raw.get("security", spec.get("security", [])),
        idempotent=raw.get("x-nordfin-idempotent"),
    )


def _parameters(resolve: Resolve, shared: list[Any], own: list[Any]) -> tuple[Parameter, ...]:
    merged: dict[tuple[str, str], Parameter] = {}
    for raw in (*shared, *own):  # an operation's parameter overrides the path's
        param = resolve(raw)
        merged[(param["name"], param["in"])] = Parameter(
            name=param["name"],
            location=param["in"],
            required=bool(param.get("required", param["in"] == "path")),
            schema=param.get("schema", {}),
            allows_slash=bool(param.get("x-nordfin-path-allows-slash", False)),
            explode=bool(param.get("explode", param.get("style", "form") == "form")),
        )
    return tuple(merged.values())


def _request_body(resolve: Resolve, raw: Any) -> RequestBody | None:
    if raw is None:
        return None
    body = resolve(raw)
    return RequestBody(bool(body.get("required", False)), _content(body))


def _response(resolve: Resolve, raw: Any) -> Response:
    response = resolve(raw)
    headers = {}
    for name, header in response.get("headers", {}).items():
        header = resolve(header)
        headers[name] = Header(name, bool(header.get("required", False)), header.get("schema", {}))
    return Response(response.get("description", ""), _content(response), headers)


def _content(node: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {media.lower(): entry.get("schema", {}) for media, entry in node.get("content", {}).items()}
