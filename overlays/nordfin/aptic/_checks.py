"""Checks of Aptic request bodies that the spec alone cannot word well, made before sending.

The spec validates every body once it is serialised; these run first, where a wrong value
would otherwise fail inside the generated ``to_dict`` (an ``int`` where an enum member belongs)
or pass a rule the vendor states in words ("non-empty"). Errors name the field by its wire name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

from nordfin._core import odata
from nordfin._core.validate import check_enum, check_str, check_type
from nordfin.aptic import models
from nordfin.errors import RequestValidationError
from nordfin_generated.unset import Unset

__all__ = ["Field", "customer_create", "customer_update", "extra_field", "mandate", "parameters", "unchanged"]

T = TypeVar("T")
M = TypeVar("M")


def unchanged(body: T) -> T:
    return body


def _model(field: str, body: Any, kind: type[T]) -> T:
    if not isinstance(body, kind):
        raise RequestValidationError(field, f"must be a {kind.__name__}, not {type(body).__name__}")
    return body


def _customer_enums(body: T) -> T:
    """``juridicalType`` and ``gender`` as their enum members (an int of the enum is accepted)."""
    changes: dict[str, Any] = {}
    for name, wire, kind in (
        ("juridical_type", "juridicalType", models.JuridicalType),
        ("gender", "gender", models.GenderType),
    ):
        value = getattr(body, name)
        if not isinstance(value, Unset):
            changes[name] = check_enum(wire, value, kind)
    return _evolve(body, **changes) if changes else body


def customer_create(body: Any) -> models.CustomerCreate:
    """A new customer: a ``CustomerCreate`` whose enums are members."""
    return _customer_enums(_model("customer", body, models.CustomerCreate))


def customer_update(body: Any) -> models.CustomerUpdate:
    """Changes to a customer: a ``CustomerUpdate`` that changes something."""
    changes = _customer_enums(_model("changes", body, models.CustomerUpdate))
    if not changes.to_dict():
        raise RequestValidationError("changes", "must set or clear at least one member")
    return changes


def mandate(body: Any) -> models.DirectDebitMandateInput:
    """A direct debit mandate: a known type, a non-blank receiving account, a known account class."""
    body = _model("mandate", body, models.DirectDebitMandateInput)
    kind = check_enum("directDebitMandateType", body.direct_debit_mandate_type, models.DirectDebitMandateType)
    account = check_str("receivingBankAccountNo", body.receiving_bank_account_no)
    if not account.strip():
        raise RequestValidationError("receivingBankAccountNo", "must not be empty or blank")
    account_class = body.sending_bank_account_class
    if account_class is not None and not isinstance(account_class, Unset):
        account_class = check_enum("sendingBankAccountClass", account_class, models.BankAccountClass)
    checked: models.DirectDebitMandateInput = _evolve(
        body, direct_debit_mandate_type=kind, sending_bank_account_class=account_class
    )
    return checked


def _evolve(model: M, **changes: Any) -> M:
    """``attrs.evolve``: attrs is loaded with the generated models (attrs classes), not with the client."""
    import attrs

    evolved: M = attrs.evolve(model, **changes)  # type: ignore[misc]
    return evolved


def parameters(body: Any) -> list[models.CustomerParameterInput]:
    """Parameters to add: a non-empty sequence of ``CustomerParameterInput``, each with a name."""
    if isinstance(body, models.CustomerParameterInput):
        body = [body]
    check_type("parameters", body, (list, tuple))
    items: Sequence[Any] = body
    if not items:
        raise RequestValidationError("parameters", "must hold at least one parameter")
    for index, item in enumerate(items):
        named = _model(f"parameters[{index}]", item, models.CustomerParameterInput)
        _named(f"parameters[{index}].name", named.name)
    return list(items)


def extra_field(body: Any) -> models.ExtraFieldInput:
    """An extra field to add: it needs a name, or it could never be read, changed or deleted."""
    field = _model("extra_field", body, models.ExtraFieldInput)
    _named("name", field.name)
    return field


def _named(field: str, name: Any) -> None:
    if isinstance(name, Unset) or name is None or not check_str(field, name).strip():
        raise RequestValidationError(field, "must be a non-empty name (it addresses the item later)")


@cache
def _to_wire() -> Any:
    from nordfin._core.spec import SpecIndex  # the spec machinery loads with the first client

    return odata.vocabulary(_property_names(SpecIndex.for_slug("aptic").spec.get("components", {})))


def _property_names(node: Any) -> Iterator[str]:
    """Every property name declared anywhere in the spec's components."""
    if isinstance(node, Mapping):
        properties = node.get("properties")
        if isinstance(properties, Mapping):
            yield from (str(name) for name in properties)
        for value in node.values():
            yield from _property_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _property_names(value)


def _wire_name(name: object) -> str:
    return str(_to_wire()(name))


class Field(odata.Field):
    """A property of Aptic's JSON to filter on: its wire name (``fullName``) or its snake_case
    spelling (``full_name``), which is mapped to the wire name; a name that is no property of
    the spec is refused (the gateway would silently match nothing)."""

    __slots__ = ()

    def __init__(self, name: str) -> None:
        self._init(name=_wire_name(name))  # in place of odata.Field's check
