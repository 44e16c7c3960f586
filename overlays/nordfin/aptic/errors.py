"""Aptic's error answers as exceptions.

Aptic answers errors as RFC 7807 problem details (``type``, ``title``, ``status``, ``detail``,
``instance``) with extension members. Every error answer raises :class:`ApticProblem` combined
with its status family of ``nordfin.errors`` (a 404 is both ``ApticProblem`` and ``NotFound``);
the extension members are kept in ``extensions``, and ASP.NET's per-field ``errors`` in ``errors``.
The vendor documents no problem types, so there is no class per type.
"""

from __future__ import annotations

from typing import Any

import httpx

from nordfin._core.errors import parse_problem
from nordfin.errors import ApiError, VendorError

__all__ = ["ApticProblem", "parse_error"]


class ApticProblem(ApiError):
    """An error answer of the Aptic API Gateway, read as problem details."""

    def _member(self, name: str) -> Any:
        data = self.vendor.data
        return data.get(name) if isinstance(data, dict) else None

    @property
    def problem_type(self) -> str | None:
        """``type``: a URI naming the kind of problem."""
        return _text(self._member("type"))

    @property
    def title(self) -> str | None:
        """``title``: a short human summary."""
        return _text(self._member("title"))

    @property
    def detail(self) -> str | None:
        """``detail``: a human explanation of this occurrence."""
        return _text(self._member("detail"))

    @property
    def instance(self) -> str | None:
        """``instance``: a URI naming this occurrence."""
        return _text(self._member("instance"))

    @property
    def trace_id(self) -> str | None:
        """``traceId`` (ASP.NET's extension): quote it to Aptic's support."""
        return _text(self.extensions.get("traceId"))

    @property
    def extensions(self) -> dict[str, Any]:
        """Every member beyond the five of RFC 7807, as the server sent them."""
        details = self.vendor.details
        return dict(details) if isinstance(details, dict) else {}

    @property
    def errors(self) -> dict[str, list[str]]:
        """``errors``: each field the server refused with its messages (empty if none)."""
        return field_messages(self.extensions.get("errors"))


def parse_error(response: httpx.Response) -> VendorError | None:
    """Read a problem; ``None`` when the body is not one (an HTML page from a proxy)."""
    problem = parse_problem(response)
    if problem is None:
        return None
    problem.field = next(iter(field_messages(problem.details.get("errors"))), None)
    return problem


def field_messages(value: Any) -> dict[str, list[str]]:
    """ASP.NET's ``errors`` (field -> messages) as a map of strings; anything else gives ``{}``."""
    if not isinstance(value, dict):
        return {}
    found: dict[str, list[str]] = {}
    for key, messages in value.items():
        texts = messages if isinstance(messages, list) else [messages]
        found[str(key)] = [text for text in texts if isinstance(text, str)]
    return found


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
