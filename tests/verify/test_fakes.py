"""Each fake, in its own process, verified over real HTTP: writes first, then read-only.

The fakes were written from the specs, so they must agree; the report must say plainly that a
server on this machine confirms nothing about the vendor.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from _verify_helpers import SLUGS, Outcome, Served, base_url

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def write_runs() -> dict[str, Outcome]:
    return {}


def write_run(
    slug: str, served: dict[str, Served], verify: Callable[..., Outcome], write_runs: dict[str, Outcome]
) -> Outcome:
    """The write run against ``slug``'s fake, once per process: under xdist any of these tests may be
    the first of its worker, so each asks for the run rather than relying on test order."""
    if slug not in write_runs:
        fake = served[slug]
        write_runs[slug] = verify(
            slug, "--base-url", base_url(slug, fake.url), "--allow-writes", env=fake.env()
        )
    return write_runs[slug]


@pytest.mark.parametrize("slug", SLUGS)
def test_a_write_run_against_the_fake_agrees(
    slug: str, served: dict[str, Served], verify: Callable[..., Outcome], write_runs: dict[str, Outcome]
) -> None:
    outcome = write_run(slug, served, verify, write_runs)
    assert (outcome.status, outcome.findings(), outcome.report["agrees"]) == (0, [], True)
    assert outcome.report["mode"] == "writes"
    assert "confirms nothing about the vendor" in outcome.markdown
    assert "confirms nothing about the vendor" in outcome.out


@pytest.mark.parametrize("slug", SLUGS)
def test_a_write_run_makes_reads_changes_and_cleans(
    slug: str, served: dict[str, Served], verify: Callable[..., Outcome], write_runs: dict[str, Outcome]
) -> None:
    """Every lifecycle step succeeded (no step failed) and what has no delete is listed as left over."""
    report = write_run(slug, served, verify, write_runs).report
    failed = [note for note in report["notes"] if note.startswith("step ")]
    assert failed == []
    # PayEx, PayFunc and Permånad have no delete for customers, accounts and orders.
    cleans = {"goto": True, "aptic": True, "payex": True, "payfunc": True, "permanad": False}
    keeps = {"goto": False, "aptic": False, "payex": True, "payfunc": True, "permanad": True}
    assert (cleans[slug], keeps[slug]) == (
        bool(report["cleanup"]["removed"]),
        bool(report["cleanup"]["leftOver"]),
    )
    assert all(item.endswith("(the API has no delete)") for item in report["cleanup"]["leftOver"])


@pytest.mark.parametrize("slug", SLUGS)
def test_a_write_run_confirms_inferences_and_contradicts_none(
    slug: str, served: dict[str, Served], verify: Callable[..., Outcome], write_runs: dict[str, Outcome]
) -> None:
    verdicts = write_run(slug, served, verify, write_runs).report["verdicts"]
    assert verdicts["confirmed"] > 0
    assert verdicts["contradicted"] == 0


def _seed(slug: str, fake: Served) -> list[str]:
    """Data a read-only run can discover (the write runs clean up after themselves where they can)."""
    from nordfin import aptic, goto, payex

    if slug == "goto":
        with goto.Client(
            store=fake.credentials["store"], api_key=fake.credentials["api_key"], base_url=fake.url
        ) as client:
            client.payment_terms.create(code="nordfin-verify-seed", description="seeded")
    if slug == "aptic":
        with aptic.Client(
            base_url=fake.url,
            client_id=fake.credentials["client_id"],
            client_secret=fake.credentials["client_secret"],
        ) as client:
            client.customers.create(aptic.CustomerCreate(full_name="nordfin-verify-seed"))
    if slug == "payex":
        with payex.Client(
            ledger_number="XXX", token=fake.credentials["bearer"], base_url=base_url(slug, fake.url)
        ) as client:
            address = payex.models.AddressInput(
                addressee="nordfin-verify-seed", city="X", zip_code="11122", country_code="SE"
            )
            client.customers.create(customer_no="8000001", name="nordfin-verify-seed", legal_address=address)
        return ["--id", "customerNo=8000001"]
    return []


@pytest.mark.parametrize("slug", SLUGS)
def test_a_read_only_run_against_the_fake_agrees_and_reads_what_it_found(
    slug: str, served: dict[str, Served], verify: Callable[..., Outcome], write_runs: dict[str, Outcome]
) -> None:
    write_run(slug, served, verify, write_runs)  # what has no delete is left for this run to find
    fake = served[slug]
    ids = _seed(slug, fake)
    outcome = verify(slug, "--base-url", base_url(slug, fake.url), *ids, env=fake.env())
    assert (outcome.status, outcome.findings(), outcome.report["mode"]) == (0, [], "read-only")
    exercised = outcome.report["operations"]["exercised"]
    assert any(op.startswith("get_") for op in exercised), exercised
    assert not any(op.startswith(("create_", "update_", "delete_", "add_", "replace_")) for op in exercised)
    assert "confirms nothing about the vendor" in outcome.markdown
