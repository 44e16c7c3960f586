"""The inference ledger: what the traffic said about each guess in the spec.

Every node of a spec that carries ``x-nordfin-inferred`` is a guess. After a run, each is
``confirmed`` (the traffic went through it and nothing there disagreed), ``contradicted`` (a
finding points at it or inside it; the findings are its evidence) or ``unexercised`` (nothing
went through it). Guesses are keyed by their JSON pointer into the spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from nordfin.verify.check import Finding, escape

__all__ = ["CONFIRMED", "CONTRADICTED", "UNEXERCISED", "Inference", "inferences", "ledger"]

CONFIRMED = "confirmed"
CONTRADICTED = "contradicted"
UNEXERCISED = "unexercised"


@attrs.frozen
class Inference:
    """One ``x-nordfin-inferred`` marker and its verdict."""

    pointer: str
    reason: str
    verdict: str = UNEXERCISED
    evidence: tuple[Finding, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The inference as JSON data, spelt as in the report."""
        return {
            "pointer": self.pointer,
            "reason": self.reason,
            "verdict": self.verdict,
            "evidence": [
                {
                    "kind": f.kind,
                    "operationId": f.operation_id,
                    "status": f.status,
                    "pointer": f.pointer,
                    "message": f.message,
                }
                for f in self.evidence
            ],
        }


def inferences(spec: Any) -> list[Inference]:
    """Every marker of ``spec``, in document order."""
    return [Inference(pointer, reason) for pointer, reason in _markers(spec, "")]


def _markers(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        reason = node.get("x-nordfin-inferred")
        if isinstance(reason, str):
            yield pointer, " ".join(reason.split())
        for key, value in node.items():
            yield from _markers(value, f"{pointer}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _markers(value, f"{pointer}/{index}")


def _within(pointer: str, marker: str) -> bool:
    return pointer == marker or pointer.startswith(marker + "/")


def ledger(spec: Any, visited: Iterable[str], findings: Iterable[Finding]) -> list[Inference]:
    """Each marker of ``spec`` with its verdict, given the visited nodes and the findings."""
    seen = set(visited)
    found = list(findings)
    result = []
    for inference in inferences(spec):
        marker = inference.pointer
        evidence = tuple(f for f in found if any(_within(p, marker) for p in (f.spec_location, *f.also)))
        if evidence:
            result.append(attrs.evolve(inference, verdict=CONTRADICTED, evidence=evidence))
        elif any(_within(p, marker) for p in seen):
            result.append(attrs.evolve(inference, verdict=CONFIRMED))
        else:
            result.append(inference)
    return result
