"""nordfin._core.spec: routing, request and response validation; the fakes' XML and query reading.

On small specs and on Goto's.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nordfin._core.spec import SpecIndex, load_spec, media_type_of
from nordfin._core.xmlbody import read_xml, write_xml
from nordfin.testing._query import typed_query

JSON = "application/json"
ITEM_REF = {"$ref": "#/components/schemas/Item"}
ERROR_CONTENT = {"content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}

MINI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "mini", "version": "1"},
    "servers": [{"url": "https://api.example.test/api/v2/"}],
    "paths": {
        "/items/": {
            "get": {
                "operationId": "list_items",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "default": 10},
                    },
                    {"name": "flag", "in": "query", "schema": {"type": "boolean"}},
                    {
                        "name": "ids",
                        "in": "query",
                        "explode": False,
                        "schema": {"type": "array", "items": {"type": "integer"}},
                    },
                    {
                        "name": "X-Trace",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string", "format": "uuid"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {JSON: {"schema": {"type": "array", "items": ITEM_REF}}},
                    },
                    "4XX": {"description": "client error", **ERROR_CONTENT},
                    "429": {
                        "description": "slow down",
                        **ERROR_CONTENT,
                        "headers": {
                            "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 0}}
                        },
                    },
                },
            },
            "post": {
                "operationId": "create_item",
                "requestBody": {"required": True, "content": {JSON: {"schema": ITEM_REF}}},
                "responses": {
                    "201": {"description": "made", "content": {JSON: {"schema": ITEM_REF}}},
                    "default": {"description": "error", **ERROR_CONTENT},
                },
            },
        },
        "/items/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"operationId": "get_item", "responses": {"200": {"description": "ok"}}},
            "delete": {"operationId": "delete_item", "responses": {"204": {"description": "gone"}}},
        },
        "/items/latest": {"get": {"operationId": "latest_item", "responses": {"200": {"description": "ok"}}}},
        "/files/{path}": {
            "get": {
                "operationId": "get_file",
                "parameters": [
                    {
                        "name": "path",
                        "in": "path",
                        "required": True,
                        "x-nordfin-path-allows-slash": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {"description": "ok", "content": {"text/plain": {"schema": {"type": "string"}}}}
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Item": {
                "type": "object",
                "xml": {"name": "item"},
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 5},
                    "when": {"type": "string", "format": "date-time"},
                    "day": {"type": "string", "format": "date"},
                    "email": {"type": "string", "format": "email"},
                    "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                    "size": {"anyOf": [{"type": "integer", "maximum": 9}, {"type": "null"}]},
                },
            },
            "Tag": {"type": "string", "pattern": "^[a-z]+$", "xml": {"name": "tag"}},
            "Error": {
                "type": "object",
                "required": ["message"],
                "properties": {"message": {"type": "string"}},
            },
        }
    },
}

TRACE = {"X-Trace": "0b4e6f7c-8d2a-4c1e-9f3b-5a6d7e8f9a0b"}


@pytest.fixture(scope="module")
def mini() -> SpecIndex:
    return SpecIndex(copy.deepcopy(MINI))


@pytest.fixture(scope="module")
def goto() -> SpecIndex:
    return SpecIndex.for_slug("goto")


def create(index: SpecIndex, body: Any, content_type: str | None = JSON) -> list[str]:
    return index.validate_request(
        index.operation("create_item"),
        path_params={},
        query=[],
        headers={},
        content_type=content_type,
        body=body,
    )


def list_items(
    index: SpecIndex, query: list[tuple[str, str]], headers: dict[str, str] | None = None
) -> list[str]:
    return index.validate_request(
        index.operation("list_items"),
        path_params={},
        query=query,
        headers=TRACE if headers is None else headers,
        content_type=None,
        body=None,
    )


# --- the document --------------------------------------------------------------------------------


def test_the_packaged_spec_and_its_index_are_loaded_once() -> None:
    assert load_spec("goto") is load_spec("goto")
    assert SpecIndex.for_slug("goto") is SpecIndex.for_slug("goto")
    assert SpecIndex.for_slug("goto").spec is load_spec("goto")


def test_server_path_is_the_path_of_the_first_server(mini: SpecIndex, goto: SpecIndex) -> None:
    assert mini.server_path == "/api/v2"
    assert goto.server_path == "/v1"
    assert SpecIndex({"openapi": "3.1.0", "paths": {}}).server_path == ""


def test_server_url_fills_in_the_server_variables_defaults() -> None:
    aptic = SpecIndex.for_slug("aptic")

    assert aptic.server_url == "https://cnnnnnn.test.hosting.aptic.cloud/CNNNNNN-NNNNN-T01/APIGW"
    assert aptic.server_path == "/CNNNNNN-NNNNN-T01/APIGW"


def test_operations_merge_path_level_parameters_and_resolve_refs(mini: SpecIndex, goto: SpecIndex) -> None:
    assert [p.name for p in mini.operation("get_item").parameters] == ["id"]
    term_id = goto.operation("update_payment_term").parameter("term_id", "path")
    assert term_id is not None
    assert term_id.allows_slash
    assert term_id.schema["not"] == {"pattern": "(^|/)\\.{0,2}(/|$)|\\\\"}
    assert goto.operation("create_payment_term").request_body is not None


def test_operations_carry_security_methods_and_responses(goto: SpecIndex) -> None:
    operation = goto.operation("delete_payment_term")

    assert (operation.method, operation.path) == ("DELETE", "/payment_terms/{term_id}")
    assert set(operation.responses) == {"200", "204", "429", "default"}
    assert operation.responses["429"].headers["Retry-After"].required
    assert operation.security == [
        {"store": [], "api_key": []},
        {"store": [], "user_id": [], "user_token": []},
    ]


def test_an_unknown_operation_id_is_a_key_error(goto: SpecIndex) -> None:
    with pytest.raises(KeyError, match="no_such"):
        goto.operation("no_such")


# --- routing -------------------------------------------------------------------------------------


def test_a_literal_template_wins_over_a_templated_one(mini: SpecIndex) -> None:
    latest = mini.match("GET", "/items/latest")
    other = mini.match("GET", "/items/42")

    assert latest is not None
    assert latest[0].operation_id == "latest_item"
    assert other is not None
    assert (other[0].operation_id, other[1]) == ("get_item", {"id": "42"})


def test_path_parameters_are_percent_decoded(mini: SpecIndex) -> None:
    found = mini.match("get", "/items/a%20b%2Fc")

    assert found is not None
    assert found[1] == {"id": "a b/c"}


def test_a_plain_variable_matches_one_segment_only(mini: SpecIndex) -> None:
    assert mini.match("GET", "/items/a/b") is None
    assert mini.match("GET", "/items/") is not None
    assert mini.match("GET", "/items") is None


def test_a_variable_allowing_slashes_spans_segments(mini: SpecIndex) -> None:
    found = mini.match("GET", "/files/a/b%20c/d.txt")

    assert found is not None
    assert found[1] == {"path": "a/b c/d.txt"}


def test_a_method_without_an_operation_matches_nothing(mini: SpecIndex) -> None:
    assert mini.match("PUT", "/items/42") is None
    assert mini.allowed_methods("/items/42") == ["DELETE", "GET"]
    assert mini.allowed_methods("/nowhere") == []


@given(code=st.text(min_size=1))
def test_a_goto_id_comes_back_whether_its_slashes_are_encoded_or_not(code: str) -> None:
    index = SpecIndex.for_slug("goto")
    for encoded in (quote(code, safe=""), quote(code, safe="/")):
        found = index.match("GET", f"/payment_terms/{encoded}")
        assert found is not None
        assert found[0].operation_id == "get_payment_term"
        assert found[1] == {"term_id": code}


# --- requests ------------------------------------------------------------------------------------


def test_a_valid_request_has_no_problems(mini: SpecIndex) -> None:
    assert list_items(mini, [("limit", "3"), ("flag", "true"), ("ids", "1,2"), ("unknown", "x")]) == []
    assert create(mini, {"name": "a", "tags": ["x"], "size": None, "extra": 1}) == []


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ([("limit", "0")], "query.limit: is less than the minimum of 1"),
        ([("limit", "x")], "query.limit: is not of type 'integer'"),
        ([("limit", "1.5")], "query.limit: is not of type 'integer'"),
        ([("flag", "yes")], "query.flag: is not of type 'boolean'"),
        ([("ids", "1,b")], "query.ids.1: is not of type 'integer'"),
    ],
)
def test_query_parameters_are_read_as_their_type_then_validated(
    mini: SpecIndex, query: list[tuple[str, str]], problem: str
) -> None:
    assert list_items(mini, query) == [problem]


def test_required_and_formatted_headers_are_checked_case_insensitively(mini: SpecIndex) -> None:
    assert list_items(mini, [], headers={}) == ["header.X-Trace: is required"]
    assert list_items(mini, [], headers={"x-trace": "not-a-uuid"}) == ["header.X-Trace: is not a 'uuid'"]
    assert list_items(mini, [], headers={"x-trace": TRACE["X-Trace"]}) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({}, "body.name: is required"),
        ({"name": ""}, "body.name: must be at least 1 characters long"),
        ({"name": "toolong"}, "body.name: must be at most 5 characters long"),
        ({"name": "a", "tags": ["ok", "NO"]}, "body.tags.1: does not match '^[a-z]+$'"),
        ({"name": "a", "size": 10}, "body.size: is greater than the maximum of 9"),
        ({"name": "a", "size": "x"}, "body.size: is not of type 'integer'"),
        ({"name": "a", "when": "2024-13-01T00:00:00Z"}, "body.when: is not a 'date-time'"),
        ({"name": "a", "when": "2024-01-01 00:00:00"}, "body.when: is not a 'date-time'"),
        ({"name": "a", "day": "2024-02-30"}, "body.day: is not a 'date'"),
        ({"name": "a", "email": "nobody"}, "body.email: is not a 'email'"),
        ([], "body: is not of type 'object'"),
    ],
)
def test_body_problems_name_the_field(mini: SpecIndex, body: Any, problem: str) -> None:
    assert create(mini, body) == [problem]


@pytest.mark.parametrize(
    "moment", ["2024-02-29T23:59:60Z", "2024-01-01t10:00:00.123+01:00", "2024-01-01T00:00:00z"]
)
def test_rfc3339_date_times_are_accepted(mini: SpecIndex, moment: str) -> None:
    assert create(mini, {"name": "a", "when": moment, "day": "2024-02-29", "email": "a@b"}) == []


def test_a_required_body_must_be_there_with_a_documented_media_type(mini: SpecIndex) -> None:
    assert create(mini, None) == ["body: is required"]
    assert create(mini, {"name": "a"}, content_type=None) == ["body: the Content-Type header is missing"]
    assert create(mini, {"name": "a"}, content_type="text/plain") == [
        "body: media type 'text/plain' is not one of ['application/json']"
    ]
    assert create(mini, {"name": "a"}, content_type="Application/JSON; charset=utf-8") == []


def test_a_pattern_dollar_ends_the_text_as_in_ecma_262(goto: SpecIndex) -> None:
    """Python's ``$`` would let "abc\\n" through; ECMA-262 and pydantic do not."""
    operation = goto.operation("create_payment_term")

    problems = goto.validate_request(
        operation,
        path_params={},
        query=[],
        headers={},
        content_type=JSON,
        body={"code": "abc\n", "description": "d"},
    )

    assert problems == ["body.code: does not match '^[^\\\\x00-\\\\x1f\\\\x7f]+$'"]


# The prefix keeps a drawn value from being a word of the rule itself ("length", "string").
@given(secret=st.text(min_size=3, alphabet="abcdefghijklmnopqrstuvwxyz0123456789").map("Zq9".__add__))
def test_problems_never_repeat_the_offending_value(secret: str) -> None:
    index = SpecIndex.for_slug("goto")
    operation = index.operation("create_payment_term")
    body = {"code": secret + "\x01", "description": secret * 200, "extra": secret}

    problems = index.validate_request(
        operation,
        path_params={"x": secret},
        query=[("since", secret)],
        headers={},
        content_type=JSON,
        body=body,
    )

    assert problems
    assert not any(secret in problem for problem in problems)


def test_typed_query_fills_defaults_and_keeps_unknown_parameters(mini: SpecIndex) -> None:
    operation = mini.operation("list_items")

    assert typed_query(mini, operation, []) == {"limit": 10}
    assert typed_query(mini, operation, [("limit", "4"), ("ids", "1,2"), ("other", "a"), ("other", "b")]) == {
        "limit": 4,
        "ids": [1, 2],
        "other": "a",
    }


# --- responses -----------------------------------------------------------------------------------


def test_a_response_is_picked_by_exact_status_then_range_then_default(mini: SpecIndex) -> None:
    listing, creating = mini.operation("list_items"), mini.operation("create_item")

    assert mini.response_for(listing, 429) is listing.responses["429"]
    assert mini.response_for(listing, 404) is listing.responses["4XX"]
    assert mini.response_for(listing, 500) is None
    assert mini.response_for(creating, 500) is creating.responses["default"]


def test_an_undocumented_status_is_a_problem(mini: SpecIndex) -> None:
    problems = mini.validate_response(
        mini.operation("list_items"), status=500, content_type=JSON, body={"message": "x"}
    )

    assert problems == ["status: 500 is not documented for list_items"]


def test_a_documented_answer_has_no_problems(mini: SpecIndex) -> None:
    operation = mini.operation("list_items")

    assert (
        mini.validate_response(
            operation, status=200, content_type="application/json; charset=utf-8", body=[{"name": "a"}]
        )
        == []
    )
    assert mini.validate_response(operation, status=404, content_type=JSON, body={"message": "gone"}) == []


def test_the_media_type_must_be_documented(mini: SpecIndex) -> None:
    problems = mini.validate_response(
        mini.operation("list_items"), status=200, content_type="text/html", body="<p>hi</p>"
    )

    assert problems == ["body: media type 'text/html' is not one of ['application/json']"]


def test_an_empty_body_is_allowed_only_where_no_content_is_documented(mini: SpecIndex) -> None:
    deleting, listing = mini.operation("delete_item"), mini.operation("list_items")

    assert mini.validate_response(deleting, status=204, content_type=None, body=None) == []
    assert mini.validate_response(deleting, status=204, content_type=JSON, body={"a": 1}) == [
        "body: the 204 answer documents no body"
    ]
    assert mini.validate_response(listing, status=200, content_type=None, body=None) == [
        "body: is empty, but the 200 answer documents ['application/json']"
    ]


def test_the_body_must_match_its_schema(mini: SpecIndex) -> None:
    problems = mini.validate_response(
        mini.operation("list_items"), status=200, content_type=JSON, body=[{"name": "a"}, {"name": 5}]
    )

    assert problems == ["body.1.name: is not of type 'string'"]


def test_required_response_headers_must_be_there_and_valid(mini: SpecIndex) -> None:
    operation = mini.operation("list_items")
    error = {"message": "slow down"}

    def check(headers: dict[str, str] | None) -> list[str]:
        return mini.validate_response(operation, status=429, content_type=JSON, body=error, headers=headers)

    assert check({}) == ["headers.Retry-After: is required"]
    assert check({"retry-after": "soon"}) == ["headers.Retry-After: is not of type 'integer'"]
    assert check({"Retry-After": "7"}) == []
    assert check(None) == []


def test_every_vendor_example_in_the_goto_spec_validates(goto: SpecIndex) -> None:
    checked = 0
    for operation in goto.operations:
        for status, response in operation.responses.items():
            raw = goto.resolve(
                goto.spec["paths"][operation.path][operation.method.lower()]["responses"][status]
            )
            for example in raw.get("content", {}).get(JSON, {}).get("examples", {}).values():
                assert goto.validator(response.content[JSON]).is_valid(goto.resolve(example)["value"])
                checked += 1
    assert checked >= 5


def test_validators_are_compiled_once_per_schema(goto: SpecIndex) -> None:
    schema = goto.operation("create_payment_term").responses["200"].content[JSON]

    assert goto.validator(schema) is goto.validator(schema)


def test_schema_for_makes_local_refs_absolute_without_touching_the_spec(goto: SpecIndex) -> None:
    schema = goto.schema_for({"type": "array", "items": {"$ref": "#/components/schemas/PaymentTerm"}})

    assert schema["items"]["$ref"].endswith("#/components/schemas/PaymentTerm")
    assert schema["items"]["$ref"] != "#/components/schemas/PaymentTerm"
    assert goto.spec["components"]["schemas"]["PaymentTermsResponse"]["properties"]["paymentTerms"][
        "items"
    ] == {"$ref": "#/components/schemas/PaymentTerm"}


def test_media_type_of_drops_parameters_and_case() -> None:
    assert media_type_of("Application/XML; charset=UTF-8") == "application/xml"
    assert media_type_of("  ") is None
    assert media_type_of(None) is None


# --- XML -----------------------------------------------------------------------------------------

XML_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=20)
TERMS = st.lists(st.fixed_dictionaries({"code": XML_TEXT}, optional={"description": XML_TEXT}), max_size=4)


@given(terms=TERMS, since=st.integers(min_value=0, max_value=2**63 - 1))
def test_xml_written_from_a_schema_reads_back_the_same(terms: list[dict[str, str]], since: int) -> None:
    index = SpecIndex.for_slug("goto")
    schema = index.operation("list_payment_terms").responses["200"].content["application/xml"]
    value = {"paymentTerms": terms, "since": since}

    document = write_xml(index, value, schema)

    assert document.startswith(b"<?xml")
    assert read_xml(index, document, schema) == value


def test_xml_arrays_may_use_the_property_name_as_jaxb_does(goto: SpecIndex) -> None:
    schema = goto.operation("get_payment_term").responses["200"].content["application/xml"]
    document = (
        b"<paymentTermsResponse><paymentTerms><code>a</code></paymentTerms>"
        b"<paymentTerms><code>b</code><description/></paymentTerms><since>7</since></paymentTermsResponse>"
    )

    assert read_xml(goto, document, schema) == {
        "paymentTerms": [{"code": "a"}, {"code": "b", "description": ""}],
        "since": 7,
    }


def test_xml_nil_unknown_and_repeated_unknown_elements(mini: SpecIndex) -> None:
    schema = {"$ref": "#/components/schemas/Item"}
    document = (
        b'<item xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><name>a</name>'
        b'<size xsi:nil="true"/><x>1</x><x>2</x><tag>q</tag><tag>r</tag></item>'
    )

    assert read_xml(mini, document, schema) == {
        "name": "a",
        "size": None,
        "x": ["1", "2"],
        "tags": ["q", "r"],
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<item><name>a</name>", "malformed XML"),
        (b"<thing><name>a</name></thing>", "root element must be <item>"),
        (b'<!DOCTYPE item [<!ENTITY x "y">]><item><name>&x;</name></item>', "DOCTYPE"),
    ],
)
def test_bad_xml_is_refused(mini: SpecIndex, document: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_xml(mini, document, {"$ref": "#/components/schemas/Item"})
