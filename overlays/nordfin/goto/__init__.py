"""Goto / Lagerkoll "capi" Payment terms API.

>>> from nordfin import goto
>>> client = goto.Client(store="...", api_key="...")          # doctest: +SKIP
>>> for term in client.payment_terms.list().payment_terms:    # doctest: +SKIP
...     print(term.code, term.description)
"""

from nordfin.goto import errors, models
from nordfin.goto._client import (
    ENVIRONMENTS,
    QUOTA,
    AsyncClient,
    AsyncPaymentTermsSync,
    Client,
    PaymentTermsSync,
)
from nordfin.goto.models import PaymentTerm, PaymentTermsResponse

__all__ = [
    "ENVIRONMENTS",
    "QUOTA",
    "AsyncClient",
    "AsyncPaymentTermsSync",
    "Client",
    "PaymentTerm",
    "PaymentTermsResponse",
    "PaymentTermsSync",
    "errors",
    "models",
]
