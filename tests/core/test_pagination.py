from __future__ import annotations

from itertools import islice
from typing import Any

import pytest

from nordfin._core.pagination import AsyncPager, Pager
from nordfin.errors import ResponseValidationError

# Three pages of a page-numbered list: page n holds its items and says whether more follow.
PAGES: dict[int, dict[str, Any]] = {
    1: {"items": ["a", "b"], "more": True},
    2: {"items": ["c"], "more": True},
    3: {"items": ["d", "e"], "more": False},
}


class Api:
    """Serves ``pages`` by cursor and counts the fetches."""

    def __init__(self, pages: dict[Any, dict[str, Any]] | None = None) -> None:
        self.pages = PAGES if pages is None else pages
        self.fetched: list[Any] = []

    def fetch(self, cursor: Any) -> dict[str, Any]:
        self.fetched.append(cursor)
        return self.pages[cursor]

    async def fetch_async(self, cursor: Any) -> dict[str, Any]:
        return self.fetch(cursor)


def items(page: dict[str, Any]) -> list[Any]:
    return list(page["items"])


def next_page(page: dict[str, Any], cursor: int) -> int | None:
    return cursor + 1 if page["more"] else None


def pager(api: Api, next_cursor: Any = next_page, first: Any = 1) -> Pager[dict[str, Any], Any, str]:
    return Pager(api.fetch, first=first, items=items, next_cursor=next_cursor)


def async_pager(
    api: Api, next_cursor: Any = next_page, first: Any = 1
) -> AsyncPager[dict[str, Any], Any, str]:
    return AsyncPager(api.fetch_async, first=first, items=items, next_cursor=next_cursor)


def test_items_across_all_pages() -> None:
    api = Api()
    assert list(pager(api)) == ["a", "b", "c", "d", "e"]
    assert api.fetched == [1, 2, 3]


def test_nothing_is_fetched_before_iteration_and_only_what_is_needed() -> None:
    api = Api()
    walk = pager(api)
    assert api.fetched == []
    assert list(islice(walk, 3)) == ["a", "b", "c"]
    assert api.fetched == [1, 2]


def test_pages_yields_the_pages() -> None:
    assert list(pager(Api()).pages()) == [PAGES[1], PAGES[2], PAGES[3]]


def test_each_iteration_starts_again_from_first() -> None:
    api = Api()
    walk = pager(api)
    assert list(walk) == list(walk)
    assert api.fetched == [1, 2, 3, 1, 2, 3]


def test_empty_list_is_one_fetch() -> None:
    api = Api({0: {"items": [], "more": False}})
    assert list(pager(api, first=0)) == []
    assert api.fetched == [0]


def test_next_cursor_sees_the_page_and_its_cursor() -> None:
    seen: list[tuple[Any, Any]] = []

    def spy(page: dict[str, Any], cursor: int) -> int | None:
        seen.append((page["items"], cursor))
        return next_page(page, cursor)

    list(pager(Api(), next_cursor=spy))
    assert seen == [(["a", "b"], 1), (["c"], 2), (["d", "e"], 3)]


def test_token_cursors() -> None:
    api = Api({None: {"items": [1], "next": "t1"}, "t1": {"items": [2], "next": None}})
    walk = Pager(api.fetch, first=None, items=items, next_cursor=lambda page, _: page["next"])
    assert list(walk) == [1, 2]


@pytest.mark.parametrize(
    "next_cursor",
    [
        lambda page, cursor: cursor,  # the same cursor forever
        lambda page, cursor: 1 if cursor == 2 else 2,  # round in a circle: 1, 2, 1, ...
    ],
)
def test_a_cursor_that_does_not_advance_is_refused(next_cursor: Any) -> None:
    api = Api({1: {"items": ["a"]}, 2: {"items": ["b"]}})
    with pytest.raises(ResponseValidationError) as caught:
        list(pager(api, next_cursor=next_cursor))
    assert (caught.value.operation, caught.value.status) == ("pagination", 200)
    assert caught.value.problems == ["next page cursor did not advance"]
    assert len(api.fetched) <= 2


def test_unhashable_cursors_work_and_repeats_are_caught() -> None:
    pages = {"1": {"items": ["a"], "next": {"page": 2}}, "2": {"items": ["b"], "next": {"page": 2}}}
    api = Api(pages)
    walk = Pager(
        lambda c: api.fetch(str(c["page"])),
        first={"page": 1},
        items=items,
        next_cursor=lambda page, _: page["next"],
    )
    with pytest.raises(ResponseValidationError):
        list(walk)
    assert api.fetched == ["1", "2"]


def test_repr() -> None:
    assert repr(pager(Api())) == "Pager(first=1)"
    assert repr(async_pager(Api())) == "AsyncPager(first=1)"


# --- async ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_async_items_across_all_pages() -> None:
    api = Api()
    assert [item async for item in async_pager(api)] == ["a", "b", "c", "d", "e"]
    assert api.fetched == [1, 2, 3]


@pytest.mark.asyncio
async def test_async_is_lazy() -> None:
    api = Api()
    walk = async_pager(api)
    assert api.fetched == []
    async for item in walk:
        assert item == "a"
        break
    assert api.fetched == [1]


@pytest.mark.asyncio
async def test_async_pages() -> None:
    assert [page async for page in async_pager(Api()).pages()] == [PAGES[1], PAGES[2], PAGES[3]]


@pytest.mark.asyncio
async def test_async_cursor_that_does_not_advance_is_refused() -> None:
    api = Api({1: {"items": ["a"]}})
    with pytest.raises(ResponseValidationError, match="did not advance"):
        [item async for item in async_pager(api, next_cursor=lambda page, cursor: cursor)]
