"""The models of Goto's payment terms API, as generated from specs/goto/openapi.yaml."""

from nordfin_generated.goto.models import (
    Error,
    PaymentTerm,
    PaymentTermCreate,
    PaymentTermsResponse,
    PaymentTermUpdate,
)
from nordfin_generated.goto.types import UNSET, Unset

__all__ = [
    "UNSET",
    "Error",
    "PaymentTerm",
    "PaymentTermCreate",
    "PaymentTermUpdate",
    "PaymentTermsResponse",
    "Unset",
]
