"""Guards on the one path every call takes (``_core.session``): what a client has sent is
remembered as secrets to mask, a closed client and an over-long URL are refused before httpx sees
them, and the specs' control-character pattern is explained in words.

Each is called from a single line of ``session.py``, so the rule lives here once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx

from nordfin._core.redact import SecretSet, secrets_in
from nordfin.errors import ClientClosed, NordfinError, RequestValidationError

__all__ = [
    "CONTROL_PATTERN",
    "MAX_URL_LENGTH",
    "check_open",
    "check_url_length",
    "explain",
    "one_exit",
    "watch_secrets",
]

#: Longer request URLs are refused: 8 KiB is the smallest limit common servers and proxies set
#: (nginx's default header buffer, IIS's 16 KiB query limit), well under httpx's own 64 KiB.
MAX_URL_LENGTH = 8000


def watch_secrets(http: httpx.Client | httpx.AsyncClient, auth: object) -> SecretSet:
    """The secret set of one client: what its auth holds, and what each request it sends carries
    (credential headers, a card token in a body), learnt by an event hook as the request leaves."""
    secrets = SecretSet()
    for secret in secrets_in(auth):
        secrets.add(secret)
    if isinstance(http, httpx.AsyncClient):

        async def learn_async(request: httpx.Request) -> None:
            _learn(secrets, request)

        http.event_hooks = {**http.event_hooks, "request": [*http.event_hooks["request"], learn_async]}
    else:
        http.event_hooks = {
            **http.event_hooks,
            "request": [*http.event_hooks["request"], lambda request: _learn(secrets, request)],
        }
    return secrets


def _learn(secrets: SecretSet, request: httpx.Request) -> None:
    with contextlib.suppress(Exception):  # learning must never stop a request from leaving
        secrets.learn_request(request)


@contextlib.contextmanager
def one_exit(http: httpx.Client | httpx.AsyncClient, secrets: SecretSet) -> Iterator[None]:
    """The one way out of a call: a closed client is refused first, and every nordfin error that
    leaves has the client's secrets masked (message, args, attributes, raw body, causes)."""
    check_open(http)
    try:
        yield
    except NordfinError as error:
        secrets.scrub_error(error)
        raise


def check_open(http: httpx.Client | httpx.AsyncClient) -> None:
    """A closed client raises :class:`nordfin.errors.ClientClosed`, not httpx's bare RuntimeError."""
    if http.is_closed:
        raise ClientClosed("this client has been closed; create a new client (or use it in a `with` block)")


def check_url_length(url: str, query: list[tuple[str, str]]) -> None:
    """Refuse, before httpx parses it, a ``url`` longer than :data:`MAX_URL_LENGTH`, naming the
    longest query parameter of ``query`` (httpx itself raises a bare ``InvalidURL`` past 64 KiB)."""
    if len(url) <= MAX_URL_LENGTH:
        return
    field = max(query, key=lambda pair: len(pair[1]))[0].lstrip("$") if query else "path"
    raise RequestValidationError(
        field,
        f"makes the request URL {len(url)} characters long, over the {MAX_URL_LENGTH} that servers "
        "accept; narrow it (a shorter filter, fewer values) or split the call into several",
    )


# The pattern the specs put on every free-text string of a request (tab, CR and LF allowed).
CONTROL_PATTERN = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]*$"


def explain(rule: str) -> str:
    """A spec problem in words where its pattern is one a reader would have to decode."""
    if CONTROL_PATTERN in rule or repr(CONTROL_PATTERN)[1:-1] in rule:  # the validator quotes it
        return "must not contain control characters other than tab, CR and LF (such as NUL or ESC)"
    return rule
