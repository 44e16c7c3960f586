"""Goto's credentials, checked before anything is sent (the spec cannot say "one of two ways")."""

from __future__ import annotations

import httpx

from nordfin._core.auth import HeaderKeysAuth
from nordfin._core.validate import check_header_value
from nordfin.errors import RequestValidationError

__all__ = ["credentials"]


def credentials(store: str, api_key: str | None, user_id: str | None, user_token: str | None) -> httpx.Auth:
    """The headers of one of Goto's two ways to authenticate, checked before anything is sent."""
    check_header_value("store", store)
    if api_key is not None and (user_id is not None or user_token is not None):
        raise RequestValidationError("api_key", "give either api_key or user_id and user_token, not both")
    if api_key is not None:
        return HeaderKeysAuth({"store": store, "api_key": check_header_value("api_key", api_key)})
    if user_id is None or user_token is None:
        raise RequestValidationError("api_key", "give api_key, or user_id together with user_token")
    return HeaderKeysAuth(
        {
            "store": store,
            "user_id": check_header_value("user_id", user_id),
            "user_token": check_header_value("user_token", user_token),
        }
    )
