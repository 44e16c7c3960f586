"""The models of Goto's payment terms API, as generated from specs/goto/openapi.yaml."""

from typing import TYPE_CHECKING

from nordfin._core.lazy import lazy_exports
from nordfin_generated.unset import UNSET, Unset

if TYPE_CHECKING:
    from nordfin_generated.goto.models import (
        Error,
        PaymentTerm,
        PaymentTermCreate,
        PaymentTermsResponse,
        PaymentTermUpdate,
    )

__all__ = [
    "UNSET",
    "Error",
    "PaymentTerm",
    "PaymentTermCreate",
    "PaymentTermUpdate",
    "PaymentTermsResponse",
    "Unset",
]

if not TYPE_CHECKING:  # each model is imported on first use
    __getattr__, __dir__ = lazy_exports(__name__, __all__, "nordfin_generated.goto.models")
