"""nordfin: typed clients, fakes and contract tests for Nordic finance APIs.

One module per API, named by its slug: ``nordfin.goto``, ``nordfin.payex``, ``nordfin.payfunc``,
``nordfin.aptic``, ``nordfin.permanad``. Errors are in
``nordfin.errors``; fakes for your own tests in ``nordfin.testing``. The settings every client
takes are here: ``RetryPolicy``, ``RateLimiter``, ``ClientCert``, ``Secret``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from nordfin._version import __version__

if TYPE_CHECKING:
    from nordfin._core.ratelimit import RateLimiter
    from nordfin._core.redact import Secret
    from nordfin._core.retry import RetryPolicy
    from nordfin._core.transport import ClientCert

__all__ = ["ClientCert", "RateLimiter", "RetryPolicy", "Secret", "__version__"]

# Loaded on first use, so `import nordfin` costs nothing and a client loads only what it needs.
_LAZY = {
    "ClientCert": "nordfin._core.transport",
    "RateLimiter": "nordfin._core.ratelimit",
    "RetryPolicy": "nordfin._core.retry",
    "Secret": "nordfin._core.redact",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nordfin' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup finds it without coming here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
