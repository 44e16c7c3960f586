"""Keeping secrets and personal data out of logs, ``repr`` and exception text.

Secrets (tokens, API keys, client secrets) are held in :class:`Secret`, whose text is always ``***``.
Headers and query parameters known to carry credentials are replaced by ``***`` whole.
National identity numbers, IBANs, card numbers and account numbers are masked by :func:`mask_pii`,
which keeps the last four characters so that a support engineer can still match a log line to a case.
Every nordfin logger (:func:`get_logger`) runs :func:`mask_pii` over each message it emits.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Mapping
from urllib.parse import unquote, unquote_plus, urlsplit, urlunsplit

import httpx

__all__ = [
    "SENSITIVE_HEADERS",
    "SENSITIVE_PARAMS",
    "RedactingFilter",
    "Secret",
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


# One regex, alternatives tried left to right at each position; each names the kind it found.
_PII = re.compile(
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
    return _PII.sub(_mask_match, text)


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
        record.msg = redact_text(_message_of(record))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def _message_of(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:
        # A bad format string must not turn a log call into a crash of the caller.
        return f"{record.msg} (unformattable arguments)"


_ROOT = "nordfin"
# httpx logs every request's full URL at INFO ("HTTP Request: GET https://...?token=..."), and our
# requests go through it, so its logger is guarded too.
_GUARDED = (_ROOT, "httpx")


def get_logger(name: str = _ROOT) -> logging.Logger:
    """``logging.getLogger(name)`` with a :class:`RedactingFilter` on it, on ``"nordfin"`` and on
    ``"httpx"``.

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
