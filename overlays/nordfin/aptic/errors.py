"""Aptic's error answers as exceptions.

Aptic answers errors as RFC 7807 problem details (``type``, ``title``, ``status``, ``detail``,
``instance``) with extension members. Every error answer raises :class:`ApticProblem` combined
with its status family of ``nordfin.errors`` (a 404 is both ``ApticProblem`` and ``NotFound``);
the extension members are kept in ``extensions``, and ASP.NET's per-field ``errors`` in ``errors``.
The vendor documents no problem types, so there is no class per type.
"""

from __future__ import annotations

import httpx

from nordfin._core.errors import ProblemError, field_messages, parse_problem
from nordfin.errors import VendorError

__all__ = ["ApticProblem", "parse_error"]


class ApticProblem(ProblemError):
    """An error answer of the Aptic API Gateway: ``problem_type``, ``title``, ``detail``,
    ``instance``, ``extensions`` (every other member), ``trace_id`` and ``errors``."""

    @property
    def trace_id(self) -> str | None:
        """``traceId`` (ASP.NET's extension): quote it to Aptic's support."""
        value = self.extensions.get("traceId")
        return value if isinstance(value, str) else None

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
