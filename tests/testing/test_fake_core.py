"""nordfin.testing._fake: the generic fake, on a small spec of its own with hand-written models."""

from __future__ import annotations

import copy
import itertools
import json
import types
from typing import Any, ClassVar

import httpx
import pytest
from pydantic import BaseModel, Field

from nordfin._core.spec import Operation, SpecIndex
from nordfin._core.xmlbody import read_xml
from nordfin.testing import FAKES, fake_for
from nordfin.testing._fake import Call, FakeApi, FakeError, ModelMismatch, operation, preferred_media_type

JSON, XML = "application/json", "application/xml"
NOTE_REF = {"$ref": "#/components/schemas/Note"}
ERROR = {
    "description": "error",
    "content": {
        JSON: {"schema": {"$ref": "#/components/schemas/Error"}},
        XML: {"schema": {"$ref": "#/components/schemas/Error"}},
    },
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "notes", "version": "1", "x-nordfin-rate-limit": {"requests": 3, "per-seconds": 10}},
    "servers": [{"url": "https://notes.example.test/api"}],
    "security": [{"bearer": []}],
    "paths": {
        "/notes": {
            "get": {
                "operationId": "list_notes",
                "security": [],
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "default": 5}}],
                "responses": {
                    "200": {
                        "description": "notes",
                        "content": {
                            JSON: {"schema": {"$ref": "#/components/schemas/Notes"}},
                            XML: {"schema": {"$ref": "#/components/schemas/Notes"}},
                        },
                    },
                    "default": ERROR,
                },
            },
            "post": {
                "operationId": "add_note",
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": NOTE_REF}, XML: {"schema": NOTE_REF}},
                },
                "responses": {
                    "201": {"description": "added", "content": {JSON: {"schema": NOTE_REF}}},
                    "default": ERROR,
                },
            },
        },
        "/notes/{id}": {
            "delete": {
                "operationId": "delete_note",
                "security": [{"key": [], "session": []}],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "deleted"}, "default": ERROR},
            }
        },
    },
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "key": {"type": "apiKey", "in": "query", "name": "key"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session"},
        },
        "schemas": {
            "Note": {
                "type": "object",
                "xml": {"name": "note"},
                "required": ["text"],
                "properties": {"text": {"type": "string", "maxLength": 20}},
            },
            "Notes": {
                "type": "object",
                "xml": {"name": "notes"},
                "properties": {"notes": {"type": "array", "items": NOTE_REF}},
            },
            "Error": {
                "type": "object",
                "xml": {"name": "error"},
                "required": ["message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                },
            },
        },
    },
}


class Note(BaseModel):
    text: str = Field(max_length=20)


MODELS = types.ModuleType("notes_models")
MODELS.Note = Note  # type: ignore[attr-defined]
INDEX = SpecIndex(copy.deepcopy(SPEC))
CREDENTIALS = {"bearer": "tok", "key": "k1", "session": "s1"}
AUTH = {"Authorization": "Bearer tok"}


class NotesFake(FakeApi):
    """A fake of the spec above: notes kept in a list."""

    slug: ClassVar[str] = "notes"

    @classmethod
    def spec_index(cls) -> SpecIndex:
        return INDEX

    @classmethod
    def models_module(cls) -> types.ModuleType:
        return MODELS

    def reset_state(self) -> None:
        self.notes: list[str] = []

    def authenticate(self, operation: Operation, request: httpx.Request) -> FakeError | None:
        if self.security_satisfied(operation, request, CREDENTIALS):
            return None
        return self.fail(401, "auth", "who are you?")

    def error_body(
        self, status: int, code: Any, message: str, field: str | None = None, data: Any = None
    ) -> Any:
        return {"code": code or "common", "message": message, "field": field}

    @operation("list_notes")
    def _list(self, call: Call) -> tuple[int, Any]:
        return 200, {"notes": [{"text": t} for t in self.notes[: call.query["limit"]]]}

    @operation("add_note")
    def _add(self, call: Call) -> tuple[int, Any]:
        note = call.body_as(Note)
        if note.text == "teapot":
            raise FakeError(418, {"message": "short and stout"}, {"X-Pot": "1"})
        self.notes.append(note.text)
        return 201, note

    @operation("delete_note")
    def _delete(self, call: Call) -> tuple[int, Any]:
        self.notes.remove(call.path_params["id"])
        return 204, None


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> NotesFake:
    """A fake whose clock jumps 100 s per request, so its rate limit never bites."""
    ticks = itertools.count(step=100)
    return NotesFake(clock=lambda: float(next(ticks)))


@pytest.fixture
def http(fake: NotesFake) -> httpx.Client:
    return httpx.Client(transport=fake, base_url="https://notes.example.test/api")


# --- wiring --------------------------------------------------------------------------------------


def test_handlers_are_collected_per_operation_id() -> None:
    assert NotesFake._handlers == {"list_notes": "_list", "add_note": "_add", "delete_note": "_delete"}


def test_a_fake_must_handle_every_operation_and_nothing_else() -> None:
    class Partial(NotesFake):
        _handlers: ClassVar[dict[str, str]] = {"list_notes": "_list"}

    class Extra(NotesFake):
        @operation("fly")
        def _fly(self, call: Call) -> tuple[int, Any]:
            return 200, None

    with pytest.raises(TypeError, match=r"no handler for \['add_note', 'delete_note'\]"):
        Partial()
    with pytest.raises(TypeError, match=r"unknown operations \['fly'\]"):
        Extra()


def test_a_body_schema_without_a_generated_model_is_caught_at_construction() -> None:
    class NoModels(NotesFake):
        @classmethod
        def models_module(cls) -> types.ModuleType:
            return types.ModuleType("empty")

    with pytest.raises(LookupError, match="'Note'"):
        NoModels()


def test_every_request_is_logged_and_reset_forgets_everything(fake: NotesFake, http: httpx.Client) -> None:
    http.post("/notes", json={"text": "a"}, headers=AUTH)
    http.get("https://notes.example.test/elsewhere")

    assert [r.url.path for r in fake.requests] == ["/api/notes", "/elsewhere"]
    fake.reset()
    assert (fake.requests, fake.notes) == ([], [])


def test_the_registry_builds_fakes_by_slug() -> None:
    assert set(FAKES) >= {"goto"}
    assert type(fake_for("goto")).__name__ == "FakeGoto"
    with pytest.raises(KeyError, match="nope"):
        fake_for("nope")


# --- routing and admission -----------------------------------------------------------------------


def test_a_path_outside_the_server_prefix_or_unknown_is_not_found(http: httpx.Client) -> None:
    outside = http.get("https://notes.example.test/notes")
    unknown = http.get("/nothing")

    assert (outside.status_code, unknown.status_code) == (404, 404)
    assert unknown.json() == {"code": "common", "message": "no resource at /api/nothing", "field": None}


def test_a_known_path_with_another_method_is_405_with_allow(http: httpx.Client) -> None:
    response = http.put("/notes")

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"


def test_security_requirements_are_checked_per_operation(http: httpx.Client) -> None:
    http.post("/notes", json={"text": "a"}, headers=AUTH)

    assert http.get("/notes").status_code == 200  # security: [] (public)
    assert http.post("/notes", json={"text": "b"}).status_code == 401
    assert (
        http.post("/notes", json={"text": "b"}, headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    assert http.delete("/notes/a", params={"key": "k1"}).status_code == 401  # the cookie is missing
    assert http.delete("/notes/a", params={"key": "k1"}, headers={"Cookie": "session=s1"}).status_code == 204


def test_the_rate_limit_comes_from_the_spec_and_refusals_do_not_count() -> None:
    clock = Clock()
    http = httpx.Client(transport=NotesFake(clock=clock), base_url="https://notes.example.test/api")

    statuses = [http.get("/notes").status_code for _ in range(5)]
    clock.now += 9.5
    late = http.get("/notes")
    clock.now += 0.5

    assert statuses == [200, 200, 200, 429, 429]
    assert (late.status_code, late.headers["Retry-After"]) == (429, "1")
    assert http.get("/notes").status_code == 200


def test_a_validation_problem_names_the_field(http: httpx.Client) -> None:
    response = http.post("/notes", json={"text": "x" * 21}, headers=AUTH)

    assert response.status_code == 400
    assert response.json()["field"] == "body.text"


@pytest.mark.parametrize(
    ("content", "content_type", "message"),
    [
        (b"{nope", JSON, "body: is not valid JSON"),
        (b"NaN", JSON, "body: is not valid JSON"),
        (b"<other/>", XML, "body: the root element must be <note>"),
        (b"text", "text/plain", "body: media type 'text/plain' is not one of"),
        (b'{"text": "a"}', None, "body: the Content-Type header is missing"),
    ],
)
def test_unreadable_bodies_are_400(
    http: httpx.Client, content: bytes, content_type: str | None, message: str
) -> None:
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}

    response = http.post("/notes", content=content, headers=headers)

    assert response.status_code == 400
    assert response.json()["message"].startswith(message)


def test_handlers_get_typed_query_values_with_defaults(fake: NotesFake, http: httpx.Client) -> None:
    fake.notes.extend(str(n) for n in range(8))

    assert len(http.get("/notes").json()["notes"]) == 5
    assert len(http.get("/notes", params={"limit": "2"}).json()["notes"]) == 2


def test_a_handler_error_keeps_its_status_body_and_headers(http: httpx.Client) -> None:
    response = http.post("/notes", json={"text": "teapot"}, headers=AUTH)

    assert (response.status_code, response.headers["X-Pot"]) == (418, "1")
    assert response.json() == {"message": "short and stout"}


def test_a_model_stricter_than_the_spec_is_reported_as_a_mismatch() -> None:
    class Strict(BaseModel):
        text: str = Field(max_length=3)

    class StrictFake(NotesFake):
        @classmethod
        def models_module(cls) -> types.ModuleType:
            module = types.ModuleType("strict")
            module.Note = Strict  # type: ignore[attr-defined]
            return module

    http = httpx.Client(transport=StrictFake(), base_url="https://notes.example.test/api")
    with pytest.raises(ModelMismatch, match="Strict refuses a body the spec allows"):
        http.post("/notes", json={"text": "four"}, headers=AUTH)


# --- answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", JSON),
        ("", JSON),
        (XML, XML),
        ("application/*", JSON),
        ("application/json;q=0.5, application/xml", XML),
        ("text/html", JSON),
        ("application/xml;q=0, */*", JSON),
        ("application/json;q=bad, application/xml", XML),
    ],
)
def test_the_preferred_media_type_follows_accept(accept: str, expected: str) -> None:
    assert preferred_media_type(accept, [JSON, XML]) == expected


def test_xml_in_and_xml_out(fake: NotesFake, http: httpx.Client) -> None:
    added = http.post(
        "/notes",
        content=b"<note><text>hi</text></note>",
        headers={**AUTH, "Content-Type": "application/xml; charset=utf-8"},
    )
    listed = http.get("/notes", headers={"Accept": XML})

    assert (added.status_code, added.json()) == (201, {"text": "hi"})
    assert listed.headers["Content-Type"] == XML
    assert read_xml(INDEX, listed.content, NOTE_REF | {"$ref": "#/components/schemas/Notes"}) == {
        "notes": [{"text": "hi"}]
    }


def test_errors_follow_accept_too(http: httpx.Client) -> None:
    response = http.post("/notes", json={"text": "a"}, headers={"Accept": XML})

    assert response.status_code == 401
    assert response.content.endswith(b"<error><code>auth</code><message>who are you?</message></error>")


def test_no_payload_means_no_body_and_no_content_type(http: httpx.Client) -> None:
    http.post("/notes", json={"text": "a"}, headers=AUTH)

    response = http.delete("/notes/a", params={"key": "k1"}, headers={"Cookie": "session=s1"})

    assert (response.status_code, response.content) == (204, b"")
    assert "content-type" not in response.headers


def test_error_response_builds_the_apis_error_as_json(fake: NotesFake) -> None:
    response = fake.error_response(409, "dup", "taken", field="text", headers={"X-A": "b"})

    assert (response.status_code, response.headers["X-A"]) == (409, "b")
    assert json.loads(response.content) == {"code": "dup", "message": "taken", "field": "text"}


@pytest.mark.asyncio
async def test_the_async_transport_answers_the_same(fake: NotesFake) -> None:
    async with httpx.AsyncClient(transport=fake, base_url="https://notes.example.test/api") as http:
        added = await http.post("/notes", json={"text": "a"}, headers=AUTH)
        listed = await http.get("/notes")

    assert added.status_code == 201
    assert listed.json() == {"notes": [{"text": "a"}]}


# --- serving -------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com", "::"])
def test_serve_refuses_anything_but_loopback(fake: NotesFake, host: str) -> None:
    with pytest.raises(ValueError, match="loopback"), fake.serve(host):
        pass
