"""asyncio, loaded only when an async client first needs it: a sync-only program never imports it."""

from __future__ import annotations

__all__ = ["sleep"]


async def sleep(seconds: float) -> None:
    """``asyncio.sleep``; the default wait of the async rate limiter, retry and polling."""
    import asyncio

    await asyncio.sleep(seconds)
