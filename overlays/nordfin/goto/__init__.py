"""Goto / Lagerkoll "capi" Payment terms API.

>>> from nordfin import goto
>>> client = goto.Client(store="...", api_key="...")          # doctest: +SKIP
>>> for term in client.payment_terms.list().payment_terms:    # doctest: +SKIP
...     print(term.code, term.description)
"""

from typing import TYPE_CHECKING

from nordfin._core.lazy import api_exports
from nordfin.goto import errors, models
from nordfin.goto._plans import ENVIRONMENTS, QUOTA
from nordfin.goto._sync import Client, PaymentTermsSync

if TYPE_CHECKING:
    from nordfin._core.provenance import SpecProvenance
    from nordfin.goto._async import AsyncClient, AsyncPaymentTermsSync
    from nordfin.goto.models import PaymentTerm, PaymentTermsResponse

    # read on first use, like the models
    SPEC: SpecProvenance  # the spec this module was generated from
    SPEC_VERSION: str  # its info.version
    SPEC_SHA256: str  # the sha256 of the spec file

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

if not TYPE_CHECKING:  # the models, the async client and the spec's provenance: on first use
    __getattr__, __dir__ = api_exports(__name__, __all__)
