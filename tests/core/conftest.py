"""Fixtures shared by the ``_core`` tests: a fake clock and sleeps that only move it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

import pytest


class FakeClock:
    """A clock that only moves when told to; safe to read and move from several threads."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps() -> list[float]:
    """Every delay passed to ``sleep`` or ``async_sleep``, in order."""
    return []


@pytest.fixture
def sleep(clock: FakeClock, sleeps: list[float]) -> Callable[[float], None]:
    """A ``time.sleep`` stand-in: records the delay and moves the fake clock, instantly."""

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)

    return fake_sleep


@pytest.fixture
def async_sleep(clock: FakeClock, sleeps: list[float]) -> Callable[[float], Awaitable[None]]:
    """An ``asyncio.sleep`` stand-in: records, moves the fake clock, and yields to other tasks."""

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)
        await asyncio.sleep(0)

    return fake_sleep
