"""What a client accepts of an answer, lenient (the default) or strict: written down once, here.

Our specs guess many details of the vendors' answers (marked ``x-nordfin-inferred``). A user whose
money moved must not be told that the request failed because one of our guesses was wrong, and
the tests and the verifier must see every such deviation. So there are two readings:

**Strict** (``strict=True``) accepts exactly what the spec allows: a documented status, its media
type, a body valid against its schema and the documented required headers. Anything else raises
``ResponseValidationError`` -- an error answer whose body is not the documented one too.

**Lenient** (the default) reads what the vendor meant where the spec is our guess:

1. a 2xx the spec does not list is read as the operation's documented success answer whose body
   it fits (or as "no body" when that documented success has none);
2. in a success body, a deviation the spec marks as a guess (``x-nordfin-inferred``) is accepted:

   - a required member missing, or a ``null`` member where the schema allows none, when the
     member's own schema (as written in its object's ``properties``) carries the marker. The
     generated model reads exactly these members as None (scripts/generate.py); a marker on the
     whole object explains its shape and does not make every member optional;
   - an enum value not listed, or a value outside a bound (``BOUNDS``: length, range, pattern,
     format), when the marker is on the schema holding the enum or bound, or on one it is written
     inside (a marker does not reach into a ``$ref``'d component, which carries its own).

   A value of another type is never accepted: the model would hand it back as something it is not;
3. an error answer whose body is not the documented one (an HTML page, an empty body, another
   JSON shape) raises the status family's error, with the status and a short redacted excerpt.

Each accepted deviation is logged at WARNING, once per operation and kind per client, naming
where it is and never a value. Everything else is enforced in both modes: a success body that
breaks a documented (not inferred) constraint, or that the generated model cannot read, raises
``ResponseValidationError``. Response headers and the media type are checked in strict mode only.

A ``ResponseValidationError`` for a 2xx answer to a write (any method but GET, HEAD, OPTIONS)
has ``maybe_applied=True``: the server said yes, so the write may have taken effect; look before
repeating it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import httpx

from nordfin._core.redact import get_logger
from nordfin._core.schema import describe_error
from nordfin._core.spec import Operation, SpecIndex, media_type_of
from nordfin.errors import ApiError, ResponseValidationError

__all__ = ["BOUNDS", "AnswerReader", "Deviation", "deviations", "may_apply"]

_log = get_logger("nordfin.leniency")
_MARKER = "x-nordfin-inferred"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_JSON_TYPES: dict[type, str] = {str: "string", bool: "boolean", int: "integer", float: "number"}


class Deviation(NamedTuple):
    """One way a body breaks its schema that lenient reading accepts, at ``where`` (a member such
    as ``body.data.status``): ``kind`` is ``"enum"`` (a value the enum does not list), ``"null"``,
    ``"missing"`` (a required member) or ``"bound"`` (a length, range, pattern or format; ``rule``
    says which, without the value)."""

    kind: str
    where: str
    rule: str = ""

    def __str__(self) -> str:
        rule = {"enum": "a value the spec does not list", "null": "null", "missing": "missing"}
        return f"{self.where}: {rule.get(self.kind, self.rule)} (a guess of the spec: x-nordfin-inferred)"


#: Keywords that bound a value without changing its type: the model reads the value all the same.
BOUNDS = frozenset(
    {
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
    }
)


def may_apply(method: str) -> bool:
    """Whether a request with ``method`` may change something at the server (a write)."""
    return method.upper() not in _SAFE_METHODS


class AnswerReader:
    """Reads the answers of one session: the one place where lenient and strict differ.

    ``parse`` (given per call) is the generated parser wrapped by the session: it returns the
    model or raises ``ResponseValidationError``.
    """

    def __init__(self, profile_slug: str, spec: SpecIndex) -> None:
        self.slug = profile_slug
        self.spec = spec
        self._warned: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    # --- error answers ------------------------------------------------------------------------

    def error(
        self, error: ApiError, operation_id: str, response: httpx.Response, *, strict: bool
    ) -> Exception:
        """The exception for an error answer: ``error`` (the status family's, built by
        ``error_from_response``), or in strict mode a ``ResponseValidationError`` when the answer
        is not one the spec documents."""
        problems = self._problems(
            self.spec.operation(operation_id), response, response.status_code, headers=strict
        )
        if not problems:
            return error
        if strict:
            refused = ResponseValidationError(operation_id, response.status_code, problems, response.content)
            refused.__cause__ = error
            return refused
        self._warn(
            operation_id,
            "error",
            f"the {response.status_code} error answer is not the documented one "
            f"({'; '.join(problems[:3])}); raised as {type(error).__name__}",
        )
        return error

    # --- success answers ----------------------------------------------------------------------

    def success(
        self,
        operation_id: str,
        response: httpx.Response,
        parse: Callable[[httpx.Response], Any],
        *,
        strict: bool,
    ) -> Any:
        """The parsed success answer, read strictly or leniently (see the module's text)."""
        operation = self.spec.operation(operation_id)
        write = may_apply(response.request.method)
        try:
            return self._success(operation, response, parse, strict)
        except ResponseValidationError as error:
            if write:
                error.maybe_applied = True
                error.args = (
                    f"{error}. The {response.request.method} may have taken effect "
                    "(maybe_applied): look before repeating it",
                )
            raise

    def _success(
        self,
        operation: Operation,
        response: httpx.Response,
        parse: Callable[[httpx.Response], Any],
        strict: bool,
    ) -> Any:
        status = response.status_code
        if strict:
            problems = (
                self._problems(operation, response, status, headers=True)
                if _documented_success(operation, status)
                else [f"status: {status} is not a documented success of {operation.operation_id}"]
            )
            if problems:
                raise ResponseValidationError(operation.operation_id, status, problems, response.content)
            return parse(response)
        if _documented_success(operation, status):
            return self._read(operation, response, status, parse)
        chosen = self._fitting_success(operation, response)
        if chosen is None:
            problem = f"status: {status} is not documented, and its body fits no documented success answer"
            raise ResponseValidationError(operation.operation_id, status, [problem], response.content)
        self._warn(
            operation.operation_id,
            "status",
            f"answered {status}, which the spec does not document; read as its documented {chosen} answer",
        )
        return self._read(operation, response, chosen, parse)

    def _read(
        self,
        operation: Operation,
        response: httpx.Response,
        status: int,
        parse: Callable[[httpx.Response], Any],
    ) -> Any:
        """Lenient: check the body as the documented ``status`` answer, log the guesses it breaks, parse."""
        found = self._accept_guesses(operation, response, status)
        answer = response if status == response.status_code else _with_status(response, status)
        try:
            return parse(answer)
        except ResponseValidationError as error:
            if not found:
                raise
            # The generated model does not read the deviations yet: say which they were.
            problems = [str(d) for d in found] + error.problems
            raise ResponseValidationError(
                operation.operation_id, response.status_code, problems, response.content
            ) from error

    def _fitting_success(self, operation: Operation, response: httpx.Response) -> int | None:
        """The documented success status whose answer ``response``'s body fits: one with a body
        that validates (guesses allowed), else one documenting no body."""
        statuses = sorted(int(key) for key in operation.responses if key.isdigit() and key.startswith("2"))
        bodiless = [s for s in statuses if not _json_schema(self.spec, operation, s)]
        if not response.content:
            return bodiless[0] if bodiless else None
        for status in statuses:
            if status not in bodiless and not self._documented_problems(operation, response, status):
                return status
        return bodiless[0] if bodiless else None

    def _accept_guesses(self, operation: Operation, response: httpx.Response, status: int) -> list[Deviation]:
        """Raise for a body that breaks a documented constraint; log and return the guesses it breaks.

        Only a JSON body documented with a schema is checked: where the spec documents no body,
        whatever came is ignored (the generated parser reads it as nothing).
        """
        schema = _json_schema(self.spec, operation, status)
        if schema is None or not self._problems(operation, response, status):
            return []
        refused = self._documented_problems(operation, response, status)
        if refused:
            raise ResponseValidationError(
                operation.operation_id, response.status_code, refused, response.content
            )
        found = deviations(self.spec, schema, _json(response))
        self._warn(
            operation.operation_id,
            "body",
            "the answer breaks the spec where it is a guess: " + "; ".join(str(d) for d in found[:5]),
        )
        return found

    # --- validation ---------------------------------------------------------------------------

    def _problems(
        self, operation: Operation, response: httpx.Response, status: int, *, headers: bool = False
    ) -> list[str]:
        """``SpecIndex.validate_response`` on the answer as if it had ``status`` (fast when valid)."""
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                return ["body: is not JSON"]
        # lenient: a JSON body is read whatever its Content-Type says
        media = None if headers else _json_media(self.spec, operation, status)
        if media is None:
            media = response.headers.get("content-type")
        return self.spec.validate_response(
            operation,
            status=status,
            content_type=media if body is not None else None,
            body=body,
            headers=response.headers if headers else None,
        )

    def _documented_problems(self, operation: Operation, response: httpx.Response, status: int) -> list[str]:
        """What is wrong with the body against documented constraints (guesses left out)."""
        problems = self._problems(operation, response, status)
        schema = _json_schema(self.spec, operation, status)
        if not problems or schema is None or not response.content:
            return problems
        validator = self.spec.validator(schema)
        body = _json(response)
        refused = [e for e in validator.iter_errors(body) if _tolerated(self.spec, schema, e) is None]
        return [": ".join(describe_error("body", e)) for e in refused]

    def _warn(self, operation_id: str, kind: str, text: str) -> None:
        with self._lock:
            if (operation_id, kind) in self._warned:
                return
            self._warned.add((operation_id, kind))
        _log.warning("%s %s: %s (strict=True refuses it)", self.slug, operation_id, text)


def deviations(spec: SpecIndex, schema: Any, body: Any) -> list[Deviation]:
    """Every deviation of ``body`` from ``schema`` that lenient reading accepts."""
    found: list[Deviation] = []
    for error in spec.validator(schema).iter_errors(body):
        found += _tolerated(spec, schema, error) or []
    return found


def _tolerated(spec: SpecIndex, schema: Any, error: Any) -> list[Deviation] | None:
    """The deviations ``error`` stands for if lenient reading accepts all of them, else None."""
    where = "body" + "".join(f".{part}" for part in error.absolute_path)
    if error.validator in ("anyOf", "oneOf") and error.instance is not None:
        return _tolerated_branch(spec, schema, error)
    kind = _kind(error)
    if kind is None or not _covered(spec, schema, tuple(error.absolute_schema_path), kind, _absent(error)):
        return None
    if kind == "missing":
        where = describe_error("body", error)[0]
    return [Deviation(kind, where, describe_error("body", error)[1] if kind == "bound" else "")]


def _absent(error: Any) -> str | None:
    """The member a ``required`` error is about (None for other errors)."""
    if error.validator != "required" or not isinstance(error.instance, dict):
        return None
    absent = [p for p in error.validator_value if p not in error.instance]
    return next((p for p in absent if repr(p) in error.message), None)


def _kind(error: Any) -> str | None:
    if error.validator == "required":
        return "missing"
    if error.instance is None and error.validator in ("type", "enum", "const", "anyOf", "oneOf"):
        # A null where no branch allows one is the member's deviation, not a branch's. Only a
        # member's: a null item of an array is not an absent value, and no model reads it.
        return "null" if error.absolute_path and isinstance(error.absolute_path[-1], str) else None
    if error.validator in BOUNDS:
        return "bound"
    if error.validator == "enum" and _json_type(error.instance) in {
        _json_type(v) for v in error.validator_value
    }:
        return "enum"
    return None


def _tolerated_branch(spec: SpecIndex, schema: Any, error: Any) -> list[Deviation] | None:
    """anyOf / oneOf: accepted when every problem of some branch is."""
    if not error.context:  # oneOf valid under several branches: not a guess of ours
        return None
    for errors in _branches(error.context):
        found = [_tolerated(spec, schema, e) for e in errors]
        if all(f is not None for f in found):
            return [d for f in found for d in f or []]
    return None


def _branches(context: list[Any]) -> Iterator[list[Any]]:
    by_branch: dict[Any, list[Any]] = {}
    for error in context:
        by_branch.setdefault(error.relative_schema_path[0], []).append(error)
    yield from by_branch.values()


_COVERED: dict[tuple[int, tuple[Any, ...], str, str | None], bool] = {}


def _covered(spec: SpecIndex, schema: Any, path: tuple[Any, ...], kind: str, absent: str | None) -> bool:
    """Whether the error at ``path`` (a schema path from ``schema``) is about a guess; worked out
    once per schema and path (the schemas live as long as the spec).

    A missing member (``absent``) or a ``null`` member is a guess when the member's own schema, as
    written in its object's ``properties``, carries the marker: the generated model reads exactly
    those members as None (scripts/generate.py), and a note on the whole object explains its shape
    without making every member optional. Any other keyword is a guess when it lies under a marker
    (on its schema or on one it is written inside).
    """
    key = (id(schema), path, kind, absent)
    found = _COVERED.get(key)
    if found is None:
        if kind == "missing":
            found = _MARKER in _member(_holding(spec, _at(spec, schema, path[:-1]), path[-1]), absent)
        elif kind == "null":
            found = _MARKER in _at(spec, schema, _member_path(path))
        else:
            found = _walk(spec, schema, path)
        _COVERED[key] = found
    return found


def _member_path(path: tuple[Any, ...]) -> tuple[Any, ...]:
    """The schema path of the member whose keyword ``path`` ends at: up to its last property name
    (the path itself where the member has no ``properties`` entry, e.g. ``additionalProperties``)."""
    names = [i for i, step in enumerate(path[:-1]) if step == "properties"]
    return path[: names[-1] + 2] if names else path


def _member(node: Any, name: str | None) -> Any:
    properties = node.get("properties") if isinstance(node, dict) else None
    member = properties.get(name) if isinstance(properties, dict) else None
    return member if isinstance(member, dict) else {}


def _at(spec: SpecIndex, schema: Any, path: tuple[Any, ...]) -> Any:
    """The schema at ``path`` as written (a final ``$ref`` not followed)."""
    node = schema
    for step in path:
        node = _holding(spec, node, step)
        node = node.get(step) if isinstance(node, dict) else _item(node, step)
    return node if isinstance(node, dict) else {}


def _holding(spec: SpecIndex, node: Any, step: Any) -> Any:
    return _deref(spec, node, step, False)[0]


def _walk(spec: SpecIndex, schema: Any, path: tuple[Any, ...]) -> bool:
    node, marked = schema, False
    for index, step in enumerate(path):  # the last step is the keyword: its schema is checked too
        node, marked = _deref(spec, node, step, marked)
        if index == len(path) - 1:
            return marked
        node = node.get(step) if isinstance(node, dict) else _item(node, step)
    return False


def _deref(spec: SpecIndex, node: Any, step: Any, marked: bool) -> tuple[Any, bool]:
    """``node`` with ``$ref``s followed until it holds ``step`` (jsonschema leaves ``$ref`` out of
    its paths), and whether it is marked. A marker covers its schema and the schemas written inside
    it, not a component it refers to: crossing a ``$ref`` keeps only the referring schema's own."""
    for _ in range(32):  # a bound, as in SpecIndex.resolve
        if not isinstance(node, dict):
            return node, marked
        marked = marked or _MARKER in node
        if step in node or "$ref" not in node:
            return node, marked
        marked = _MARKER in node
        node = spec.resolve({"$ref": node["$ref"]})
    return node, marked


def _item(node: Any, step: Any) -> Any:
    return node[step] if isinstance(node, list) and isinstance(step, int) and step < len(node) else None


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), "null" if value is None else "other")


def _documented_success(operation: Operation, status: int) -> str | None:
    found = _SUCCESS.get((id(operation), status))
    if found is None:
        keys = {key.upper(): key for key in operation.responses}
        found = _SUCCESS[(id(operation), status)] = (operation, keys.get(str(status)) or keys.get("2XX"))
    return found[1]


def _json_media(spec: SpecIndex, operation: Operation, status: int) -> str | None:
    return _json_answer(spec, operation, status)[1]


def _json_schema(spec: SpecIndex, operation: Operation, status: int) -> Any:
    return _json_answer(spec, operation, status)[2]


# What the spec documents for a status of an operation depends only on the spec: worked out once
# per operation and status (the operation is kept, so its id is never reused).
_SUCCESS: dict[tuple[int, int], tuple[Operation, str | None]] = {}
_JSON_ANSWERS: dict[tuple[int, int], tuple[Operation, str | None, Any]] = {}


def _json_answer(spec: SpecIndex, operation: Operation, status: int) -> tuple[Operation, str | None, Any]:
    """The documented answer's JSON media type and its content entry (None, None: no JSON body)."""
    found = _JSON_ANSWERS.get((id(operation), status))
    if found is None:
        response = spec.response_for(operation, status)
        media = [m for m in (response.content if response else {}) if _is_json(m)]
        chosen = media[0] if media else None
        schema = response.content[chosen] if chosen and response else None
        found = _JSON_ANSWERS[(id(operation), status)] = (operation, chosen, schema)
    return found


def _is_json(media: str) -> bool:
    found = media_type_of(media) or ""
    return found == "application/json" or found.endswith("+json")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _with_status(response: httpx.Response, status: int) -> httpx.Response:
    """The same answer under another status, for the generated parser (which switches on it)."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _REBUILT]
    return httpx.Response(status, headers=headers, content=response.content, request=response.request)


_REBUILT = frozenset({"content-encoding", "content-length", "transfer-encoding"})
