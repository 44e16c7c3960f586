"""``demo_aptic()``: the Aptic client against its fake, end to end."""

from __future__ import annotations

from nordfin import aptic
from nordfin.testing.aptic import FakeAptic
from nordfin.testing.demo._story import say, show_error


def demo_aptic() -> None:
    """Aptic customers: token, create, sub-resources, a quoted filter, 250 customers in pages."""
    print("aptic: Aptic API Gateway - Customers (fake)")
    fake = FakeAptic()
    with fake.client() as client:
        client.ping()
        say("ping (fetches an OAuth2 token first)", f"{len(fake.token_requests)} token request")
        customer = client.customers.create(
            aptic.CustomerCreate(full_name="Siobhán O'Brien", juridical_type=aptic.JuridicalType.PERSON)
        )
        guid = customer.customer_guid
        say("create a customer", guid)
        address = client.customers.addresses(guid).create(
            aptic.CustomerAddressInput(street="Storgatan", house_no="1", zip_code="11122", city="Stockholm")
        )
        say("add an address", address.full_address)
        client.customers.extra_fields(guid).create(aptic.ExtraFieldInput(name="SEGMENT", value=["GOLD"]))
        say("add an extra field", client.customers.extra_fields(guid).get("SEGMENT").value)
        for n in range(249):
            client.customers.create(aptic.CustomerCreate(full_name=f"Kund {n:03}"))
        name = aptic.Field("fullName").eq("Siobhán O'Brien")
        say(f"filter {name}", [c.full_name for c in client.customers.iterate(filter=name)])
        pages = [len(page.value) for page in client.customers.iterate().pages()]
        say("iterate every customer, 100 a page", f"{sum(pages)} customers in pages of {pages}")
        client.customers.update(guid, aptic.CustomerUpdate(email="siobhan@example.se"))
        say("update the e-mail address", client.customers.get(guid).email)
        client.customers.delete(guid)
        show_error("get the deleted customer", lambda: client.customers.get(guid))
        show_error("a GUID that is none", lambda: client.customers.get("../admin"))
        mandate = aptic.DirectDebitMandateInput(direct_debit_mandate_type=6, receiving_bank_account_no="1")  # type: ignore[arg-type]
        show_error(
            "a mandate of an unknown type",
            lambda: client.customers.direct_debit_mandates(guid).create(mandate),
        )
    say("requests the fake received", len(fake.requests))


if __name__ == "__main__":
    demo_aptic()
