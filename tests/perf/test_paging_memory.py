"""Iterating a long list holds one page at a time: when the next page is fetched, the previous one
is gone (CPython frees it at once: nothing may still refer to it). The bench reports the peak."""

from __future__ import annotations

import weakref
from operator import attrgetter

import pytest

from nordfin._core.pagination import AsyncPager, Pager
from nordfin.errors import ResponseValidationError


class Page:
    def __init__(self, number: int) -> None:
        self.number = number
        self.items = list(range(number * 10, number * 10 + 10))


def pager_kind(kind: type) -> object:
    previous: list[weakref.ref[Page]] = []

    def fetch(cursor: int) -> Page:
        assert all(ref() is None for ref in previous), "a previous page is still held during a fetch"
        page = Page(cursor)
        previous.append(weakref.ref(page))
        return page

    async def fetch_async(cursor: int) -> Page:
        return fetch(cursor)

    return kind(
        fetch if kind is Pager else fetch_async,
        first=0,
        items=lambda page: page.items,
        next_cursor=lambda page, cursor: cursor + 1 if cursor < 99 else None,
    )


def test_items_hold_one_page_at_a_time() -> None:
    pager = pager_kind(Pager)
    assert isinstance(pager, Pager)

    assert sum(1 for _ in pager) == 1000


def test_pages_hold_one_page_at_a_time() -> None:
    pager = pager_kind(Pager)
    assert isinstance(pager, Pager)

    # map keeps no page once it has read its number (a `for page in ...` loop variable would)
    assert max(map(attrgetter("number"), pager.pages())) == 99


@pytest.mark.asyncio
async def test_async_items_hold_one_page_at_a_time() -> None:
    pager = pager_kind(AsyncPager)
    assert isinstance(pager, AsyncPager)

    assert len([item async for item in pager]) == 1000


@pytest.mark.parametrize("circle", [3, 7, 100])
def test_a_longer_circle_is_caught_within_a_few_times_its_length(circle: int) -> None:
    fetched: list[int] = []

    def fetch(cursor: int) -> Page:
        fetched.append(cursor)
        return Page(cursor)

    # 0, 1, ..., 4, then round 5 .. 5 + circle - 1 forever
    def following(page: Page, cursor: int) -> int:
        return cursor + 1 if cursor + 1 < 5 + circle else 5

    with pytest.raises(ResponseValidationError, match="did not advance"):
        sum(1 for _ in Pager(fetch, first=0, items=lambda page: page.items, next_cursor=following))
    assert len(fetched) <= 2 * (5 + circle) + circle  # Brent: a power of two past the start, then the circle
