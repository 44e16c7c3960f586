"""Redacting captured traffic: secrets and personal data out, the shape kept for verification.

Secrets are found two ways. By name: credential headers (``nordfin._core.redact``), query
parameters, form fields and JSON members called like a token, a key, a secret, a password or a
card token. By value: every secret the caller hands over (the credentials the run used) is
replaced wherever it appears, also percent-encoded, in base64 and inside HTTP Basic credentials,
so a server that echoes a secret does not leak it either. Personal data (identity numbers,
e-mail addresses, phone numbers) is found by member name and by its look in any text.

A redacted string becomes ``***`` (an e-mail address: :data:`REDACTED_EMAIL`, still an address),
so a redacted body keeps its shape and can still be verified; the checker does not hold a
redacted value to its pattern or format.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit, urlunsplit

from nordfin._core.redact import MASK, SENSITIVE_HEADERS, SENSITIVE_PARAMS, mask_pii

if TYPE_CHECKING:
    from nordfin.verify.record import Exchange

__all__ = ["MASK", "MIN_SECRET", "REDACTED_EMAIL", "Scrubber", "is_redacted"]

REDACTED_EMAIL = "redacted@example.invalid"
MIN_SECRET = 4

# Member, field and header names compared without case, "_" or "-".
_SECRET_NAMES = frozenset(
    {
        "token",
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "usertoken",
        "bearer",
        "apikey",
        "key",
        "privatekey",
        "publickey",
        "clientsecret",
        "secret",
        "password",
        "passwd",
        "pwd",
        "authorization",
        "authentication",
        "cookie",
        "setcookie",
        "signature",
        "card",
        "cardtoken",
        "cardnumber",
        "pan",
        "cvc",
        "cvv",
        "cvv2",
        "session",
        "sessionid",
        "subscriptionkey",
        "ocpapimsubscriptionkey",
    }
)
_PERSONAL_NAMES = frozenset(
    {
        "email",
        "emailaddress",
        "mail",
        "phone",
        "phonenumber",
        "mobile",
        "mobilephone",
        "msisdn",
        "cellphone",
        "nin",
        "ssn",
        "regno",
        "personalnumber",
        "personalidentitynumber",
        "personnummer",
        "socialsecuritynumber",
        "identitynumber",
        "nationalidentitynumber",
        "birthnumber",
        "dateofbirth",
        "birthdate",
    }
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w+])\+[0-9](?:[ \-]?[0-9]){6,16}(?![0-9])")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+")


def _canonical(name: str) -> str:
    return re.sub(r"[_\-\s]", "", name).lower()


def _secret_name(name: str) -> bool:
    canonical = _canonical(name)
    return (
        canonical in _SECRET_NAMES
        or name.lower() in SENSITIVE_HEADERS
        or name.lower() in SENSITIVE_PARAMS
        or canonical.endswith(("token", "secret", "password", "apikey"))
    )


def _personal_name(name: str) -> bool:
    return _canonical(name) in _PERSONAL_NAMES


def is_redacted(value: Any) -> bool:
    """Whether ``value`` is (or holds) something this module redacted."""
    return isinstance(value, str) and (MASK in value or value == REDACTED_EMAIL or "****" in value)


class Scrubber:
    """Redacts exchanges; ``secrets`` are values to remove wherever they appear.

    Values shorter than :data:`MIN_SECRET` characters are only redacted by name: replacing every
    "ab" in a report would destroy it, and no credential is that short.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET}
        forms: set[str] = set()
        for value in values:
            forms |= _spellings(value)
        for a, b in itertools.permutations(values, 2):  # HTTP Basic of two given values
            forms.add(base64.b64encode(f"{a}:{b}".encode()).decode("ascii"))
        # Longest first, so a secret inside another is not half replaced.
        self._forms = sorted((f for f in forms if f), key=len, reverse=True)

    # --- text -----------------------------------------------------------------------------------

    def secrets_out(self, text: str) -> str:
        """``text`` with every given secret, in any of its spellings, replaced by ``***``."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def text(self, text: str) -> str:
        """``text`` with secrets, bearer/basic credentials and personal data redacted."""
        text = self.secrets_out(text)
        text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
        text = _EMAIL.sub(REDACTED_EMAIL, text)
        text = _PHONE.sub(MASK, text)
        return mask_pii(text)

    # --- parts of an exchange -------------------------------------------------------------------

    def headers(self, headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """Credential headers whole, any other header's value as :meth:`text`."""
        return tuple((name, MASK if _secret_name(name) else self.text(value)) for name, value in headers)

    def url(self, url: str) -> str:
        """User info out, secret parameters ``***``, personal data in path and query redacted."""
        parts = urlsplit(self.secrets_out(url))
        netloc = parts.netloc.rpartition("@")[2]
        segments = [self._segment(segment) for segment in parts.path.split("/")]
        query = [
            (name, MASK if _secret_name(name) or _personal_name(name) else self.text(value))
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ]
        return urlunsplit((parts.scheme, netloc, "/".join(segments), urlencode(query), ""))

    def _segment(self, segment: str) -> str:
        decoded = unquote(segment)
        cleaned = self.text(decoded)
        return segment if cleaned == decoded else quote(cleaned, safe="*@")

    def body(self, content: bytes, content_type: str | None) -> bytes:
        """A JSON, form or text body redacted member by member; other bytes as text."""
        if not content:
            return content
        text = content.decode("utf-8", errors="replace")
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            pairs = parse_qsl(text, keep_blank_values=True)
            cleaned = [(k, MASK if _secret_name(k) or _personal_name(k) else self.text(v)) for k, v in pairs]
            return self.secrets_out(urlencode(cleaned)).encode()
        try:
            data = json.loads(text)
        except ValueError:
            return self.text(text).encode()
        return json.dumps(self.value(data), ensure_ascii=False).encode()

    def value(self, data: Any, name: str | None = None) -> Any:
        """JSON-like ``data`` redacted; ``name`` is the member that holds it."""
        if isinstance(data, dict):
            return {self.secrets_out(str(k)): self.value(v, str(k)) for k, v in data.items()}
        if isinstance(data, list):
            return [self.value(item, name) for item in data]
        if name is not None and (_secret_name(name) or _personal_name(name)):
            return _replacement(name, data)
        return self.text(data) if isinstance(data, str) else data

    def exchange(self, exchange: Exchange) -> Exchange:
        """A copy of ``exchange`` with everything above applied."""
        import attrs

        return attrs.evolve(
            exchange,
            url=self.url(exchange.url),
            request_headers=self.headers(exchange.request_headers),
            request_body=self.body(exchange.request_body, exchange.request_header("content-type")),
            response_headers=self.headers(exchange.response_headers),
            response_body=self.body(exchange.response_body, exchange.response_header("content-type")),
        )


def _spellings(value: str) -> set[str]:
    raw = value.encode("utf-8")
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    forms.add(base64.b64encode(raw).decode("ascii"))
    forms.add(base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="))
    return forms


def _replacement(name: str, value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value  # nothing to hide, and null-ness is part of what is verified
    if isinstance(value, (int, float)):
        return 0
    if "mail" in _canonical(name):
        return REDACTED_EMAIL
    return MASK
