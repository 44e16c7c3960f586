"""A fake of the Goto / Lagerkoll Payment terms API that behaves as the vendor documents.

Use it through a client, as any httpx transport, or on loopback::

    fake = FakeGoto()
    fake.add_term("30D", "30 days net")
    with fake.client() as client:                 # a nordfin.goto.Client on this fake
        client.payment_terms.get("30D")
    with fake.serve() as base_url:                # http://127.0.0.1:<port>/v1
        ...

What the vendor does not document, and what this fake chooses (see the spec's ``x-nordfin-inferred``):

- statuses: 200 for every success (delete answers 200 with an empty body), 401 for 900001, 404
  for an unknown id, 400 for a rejected request (the operation's code, ``errorField`` naming the
  field), 429 with ``Retry-After`` for 900429, 404/405 with 900101 for a path/method no operation serves;
- ``since`` is a change counter: every create or update bumps it and stamps the term; a list with
  ``since=n`` returns the terms stamped after ``n``, oldest change first, and answers the current
  counter (0 for a store that never changed). Whether the vendor reports deletions through
  ``since`` is unknown; this fake does not (a deleted term simply stops appearing);
- adding a code that exists is a 400 with 900532 and ``errorField`` "code" (the spec documents
  400 for a rejected body, not 409);
- an update changes only the description: ``code`` is "write only with POST".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import attrs
import httpx

from nordfin import goto
from nordfin._core.spec import Operation
from nordfin.testing._fake import Call, FakeApi, FakeError, no_async_sleep, no_sleep, operation
from nordfin_generated.pydantic_models.goto import PaymentTerm, PaymentTermCreate, PaymentTermUpdate

__all__ = ["FakeGoto"]

COMMON_ERROR = 900101
CREDENTIALS_DONT_MATCH = 900001
TOO_MANY_REQUESTS = 900429
# The vendor numbers codes per resource: last digit 1 get, 2 create, 3 update, 4 delete.
_OPERATION_CODES = {
    "list_payment_terms": 900531,
    "get_payment_term": 900531,
    "create_payment_term": 900532,
    "update_payment_term": 900533,
    "delete_payment_term": 900534,
}


@attrs.define
class _Term:
    code: str
    description: str | None
    stamp: int

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.description}


class FakeGoto(FakeApi):
    """The Goto Payment terms API in memory: credentials, rate limit, state and errors as documented.

    Either ``store`` + ``api_key`` or ``store`` + ``user_id`` + ``user_token`` headers must match
    the attributes of the same names (the demo values by default).
    At most 200 requests in any 60 s of ``clock``; the 201st gets 429 with ``Retry-After``.
    """

    slug: ClassVar[str] = "goto"

    def __init__(
        self,
        *,
        store: str = "demo-store",
        api_key: str = "demo-api-key",
        user_id: str = "demo-user",
        user_token: str = "demo-token",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.api_key = api_key
        self.user_id = user_id
        self.user_token = user_token
        self._terms: dict[str, _Term] = {}
        self._counter = 0
        super().__init__(clock=clock)

    # --- for tests ------------------------------------------------------------------------------

    def add_term(self, code: str, description: str | None = None) -> None:
        """Store a term as if it had been added (it bumps ``since``); ValueError if the spec forbids it."""
        PaymentTerm.model_validate({"code": code, "description": description})
        with self._lock:
            self._save(code, description)

    @property
    def terms(self) -> Mapping[str, str | None]:
        """A snapshot of the stored terms: code -> description."""
        with self._lock:
            return MappingProxyType({code: term.description for code, term in self._terms.items()})

    @property
    def since(self) -> int:
        """The current change counter, i.e. the ``since`` the next answer carries."""
        with self._lock:
            return self._counter

    def credentials_help(self) -> dict[str, str]:
        """The headers this fake accepts (either ``store`` + ``api_key`` or the user pair)."""
        return self._credentials()

    # --- hooks ----------------------------------------------------------------------------------

    def reset_state(self) -> None:
        """Forget every payment term and reset ``since`` to 0."""
        self._terms = {}
        self._counter = 0

    def authenticate(self, operation: Operation, request: httpx.Request) -> FakeError | None:
        """401 with 900001 unless one of the two documented header sets matches."""
        if self.security_satisfied(operation, request, self._credentials()):
            return None
        return self.fail(401, CREDENTIALS_DONT_MATCH, self._text(CREDENTIALS_DONT_MATCH))

    def error_body(
        self, status: int, code: Any, message: str, field: str | None = None, data: Any = None
    ) -> dict[str, Any]:
        """Goto's error body: ``errorCode``, ``errorMessage``, ``errorField``, ``errorData``."""
        if code is None:
            code = TOO_MANY_REQUESTS if status == 429 else COMMON_ERROR
        return {"errorCode": code, "errorMessage": message, "errorField": field, "errorData": data}

    def invalid_request(self, operation: Operation, field: str, rule: str) -> FakeError:
        """400 with the operation's code; ``errorField`` is the field without its location."""
        code = _OPERATION_CODES[operation.operation_id]
        location, _, name = field.partition(".")
        return self.fail(400, code, f"{self._text(code)}: {name or location} {rule}", field=name or location)

    # --- operations -----------------------------------------------------------------------------

    @operation("list_payment_terms")
    def _list_terms(self, call: Call) -> tuple[int, Any]:
        since = call.query["since"]
        changed = sorted((t for t in self._terms.values() if t.stamp > since), key=lambda t: t.stamp)
        return 200, self._page(changed)

    @operation("get_payment_term")
    def _get_term(self, call: Call) -> tuple[int, Any]:
        return 200, self._page([self._find(call)])

    @operation("create_payment_term")
    def _create_term(self, call: Call) -> tuple[int, Any]:
        body = call.body_as(PaymentTermCreate)
        if body.code.root in self._terms:
            code = _OPERATION_CODES[call.operation.operation_id]
            raise self.fail(400, code, f"{self._text(code)}: the code is taken", field="code")
        return 200, self._save(body.code.root, body.description.root).as_json()

    @operation("update_payment_term")
    def _update_term(self, call: Call) -> tuple[int, Any]:
        term = self._find(call)
        body = call.body_as(PaymentTermUpdate)
        return 200, self._save(term.code, body.description.root).as_json()

    @operation("delete_payment_term")
    def _delete_term(self, call: Call) -> tuple[int, Any]:
        del self._terms[self._find(call).code]
        return 200, None

    # --- state ----------------------------------------------------------------------------------

    def _find(self, call: Call) -> _Term:
        term = self._terms.get(call.path_params["term_id"])
        if term is None:
            code = _OPERATION_CODES[call.operation.operation_id]
            raise self.fail(404, code, f"{self._text(code)}: no payment term with this code", field="term_id")
        return term

    def _save(self, code: str, description: str | None) -> _Term:
        self._counter += 1
        term = self._terms[code] = _Term(code, description, self._counter)
        return term

    def _page(self, terms: list[_Term]) -> dict[str, Any]:
        return {"paymentTerms": [t.as_json() for t in terms], "since": self._counter}

    def _credentials(self) -> dict[str, str]:
        return {
            "store": self.store,
            "api_key": self.api_key,
            "user_id": self.user_id,
            "user_token": self.user_token,
        }

    def _text(self, code: int) -> str:
        texts = self.index.spec["components"]["schemas"]["ErrorCode"].get("x-nordfin-error-codes", {})
        return str(texts.get(str(code), "Common error"))

    def client(self, **kwargs: Any) -> goto.Client:
        """A ``nordfin.goto.Client`` wired to this fake with its credentials; retries are instant."""
        kwargs.setdefault("sleep", no_sleep)
        return goto.Client(store=self.store, api_key=self.api_key, transport=self, **kwargs)

    def async_client(self, **kwargs: Any) -> goto.AsyncClient:
        """A ``nordfin.goto.AsyncClient`` wired to this fake with its credentials."""
        kwargs.setdefault("sleep", no_async_sleep)
        return goto.AsyncClient(store=self.store, api_key=self.api_key, transport=self, **kwargs)
