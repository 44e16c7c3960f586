"""What scripts/generate.py and specs/_templates promise about the generated clients.

Answers read as plain Python (no ``Unset``), one shared sentinel for requests, open enums and
tolerated inferred members in answers, documented members still enforced, and a public seam per
operation. Everything is read from the generated packages and the specs; nothing names an API
except the examples that show one rule at work.
"""

from __future__ import annotations

import enum
import importlib
import json
import pickle
import pkgutil
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import httpx
import pytest
import yaml

from nordfin._core.parsed import unparsed

ROOT = Path(__file__).resolve().parents[2]
SLUGS = sorted(p.parent.name for p in (ROOT / "specs").glob("*/openapi.yaml"))
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def operation_modules(slug: str) -> dict[str, ModuleType]:
    package = importlib.import_module(f"nordfin_generated.{slug}.api")
    found = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        if hasattr(module, "OPERATION_ID"):
            found[module.OPERATION_ID] = module
    return found


def hints(item: Any) -> dict[str, Any]:
    """The annotations of a generated model or function, whose models and client class load on first
    use (so an operation module names them only under TYPE_CHECKING)."""
    root = ".".join(item.__module__.split(".")[:2])
    names = {}
    for package in (importlib.import_module(root), importlib.import_module(f"{root}.models")):
        names.update({name: getattr(package, name) for name in package.__all__})  # each loads on first use
    return typing.get_type_hints(item, globalns={**names, **vars(sys.modules[item.__module__])})


def classes_in(annotation: Any) -> Iterator[type]:
    if isinstance(annotation, type):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from classes_in(argument)


def answer_models() -> dict[type, str]:
    """Every generated model an answer of any operation can return (success or error), with its slug."""
    found: dict[type, str] = {}
    stack = [
        (cls, slug)
        for slug in SLUGS
        for module in operation_modules(slug).values()
        for cls in classes_in(hints(module.parse_response)["return"])
        if attrs.has(cls)
    ]
    while stack:
        cls, slug = stack.pop()
        if cls in found:
            continue
        found[cls] = slug
        for annotation in hints(cls).values():
            stack += [(c, slug) for c in classes_in(annotation) if attrs.has(c)]
    return found


ANSWER_MODELS = answer_models()


def test_every_operation_of_every_spec_has_the_public_seam() -> None:
    for slug in SLUGS:
        spec = yaml.safe_load((ROOT / "specs" / slug / "openapi.yaml").read_text(encoding="utf-8"))
        ids = {op["operationId"] for item in spec["paths"].values() for m, op in item.items() if m in METHODS}
        modules = operation_modules(slug)
        assert set(modules) == ids, slug
        for module in modules.values():
            assert callable(module.build_request)
            assert callable(module.parse_response)
            assert module.SUCCESS_MODEL is None or isinstance(module.SUCCESS_MODEL, type)
            # the generated network functions nordfin never calls are not generated
            assert not {"sync", "sync_detailed", "asyncio", "asyncio_detailed", "_get_kwargs"} & set(
                vars(module)
            )


def load_generate() -> ModuleType:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        return importlib.import_module("generate")
    finally:
        sys.path.remove(str(ROOT / "scripts"))


def test_no_answer_model_is_typed_or_valued_unset() -> None:
    """Every model an answer returns, nested models included, without exception."""
    from nordfin_generated.unset import Unset

    assert len(ANSWER_MODELS) >= 70  # all five specs' answers, nested models included
    members = 0
    for cls in ANSWER_MODELS:
        unset = [n for n, a in hints(cls).items() if Unset in set(classes_in(a))]
        members += len(hints(cls))
        assert unset == [], f"{cls.__module__}.{cls.__name__}"
        for field in attrs.fields(cls):
            assert not isinstance(field.default, Unset), f"{cls.__name__}.{field.name}"
    assert members >= 380


def test_a_request_that_clears_with_null_has_its_own_schema() -> None:
    """A request schema with an optional nullable member keeps three states (null clears, left out
    keeps), so no answer may share it: the specs split such schemas, and generation refuses one."""
    from nordfin_generated.aptic.models import CustomerParameterInput, ExtraFieldInput
    from nordfin_generated.unset import Unset

    for cls in (CustomerParameterInput, ExtraFieldInput):
        assert cls not in ANSWER_MODELS
        assert Unset in set(classes_in(hints(cls)["name"])), cls.__name__
    generate = load_generate()
    shared = {"type": "object", "properties": {"note": {"type": ["string", "null"]}}}
    spec = {
        "components": {"schemas": {"Note": shared}},
        "paths": {
            "/notes": {
                "patch": {
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}
                    },
                    "responses": {
                        "200": {
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}
                        }
                    },
                }
            }
        },
    }
    with pytest.raises(SystemExit, match="Note"):
        generate.loosen_answers(spec)


def test_every_enum_an_answer_holds_is_open() -> None:
    """Wherever an answer model holds an enum (a member, a list item, a union member), the member's
    type also admits the enum's plain type, so an unlisted value is kept rather than refused."""
    opened = 0
    for cls in ANSWER_MODELS:
        for name, annotation in hints(cls).items():
            classes = set(classes_in(annotation))
            for kind in (c for c in classes if issubclass(c, enum.Enum)):
                plain = str if issubclass(kind, str) else int
                assert plain in classes, f"{cls.__name__}.{name}: {kind.__name__} is closed"
                opened += 1
    assert opened >= 10


def test_one_sentinel_with_a_short_repr_for_every_package() -> None:
    from nordfin_generated.unset import UNSET, Unset

    for slug in SLUGS:
        generated_types = importlib.import_module(f"nordfin_generated.{slug}.types")
        assert generated_types.Unset is Unset
        assert generated_types.UNSET is UNSET
    assert repr(UNSET) == "UNSET"
    assert not UNSET
    assert pickle.loads(pickle.dumps(UNSET)) is UNSET


def test_request_models_keep_three_states() -> None:
    """A PATCH body: a value is sent, None is sent as null (clears), UNSET is not sent."""
    from nordfin_generated.payex.models import CustomerPatch
    from nordfin_generated.unset import UNSET

    patch = CustomerPatch(email_address="a@example.se", msisdn=None)
    assert patch.legal_status is UNSET
    assert patch.to_dict() == {"emailAddress": "a@example.se", "msisdn": None}


def test_a_member_the_vendor_left_out_reads_as_none_and_is_not_sent_back() -> None:
    from nordfin_generated.aptic.models import Customer

    guid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    customer = Customer.from_dict({"customerGuid": guid})
    optional = [
        f.name for f in attrs.fields(Customer) if f.name not in ("customer_guid", "additional_properties")
    ]
    assert optional
    assert all(getattr(customer, name) is None for name in optional)
    assert customer.to_dict() == {"customerGuid": guid}


def test_an_enum_value_the_spec_does_not_list_is_kept_as_str() -> None:
    from nordfin_generated.permanad.api.orders import get_order
    from nordfin_generated.permanad.models import OrderResponse, OrderStatus

    body = {"data": {"publicId": "o-1", "status": "onHold", "createdAt": "2026-01-01T10:00:00+00:00"}}
    answer = get_order.parse_response(client=_client(), response=httpx.Response(200, json=body))
    assert isinstance(answer, OrderResponse)
    assert answer.data.status == "onHold"
    assert not isinstance(answer.data.status, OrderStatus)
    assert unparsed(answer) == []
    body["data"]["status"] = "pending"
    known = get_order.parse_response(client=_client(), response=httpx.Response(200, json=body))
    assert isinstance(known, OrderResponse)
    assert known.data.status is OrderStatus.PENDING


def test_an_inferred_member_missing_or_null_reads_as_none() -> None:
    """Goto's `since` is required in the spec, marked x-nordfin-inferred on the member itself."""
    from nordfin_generated.goto.api.payment_terms import list_payment_terms
    from nordfin_generated.goto.models import PaymentTermsResponse

    for body in ({"paymentTerms": []}, {"paymentTerms": [], "since": None}):
        answer = list_payment_terms.parse_response(client=_client(), response=httpx.Response(200, json=body))
        assert isinstance(answer, PaymentTermsResponse)
        assert answer.since is None


def test_the_members_marked_on_their_own_schema_are_the_tolerated_ones() -> None:
    """What the model reads as None is what _core.leniency accepts missing (CONTRIBUTING, "Marking
    guesses"): a member marked on its own schema, also an inline enum (which generation rewrites),
    also next to a ``$ref`` to an enum (which generation opens), also through an allOf whose part
    sorts after it; not the members of an object marked as a whole."""
    generate = load_generate()
    ref = {"$ref": "#/components/schemas/Envelope"}
    schemas = {
        "AList": {
            "allOf": [ref, {"type": "object", "required": ["v"], "properties": {"v": {"type": "string"}}}]
        },
        "Kind": {"type": "string", "enum": ["a", "b"]},
        "Envelope": {
            "type": "object",
            "required": ["n", "kind", "shape"],
            "x-nordfin-inferred": "the shape",
            "properties": {
                "n": {"type": "integer", "x-nordfin-inferred": "always there?"},
                "kind": {"$ref": "#/components/schemas/Kind", "x-nordfin-inferred": "always there?"},
                "shape": {"type": "string"},
            },
        },
    }
    answer = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/AList"}}}}
    spec = {"components": {"schemas": schemas}, "paths": {"/a": {"get": {"responses": {"200": answer}}}}}

    generate.loosen_answers(spec)

    assert schemas["Envelope"][generate.TOLERATE] == ["n", "kind"]
    assert schemas["AList"][generate.TOLERATE] == ["kind", "n"]


@pytest.mark.parametrize(
    ("module", "body"),
    [
        ("goto.api.payment_terms.list_payment_terms", {"since": 3}),  # paymentTerms: documented
        ("goto.api.payment_terms.get_payment_term", {"paymentTerms": [{"description": "x"}]}),  # code
        (
            "permanad.api.orders.get_order",
            {"data": {"status": "pending", "createdAt": "2026-01-01T10:00:00"}},
        ),
    ],
)
def test_a_documented_required_member_missing_is_refused(module: str, body: dict[str, Any]) -> None:
    operation = importlib.import_module(f"nordfin_generated.{module}")
    with pytest.raises(KeyError):
        operation.parse_response(client=_client(), response=httpx.Response(200, json=body))


def test_a_malformed_date_in_a_nullable_member_is_named_not_handed_over() -> None:
    """The generator returns the raw string when a date in a union does not read; the check names it."""
    from nordfin_generated.permanad.models import Order

    order = Order.from_dict(
        {"publicId": "o-1", "status": "pending", "createdAt": "2026-01-01T10:00:00", "updatedAt": "soon"}
    )
    assert unparsed(order) == ["body.updated_at: str where the spec's model belongs"]


def test_the_packaged_spec_is_the_true_spec() -> None:
    """Only the generator's input is loosened: strict mode validates against the unmodified spec."""
    for slug in SLUGS:
        source = yaml.safe_load((ROOT / "specs" / slug / "openapi.yaml").read_text(encoding="utf-8"))
        packaged = ROOT / "generated" / "nordfin_generated" / "specs" / slug / "openapi.json"
        assert json.loads(packaged.read_text(encoding="utf-8")) == json.loads(json.dumps(source))


def test_the_lock_covers_the_templates() -> None:
    lock = json.loads((ROOT / "generated" / "nordfin_generated" / "generate.lock.json").read_text())
    assert len(lock["templates_sha256"]) == 64
    assert sorted(p.name for p in (ROOT / "specs" / "_templates").glob("*.jinja"))


def _client() -> Any:
    return types.SimpleNamespace(raise_on_unexpected_status=True)


def test_every_member_marked_secret_is_masked_in_repr() -> None:
    marked = 0
    for slug in SLUGS:
        text = (ROOT / "specs" / slug / "openapi.yaml").read_text(encoding="utf-8")
        marked += text.count("x-nordfin-secret: true")
    masked = [
        (cls.__name__, field.name)
        for slug in SLUGS
        for package in [importlib.import_module(f"nordfin_generated.{slug}.models")]
        for cls in (getattr(package, name) for name in package.__all__)
        if isinstance(cls, type) and attrs.has(cls)
        for field in attrs.fields(cls)
        if callable(field.repr)
    ]
    assert marked >= 4
    assert len(masked) == marked


def test_a_card_token_and_an_account_key_never_show_in_repr() -> None:
    from nordfin_generated.payfunc.models import AccountLink, Method

    token = "eyJhbGciOi.secret-card.token"
    method = Method.from_dict(
        {"type": "card", "created": "2026-01-01T00:00:00Z", "token": token, "scheme": "visa"}
        | {"iin": "411111", "last4": "1111", "expires": [2, 28]}
    )
    when = "2026-01-01T00:00:00Z"
    link = AccountLink.from_dict({"url": "https://x.example/l", "created": when, "expires": when})
    assert token not in repr(method)
    assert "token='***'" in repr(method)
    assert "key=None" in repr(link)
    assert "secret" not in repr(AccountLink.from_dict(link.to_dict() | {"key": "a.secret.key"}))
