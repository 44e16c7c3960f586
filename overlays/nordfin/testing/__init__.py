"""Stateful in-memory fakes of the APIs, for your own tests and for tools that need a server.

Each API has one fake, named by its slug: ``nordfin.testing.goto.FakeGoto``. A fake is an httpx
transport (pass it as ``transport=``), checks credentials, validates every request against the
API's spec, keeps state, answers in the vendor's error format and enforces the vendor's rate
limit on an injectable clock. ``fake.serve()`` runs it on a loopback port;
``python -m nordfin.testing <slug>`` does the same from a shell.

Needs the ``nordfin[testing]`` extra (pydantic).
"""

from __future__ import annotations

import importlib
from typing import Any

from nordfin.testing._fake import Call, FakeApi, FakeError, ModelMismatch, operation

__all__ = ["FAKES", "Call", "FakeApi", "FakeError", "ModelMismatch", "fake_for", "operation"]

#: slug -> "module:Class" of its fake, imported on first use.
FAKES: dict[str, str] = {
    "aptic": "nordfin.testing.aptic:FakeAptic",
    "goto": "nordfin.testing.goto:FakeGoto",
    "payex": "nordfin.testing.payex:FakePayex",
    "payfunc": "nordfin.testing.payfunc:FakePayFunc",
    "permanad": "nordfin.testing.permanad:FakePermanad",
}


def fake_for(slug: str, **kwargs: Any) -> FakeApi:
    """A new fake of the API ``slug``, built with ``kwargs`` (e.g. ``clock=``)."""
    try:
        module, _, name = FAKES[slug].partition(":")
    except KeyError:
        raise KeyError(f"no fake for {slug!r}; known: {sorted(FAKES)}") from None
    cls: type[FakeApi] = getattr(importlib.import_module(module), name)
    return cls(**kwargs)
