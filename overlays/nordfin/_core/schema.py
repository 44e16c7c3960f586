"""JSON Schema 2020-12 checks of values against the schemas of one OpenAPI document.

jsonschema-rs answers "valid?" some 50 times faster than the Python validator; jsonschema, whose
errors we know how to word without the offending value, is imported only once a value is invalid
(or a caller asks for a validator), so importing a client loads neither.

A problem is ``("<where>.<path>", "<rule>")``; a rule never repeats the value: it may be a secret
or a national identity number.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
import uuid
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

__all__ = ["SchemaChecker", "coerce", "schema_types"]

SPEC_URI = "urn:nordfin:spec"
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


class SchemaChecker:
    """Compiled validators for the schemas of one document, each compiled once per schema.

    ``resolve`` follows a local ``$ref`` of the document (``SpecIndex.resolve``).
    """

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        self._validators: dict[int, tuple[Any, Any]] = {}
        self._fast: dict[int, tuple[Any, Any]] = {}
        self._rs: Any = None
        self._registry: Any = None
        self._lock = threading.Lock()

    def problems(self, where: str, schema: Any, instance: Any) -> list[str]:
        """``"<field>: <rule>"`` for each way ``instance`` breaks ``schema``, sorted by field."""
        try:
            fast = self.fast_validator(schema)
            if fast.is_valid(instance):
                return []
        except (ValueError, TypeError):  # not JSON-like (e.g. an object), or a schema it refuses
            fast = None
        found = [describe_error(where, error) for error in self.validator(schema).iter_errors(instance)]
        if not found and fast is not None:
            # jsonschema found nothing where jsonschema-rs refused (Python's ``\d`` also matches
            # non-ASCII digits, ECMA-262's does not): the refusal stands, worded from its own errors.
            found = [_describe_rs_error(where, error) for error in fast.iter_errors(instance)]
        return [f"{field}: {rule}" for field, rule in sorted(found, key=lambda item: item[0])]

    def fast_validator(self, schema: Any) -> Any:
        """jsonschema-rs's validator for ``schema`` (a schema of this document), compiled once."""
        cached = self._fast.get(id(schema))
        if cached is not None:
            return cached[1]
        import jsonschema_rs  # a native module of some 20 ms: loaded on the first check

        with self._lock:
            if self._rs is None:
                self._rs = jsonschema_rs.Registry([(SPEC_URI, dict(self.spec))])
            validator = jsonschema_rs.Draft202012Validator(
                schema_for(schema), registry=self._rs, validate_formats=True
            )
            # Keeping `schema` alive keeps its id from being reused by another object.
            self._fast[id(schema)] = (schema, validator)
        return validator

    def validator(self, schema: Any) -> Any:
        """jsonschema's Draft 2020-12 validator (with format checks) for a schema of this document."""
        cached = self._validators.get(id(schema))
        if cached is not None:
            return cached[1]
        validator = _validator_class()(
            schema_for(schema), registry=self.registry(), format_checker=_formats()
        )
        with self._lock:
            self._validators[id(schema)] = (schema, validator)
        return validator

    def registry(self) -> Any:
        """A ``referencing.Registry`` holding this document, for schemas from :func:`schema_for`."""
        if self._registry is None:
            from referencing import Registry  # only to word a problem
            from referencing.jsonschema import DRAFT202012

            self._registry = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(self.spec))
        return self._registry


def schema_for(ref_or_schema: Any) -> Any:
    """A standalone copy of a schema of the document, its local ``$ref``s made absolute."""
    if isinstance(ref_or_schema, dict):
        return {k: _absolute_ref(v) if k == "$ref" else schema_for(v) for k, v in ref_or_schema.items()}
    if isinstance(ref_or_schema, list):
        return [schema_for(item) for item in ref_or_schema]
    return ref_or_schema


def _absolute_ref(ref: Any) -> Any:
    return SPEC_URI + ref if isinstance(ref, str) and ref.startswith("#") else ref


def schema_types(resolve: Any, schema: Any) -> set[str]:
    """The JSON types a schema allows, looking through $ref, anyOf, oneOf and allOf."""
    schema = resolve(schema)
    if not isinstance(schema, dict):
        return set()
    declared = schema.get("type", [])
    types = {declared} if isinstance(declared, str) else set(declared)
    for branch in (*schema.get("anyOf", []), *schema.get("oneOf", []), *schema.get("allOf", [])):
        types |= schema_types(resolve, branch)
    return types


def coerce(value: str, types: AbstractSet[str]) -> Any:
    """A parameter's string as the type its schema wants; unchanged when it cannot be read so."""
    if "integer" in types and _INTEGER.fullmatch(value):
        return int(value)
    if "number" in types and _NUMBER.fullmatch(value):
        return float(value) if any(c in value for c in ".eE") else int(value)
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    return value


# --- wording a problem (jsonschema, imported on the first invalid value) --------------------------


def describe_error(where: str, error: Any) -> tuple[str, str]:
    """(field, rule) for a jsonschema error, the rule stripped of the offending value."""
    field = where + "".join(f".{part}" for part in error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        absent = [p for p in error.validator_value if p not in error.instance]
        missing = next((p for p in absent if repr(p) in error.message), None)
        if missing is not None:
            return f"{field}.{missing}", "is required"
    if error.context:
        return describe_error(where, _closest(error.context))
    if error.validator in _LIMITS:
        return field, _LIMITS[error.validator].format(error.validator_value)
    return field, _without_value(error.message, error.instance)


def _describe_rs_error(where: str, error: Any) -> tuple[str, str]:
    """(field, rule) for a jsonschema-rs error, worded from its kind (its message starts with the value)."""
    field = where + "".join(f".{part}" for part in error.instance_path)
    kind = error.kind.name
    wording = _RS_WORDING.get(kind)
    if wording is None:
        return field, f"breaks the schema's {kind!r}"
    return field, wording.format(error.kind.as_dict()[kind])


_RS_WORDING = {"format": "is not a {!r}", "pattern": "does not match {!r}"}  # as jsonschema says it


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
    from jsonschema.exceptions import best_match

    typed = [e for e in errors if e.validator != "type"]
    return best_match(typed or errors)


def _without_value(message: str, instance: Any) -> str:
    shown = repr(instance)
    if message.startswith(shown):
        return message[len(shown) :].strip()
    return message.replace(shown, "the value") if isinstance(instance, (str, int, float)) else message


@functools.cache
def _validator_class() -> Any:
    """Draft 2020-12, with ``pattern`` read as ECMA-262 (where ``$`` ends the text, no "\\n" before)."""
    from jsonschema import Draft202012Validator, ValidationError, validators

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
def _formats() -> Any:
    """date, date-time, email and uuid, checked the same whichever optional packages are installed."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checks("date", raises=ValueError)(_is_date)
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    checker.checks("email")(_is_email)
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


def _is_email(value: object) -> bool:
    """jsonschema-rs's reading of ``format: email`` (``a@b`` yes; ``a@``, ``@b.se``, ``a b@c.se`` no):
    the one definition, so the check that finds a problem and the one that words it agree."""
    return not isinstance(value, str) or _rs_format("email").is_valid(value)


@functools.cache
def _rs_format(name: str) -> Any:
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator({"format": name}, validate_formats=True)


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(uuid.UUID(value)) and all(value[i] == "-" for i in (8, 13, 18, 23))
