"""Turning a caller's arguments into the generated models PayFunc expects, checked before sending.

The spec already refuses most bad values (``Session`` validates every request against it); what
is here is what the spec cannot say, or says too late to name the argument well: the three
shapes of ``items``, ``vat`` only with ``price``, a divisor pair ``a < b``, an ISO 4217 code,
a card expiry month, and a Swedish identity or organisation number (python-stdnum).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Required, TypedDict, TypeVar, Union

from nordfin._core.checked import checked
from nordfin._core.currency import check_currency
from nordfin._core.lazy import stdnum
from nordfin._core.validate import check_path_id, check_type
from nordfin.errors import RequestValidationError
from nordfin.payfunc import models
from nordfin_generated.unset import UNSET, Unset

__all__ = [
    "CustomerDict",
    "ItemDict",
    "ItemsInput",
    "LimitDict",
    "OrderEventsDict",
    "PaymentDict",
    "ScheduleDict",
    "ScheduleInput",
    "account_ref",
    "card_method",
    "currency",
    "customer",
    "from_dict",
    "identifier",
    "items",
    "limit",
    "schedule",
    "token_method",
]

M = TypeVar("M")


# The dict forms a caller may write instead of a generated model, keyed by PayFunc's wire names.
# Typed, so mypy catches a misspelled key; checked at run time too (nordfin._core.checked), so
# ``{"name": "x", "prise": 1}`` is refused by its key before anything is sent.


class ItemDict(TypedDict, total=False):
    """One line of a bill (every key optional; ``vat`` only together with ``price``)."""

    number: str
    name: str
    price: float
    quantity: float
    unit: str
    vat: float
    rebate: float


class LimitDict(TypedDict, total=False):
    """A credit limit with its parts."""

    hard: float
    soft: float
    margin: float


class DailyScheduleDict(TypedDict, total=False):
    frequency: Required[Literal["daily"]]
    divisor: float | list[float]


class WeeklyScheduleDict(TypedDict, total=False):
    frequency: Required[Literal["weekly"]]
    divisor: float | list[float]
    offset: int


class MonthlyScheduleDict(TypedDict, total=False):
    frequency: Required[Literal["monthly"]]
    divisor: float | list[float]
    offset: int


class PeriodScheduleDict(TypedDict, total=False):
    """A quarterly or yearly schedule: its offset may be ``[unit, day of month]``."""

    frequency: Required[Literal["quarterly", "yearly"]]
    divisor: float | list[float]
    offset: int | list[int]


#: A schedule as a dict, e.g. ``{"frequency": "quarterly", "offset": [2, -1]}``.
ScheduleDict = DailyScheduleDict | WeeklyScheduleDict | MonthlyScheduleDict | PeriodScheduleDict
FrequencyName = Literal["daily", "weekly", "monthly", "quarterly", "yearly"]
# The model aliases name their models as forward references (typing's ``Union``: strings cannot be
# joined with ``|``), read by the first call that checks them: importing the client loads no model.
ScheduleModel = Union[
    "models.Frequency",
    "models.DailySchedule",
    "models.WeeklySchedule",
    "models.MonthlySchedule",
    "models.QuarterlySchedule",
    "models.YearlySchedule",
]
#: What ``schedule=`` accepts: a frequency name, a generated schedule model, or a ``ScheduleDict``.
ScheduleInput = FrequencyName | ScheduleModel | ScheduleDict
#: What ``items=`` accepts: a positive amount, one item (model or ``ItemDict``) or a list of them.
ItemsInput = Union[int, float, "models.Item", ItemDict, Sequence[Union["models.Item", ItemDict]]]


class NameDict(TypedDict, total=False):
    first: str
    last: str


class AddressDict(TypedDict):
    street: str
    zipCode: str
    city: str
    countryCode: str


class AddressesDict(TypedDict, total=False):
    primary: Required[AddressDict]
    billing: AddressDict
    delivery: AddressDict
    visit: AddressDict


class EmailDict(TypedDict, total=False):
    primary: Required[str]
    billing: str


class PhoneDict(TypedDict, total=False):
    primary: Required[str]
    cellphone: str
    landline: str


class CustomerDict(TypedDict, total=False):
    """The account's customer (keys as PayFunc names them: ``identityNumber``)."""

    type: Literal["person", "organization"]
    identityNumber: str
    id: str
    number: str
    name: NameDict | str
    address: AddressDict | AddressesDict
    email: EmailDict | str
    phone: PhoneDict | str


class PaymentDict(TypedDict, total=False):
    """How an order is paid, e.g. ``{"type": "account", "account": account_id}``.

    Other payment types carry fields of their own: give a ``PaymentCreatable`` for those.
    """

    type: Required[Literal["account", "card", "defer", "direct", "installment", "invoice", "swish"]]
    account: str
    schedule: list[float]
    charge: Literal["auto", "balance"]
    currency: str
    descriptor: str


class EventDict(TypedDict, total=False):
    """One event on an order, optionally for some of its items."""

    type: Required[Literal["cancel", "charge", "refund"]]
    items: float | ItemDict | list[ItemDict]


class OrderEventsDict(TypedDict):
    """The events to add to one order: ``{"id": order_id, "event": [{"type": "charge"}]}``."""

    id: str
    event: list[EventDict]


_ID = re.compile(r"[A-Za-z0-9_-]+")
_SCHEDULES: dict[str, str] = {  # each frequency's schedule model, by name (loaded when used)
    "daily": "DailySchedule",
    "weekly": "WeeklySchedule",
    "monthly": "MonthlySchedule",
    "quarterly": "QuarterlySchedule",
    "yearly": "YearlySchedule",
}


def account_ref(account_id: str | None, audience: str | None) -> str:
    """The account in a path: the id, or ``me`` for the account of an account key."""
    if account_id is None:
        if audience == "account":
            return "me"
        raise RequestValidationError("account_id", "is required unless the client uses an account key")
    if account_id == "me" and audience not in (None, "account"):
        raise RequestValidationError("account_id", "'me' needs an account key; give the account's id")
    return identifier("account_id", account_id, 16) if account_id != "me" else account_id


def identifier(field: str, value: Any, length: int) -> str:
    """A PayFunc id: ``length`` characters of the base64url alphabet (16 for accounts and orders)."""
    text = check_path_id(field, value)
    if not _ID.fullmatch(text) or len(text) != length:
        raise RequestValidationError(field, f"must be {length} characters (letters, digits, '-' or '_')")
    return text


def currency(value: Any, field: str = "currency") -> str:
    """A 3-letter ISO 4217 code."""
    return check_currency(field, value)


def amount(value: Any, field: str) -> int | float:
    """A finite, strictly positive number (never a bool)."""
    check_type(field, value, (int, float))
    if not math.isfinite(value) or value <= 0:
        raise RequestValidationError(field, "must be a positive amount")
    return value  # type: ignore[no-any-return]


def items(value: Any, field: str = "items") -> float | models.Item | list[models.Item]:
    """``number | Item | Item[]`` exactly as given: a number stays a number, one item an object."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return amount(value, field)
    if isinstance(value, (models.Item, Mapping)):
        return item(value, field)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if not value:
            raise RequestValidationError(field, "must hold at least one item")
        return [item(one, f"{field}[{index}]") for index, one in enumerate(value)]
    raise RequestValidationError(field, "must be a positive amount, an Item or a list of Items")


def item(value: models.Item | Mapping[str, Any], field: str) -> models.Item:
    """One item, sent with exactly the fields given; ``vat`` is only allowed together with ``price``."""
    model = _given_quantity(value) if isinstance(value, models.Item) else from_dict(models.Item, value, field)
    if model.vat is not None and model.price is None:
        raise RequestValidationError(f"{field}.vat", "is only allowed together with price")
    return model


def _given_quantity(model: models.Item) -> models.Item:
    """The model's ``quantity`` defaults to the spec's 1; leave it out unless the caller changed it.

    The spec says an item without a quantity has one unit, so the server reads the same either
    way, and an ``Item(name=..., price=...)`` is sent like the dict ``{"name": ..., "price": ...}``.
    """
    import attrs  # loaded with the generated models, which are attrs classes

    if model.quantity != attrs.fields(models.Item).quantity.default:
        return model
    given = attrs.evolve(model, quantity=None)  # None is left out of the body
    given.additional_properties = dict(model.additional_properties)
    return given


def schedule(value: Any, field: str = "schedule") -> ScheduleModel:
    """A frequency or a schedule object; offsets are range-checked by the spec, the divisor here."""
    if isinstance(value, models.Frequency):
        return value
    if isinstance(value, str):
        if value not in _SCHEDULES:
            raise RequestValidationError(field, f"must be one of {', '.join(_SCHEDULES)}")
        return models.Frequency(value)
    if isinstance(value, Mapping):
        name = _SCHEDULES.get(value.get("frequency"))  # type: ignore[arg-type]
        if name is None:
            raise RequestValidationError(f"{field}.frequency", f"must be one of {', '.join(_SCHEDULES)}")
        value = from_dict(getattr(models, name), value, field)
    if not isinstance(
        value,
        (
            models.DailySchedule,
            models.WeeklySchedule,
            models.MonthlySchedule,
            models.QuarterlySchedule,
            models.YearlySchedule,
        ),
    ):
        raise RequestValidationError(field, "must be a frequency or a schedule")
    _check_divisor(value.divisor, f"{field}.divisor")
    _check_offset(value, f"{field}.offset")
    return value


def _check_divisor(divisor: Any, field: str) -> None:
    """The model allows ``[a, b]`` only with 0 < a < b, which JSON Schema cannot say."""
    pair = isinstance(divisor, list) and len(divisor) == 2 and all(_number(x) for x in divisor)
    if pair and not 0 < divisor[0] < divisor[1]:
        raise RequestValidationError(field, "a pair [a, b] needs 0 < a < b")


#: The model's offset ranges: (first unit's range, day-of-month range or None when no pair is allowed).
#: Keyed by the model's name (the models load when used).
_OFFSETS: dict[str, tuple[range, range | None]] = {
    "WeeklySchedule": (range(7), None),
    "MonthlySchedule": (range(-3, 31), None),
    "QuarterlySchedule": (range(3), range(-3, 31)),
    "YearlySchedule": (range(12), range(-3, 31)),
}


def _check_offset(value: Any, field: str) -> None:
    """Name the offset rule of the schedule's frequency (the spec's oneOf would only say "no match")."""
    offset = getattr(value, "offset", None)
    if offset is None:
        return
    first, day = _OFFSETS[type(value).__name__]
    if isinstance(offset, list) and day is not None and len(offset) == 2:
        ok = all(_integer(x) for x in offset) and offset[0] in first and offset[1] in day
    else:
        ok = _integer(offset) and offset in first
    if not ok:
        pair = f" or [{first.start}..{first.stop - 1}, {day.start}..{day.stop - 1}]" if day else ""
        raise RequestValidationError(
            field, f"must be {first.start}..{first.stop - 1}{pair} for {value.frequency}"
        )


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def limit(value: Any) -> float | models.LimitObject:
    """A credit limit: a number, or ``{hard, soft, margin}``."""
    if isinstance(value, models.LimitObject):
        return value
    if isinstance(value, Mapping):
        return from_dict(models.LimitObject, value, "limit")
    check_type("limit", value, (int, float))
    return value  # type: ignore[no-any-return]


def customer(value: models.Customer | Mapping[str, Any]) -> models.Customer:
    """A customer; a Swedish identity number must be a valid personnummer or organisation number."""
    model = value if isinstance(value, models.Customer) else from_dict(models.Customer, value, "customer")
    number = model.identity_number
    if isinstance(number, str) and not _valid_identity(number, str(model.type_)):
        raise RequestValidationError("customer.identityNumber", "is not a valid Swedish identity number")
    return model


def _valid_identity(number: str, kind: str) -> bool:
    organisation = stdnum("se.orgnr").is_valid(number[2:] if len(number) == 12 else number)
    person = stdnum("se.personnummer").is_valid(number)
    if kind == "person":
        return bool(person)
    return bool(organisation) if kind == "organization" else bool(person or organisation)


def token_method(card: Any) -> models.TokenMethodCreatable:
    """A tokenized card; the token is sent, never logged."""
    if not isinstance(card, str) or not card:
        raise RequestValidationError("card", "must be the card token (a non-empty str)")
    return models.TokenMethodCreatable(type_="token", card=card)


@checked
def card_method(
    *,
    scheme: str,
    iin: str,
    last4: str,
    expires: Sequence[int],
    reference: str,
    card: str | Unset = UNSET,
) -> models.CardMethodCreatable:
    """The card form of a method; the expiry is ``(month 1-12, two-digit year)``."""
    if not isinstance(expires, (list, tuple)) or len(expires) != 2:
        raise RequestValidationError("expires", "must be a pair (month, year)")
    month, year = expires
    if not _number(month) or not 1 <= month <= 12:
        raise RequestValidationError("expires.month", "must be 1 to 12")
    if scheme not in {s.value for s in models.CardScheme}:
        raise RequestValidationError("scheme", "is not a card scheme PayFunc knows")
    return models.CardMethodCreatable(
        type_="card",
        scheme=models.CardScheme(scheme),
        iin=iin,
        last4=last4,
        expires=[month, year],
        reference=reference,
        card=card,
    )


def from_dict(cls: type[M], value: Mapping[str, Any], field: str) -> M:
    """A generated model from a mapping; the spec check after this names what is wrong."""
    try:
        return cls.from_dict(dict(value))  # type: ignore[attr-defined,no-any-return]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise RequestValidationError(field, f"is not a valid {cls.__name__}") from None
