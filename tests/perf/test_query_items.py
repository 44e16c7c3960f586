"""The session checks the query httpx will send without building ``httpx.QueryParams``: the same pairs."""

from __future__ import annotations

import httpx
from hypothesis import given
from hypothesis import strategies as st

from nordfin._core.session import query_items

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8))
PARAMS = st.dictionaries(
    st.text(max_size=5), st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.tuples(SCALARS)), max_size=4
)


@given(params=PARAMS)
def test_query_items_are_what_httpx_sends(params: dict[str, object]) -> None:
    assert query_items(params) == httpx.QueryParams(params).multi_items()  # type: ignore[arg-type]


def test_other_shapes_go_through_httpx() -> None:
    assert query_items([("a", "1"), ("a", "2")]) == [("a", "1"), ("a", "2")]
    assert query_items("a=1&b=x") == [("a", "1"), ("b", "x")]
