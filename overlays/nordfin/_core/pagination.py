"""One lazy iterator over every page of a list, for every API.

An overlay says how to fetch a page for a cursor, which items a page holds, and which cursor comes
next (``None``: this was the last page); :class:`Pager` and :class:`AsyncPager` do the walking.
A cursor is whatever the API uses: a page number, an offset, a continuation token, a URL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Generic, TypeVar

from nordfin.errors import ResponseValidationError

__all__ = ["AsyncPager", "Pager"]

P = TypeVar("P")
C = TypeVar("C")
I = TypeVar("I")  # noqa: E741


class _Cursors(Generic[C]):
    """Stops a server that sends us round in a circle, in constant memory (a walk of a million
    pages must not keep a million cursors).

    The same cursor again, or the first one, is refused at once; any longer circle is caught within
    three times its length (plus the pages before it) by Brent's method: one remembered cursor,
    moved at every power of two.
    Only ``==`` is used, so cursors need not be hashable.
    """

    def __init__(self, first: C) -> None:
        self._first = self._last = self._mark = first
        self._steps, self._power = 0, 1

    def advance(self, cursor: C) -> C:
        if cursor == self._last or cursor == self._first or cursor == self._mark:
            raise ResponseValidationError(
                operation="pagination", status=200, problems=["next page cursor did not advance"]
            )
        self._steps += 1
        if self._steps == self._power:
            self._mark, self._power, self._steps = cursor, self._power * 2, 0
        self._last = cursor
        return cursor


class Pager(Generic[P, C, I]):
    """Iterates over the items of every page, fetching each page only when it is reached.

    Nothing is fetched before iteration starts; each new iteration starts again from ``first``
    (which may be ``None``, e.g. "no continuation token yet": the first page is always fetched).
    The walk ends when ``next_cursor(page, cursor)`` returns ``None``.
    A server that sends the walk round in a circle raises :class:`nordfin.errors.ResponseValidationError`.
    """

    def __init__(
        self,
        fetch: Callable[[C], P],
        *,
        first: C,
        items: Callable[[P], Iterable[I]],
        next_cursor: Callable[[P, C], C | None],
    ) -> None:
        self._fetch = fetch
        self._first = first
        self._items = items
        self._next_cursor = next_cursor

    def pages(self) -> Iterator[P]:
        """The pages themselves, one fetch each."""
        cursor, cursors = self._first, _Cursors(self._first)
        while True:
            page = self._fetch(cursor)
            yield page
            following = self._next_cursor(page, cursor)
            del page  # the next fetch must not find this page still held: one page in memory at a time
            if following is None:
                return
            cursor = cursors.advance(following)

    def __iter__(self) -> Iterator[I]:
        for page in self.pages():
            items = self._items(page)
            del page  # (see pages)
            yield from items
            del items

    def __repr__(self) -> str:
        return f"{type(self).__name__}(first={self._first!r})"


class AsyncPager(Generic[P, C, I]):
    """:class:`Pager` for coroutines: ``async for item in pager`` and ``async for page in pager.pages()``."""

    def __init__(
        self,
        fetch: Callable[[C], Awaitable[P]],
        *,
        first: C,
        items: Callable[[P], Iterable[I]],
        next_cursor: Callable[[P, C], C | None],
    ) -> None:
        self._fetch = fetch
        self._first = first
        self._items = items
        self._next_cursor = next_cursor

    async def pages(self) -> AsyncIterator[P]:
        """The pages themselves, one fetch each."""
        cursor, cursors = self._first, _Cursors(self._first)
        while True:
            page = await self._fetch(cursor)
            yield page
            following = self._next_cursor(page, cursor)
            del page  # one page in memory at a time (see Pager.pages)
            if following is None:
                return
            cursor = cursors.advance(following)

    async def _all_items(self) -> AsyncIterator[I]:
        async for page in self.pages():
            items = self._items(page)
            del page
            for item in items:
                yield item
            del items

    def __aiter__(self) -> AsyncIterator[I]:
        return self._all_items()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(first={self._first!r})"
