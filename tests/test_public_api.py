"""The public surface is declared in one place per module and cannot drift silently."""

from __future__ import annotations

import asyncio
import enum
import importlib
import inspect
import typing
from typing import Any

import httpx
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typeguard import CollectionCheckStrategy, TypeCheckError, check_type

from nordfin._core.base import ClientSetup
from nordfin._core.checked import Checked, _required_keys, check_argument
from nordfin._core.settings import Settings
from nordfin.errors import RequestValidationError

PUBLIC_MODULES = [
    "nordfin",
    "nordfin.aptic",
    "nordfin.aptic.errors",
    "nordfin.aptic.models",
    "nordfin.errors",
    "nordfin.goto",
    "nordfin.goto.errors",
    "nordfin.goto.models",
    "nordfin.payex",
    "nordfin.payex.errors",
    "nordfin.payex.models",
    "nordfin.payfunc",
    "nordfin.payfunc.errors",
    "nordfin.payfunc.models",
    "nordfin.permanad",
    "nordfin.permanad.errors",
    "nordfin.permanad.models",
    "nordfin.testing",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_every_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)

    assert exported == sorted(exported, key=lambda n: (n.startswith("_"), n.upper() != n, n))
    assert [n for n in exported if not hasattr(module, n)] == []


def test_every_public_error_class_is_exported() -> None:
    errors = importlib.import_module("nordfin.errors")
    classes = {n for n, v in vars(errors).items() if inspect.isclass(v) and v.__module__ == errors.__name__}

    assert classes == set(errors.__all__)


def test_every_public_name_has_a_docstring() -> None:
    """Hand-written public names only: generated ones carry what the spec says, or nothing."""
    missing = []
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        for attr in module.__all__:
            value = getattr(module, attr)
            generated = getattr(value, "__module__", "").startswith("nordfin_generated")
            if (
                (inspect.isclass(value) or inspect.isfunction(value))
                and not generated
                and not inspect.getdoc(value)
            ):
                missing.append(f"{name}.{attr}")

    assert missing == []


# --- the sync and async surfaces, and wrong types at every public method ------------------------------

SLUGS = ["aptic", "goto", "payex", "payfunc", "permanad"]
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def sent_nothing(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request was sent: {request.method} {request.url.path}")


def make_client(slug: str, mode: str, **settings: Any) -> Any:
    """A client of ``slug`` (``mode`` "sync" or "async") whose transport fails on any request."""
    module = importlib.import_module(f"nordfin.{slug}")
    cls = module.Client if mode == "sync" else module.AsyncClient
    transport: Any = httpx.MockTransport(sent_nothing)
    credentials: dict[str, dict[str, Any]] = {
        "aptic": {"base_url": "https://gw.example/I1/APIGW", "client_id": "c", "client_secret": "s"},
        "goto": {"store": "s", "api_key": "k", "rate_limit": False},
        "payex": {"ledger_number": "591", "token": "t"},
        "payfunc": {"api_key": "k.e.y"},
        "permanad": {"api_keys": {"SE": "k"}, "rate_limit": False},
    }
    return cls(**{"transport": transport, **credentials[slug], **settings})


def public_methods(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in ("close", "aclose")
    }


def resources(obj: Any, seen: set[type] | None = None) -> list[Any]:
    """``obj`` and every resource reachable from it: attributes, and what factories such as
    ``customers.addresses(guid)`` or ``payment_terms.sync()`` hand out."""
    seen = set() if seen is None else seen
    if type(obj) in seen:
        return []
    seen.add(type(obj))
    found = [obj]
    for value in vars(obj).values():
        if isinstance(value, Checked) and not isinstance(value, ClientSetup):
            found += resources(value, seen)
    for name, method in public_methods(type(obj)).items():
        if inspect.iscoroutinefunction(inspect.unwrap(method)):
            continue
        hints = typing.get_type_hints(inspect.unwrap(method))
        returned = typing.get_origin(hints.get("return")) or hints.get("return")
        if isinstance(returned, type) and issubclass(returned, Checked):
            required = [p for p in inspect.signature(method).parameters.values() if p.name != "self"]
            args = [GUID] if required and required[0].default is inspect.Parameter.empty else []
            found += resources(getattr(obj, name)(*args), seen)
    return found


def surface(slug: str, mode: str) -> dict[str, str]:
    """Every public method reachable from a client, by resource path, with its signature as text.

    Names and annotations of the async surface are read as the sync ones (``AsyncPager`` as
    ``Pager``), so the two surfaces compare equal exactly when every method takes the same arguments.
    """
    found = {}
    for resource in resources(make_client(slug, mode)):
        kind = type(resource).__name__.removeprefix("Async")
        for name, method in public_methods(type(resource)).items():
            text = str(inspect.signature(inspect.unwrap(method)))
            found[f"{kind}.{name}"] = text.replace("Async", "")
    return found


@pytest.mark.parametrize("slug", SLUGS)
def test_the_sync_and_async_clients_have_the_same_methods_and_signatures(slug: str) -> None:
    """Each operation is written once; this holds the two surfaces to it whatever the mechanism."""
    sync, asynchronous = surface(slug, "sync"), surface(slug, "async")

    assert sync == asynchronous
    assert len(sync) >= 5


def calls(slug: str, mode: str) -> list[tuple[str, str]]:
    """(resource path, parameter) for every parameter of every public method reachable from a client,
    and (with the sync client) of every public function of ``nordfin.<slug>``."""
    found = []
    for resource in resources(make_client(slug, mode)):
        for name, method in public_methods(type(resource)).items():
            for parameter in list(arguments_of(method))[1:]:
                found.append((f"{type(resource).__name__}.{name}", parameter))
    for name, function in functions(slug).items() if mode == "sync" else ():
        found += [(f"nordfin.{slug}.{name}", p) for p in arguments_of(function)]
    return found


def arguments_of(function: Any) -> dict[str, tuple[Any, bool]]:
    """Each argument's annotation and whether it must be given; the keys of ``**kw: Unpack[TD]``
    are arguments of their own (``subscriptions.create(..., items=...)``)."""
    function = inspect.unwrap(function)
    hints = typing.get_type_hints(function)
    found: dict[str, tuple[Any, bool]] = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if parameter.kind is parameter.VAR_KEYWORD and typing.get_origin(hints[name]) is typing.Unpack:
            (keywords,) = typing.get_args(hints[name])
            required = _required_keys(keywords, typing.get_type_hints(keywords, include_extras=True))
            found |= {key: (one, key in required) for key, one in typing.get_type_hints(keywords).items()}
        else:
            found[name] = (hints.get(name), parameter.default is inspect.Parameter.empty)
    return found


def functions(slug: str) -> dict[str, Any]:
    module = importlib.import_module(f"nordfin.{slug}")
    exported = {name: getattr(module, name) for name in module.__all__}
    return {
        name: value
        for name, value in exported.items()
        if inspect.isfunction(value) and value.__module__.startswith(f"nordfin.{slug}")
    }


WRONG = st.sampled_from(
    [None, 0, -1, 2.5, True, "text", b"bytes", [], [object()], {}, {"unknown": 1}, set(), object(), ("a",)]
)
CANDIDATES = [GUID, "SE", "monthly", 1, 1.0, None, True, [GUID], {}, ()]


def candidates(annotation: Any) -> list[Any]:
    """Values that may pass for ``annotation``: plain ones, and a bare instance of each class it names
    (only its type is looked at before the wrong argument is refused)."""
    members = typing.get_args(annotation) if typing.get_args(annotation) else (annotation,)
    classes = [m for m in members if isinstance(m, type) and m.__module__.startswith("nordfin")]
    return CANDIDATES + [next(iter(c)) if issubclass(c, enum.Enum) else c.__new__(c) for c in classes]


CASES = [(slug, mode, *call) for slug in SLUGS for mode in ("sync", "async") for call in calls(slug, mode)]


def accepts(annotation: Any, value: Any) -> bool:
    try:
        check_argument("x", value, annotation)
    except RequestValidationError:
        return False
    return True


def typeguard_accepts(annotation: Any, value: Any) -> bool:
    try:
        check_type(value, annotation, collection_check_strategy=CollectionCheckStrategy.ALL_ITEMS)
    except TypeCheckError:
        return False
    return True


def find_method(client: Any, path: str) -> Any:
    kind, name = path.rsplit(".", 1)
    if kind.startswith("nordfin."):
        return getattr(importlib.import_module(kind), name)
    resource = next(r for r in resources(client) if type(r).__name__ == kind)
    return getattr(resource, name)


@pytest.mark.parametrize(("slug", "mode", "path", "parameter"), CASES)
@settings(max_examples=8)
@given(wrong=WRONG)
def test_every_public_method_refuses_a_wrong_type_by_name(
    slug: str, mode: str, path: str, parameter: str, wrong: Any
) -> None:
    """A wrong type for any argument is a RequestValidationError naming it; nothing is sent and no
    raw TypeError, AttributeError or KeyError escapes."""
    method = find_method(make_client(slug, mode), path)
    found = arguments_of(method)
    hints = {name: annotation for name, (annotation, _) in found.items()}
    if isinstance(hints[parameter], typing.TypeVar):  # Aptic's generic sub-resources: the kind says
        hints[parameter] = method.__self__._kind.inputs()[0 if method.__name__ == "create" else 1]
    assume(not typeguard_accepts(hints[parameter], wrong))
    arguments: dict[str, Any] = {}
    before = True
    for name, (_, required) in list(found.items())[0 if path.startswith("nordfin.") else 1 :]:
        before = before and name != parameter
        if required:
            # Arguments are checked in order: those before the wrong one must pass, later ones never matter.
            valid = [c for c in candidates(hints[name]) if accepts(hints[name], c)] if before else [None]
            assume(valid)
            arguments[name] = valid[0]
    arguments[parameter] = wrong

    with pytest.raises(RequestValidationError) as caught:
        call(method, arguments)

    assert caught.value.field.partition("[")[0] == parameter


def call(method: Any, arguments: dict[str, Any]) -> None:
    result = method(**arguments)
    if inspect.isawaitable(result):
        asyncio.run(result)


SETTINGS = list(typing.get_type_hints(Settings))


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("setting", SETTINGS)
@settings(max_examples=8)
@given(wrong=WRONG)
def test_every_constructor_refuses_a_wrong_setting_by_name(slug: str, setting: str, wrong: Any) -> None:
    """The seven shared settings are typed once (``Settings``) and checked at construction."""
    annotation = typing.get_type_hints(Settings)[setting]
    assume(not typeguard_accepts(annotation, wrong))

    with pytest.raises(RequestValidationError) as caught:
        make_client(slug, "sync", **{setting: wrong})

    assert caught.value.field == setting
