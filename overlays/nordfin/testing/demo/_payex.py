"""The PayEx part of ``python -m nordfin.testing.demo`` (wired in by ``demo.py``)."""

from __future__ import annotations

from nordfin import payex
from nordfin.payex.models import AddressInput, InternationalAccount, NationalIdentifier
from nordfin.testing.demo._story import say, show_error
from nordfin.testing.payex import FakePayex

__all__ = ["demo_payex"]


def demo_payex() -> None:
    """PayEx customers: create, expand, patch, hypermedia operations, find, surpluses, problems."""
    print("payex: PayEx Ledger Customer API (fake, ledger 591)")
    fake = FakePayex(ledger_number="591", page_size=2)
    person = NationalIdentifier(reg_no="19811218-9876", country_code="SE")
    billing = AddressInput(addressee="Kalle Axelstopp", city="STOCKHOLM", zip_code="16872", country_code="SE")
    legal = AddressInput(
        addressee="Britt-Marie Axelstopp", city="STOCKHOLM", zip_code="15961", country_code="SE"
    )
    with fake.client() as client:
        ref = client.customers.create(
            customer_no="9999",
            name="Britt-Marie Axelstopp",
            legal_address=legal,
            billing_address=billing,
            national_identifier=person,
            email_address="britt@axelstopp.com",
            msisdn="+46720000000",
        )
        say("create 9999 with a billing address", ref.id)
        customer = client.customers.get("9999", expand=True)
        say("get with $expand: billing address", customer.billing_address.addressee)  # type: ignore[union-attr]
        client.customers.update("9999", email_address="britt@example.se", msisdn=None)
        changed = client.customers.get("9999")
        msisdn = "deleted" if changed.msisdn is None else changed.msisdn
        say("patch email, delete msisdn", (changed.email_address, msisdn))
        client.billing_address.delete("9999")
        after = client.customers.get("9999")
        say("delete billing; add-billing-address?", payex.allowed(after, "add-billing-address"))
        client.follow(after, "add-billing-address", billing)
        say("follow add-billing-address", client.billing_address.get("9999").city)
        say("find by national identifier", client.customers.find(person).customer_no)
        for index, amount in enumerate((10.0, 20.0, 30.0)):
            fake.seed_surplus("9999", f"S{index}", amount)
        say("surpluses over 2-item pages", [s.surplus_id for s in client.surpluses.iterate("9999")])
        iban = InternationalAccount(iban="SE4550000000058398257466", bic="ESSESESS")
        client.surpluses.disburse("9999", "S0", international=iban)
        say("disburse S0 to an IBAN; its status", str(client.surpluses.get("9999", "S0").status))
        show_error("get an unknown customer", lambda: client.customers.get("1234"))
        bad = NationalIdentifier(reg_no="19811218-9877", country_code="SE")
        show_error("find with a bad personnummer", lambda: client.customers.find(bad))
    say("requests the fake received", len(fake.requests))
