"""The five clients, each built with given secrets, and one call of each that reaches the server
carrying them (a card token in the body for PayFunc)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nordfin import aptic, goto, payex, payfunc, permanad
from nordfin.payfunc.models import TokenMethodCreatable

SLUGS = ("goto", "payex", "payfunc", "aptic", "permanad")


def no_sleep(seconds: float) -> None:
    """Retries are instant."""


def build(slug: str, secrets: dict[str, str], **settings: Any) -> tuple[Any, Callable[[], Any]]:
    """(client, call) for ``slug``; ``secrets`` has ``key``, ``token`` (a card token), ``client_secret``."""
    settings.setdefault("sleep", no_sleep)
    key = secrets["key"]
    if slug == "goto":
        client: Any = goto.Client(store="4711", api_key=key, **settings)
        return client, lambda: client.payment_terms.get("NET30")
    if slug == "payex":
        client = payex.Client(ledger_number="591", token=key, **settings)
        return client, lambda: client.customers.get("1001")
    if slug == "payfunc":
        client = payfunc.Client(api_key=key, **settings)
        method = TokenMethodCreatable(type_="token", card=secrets["token"])
        return client, lambda: client.accounts.create(method=[method])
    if slug == "aptic":
        settings.setdefault("base_url", "https://aptic.example/api")
        secret = secrets["client_secret"]
        client = aptic.Client(client_id="app", client_secret=secret, api_key=key, **settings)
        return client, lambda: client.customers.get("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
    settings.setdefault("rate_limit", False)  # its process-wide 100 per 5 minutes, unless one is given
    client = permanad.Client(api_keys={"SE": key}, market="SE", **settings)
    return client, lambda: client.orders.get("ord-123")
