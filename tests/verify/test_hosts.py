"""``nordfin._core.hosts``: one spelling per host, so a production check cannot be dodged."""

from __future__ import annotations

import pytest

from nordfin._core.hosts import normalise_host, same_host


@pytest.mark.parametrize(
    "spelling",
    [
        "capi.lagerkoll.com",
        "CAPI.LagerKoll.COM",
        "capi.lagerkoll.com.",
        "capi.lagerkoll.com:443",
        "https://capi.lagerkoll.com/v1",
        "HTTPS://Capi.Lagerkoll.com:443/v1/payment_terms/",
        "https://user:secret@capi.lagerkoll.com./v1",
    ],
)
def test_every_spelling_of_a_host_is_one(spelling: str) -> None:
    assert normalise_host(spelling) == "capi.lagerkoll.com"


def test_a_port_other_than_the_default_is_kept() -> None:
    assert normalise_host("https://capi.lagerkoll.com:8443/v1") == "capi.lagerkoll.com:8443"


def test_the_default_port_depends_on_the_scheme() -> None:
    assert (
        normalise_host("http://example.com:80/"),
        normalise_host("https://example.com:80/"),
    ) == ("example.com", "example.com:80")


def test_international_names_compare_as_idna() -> None:
    assert same_host("https://BÜCHER.example/api", "xn--bcher-kva.example")


def test_addresses_are_written_once() -> None:
    assert (
        normalise_host("http://127.0.0.1:8080/x"),
        normalise_host("http://[0:0::1]:8080/x"),
    ) == ("127.0.0.1:8080", "[::1]:8080")


def test_different_hosts_differ() -> None:
    assert not same_host("api.payfunc.com", "api.payfunc.com.evil.example")


@pytest.mark.parametrize("bad", ["", "https://", "https://host:99999/", "https://exa mple.com/"])
def test_no_host_or_a_bad_one_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"host|port"):
        normalise_host(bad)
