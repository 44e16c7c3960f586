"""The report of a verification run: JSON, Markdown for a pull request, an OpenAPI Overlay.

Nothing here repeats a value from the traffic: findings name members, statuses and media types,
and URLs are redacted before they reach a report.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs

from nordfin.verify.check import Finding
from nordfin.verify.ledger import CONFIRMED, CONTRADICTED, UNEXERCISED, Inference

__all__ = ["Report"]

_LOCAL_NOTE = (
    "The server answered from this machine (a fake, a stub or a proxy): its agreement with the spec "
    "confirms nothing about the vendor. The verdicts below describe this server only."
)


@attrs.define
class Report:
    """What one run found; :meth:`agrees` decides the exit status."""

    api: str
    mode: str
    base_url: str
    local: bool
    findings: list[Finding]
    inferences: list[Inference]
    requests: int = 0
    checked: int = 0
    outside: list[str] = attrs.field(factory=list)
    operations: dict[str, list[str]] = attrs.field(factory=dict)
    cleaned: list[str] = attrs.field(factory=list)
    left_over: list[str] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    duration_s: float = 0.0

    def agrees(self) -> bool:
        """True when no exchange disagreed with the spec."""
        return not self.findings

    def verdicts(self) -> Counter[str]:
        """How many inferences got each verdict."""
        return Counter(i.verdict for i in self.inferences)

    def verdict_counts(self) -> str:
        """``"3 confirmed, 1 contradicted, 15 unexercised"``."""
        verdicts = self.verdicts()
        return ", ".join(f"{verdicts.get(v, 0)} {v}" for v in (CONFIRMED, CONTRADICTED, UNEXERCISED))

    # --- JSON -----------------------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """The JSON report: ``findings`` and ``inferences`` and what the run did."""
        notes = ([_LOCAL_NOTE] if self.local else []) + self.notes
        return {
            "api": self.api,
            "mode": self.mode,
            "baseUrl": self.base_url,
            "agrees": self.agrees(),
            "requests": self.requests,
            "checked": self.checked,
            "durationSeconds": round(self.duration_s, 3),
            "notes": notes,
            "findings": [f.as_dict() for f in self.findings],
            "inferences": [i.as_dict() for i in self.inferences],
            "verdicts": {v: self.verdicts().get(v, 0) for v in (CONFIRMED, CONTRADICTED, UNEXERCISED)},
            "operations": self.operations,
            "outsideSpec": self.outside,
            "cleanup": {"removed": self.cleaned, "leftOver": self.left_over},
        }

    # --- Markdown -------------------------------------------------------------------------------

    def markdown(self) -> str:
        """The report as Markdown, ready to paste into a pull request."""
        status = (
            "agrees with the spec"
            if self.agrees()
            else f"disagrees with the spec ({len(self.findings)} findings)"
        )
        lines = [
            f"## `{self.api}` verified against `{self.base_url}`: {status}",
            "",
            f"Mode: **{self.mode}**; {self.requests} requests, {self.checked} answers checked"
            f" against `specs/{self.api}/openapi.yaml` in {self.duration_s:.1f} s.",
            f"Inferences: {self.verdict_counts()}.",
            "",
        ]
        if self.local:
            lines += [f"> **Note.** {_LOCAL_NOTE}", ""]
        lines += [f"> {note}" for note in self.notes] + ([""] if self.notes else [])
        lines += self._findings_table() + self._inference_tables() + self._coverage()
        return "\n".join(lines).rstrip() + "\n"

    def _findings_table(self) -> list[str]:
        if not self.findings:
            return ["### Findings", "", "None: every answer matched the spec.", ""]
        rows = [
            "### Findings",
            "",
            "| kind | operation | status | body pointer | spec location | what was seen | suggestion |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in self.findings:
            rows.append(
                f"| {f.kind} | `{f.method} {f.operation_id}` | {f.status} | `{f.pointer or '/'}` "
                f"| `{f.spec_location}` | {_cell(f.message)} | {_cell(f.suggestion)} |"
            )
        return [*rows, ""]

    def _inference_tables(self) -> list[str]:
        lines: list[str] = []
        contradicted = [i for i in self.inferences if i.verdict == CONTRADICTED]
        confirmed = [i for i in self.inferences if i.verdict == CONFIRMED]
        if contradicted:
            lines += [
                "### Inferences contradicted",
                "",
                "| spec pointer | the guess | evidence |",
                "|---|---|---|",
            ]
            for i in contradicted:
                evidence = "; ".join(
                    f"{f.kind} in {f.operation_id} ({f.status}) at `{f.pointer or '/'}`" for f in i.evidence
                )
                lines.append(f"| `{i.pointer}` | {_cell(_short(i.reason))} | {_cell(evidence)} |")
            lines.append("")
        if confirmed:
            lines += ["### Inferences confirmed", "", "| spec pointer | the guess |", "|---|---|"]
            lines += [f"| `{i.pointer}` | {_cell(_short(i.reason))} |" for i in confirmed]
            lines.append("")
        unexercised = [i.pointer for i in self.inferences if i.verdict == UNEXERCISED]
        if unexercised:
            lines += [
                f"<details><summary>{len(unexercised)} inferences unexercised</summary>",
                "",
                *[f"- `{p}`" for p in unexercised],
                "",
                "</details>",
                "",
            ]
        return lines

    def _coverage(self) -> list[str]:
        lines = []
        exercised = self.operations.get("exercised", [])
        unexercised = self.operations.get("unexercised", [])
        if exercised or unexercised:
            lines += [
                f"Operations exercised: {len(exercised)} of {len(exercised) + len(unexercised)}"
                + (f" (not: {', '.join(unexercised)})" if unexercised else "")
                + ".",
                "",
            ]
        if self.outside:
            lines += [f"Requests outside the spec (not checked): {', '.join(sorted(set(self.outside)))}.", ""]
        if self.cleaned or self.left_over:
            lines += [f"Cleaned up: {', '.join(self.cleaned) or 'nothing'}."]
            if self.left_over:
                lines += [f"**Could not clean up** (remove by hand): {', '.join(self.left_over)}."]
            lines.append("")
        return lines

    # --- OpenAPI Overlay ------------------------------------------------------------------------

    def overlay(self) -> dict[str, Any]:
        """The contradictions as an OpenAPI Overlay 1.0 document, for a maintainer to review and apply."""
        actions = []
        for f in self.findings:
            action: dict[str, Any] = {
                "target": _jsonpath(_target_of(f)),
                "description": f"{f.kind} in {f.operation_id} ({f.status}): {f.message}. {f.suggestion}.",
            }
            action["update"] = _update_for(f)
            actions.append(action)
        return {
            "overlay": "1.0.0",
            "info": {"title": f"Observed by nordfin.verify on {self.api}", "version": "1.0.0"},
            "extends": f"specs/{self.api}/openapi.yaml",
            "actions": actions,
        }


def _target_of(finding: Finding) -> str:
    if finding.kind == "missing-member" and finding.spec_location.endswith("/required"):
        return finding.spec_location.rsplit("/", 1)[0]
    if finding.kind == "missing-member":
        return finding.spec_location.rsplit("/properties/", 1)[0]
    return finding.spec_location


def _update_for(finding: Finding) -> dict[str, Any]:
    observed = {"x-nordfin-observed": f"{finding.kind}: {finding.message}"}
    name = finding.pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    if finding.kind == "undocumented-status":
        return {str(finding.status): {"description": "Observed in traffic; document it.", **observed}}
    if finding.kind == "undocumented-member":
        return {
            "properties": {name: {"x-nordfin-inferred": "Observed in traffic; not in the vendor's text."}}
        }
    return observed


def _jsonpath(pointer: str) -> str:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    return "$" + "".join(f"[{p}]" if p.isdigit() else "['" + p.replace("'", "\\'") + "']" for p in parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
