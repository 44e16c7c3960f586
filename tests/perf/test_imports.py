"""What importing a client loads: only what a call needs, when it needs it (no timing here: the
figures are ``nox -s bench``'s). Each check runs in a fresh interpreter, so nothing a test
already imported can hide a module."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SLUGS = ["goto", "payex", "payfunc", "aptic", "permanad"]
# Heavy or unneeded at import: the wording engine (jsonschema, referencing: only once a value is
# invalid), jsonschema-rs (on the first check), asyncio (async clients only), pycountry
# (replaced by a generated table), importlib.metadata (the User-Agent, on the first client),
# XML (the fakes only), python-stdnum (the checksum checks, on the first that needs it).
NOT_AT_IMPORT = [
    "stdnum",
    "jsonschema",
    "referencing",
    "jsonschema_rs",
    "asyncio",
    "pycountry",
    "importlib.metadata",
    "xml.etree.ElementTree",
]


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("slug", SLUGS)
def test_importing_a_client_loads_nothing_a_call_does_not_need_yet(slug: str) -> None:
    loaded = loaded_after(f"from nordfin.{slug} import Client, AsyncClient")

    assert f"nordfin.{slug}" in loaded
    assert sorted(m for m in NOT_AT_IMPORT if m in loaded) == []


# httpx imports its command line (click, rich, pygments) when they are installed, and with them much
# of the standard library; an install of nordfin has none, so they are hidden as scripts/bench.py does.
NO_CLI = "import sys\nsys.modules.update(dict.fromkeys(('click', 'rich', 'pygments')))\n"
# What a user writes first (README), and what the bench times.
FIRST = "from nordfin import {slug}\n{slug}.Client"
# Not loaded by it, though httpx does not load them either: attrs (with the generated models, whose
# classes it makes, and the generated Client), dataclasses (half a millisecond a class), the async
# client, uuid (and the platform module it imports), decimal, html (its entity table), the spec and
# its machinery (with the first client), the generated types module (attrs classes), the packaged
# files' reader (the spec's provenance, SPEC, is read on first use), heapq (Permånad's first wait).
NOT_WITH_THE_CLIENT = [
    "attr",
    "attrs",
    "dataclasses",
    "uuid",
    "platform",
    "decimal",
    "html",
    "html.entities",
    "nordfin._core.spec",
    "nordfin._core.operation",
    "nordfin.{slug}._async",
    "nordfin_generated.{slug}.types",
    "nordfin_generated.{slug}.client",
    "nordfin._core.packaged",
    "importlib.util",
    "heapq",
]


@pytest.mark.parametrize("slug", SLUGS)
def test_from_nordfin_import_a_client_loads_only_the_sync_client(slug: str) -> None:
    httpx = loaded_after(f"{NO_CLI}import httpx")
    loaded = loaded_after(NO_CLI + FIRST.format(slug=slug))
    unwanted = {name.format(slug=slug) for name in NOT_WITH_THE_CLIENT}

    assert f"nordfin.{slug}._sync" in loaded
    assert not unwanted & httpx  # (else the check below would say nothing)
    assert sorted(unwanted & loaded) == []


@pytest.mark.parametrize("slug", SLUGS)
def test_what_the_first_client_or_call_needs_loads_then(slug: str) -> None:
    # the async client, with its first use; the spec machinery with the first client
    assert f"nordfin.{slug}._async" in loaded_after(f"{NO_CLI}from nordfin import {slug}\n{slug}.AsyncClient")
    assert f"nordfin.{slug}._async" in loaded_after(f"{NO_CLI}from nordfin.{slug} import AsyncClient")
    # the spec's provenance, with its first read
    spec_version = f"{NO_CLI}from nordfin import {slug}\n{slug}.SPEC_VERSION"
    assert "nordfin._core.packaged" in loaded_after(spec_version)


def test_a_client_is_built_without_attrs_which_comes_with_the_first_call() -> None:
    built = CALL.split("term = ")[0]  # the client, before its first call

    assert "attrs" not in loaded_after(NO_CLI + built)
    assert "attrs" in loaded_after(NO_CLI + CALL)


def test_attrs_and_the_generated_types_load_with_the_first_model() -> None:
    loaded = loaded_after(f"{NO_CLI}from nordfin import goto\ngoto.models.PaymentTermUpdate")

    assert {"attrs", "nordfin_generated.goto.types"} <= loaded
    generated_client = f"{NO_CLI}import nordfin_generated.goto as generated\ngenerated.Client"
    assert "nordfin_generated.goto.client" in loaded_after(generated_client)


def test_an_aptic_guid_is_still_checked_as_str_or_uuid() -> None:
    # Guid names uuid.UUID as a forward reference, read by the first check (the spec machinery of
    # the first client imports uuid anyway)
    code = (
        f"{NO_CLI}import httpx\nfrom nordfin import aptic\n"
        "from nordfin.errors import RequestValidationError\n"
        "client = aptic.Client(base_url='https://gw.example/a', client_id='c', client_secret='s',"
        " transport=httpx.MockTransport(lambda request: httpx.Response(500)))\n"
        "try:\n    client.customers.get(7)\nexcept RequestValidationError as error:\n"
        "    assert str(error) == 'customer_guid: must be str or UUID, not int', error\n"
        "else:\n    raise AssertionError('sent')"
    )

    assert "uuid" in loaded_after(code)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_packaged_spec_files_are_read_without_importlib_resources(slug: str) -> None:
    # (python-stdnum imports it for its own data files: one more reason it loads only when used)
    assert "importlib.resources" not in loaded_after(f"import nordfin.{slug}")


def test_a_checksum_check_loads_python_stdnum_when_it_runs() -> None:
    check = "from nordfin.permanad._checks import normalise_nin\nprint(normalise_nin('SE', '811228-9874'))"

    assert "stdnum.se.personnummer" in loaded_after(check)


def test_import_nordfin_loads_neither_httpx_nor_the_core() -> None:
    loaded = loaded_after("import nordfin")

    assert not {m for m in loaded if m.startswith(("httpx", "nordfin._core", "attr"))}
    assert "nordfin._core.retry" in loaded_after("from nordfin import RetryPolicy")


CALL = """
import httpx
from nordfin import goto
answer = {"paymentTerms": [{"code": "NET/30", "description": "30 days net"}], "since": 7}
client = goto.Client(
    store="s", api_key="k", rate_limit=False,
    transport=httpx.MockTransport(lambda request: httpx.Response(200, json=answer)),
)
term = client.payment_terms.get("NET/30")
assert term.code == "NET/30"
"""


def test_a_valid_call_checks_with_jsonschema_rs_and_never_loads_the_wording_engine() -> None:
    loaded = loaded_after(CALL)

    assert "jsonschema_rs" in loaded
    # Every argument here is an instance of a class its annotation names, which the argument check
    # answers itself: typeguard (and the unittest.mock and asyncio it imports) is not loaded.
    assert not {"jsonschema", "referencing", "typeguard", "asyncio"} & loaded


def test_an_argument_only_typeguard_can_judge_loads_it() -> None:
    assert "typeguard" in loaded_after(CALL.replace("rate_limit=False,", "rate_limit=False, sleep=print,"))


def test_an_invalid_value_is_worded_by_jsonschema() -> None:
    refused = CALL.replace(
        'term = client.payment_terms.get("NET/30")\nassert term.code == "NET/30"',
        "from nordfin.errors import RequestValidationError\n"
        "try:\n    client.payment_terms.get('x' * 300)\nexcept RequestValidationError as error:\n"
        "    assert 'at most 255' in str(error), error\nelse:\n    raise AssertionError('sent')",
    )

    assert "jsonschema" in loaded_after(refused)


def test_packaged_files_are_read_through_importlib_resources_when_not_in_a_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nordfin._core import packaged

    direct = packaged.read_packaged("generate.lock.json")
    monkeypatch.setattr(packaged.importlib.util, "find_spec", lambda name: None)

    assert packaged.read_packaged("generate.lock.json") == direct
    assert json.loads(direct)["specs"]


@pytest.mark.parametrize("slug", SLUGS)
def test_the_generated_models_package_imports_each_model_on_first_use(slug: str) -> None:
    package = f"nordfin_generated.{slug}.models"
    name, module = {"goto": ("PaymentTerm", "payment_term")}.get(slug, ("Order", "order"))
    if slug in ("payex", "aptic"):
        name, module = "Customer", "customer"

    assert not {m for m in loaded_after(f"import {package}") if m.startswith(f"{package}.")}
    assert f"{package}.{module}" in loaded_after(f"from {package} import {name}")


@pytest.mark.parametrize("slug", SLUGS)
def test_the_spec_machinery_loads_with_the_first_client(slug: str) -> None:
    machinery = {"nordfin._core.spec", "nordfin._core.leniency", "nordfin._core.schema"}

    assert machinery & loaded_after(f"import nordfin.{slug}") == set()
    assert machinery <= loaded_after(CALL)


# The generated model modules ``import nordfin.<slug>`` may load: the ones module-level code of the
# overlay still names. Payex: ``ExpandedCustomer`` (``nordfin.payex.models``) extends ``Customer``,
# which imports its five enums and ``Consent``. Permånad: the order statuses of the public
# ``FINAL_STATUSES``. Goto, Aptic and Payfunc load none (Aptic's sub-resource kinds read their models
# at the first call, the aliases of Payfunc's and Payex's signatures name them as forward references).
MODELS_AT_IMPORT = {
    "goto": set(),
    "aptic": set(),
    "permanad": {"order_status"},
    "payex": {
        "customer",
        "consent",
        "distribution_type",
        "legal_entity",
        "legal_status",
        "preferred_language_code",
    },
    "payfunc": set(),
}


@pytest.mark.parametrize("slug", SLUGS)
def test_importing_a_client_loads_no_generated_model_beyond_those_its_module_code_names(slug: str) -> None:
    package = f"nordfin_generated.{slug}.models."
    loaded = loaded_after(f"import nordfin.{slug}\nfrom nordfin.{slug} import Client, AsyncClient, models")

    assert {m.removeprefix(package) for m in loaded if m.startswith(package)} <= MODELS_AT_IMPORT[slug]
    # nor any operation module: the overlay holds each as a LazyOperation (api_init.py.jinja)
    api = f"nordfin_generated.{slug}.api."
    assert [m for m in loaded if m.startswith(api) and m.count(".") > api.count(".")] == []


def test_an_operation_module_loads_with_the_first_call_that_needs_it() -> None:
    loaded = loaded_after(CALL)

    assert "nordfin_generated.goto.api.payment_terms.get_payment_term" in loaded
    assert "nordfin_generated.goto.api.payment_terms.list_payment_terms" not in loaded


def test_a_lazy_operation_reads_as_its_module() -> None:
    probe = (
        "from nordfin_generated.goto.api.payment_terms import get_payment_term as lazy\n"
        "import nordfin_generated.goto.api.payment_terms.get_payment_term as real\n"
        "assert type(lazy).__name__ == 'LazyOperation' and lazy is not real\n"
        "assert lazy.OPERATION_ID == real.OPERATION_ID == 'get_payment_term'\n"
        "assert lazy.build_request is real.build_request and lazy.__file__ == real.__file__\n"
        "assert lazy.SUCCESS_MODEL is real.SUCCESS_MODEL\n"
        "try:\n    lazy.nothing\nexcept AttributeError:\n    pass\nelse:\n    raise AssertionError"
    )

    assert "nordfin_generated.goto.models.payment_terms_response" in loaded_after(probe)


@pytest.mark.parametrize("slug", SLUGS)
def test_a_model_named_through_the_client_module_loads_on_first_use(slug: str) -> None:
    name, module = {
        "goto": ("PaymentTerm", "payment_term"),
        "aptic": ("CustomerCreate", "customer_create"),
        "payex": ("NationalIdentifier", "national_identifier"),
    }.get(slug, ("Order", "order"))
    assert module not in MODELS_AT_IMPORT[slug]
    loaded = loaded_after(
        f"from nordfin import {slug}\nfrom nordfin_generated.{slug} import models as generated\n"
        f"assert {slug}.{name} is {slug}.models.{name} is generated.{name}\n"
        f"assert {name!r} in dir({slug}) and {name!r} in dir({slug}.models)"
    )

    assert f"nordfin_generated.{slug}.models.{module}" in loaded


def test_an_operation_reads_its_success_model_on_first_use() -> None:
    probe = (
        "from nordfin_generated.aptic.api.customers import get_customer as op\nimport sys\n"
        "assert 'nordfin_generated.aptic.models.customer' not in sys.modules\n"
        "assert op.SUCCESS_MODEL.__name__ == 'Customer'"
    )

    assert "nordfin_generated.aptic.models.customer" in loaded_after(probe)


# What an overlay's module code needs of its spec is written in the overlay, so importing a client
# reads no spec; the spec stays the one place to correct it, and these say where the two disagree.


def test_aptics_page_sizes_are_the_specs() -> None:
    from nordfin._core.spec import SpecIndex
    from nordfin.aptic import _plans

    index = SpecIndex.for_slug("aptic")
    top = index.operation("list_customers").parameter("$top", "query")
    assert top is not None
    schema = index.resolve(top.schema)

    assert (schema["default"], schema["maximum"]) == (_plans.DEFAULT_PAGE_SIZE, _plans.MAX_PAGE_SIZE)


def test_permanads_environments_are_the_specs_servers() -> None:
    from nordfin import permanad
    from nordfin._core.spec import SpecIndex

    servers = SpecIndex.for_slug("permanad").spec["servers"]

    assert {server["x-nordfin-environment"]: server["url"] for server in servers} == permanad.ENVIRONMENTS
