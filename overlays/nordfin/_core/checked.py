"""Every public method checks its arguments against its own annotations, in one place.

A client or resource class derives from ``Checked``; each of its public methods (and its
``__init__``) then refuses, before anything else runs, an argument whose type its signature does
not allow — also inside containers and ``TypedDict``s, where an unknown or misspelled key is
refused too — with ``RequestValidationError`` naming the argument. No raw ``TypeError``,
``AttributeError`` or ``KeyError`` escapes a public call because of a wrong type, and a typo like
``update(..., itmes=[...])`` is never sent as an empty change.

The annotations are the single source: typeguard reads them at run time, mypy at type-check time,
so the two can never disagree. Two rules go beyond typeguard, because Python's types are looser
than an API's: a ``str`` is not accepted where a sequence is expected (``wait_for_decisions("ord-1")``
would otherwise poll each character), and a ``bool`` is not a number unless ``bool`` is named.
"""

from __future__ import annotations

import functools
import inspect
import re
import types
import typing
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, TypeVar

from nordfin.errors import RequestValidationError

__all__ = ["Checked", "check_argument", "checked"]

F = TypeVar("F", bound=Callable[..., Any])
_SEQUENCES = {Sequence, Collection, Iterable, list, tuple}
_MODULE_PATH = re.compile(r"\b(?:[A-Za-z_][\w]*\.)+([A-Za-z_]\w*)")


class Checked:
    """Base of every public client and resource class: its public methods check their arguments."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if inspect.isfunction(value) and (name == "__init__" or not name.startswith("_")):
                setattr(cls, name, checked(value))


def checked(function: F) -> F:
    """``function``, refusing arguments its annotations do not allow (read at the first call)."""
    if getattr(function, "__nordfin_checked__", False):
        return function
    hints: dict[str, Any] = {}
    # The annotations and the signature are read at the first call, when every name exists (and
    # not for every public method at import: about 20 µs each, issue 14).
    read: list[tuple[inspect.Signature, Callable[..., dict[str, Any] | None]]] = []

    def check(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if not read:
            hints.update(typing.get_type_hints(function, include_extras=True))
            signature = inspect.signature(function)
            read.append((signature, _binder(signature)))
        signature, bind = read[0]
        arguments = bind(args, kwargs)
        if arguments is None:
            try:
                arguments = signature.bind(*args, **kwargs).arguments
            except TypeError as error:
                raise _binding_error(function, str(error)) from None
        for name, value in arguments.items():
            parameter = signature.parameters[name]
            if name in hints and name != "self":
                _check_parameter(parameter, hints[name], value)

    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            check(args, kwargs)
            return await function(*args, **kwargs)

        wrapper: Any = async_wrapper
    else:

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check(args, kwargs)
            return function(*args, **kwargs)

    wrapper.__nordfin_checked__ = True
    return typing.cast(F, wrapper)


def _binder(
    signature: inspect.Signature,
) -> Callable[[tuple[Any, ...], dict[str, Any]], dict[str, Any] | None]:
    """``Signature.bind`` for the usual call of a signature without ``*args``, ``**kwargs`` or
    positional-only parameters (this runs on every call): the arguments in the signature's order,
    or None where ``bind`` must decide (and word what is wrong)."""
    parameters = signature.parameters.values()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    order = [p.name for p in parameters]
    positional = [p.name for p in parameters if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    required = frozenset(p.name for p in parameters if p.default is inspect.Parameter.empty)
    simple = all(p.kind in kinds for p in parameters)

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        if not simple or len(args) > len(positional):
            return None
        given = dict(zip(positional, args, strict=False))
        for key, value in kwargs.items():
            if key in given or key not in signature.parameters:
                return None  # twice, or unknown: bind words it
            given[key] = value
        if not required <= given.keys():
            return None
        return {name: given[name] for name in order if name in given}

    return bind


def _check_parameter(parameter: inspect.Parameter, annotation: Any, value: Any) -> None:
    if parameter.kind is inspect.Parameter.VAR_KEYWORD:
        if typing.get_origin(annotation) is typing.Unpack:
            check_argument(parameter.name, value, typing.get_args(annotation)[0], keywords=True)
        else:
            for key, one in value.items():
                check_argument(key, one, annotation)
    elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
        for index, one in enumerate(value):
            check_argument(f"{parameter.name}[{index}]", one, annotation)
    else:
        check_argument(parameter.name, value, annotation)


def check_argument(name: str, value: Any, annotation: Any, *, keywords: bool = False) -> None:
    """``value`` must be what ``annotation`` allows; otherwise ``RequestValidationError(name, …)``.

    With ``keywords``, ``value`` holds keyword arguments collected by ``**settings: Unpack[TD]``:
    each is checked and named on its own, and an unknown keyword is refused by its name.
    """
    if not keywords and _plainly_allowed(value, annotation):
        return  # an instance of a class the annotation names: typeguard would only say yes
    if keywords:
        allowed = typing.get_type_hints(annotation, include_extras=True)
        for key, one in value.items():
            if key not in allowed:
                raise RequestValidationError(key, "is not an argument this method takes")
            check_argument(key, one, _strip_required(allowed[key]))
        missing = sorted(_required_keys(annotation, allowed) - value.keys())  # as ``bind`` does
        if missing:
            raise RequestValidationError(missing[0], "is required")
        return
    if isinstance(value, bool) and _is_number(annotation) and not _mentions(annotation, bool):
        raise RequestValidationError(name, f"must be {describe(annotation)}, not a bool")
    if isinstance(value, (str, bytes)) and _str_only_as_sequence(value, annotation):
        raise RequestValidationError(
            name, f"must be {describe(annotation)}, not a single {type(value).__name__}"
        )
    guard = _typeguard()
    try:
        guard.check_type(value, annotation, collection_check_strategy=guard.CollectionCheckStrategy.ALL_ITEMS)
    except guard.TypeCheckError as error:
        raise RequestValidationError(name, _rule(annotation, value, error)) from None
    _check_items(name, value, annotation)


def _plainly_allowed(value: Any, annotation: Any) -> bool:
    """Whether ``value`` is an instance of a plain class ``annotation`` (or its union) names, the
    whole of typeguard's check for such a class. A bool, str or bytes must be of exactly such a
    class: the bool and single-string rules above still decide the rest. Answering without
    typeguard keeps it (and the unittest.mock and asyncio it imports) out of most processes."""
    classes = _exact_classes(annotation)
    kind = type(value)
    if kind in classes:
        return True
    if not classes or kind in (bool, str, bytes):
        return False
    try:
        return isinstance(value, tuple(classes))
    except TypeError:  # a class refusing isinstance: typeguard decides
        return False


_EXACT: dict[Any, frozenset[type]] = {}  # per annotation; a race only computes it twice


def _exact_classes(annotation: Any) -> frozenset[type]:
    """The plain classes ``annotation`` (or its union) names, none parametrised (``str``, ``int``,
    an enum, a model): an argument of exactly one of them passes every check here."""
    try:
        found = _EXACT.get(annotation)
    except TypeError:  # unhashable metadata in an annotation: always the full check
        return frozenset()
    if found is None:
        members = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
        found = _EXACT[annotation] = frozenset(
            m
            for m in members
            if isinstance(m, type)
            and typing.get_origin(m) is None
            and not typing.is_typeddict(m)
            and not getattr(m, "_is_protocol", False)  # typeguard checks a protocol's members
        )
    return found


def _check_items(name: str, value: Any, annotation: Any) -> None:
    """typeguard never iterates an ``Iterable[X]`` (it might be consumed); a list or tuple is safe to."""
    if typing.get_origin(annotation) in (Iterable, Collection) and isinstance(value, list | tuple | set):
        (item,) = typing.get_args(annotation) or (Any,)
        for index, one in enumerate(value):
            check_argument(f"{name}[{index}]", one, item)


@functools.cache
def _typeguard() -> types.ModuleType:
    """typeguard, on the first checked call: it imports unittest.mock (and with it asyncio) and
    importlib.metadata, which ``import nordfin.<slug>`` must not pay for (issue 14)."""
    import typeguard

    return typeguard


def _rule(annotation: Any, value: Any, error: Exception) -> str:
    """What the argument must be; for a nested problem also where (typeguard names types, never values)."""
    detail = " ".join(str(error).split())
    given = "None" if value is None else type(value).__name__
    simple = detail.startswith(f"{given} is not") or "did not match any element" in detail
    expected = f"must be {describe(annotation)}"
    if simple:
        return f"{expected}, not {given}"
    where = _MODULE_PATH.sub(r"\1", detail)
    return f"{expected}: {where}"


def describe(annotation: Any) -> str:
    """A short name for a type: ``Sequence[Item] or float`` rather than module paths."""
    if annotation is type(None) or annotation is None:
        return "None"
    if _is_union(annotation):
        return " or ".join(describe(member) for member in typing.get_args(annotation))
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return str(getattr(annotation, "describe_as", annotation.__name__))  # a class may name itself
    return _MODULE_PATH.sub(r"\1", repr(annotation)).replace("typing.", "")


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _members(annotation: Any) -> tuple[Any, ...]:
    return typing.get_args(annotation) if _is_union(annotation) else (annotation,)


def _mentions(annotation: Any, kind: type) -> bool:
    if annotation is kind or annotation is Any or annotation is object:
        return True
    return any(_mentions(arg, kind) for arg in typing.get_args(annotation) if not isinstance(arg, str))


def _is_number(annotation: Any) -> bool:
    return any(member in (int, float) for member in _members(annotation))


def _str_only_as_sequence(value: Any, annotation: Any) -> bool:
    """True when the only thing that would accept this text is a sequence (of characters)."""
    members = _members(annotation)
    rest = tuple(m for m in members if (typing.get_origin(m) or m) not in _SEQUENCES)
    if len(rest) == len(members):
        return False
    if not rest:
        return True
    guard = _typeguard()
    try:
        guard.check_type(value, typing.Union[rest])  # noqa: UP007 (a runtime tuple of members)
    except guard.TypeCheckError:
        return True
    return False


def _required_keys(typed_dict: Any, hints: dict[str, Any]) -> set[str]:
    """The keys ``typed_dict`` requires. Its ``__required_keys__`` alone is wrong where the class was
    written under ``from __future__ import annotations`` (a ``Required[...]`` there is still text
    when the class is made), so the resolved ``hints`` have the last word."""
    marked = {key: typing.get_origin(hint) for key, hint in hints.items()}
    return {key for key, origin in marked.items() if origin is typing.Required} | {
        key for key in typed_dict.__required_keys__ if marked.get(key) is not typing.NotRequired
    }


def _strip_required(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Required, typing.NotRequired):
        return typing.get_args(annotation)[0]
    return annotation


def _binding_error(function: Callable[..., Any], message: str) -> RequestValidationError:
    """``bind`` failed: name the argument Python complained about, never a value."""
    found = re.search(r"'([^']+)'", message)
    name = found.group(1) if found else "arguments"
    where = function.__qualname__
    if "unexpected keyword" in message:
        return RequestValidationError(name, f"is not an argument of {where}")
    if "missing" in message:
        return RequestValidationError(name, f"is required by {where}")
    return RequestValidationError(name, f"does not fit {where}: {message}")
