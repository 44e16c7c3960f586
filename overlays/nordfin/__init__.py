"""nordfin: typed clients, fakes and contract tests for Nordic finance APIs.

One module per API, named by its slug: ``nordfin.goto``, ``nordfin.payex``, ``nordfin.payfunc``,
``nordfin.aptic``, ``nordfin.permanad``. Errors are in
``nordfin.errors``; fakes for your own tests in ``nordfin.testing``. The settings every client
takes are here: ``RetryPolicy``, ``RateLimiter``, ``ClientCert``, ``Secret``.
"""

from nordfin._core.ratelimit import RateLimiter
from nordfin._core.redact import Secret
from nordfin._core.retry import RetryPolicy
from nordfin._core.transport import ClientCert
from nordfin._version import __version__

__all__ = ["ClientCert", "RateLimiter", "RetryPolicy", "Secret", "__version__"]
