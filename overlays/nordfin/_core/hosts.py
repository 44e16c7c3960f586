"""Comparing hosts the way a safety check must: one spelling per host.

``HTTPS://Capi.LagerKoll.com:443/v1``, ``capi.lagerkoll.com.`` and ``capi.lagerkoll.com`` are one
host; ``bücher.example`` and ``xn--bcher-kva.example`` too. A check such as "never write to a
production host" compares :func:`normalise_host` of both sides (or calls :func:`same_host`), so no
spelling of a production host slips past it.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import idna

__all__ = ["normalise_host", "same_host"]

_DEFAULT_PORTS = {"https": 443, "http": 80}


def normalise_host(url_or_host: str) -> str:
    """The one spelling of the host of ``url_or_host``: ``host`` or ``host:port``.

    Lower case, IDNA (punycode) for international names, no trailing dot, no user info, and the
    port only when it is not the scheme's default. Without a scheme, ``https`` is assumed (every
    vendor API is served over it). IPv6 literals keep their brackets. ValueError when there is
    no host or it is not a valid name.
    """
    text = url_or_host.strip()
    if not text:
        raise ValueError("no host given")
    scheme = text.split("://", 1)[0].lower() if "://" in text else "https"
    parts = urlsplit(text if "://" in text else f"{scheme}://{text}")
    netloc = parts.netloc.rpartition("@")[2]
    host, port = _split_port(netloc)
    name = _canonical_name(host)
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return name
    return f"{name}:{port}"


def same_host(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` (URLs or hosts) name the same host and port, however spelt."""
    return normalise_host(a) == normalise_host(b)


def _split_port(netloc: str) -> tuple[str, int | None]:
    if netloc.startswith("["):  # an IPv6 literal: [::1]:8443
        host, _, rest = netloc[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = netloc.partition(":")
    if not port_text:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError("the port must be a number from 1 to 65535")
    return host, int(port_text)


def _canonical_name(host: str) -> str:
    host = host.rstrip(".")
    if not host:
        raise ValueError("no host given")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return f"[{address.compressed}]" if address.version == 6 else address.compressed
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise ValueError("the host is not a valid domain name") from None
