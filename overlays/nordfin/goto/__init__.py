"""Goto / Lagerkoll "capi" Payment terms API.

>>> from nordfin import goto
>>> client = goto.Client(store="...", api_key="...")          # doctest: +SKIP
>>> for term in client.payment_terms.list().payment_terms:    # doctest: +SKIP
...     print(term.code, term.description)
"""

from nordfin._core.provenance import spec_provenance
from nordfin.goto import errors, models
from nordfin.goto._async import AsyncClient, AsyncPaymentTermsSync
from nordfin.goto._plans import ENVIRONMENTS, QUOTA
from nordfin.goto._sync import Client, PaymentTermsSync
from nordfin.goto.models import PaymentTerm, PaymentTermsResponse

SPEC = spec_provenance("goto")  # the spec this module was generated from
SPEC_VERSION = SPEC.version  # its info.version
SPEC_SHA256 = SPEC.sha256  # the sha256 of the spec file

__all__ = [
    "ENVIRONMENTS",
    "QUOTA",
    "SPEC",
    "SPEC_SHA256",
    "SPEC_VERSION",
    "AsyncClient",
    "AsyncPaymentTermsSync",
    "Client",
    "PaymentTerm",
    "PaymentTermsResponse",
    "PaymentTermsSync",
    "errors",
    "models",
]
