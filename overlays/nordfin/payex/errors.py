"""PayEx's problems as exceptions.

PayEx answers every error as a problem (``application/problem+json``) whose ``Type`` is
``ledger/customer/v1/problems/<code>``. The exception raised is the class of that code below *and*
the status family of ``nordfin.errors`` (a 404 ``customer-not-found`` is both ``CustomerNotFound``
and ``NotFound``). Members are read in PascalCase, as PayEx documents them, or in camelCase.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from nordfin._core.errors import ProblemError, field_messages, parse_problem
from nordfin.errors import ApiError, VendorError

__all__ = [
    "CODES",
    "BillingAddressNotFound",
    "CustomerNotFound",
    "LegalAddressNotFound",
    "PayexForbidden",
    "PayexNotFound",
    "PayexProblem",
    "ValidationProblem",
    "parse_error",
]

PREFIX = "ledger/customer/v1/problems/"


class PayexProblem(ProblemError):
    """An error answer in PayEx's problem format; ``problem_type`` tells which problem it is
    (``ledger/customer/v1/problems/<code>``; members are matched in PascalCase or camelCase)."""

    #: What a 404 of this class says was missing.
    missing: str | None = None

    @property
    def problem_code(self) -> str | None:
        """The last part of ``Type``: ``validation``, ``customer-not-found``, ..."""
        kind = self.problem_type
        return kind.rsplit("/", 1)[-1] if kind else None

    @property
    def problems(self) -> dict[str, list[str]]:
        """``Problems``: each failed parameter with its validation messages (empty if none)."""
        return field_messages(self._member("problems"))


class ValidationProblem(PayexProblem):
    """``validation`` (400): an input failed validation; see ``problems`` for which."""


class PayexForbidden(PayexProblem):
    """``forbidden`` (403): access to the method is not allowed (e.g. an operation not agreed)."""


class PayexNotFound(PayexProblem):
    """``not-found`` (404): the resource was not found."""

    missing = "resource"


class CustomerNotFound(PayexNotFound):
    """``customer-not-found`` (404): no customer has this customer number."""

    missing = "customer"


class LegalAddressNotFound(PayexNotFound):
    """``legal-address-does-not-exists`` (404): the customer has no legal address."""

    missing = "legal address"


class BillingAddressNotFound(PayexNotFound):
    """``billing-address-does-not-exists`` (404): the customer has no billing address."""

    missing = "billing address"


_BY_CODE: dict[str, type[PayexProblem]] = {
    "validation": ValidationProblem,
    "forbidden": PayexForbidden,
    "not-found": PayexNotFound,
    "customer-not-found": CustomerNotFound,
    "legal-address-does-not-exists": LegalAddressNotFound,
    "billing-address-does-not-exists": BillingAddressNotFound,
}


class _ProblemClasses(Mapping[Any, type[ApiError]]):
    """Problem type -> class, matched on the code after ``problems/``: PayEx writes the type as a
    relative path, an absolute URL, or (in its own example) with ``{domain}`` in it."""

    def __getitem__(self, key: Any) -> type[ApiError]:
        if isinstance(key, str) and "problems/" in key:
            return _BY_CODE[key.rsplit("problems/", 1)[1].strip("/")]
        raise KeyError(key)

    def __iter__(self) -> Iterator[Any]:
        return iter(PREFIX + code for code in _BY_CODE)

    def __len__(self) -> int:
        return len(_BY_CODE)


CODES: Mapping[Any, type[ApiError]] = _ProblemClasses()


def parse_error(response: httpx.Response) -> VendorError | None:
    """Read PayEx's problem (PascalCase or camelCase); ``None`` when the body is not one."""
    problem = parse_problem(response)
    if problem is None:
        return None
    messages = field_messages(problem.details.get("Problems", problem.details.get("problems")))
    problem.field = next(iter(messages), None)
    return problem
