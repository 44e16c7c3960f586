"""Keeping secrets and personal data out of logs, ``repr`` and exception text.

Secrets (tokens, API keys, client secrets) are held in :class:`Secret`, whose text is always ``***``.
Headers and query parameters known to carry credentials are replaced by ``***`` whole.
National identity numbers, IBANs, card numbers and account numbers are masked by :func:`mask_pii`,
which keeps the last four characters so that a support engineer can still match a log line to a case.
Every nordfin logger (:func:`get_logger`) runs :func:`mask_pii` over each message it emits.
"""

from __future__ import annotations

import base64
import functools
import hmac
import json
import logging
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, unquote_to_bytes, urlsplit, urlunsplit

import httpx

__all__ = [
    "SENSITIVE_HEADERS",
    "SENSITIVE_PARAMS",
    "RedactingFilter",
    "Secret",
    "SecretSet",
    "get_logger",
    "mask_pii",
    "redact_headers",
    "redact_text",
    "redact_url",
]

MASK = "***"


class Secret:
    """A secret string that never shows itself: ``str`` and ``repr`` give ``***``.

    Call :meth:`reveal` at the one place the value is really needed (building a header).
    Two secrets are equal when their values are; the comparison takes constant time.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Secret wraps a str, not {type(value).__name__}")
        self._value = value

    @classmethod
    def of(cls, value: str | Secret) -> Secret:
        """``value`` itself if it is already a :class:`Secret`, else a new one wrapping it."""
        return value if isinstance(value, Secret) else cls(value)

    def reveal(self) -> str:
        """The secret value, in clear."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the clear value to wherever the pickle goes (caches, queues, disk).
        raise TypeError("a Secret cannot be pickled")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self


SENSITIVE_HEADERS: frozenset[str] = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "authentication",  # PayFunc's docs spell it so
        "cookie",
        "set-cookie",
        "api_key",
        "api-key",
        "apikey",
        "x-api-key",
        "x-apikey",
        "ocp-apim-subscription-key",
        "user_token",
        "user-token",
        "x-user-token",
        "access_token",
        "access-token",
        "x-access-token",
        "x-auth-token",
        "auth-token",
        "token",
        "client_secret",
        "client-secret",
        "x-client-secret",
        "password",
        "x-password",
        "secret",
    }
)

_SENSITIVE_HEADER_BYTES = frozenset(name.encode("ascii") for name in SENSITIVE_HEADERS)

SENSITIVE_PARAMS: frozenset[str] = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "user_token",
        "auth",
        "authorization",
        "api_key",
        "api-key",
        "apikey",
        "key",
        "x-api-key",
        "client_secret",
        "client-secret",
        "secret",
        "password",
        "passwd",
        "pwd",
        "signature",
        "sig",
        "session",
        "sessionid",
    }
)


def _may_carry_sensitive_params(query: bytes) -> bool:
    """Whether a raw query holds a :data:`SENSITIVE_PARAMS` member, reading only the names as
    ``parse_qsl`` does (``+`` a space, ``%XX`` a byte): the values, such as a long ``$filter`` on
    every list call, stay undecoded."""
    for pair in query.split(b"&") if query else ():
        name = pair.partition(b"=")[0]
        if b"%" in name or b"+" in name:
            name = unquote_to_bytes(name.replace(b"+", b" "))
        if name.lower() in _SENSITIVE_PARAM_BYTES:
            return True
    return False


_SENSITIVE_PARAM_BYTES = frozenset(name.encode("ascii") for name in SENSITIVE_PARAMS)


def redact_headers(headers: Mapping[str, str] | httpx.Headers) -> dict[str, str]:
    """A copy of ``headers`` with the value of every :data:`SENSITIVE_HEADERS` member as ``***``.

    Other values are kept as they are (request ids and dates must stay readable).
    """
    return {name: MASK if name.lower() in SENSITIVE_HEADERS else value for name, value in headers.items()}


def redact_url(url: str | httpx.URL) -> str:
    """``url`` fit for a log, never for a request.

    User info (``user:password@``) becomes ``***@``; the value of every :data:`SENSITIVE_PARAMS`
    query parameter becomes ``***``; the path, the other parameters and the fragment are
    percent-decoded (so that ``19900101%2B1234`` is seen for what it is) and run through
    :func:`mask_pii`.
    """
    parts = urlsplit(str(url))
    netloc = f"{MASK}@{parts.netloc.rpartition('@')[2]}" if "@" in parts.netloc else parts.netloc
    query = "&".join(_redact_param(pair) for pair in parts.query.split("&")) if parts.query else ""
    path, fragment = (mask_pii(unquote(part)) for part in (parts.path, parts.fragment))
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def _redact_param(pair: str) -> str:
    name, sep, value = pair.partition("=")
    if unquote_plus(name).strip().lower() in SENSITIVE_PARAMS:
        return f"{name}={MASK}"
    return f"{mask_pii(unquote(name))}{sep}{mask_pii(unquote(value))}"


@functools.cache
def _pii() -> re.Pattern[str]:
    """One regex, alternatives tried left to right at each position; each names the kind it found.
    Compiled by the first text masked, not by ``import nordfin.<slug>`` (0.6 ms, issue 14)."""
    return re.compile(
        r"""
        (?P<iban>(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}
            (?:[A-Z0-9]{11,30}|(?:\ [A-Z0-9]{4}){2,7}(?:\ [0-9]{1,3})?)(?![A-Za-z0-9]))
        | (?P<hetu>(?<![A-Za-z0-9])[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-FHJ-NPR-Y](?![A-Za-z0-9]))
        | (?P<card>(?<![0-9])(?:[0-9]{4}(?P<s1>[ -])[0-9]{4}(?P=s1)[0-9]{4}(?P=s1)[0-9]{1,7}
            |[0-9]{4}(?P<s2>[ -])[0-9]{6}(?P=s2)[0-9]{4,5})(?![0-9]))
        | (?P<id>(?<![0-9])(?:[0-9]{8}|[0-9]{6})[-+][0-9]{4}(?![0-9]))
        | (?P<fnr>(?<![0-9])[0-9]{6}\ [0-9]{5}(?![0-9]))
        | (?P<account>(?<![0-9])(?:[0-9]{4}\.[0-9]{2}\.[0-9]{5}|[0-9]{4,5}-[0-9]{6,10})(?![0-9]))
        | (?P<run>(?<![0-9])(?<![0-9]\.)[0-9]{8,}(?![0-9]))
        """,
        re.VERBOSE,
    )


def mask_pii(text: str) -> str:
    """``text`` with identity numbers, IBANs, card and account numbers masked.

    Format: every character of a match except the last four becomes ``*``, separators included,
    so the length is kept: ``19900101-1234`` → ``*********1234``,
    ``SE45 5000 0000 0583 9825 7466`` → ``************************7466``.

    Masked: Swedish personnummer/samordningsnummer (``YYMMDD-NNNN``, ``YYYYMMDD-NNNN``, ``+`` too),
    Danish CPR (``DDMMYY-NNNN``), Finnish HETU (``DDMMYY-NNNC``, all century signs), Norwegian
    fødselsnummer (11 digits, or ``DDMMYY NNNNN``), IBANs (with or without the spaces, when they hold
    at least 8 digits), card numbers written in groups (Luhn-checked), Norwegian
    (``NNNN.NN.NNNNN``) and clearing-prefixed (``NNNN-NNNNNNN``) account numbers, and every run of 8
    or more digits.

    Kept: numbers under 8 digits (status codes, years, amounts such as ``1500``), ISO 8601
    timestamps in extended format (``2024-01-15T10:20:30.123Z``), and the fractional part of a
    decimal number. Deliberately masked even so: epoch seconds and milliseconds, basic-format
    dates (``20240115``) and any other long digit run, because a bank account number looks just
    the same and a false positive in a log costs less than a leaked account.
    """
    return _pii().sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    found = match.group(0)
    if match.lastgroup == "iban" and sum(c.isdigit() for c in found) < 8:
        return found
    if match.group("card") is not None and not _luhn_ok(found):
        return found
    return "*" * (len(found) - 4) + found[-4:]


def _luhn_ok(number: str) -> bool:
    digits = [int(c) for c in reversed(number) if c.isdigit()]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


_URL = re.compile(r"""https?://[^\s"'<>]+""")


def redact_text(text: str) -> str:
    """``text`` with every ``http(s)://`` URL in it passed through :func:`redact_url`, then
    :func:`mask_pii` over the whole.
    """
    return mask_pii(_URL.sub(lambda match: redact_url(match.group(0)), text))


class RedactingFilter(logging.Filter):
    """Masks personal data and URL credentials (:func:`redact_text`) in every record's message
    and traceback.

    The message is formatted once here (``record.getMessage()``), masked, stored in ``record.msg``,
    and ``record.args`` is cleared, so no handler can format the clear arguments again.
    Records are never dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redact_log_text(_message_of(record))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _redact_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = _redact_log_text(record.stack_info)
        return True


# httpcore logs response headers as a repr of byte pairs: (b'Set-Cookie', b'...').
_BYTES_HEADER = re.compile(r"\(b'([A-Za-z0-9_-]+)', b'((?:[^'\\]|\\.)*)'\)")


def _redact_log_text(text: str) -> str:
    text = _BYTES_HEADER.sub(_mask_bytes_header, scrub_known_secrets(text))
    return redact_text(text)


def _mask_bytes_header(match: re.Match[str]) -> str:
    if match.group(1).lower() in SENSITIVE_HEADERS:
        return f"(b'{match.group(1)}', b'{MASK}')"
    return match.group(0)


def _message_of(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:
        # A bad format string must not turn a log call into a crash of the caller.
        return f"{record.msg} (unformattable arguments)"


_ROOT = "nordfin"
# httpx logs every request's full URL at INFO ("HTTP Request: GET https://...?token=..."), and our
# requests go through it, so its logger is guarded too.
# httpcore logs response headers at DEBUG from its own loggers (a filter sees only records of the
# logger it is on, not of its children, so each is named).
_GUARDED = (
    _ROOT,
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


def get_logger(name: str = _ROOT) -> logging.Logger:
    """``logging.getLogger(name)`` with a :class:`RedactingFilter` on it, on ``"nordfin"``, on
    ``"httpx"`` and on httpcore's loggers.

    A logger's filters only see records logged on that very logger, not those of its children,
    so the filter goes on the named logger itself; nordfin code gets its loggers from here only.
    Calling it again adds nothing.
    """
    for logger_name in {*_GUARDED, name}:
        _ensure_filter(logging.getLogger(logger_name))
    return logging.getLogger(name)


def _ensure_filter(logger: logging.Logger) -> None:
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())


# --- Secrets a client holds, masked wherever a server may echo them ---------------------------

#: Shorter values are not masked in text: a one-character "secret" would mask every such letter.
MIN_SECRET_LENGTH = 6
_MAX_DYNAMIC = 4096  # forms of per-request secrets (tokens, card tokens) kept per client, oldest out first
#: JSON body members and form fields whose string values are secrets (card tokens, keys).
SECRET_FIELDS: frozenset[str] = frozenset(
    {"card", "token", "key", "password", "secret", "client_secret", "api_key", "apikey", "access_token"}
)

_LIVE: weakref.WeakSet[SecretSet] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()


def html_escape(value: str) -> str:
    """``html.escape(value)``: the ``html`` package would import its 2,000-entity table with it
    (about 1.3 ms of every ``import nordfin.<slug>``, issue 14)."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace('"', "&quot;").replace("'", "&#x27;")


def _forms(value: str) -> set[str]:
    """The ways ``value`` may come back from a server: as is, URL-, JSON-, HTML-, base64-encoded,
    and as the escaped bytes of a ``repr`` (httpcore's log lines)."""
    raw = value.encode("utf-8", "surrogatepass")
    forms = {
        value,
        quote(value, safe=""),
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html_escape(value),
        repr(raw)[2:-1],
        base64.b64encode(raw).decode("ascii").rstrip("="),
        base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="),
    }
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


class SecretSet:
    """The secrets one client holds — credentials, fetched tokens, card tokens it sent — in every
    form a server might echo them; :meth:`scrub` masks them in text, :meth:`scrub_error` in an
    exception.

    Every live set is also consulted by the logging filter (:class:`RedactingFilter`), because
    httpx and httpcore log without knowing which client a line belongs to.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fixed: set[str] = set()
        self._dynamic: OrderedDict[str, None] = OrderedDict()
        self._pattern: re.Pattern[str] | None = None
        with _LIVE_LOCK:
            _LIVE.add(self)

    def add(self, value: str | Secret | None, *, dynamic: bool = False) -> None:
        """Register ``value`` (nothing happens for ``None`` or a value too short to mask).

        ``dynamic`` values (a card token in one request) are kept among the most recent few hundred.
        """
        text = value.reveal() if isinstance(value, Secret) else value
        if not isinstance(text, str) or len(text) < MIN_SECRET_LENGTH or text in self._fixed:
            return  # (a configured key, learnt again from every request it is sent with: known)
        forms = _forms(text)
        with self._lock:
            new = forms - self._fixed - self._dynamic.keys()
            if dynamic:
                for form in forms:
                    self._dynamic[form] = None
                    self._dynamic.move_to_end(form)
                while len(self._dynamic) > _MAX_DYNAMIC:
                    self._dynamic.popitem(last=False)
            else:
                self._fixed |= forms
            if new:  # the same key on every request must not recompile the pattern each time
                self._pattern = None

    def learn_request(self, request: httpx.Request) -> None:
        """Register the secrets ``request`` carries as it is sent: credential headers (a Basic pair
        decoded), credential query parameters, and :data:`SECRET_FIELDS` of a form or JSON body.

        Called for every request a client sends, its auth flow's token requests included, so a
        token fetched later or a card token sent once is masked like a configured key.
        """
        # (the raw header pairs: only a sensitive value is decoded; a URL without a query has no
        # parameters to parse — this runs on every request)
        headers = request.headers
        for raw_name, raw_value in headers.raw:
            if raw_name.lower() in _SENSITIVE_HEADER_BYTES:
                self._learn_header(raw_value.decode(headers.encoding))
        if _may_carry_sensitive_params(request.url.query):
            for name, value in request.url.params.multi_items():
                if name.lower() in SENSITIVE_PARAMS:
                    self.add(value, dynamic=True)
        content = request.content if isinstance(request.stream, httpx.ByteStream) else b""
        if content and len(content) <= 1_000_000:
            self._learn_body(request.headers.get("content-type", ""), content)

    def _learn_header(self, value: str) -> None:
        scheme, _, credential = value.partition(" ")
        if scheme.lower() == "basic" and credential:
            self.add(credential.strip(), dynamic=True)
            try:
                user, _, password = base64.b64decode(credential.strip()).decode("utf-8").partition(":")
            except ValueError:
                return
            for part in {password, unquote_plus(password), user, unquote_plus(user)}:
                self.add(part, dynamic=True)
        elif scheme.lower() == "bearer" and credential:
            self.add(credential.strip(), dynamic=True)
        else:
            self.add(value, dynamic=True)

    def _learn_body(self, content_type: str, content: bytes) -> None:
        if "x-www-form-urlencoded" in content_type:
            for pair in content.decode("utf-8", "replace").split("&"):
                name, _, value = pair.partition("=")
                if unquote_plus(name).lower() in SECRET_FIELDS | SENSITIVE_PARAMS:
                    self.add(unquote_plus(value), dynamic=True)
        elif "json" in content_type and any(f'"{name}"'.encode() in content for name in SECRET_FIELDS):
            try:
                body = json.loads(content)
            except ValueError:
                return
            for value in _secret_members(body, 0):
                self.add(value, dynamic=True)

    def values(self) -> list[str]:
        with self._lock:
            return [*self._fixed, *self._dynamic]

    def pattern(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and (self._fixed or self._dynamic):
                # Longest first, so that a secret inside another is not masked half.
                forms = sorted({*self._fixed, *self._dynamic}, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, forms)))
            return self._pattern

    def scrub(self, text: str) -> str:
        """``text`` with every registered secret, in any of its forms, as ``***``."""
        pattern = self.pattern()
        return pattern.sub(MASK, text) if pattern is not None and text else text

    def scrub_bytes(self, data: bytes) -> bytes:
        """:meth:`scrub` for a body as received (decoded as UTF-8, undecodable bytes kept)."""
        if not data or self.pattern() is None:
            return data
        text = data.decode("utf-8", "surrogateescape")
        scrubbed = self.scrub(text)
        return data if scrubbed == text else scrubbed.encode("utf-8", "surrogateescape")

    def scrub_value(self, value: Any, depth: int = 0) -> Any:
        """A JSON-like value (or an object with ``__slots__``, a vendor error) with secrets masked."""
        if depth > 32:
            return value
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, bytes):
            return self.scrub_bytes(value)
        if isinstance(value, dict):
            return {self.scrub_value(k, depth + 1): self.scrub_value(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.scrub_value(v, depth + 1) for v in value)
        for name in getattr(type(value), "__slots__", ()):
            if hasattr(value, name):
                setattr(value, name, self.scrub_value(getattr(value, name), depth + 1))
        return value

    def scrub_error(self, error: BaseException) -> BaseException:
        """Mask the secrets in ``error`` in place — its args, its attributes (the raw body and the
        vendor's payload included) — and in the exceptions chained to it; returns ``error``."""
        if self.pattern() is None:
            return error
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            current.args = tuple(self.scrub_value(arg) for arg in current.args)
            for name, value in list(vars(current).items()):
                if not name.startswith("__"):
                    setattr(current, name, self.scrub_value(value))
            current = current.__cause__ or current.__context__
        return error


def _secret_members(value: Any, depth: int) -> Iterable[str]:
    if depth > 16:
        return
    if isinstance(value, dict):
        for key, member in value.items():
            if isinstance(member, str) and str(key).lower() in SECRET_FIELDS:
                yield member
            else:
                yield from _secret_members(member, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _secret_members(item, depth + 1)


def secrets_in(obj: object, depth: int = 0) -> Iterable[Secret]:
    """Every :class:`Secret` held by ``obj`` (an auth flow), looked for in its attributes, mappings
    and sequences, a few levels deep."""
    if depth > 4:
        return
    if isinstance(obj, Secret):
        yield obj
    elif isinstance(obj, Mapping):
        for value in obj.values():
            yield from secrets_in(value, depth + 1)
    elif isinstance(obj, list | tuple | set | frozenset):
        for value in obj:
            yield from secrets_in(value, depth + 1)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        for value in vars(obj).values():
            yield from secrets_in(value, depth + 1)


def scrub_known_secrets(text: str) -> str:
    """``text`` with the secrets of every live client masked (for log lines of unknown origin)."""
    with _LIVE_LOCK:
        sets = list(_LIVE)
    for secrets in sets:
        text = secrets.scrub(text)
    return text
