"""Where an OAuth2 client keeps its token beyond its own memory: nowhere (the default), or a store
shared by a fleet (``nordfin._core.fleet.RedisTokenStore``, through ``token_cache="redis://..."``).

A store is entered around a token fetch: :meth:`TokenStore.hold` takes the fleet's fetch lock and
reads the token another process may have stored; the holder either adopts that token or fetches
one and ``keep``s it, and the store writes it when the block ends. Only a token and its remaining
lifetime are ever handed to a store, never a client secret.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from typing import Protocol

from nordfin._core.redact import Secret

__all__ = ["LOCAL", "MAX_SHARED_LIFETIME", "SharedToken", "TokenStore", "token_store"]

#: A token without ``expires_in`` is shared for at most a day (every key must expire).
MAX_SHARED_LIFETIME = 86_400.0


class SharedToken:
    """What a store found (``token`` with ``ttl`` seconds left, or None) and what to store (``kept``)."""

    __slots__ = ("kept", "token", "ttl")

    def __init__(self, token: Secret | None = None, ttl: float | None = None) -> None:
        self.token, self.ttl = token, ttl
        self.kept: tuple[Secret, float] | None = None

    @classmethod
    def found(cls, value: str | None, ttl: float | None, stale: Secret | None) -> SharedToken:
        """The slot for a stored ``value``; empty when there is none or it is the ``stale`` one."""
        if value is None or ttl is None or (stale is not None and stale.reveal() == value):
            return cls()
        return cls(Secret(value), ttl)

    def keep(self, token: Secret, seconds: float) -> None:
        """Store ``token`` for ``seconds`` (capped at :data:`MAX_SHARED_LIFETIME`) when the hold ends."""
        if seconds > 0:
            self.kept = (
                token,
                min(seconds, MAX_SHARED_LIFETIME) if math.isfinite(seconds) else MAX_SHARED_LIFETIME,
            )


class TokenStore(Protocol):
    """A place for one token per ``identity`` (a string naming token URL, client and scope)."""

    def hold(self, identity: str, stale: Secret | None) -> AbstractContextManager[SharedToken]: ...

    def ahold(self, identity: str, stale: Secret | None) -> AbstractAsyncContextManager[SharedToken]: ...


class _Local:
    """No store beyond the client's own memory: nothing found, nothing kept."""

    def __repr__(self) -> str:
        return "LOCAL"

    @contextmanager
    def hold(self, identity: str, stale: Secret | None) -> Iterator[SharedToken]:
        yield SharedToken()

    @asynccontextmanager
    async def ahold(self, identity: str, stale: Secret | None) -> AsyncIterator[SharedToken]:
        yield SharedToken()


LOCAL: TokenStore = _Local()


def token_store(setting: object) -> TokenStore:
    """A client's ``token_cache=`` setting: None (the process's own memory), a ``redis://`` URL,
    or a :class:`TokenStore`. Raises ``ValueError`` for anything else.
    """
    if setting is None:
        return LOCAL
    if isinstance(setting, str):
        from nordfin._core.fleet import RedisTokenStore  # redis is optional: imported only here

        return RedisTokenStore(setting)
    if callable(getattr(setting, "hold", None)) and callable(getattr(setting, "ahold", None)):
        return setting  # type: ignore[return-value]
    raise ValueError("token_cache must be None or a redis:// URL")
