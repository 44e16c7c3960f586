"""One verification run: live against a server, or offline over HAR files.

A live run builds the overlay's public ``Client`` with credentials from the environment and a
:class:`~nordfin.verify.record.RecordingTransport` under it, so every request goes through the
client's validation, auth, rate limiter and retry policy, and every attempt is recorded as it
went over the wire. A :class:`Guard` sees each request first: it keeps a read-only run to GET
(and to the OAuth token request it needs), refuses writes to a production host, and ends the run
at ``max_requests``. Then each exchange is checked (:mod:`nordfin.verify.check`) and the guesses
of the spec get their verdicts (:mod:`nordfin.verify.ledger`).
"""

from __future__ import annotations

import importlib
import inspect
import ipaddress
import time
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import httpx

from nordfin._core.hosts import normalise_host, same_host
from nordfin._core.redact import Secret, redact_url
from nordfin._core.spec import SpecIndex
from nordfin.verify.check import Checker
from nordfin.verify.drivers import DRIVERS, Run, Stop
from nordfin.verify.ledger import ledger
from nordfin.verify.record import Exchange, RecordingTransport, read_har
from nordfin.verify.report import Report

__all__ = [
    "SLUGS",
    "BudgetExhausted",
    "Guard",
    "Settings",
    "UsageError",
    "WriteRefused",
    "check_exchanges",
    "credential_keywords",
    "credentials_from_env",
    "is_production",
    "production_hosts",
    "verify_har",
    "verify_live",
]

SLUGS = tuple(sorted(DRIVERS))
DEFAULT_MAX_REQUESTS = 60
# Constructor keywords that are settings, not credentials: never read from the environment.
_SETTINGS = frozenset(
    {
        "base_url",
        "environment",
        "timeout",
        "retry",
        "rate_limit",
        "strict",
        "transport",
        "sleep",
        "clock",
        "poll_policy",
    }
)


class UsageError(Exception):
    """The run cannot start (bad arguments, missing credentials, refused writes): exit status 2."""


class BudgetExhausted(Exception):
    """``--max-requests`` is reached: the request was not sent."""


class WriteRefused(Exception):
    """A request the run must not send (a write in a read-only run, or to a production host)."""


@attrs.frozen(kw_only=True)
class Settings:
    """What to verify and how far a run may go."""

    slug: str
    base_url: str
    allow_writes: bool = False
    allow_writes_on: tuple[str, ...] = ()
    max_requests: int = DEFAULT_MAX_REQUESTS
    ids: Mapping[str, str] = attrs.field(factory=dict)


# --- hosts ------------------------------------------------------------------------------------


def production_hosts(slug: str) -> list[str]:
    """The documented production hosts of ``slug``, normalised (from its spec and its client)."""
    hosts = []
    for server in SpecIndex.for_slug(slug).spec.get("servers") or []:
        marked = server.get("x-nordfin-environment") == "production"
        described = str(server.get("description", "")).lower().startswith("production")
        url = str(server.get("url", ""))
        if (marked or described) and "{host}" not in url:
            hosts.append(normalise_host(url.split("{", 1)[0]))
    environments = getattr(importlib.import_module(f"nordfin.{slug}"), "ENVIRONMENTS", {})
    if "production" in environments:
        hosts.append(normalise_host(environments["production"]))
    return sorted(set(hosts))


def is_production(slug: str, base_url: str) -> bool:
    """Whether ``base_url`` is a production host of ``slug`` (however the host is spelt).

    Aptic documents no host: each tenant has its own under ``hosting.aptic.cloud``, its test
    tenants under ``*.test.hosting.aptic.cloud``; any other tenant there counts as production.
    """
    host = normalise_host(base_url)
    if host in production_hosts(slug):
        return True
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return slug == "aptic" and name.endswith(".hosting.aptic.cloud") and ".test." not in f".{name}"


def _is_local(base_url: str) -> bool:
    name = httpx.URL(base_url).host
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


# --- credentials ------------------------------------------------------------------------------


def credential_keywords(slug: str) -> dict[str, bool]:
    """The credential keywords of ``slug``'s ``Client`` constructor -> whether each is required."""
    client = importlib.import_module(f"nordfin.{slug}").Client
    found = {}
    for name, param in inspect.signature(client).parameters.items():
        if name in _SETTINGS or param.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        found[name] = param.default is inspect.Parameter.empty
    return found


def env_name(slug: str, keyword: str, market: str | None = None) -> str:
    """``NORDFIN_<SLUG>_<KEYWORD>`` (and ``_<MARKET>`` for one key per market)."""
    return "_".join(p for p in ("NORDFIN", slug.upper(), keyword.upper(), market) if p)


def credentials_from_env(slug: str, env: Mapping[str, str]) -> dict[str, Any]:
    """The client's credential keywords read from ``env``; UsageError names a missing variable."""
    from nordfin._core.transport import ClientCert

    values: dict[str, Any] = {}
    for keyword, required in credential_keywords(slug).items():
        prefix = env_name(slug, keyword) + "_"
        if keyword.endswith("s") and keyword.startswith("api_key"):  # one key per market
            keys = {
                name[len(prefix) :]: value for name, value in env.items() if name.startswith(prefix) and value
            }
            if keys:
                values[keyword] = keys
            elif required:
                raise UsageError(f"set {prefix}<MARKET> (e.g. {prefix}SE) to the API key of each market")
            continue
        value = env.get(env_name(slug, keyword))
        if not value:
            if required:
                raise UsageError(f"set {env_name(slug, keyword)} (the client's {keyword}=)")
            continue
        values[keyword] = ClientCert(certfile=value) if keyword == "cert" else value
    return values


def _secret_values(values: Mapping[str, Any]) -> list[str]:
    """Every credential value, to be redacted wherever it appears (the cert is a path: no secret)."""
    found: list[str] = []
    for keyword, value in values.items():
        if isinstance(value, Mapping):
            found += [str(v) for v in value.values()]
        elif isinstance(value, (str, Secret)) and keyword != "cert":
            found.append(value.reveal() if isinstance(value, Secret) else value)
    return found


# --- the guard ---------------------------------------------------------------------------------


@attrs.define
class Guard:
    """Sees every request before it leaves: the budget, read-only, and production hosts."""

    slug: str
    writes: bool
    max_requests: int
    allowed_production: tuple[str, ...] = ()
    token_paths: tuple[str, ...] = ()
    sent: int = 0
    refused: list[str] = attrs.field(factory=list)

    def __call__(self, request: httpx.Request) -> None:
        if self.sent >= self.max_requests:
            raise BudgetExhausted(f"the budget of {self.max_requests} requests is spent")
        if request.method not in ("GET", "HEAD") and not self._is_token_request(request):
            if not self.writes:
                self.refused.append(f"{request.method} {redact_url(request.url.path)}")
                raise WriteRefused("a read-only run sends only GET requests")
            url = str(request.url)
            if is_production(self.slug, url) and not any(same_host(url, h) for h in self.allowed_production):
                self.refused.append(f"{request.method} {redact_url(request.url.path)}")
                raise WriteRefused("writes to a production host are refused")
        self.sent += 1

    def _is_token_request(self, request: httpx.Request) -> bool:
        return request.method == "POST" and any(request.url.path.endswith(p) for p in self.token_paths)


def _token_paths(index: SpecIndex) -> tuple[str, ...]:
    paths = []
    for scheme in index.security_schemes.values():
        for flow in (scheme.get("flows") or {}).values():
            if flow.get("tokenUrl"):
                paths.append("/" + str(flow["tokenUrl"]).split("://", 1)[-1].lstrip("/").split("/", 1)[-1])
    return tuple(paths)


# --- runs --------------------------------------------------------------------------------------


def _check_settings(settings: Settings) -> None:
    if settings.slug not in DRIVERS:
        raise UsageError(f"unknown API {settings.slug!r}; known: {', '.join(SLUGS)}")
    if not settings.base_url.lower().startswith(("https://", "http://")):
        raise UsageError("--base-url must be an http(s) URL")
    if settings.max_requests < 1:
        raise UsageError("--max-requests must be at least 1")
    try:
        normalise_host(settings.base_url)
        for host in settings.allow_writes_on:
            normalise_host(host)
    except ValueError as error:
        raise UsageError(f"a host is not valid: {error}") from None
    names = {
        p.name
        for op in SpecIndex.for_slug(settings.slug).operations
        for p in op.parameters
        if p.location == "path"
    }
    unknown = sorted(set(settings.ids) - names)
    if unknown:
        known = ", ".join(sorted(names))
        raise UsageError(
            f"--id names no path parameter of {settings.slug}: {', '.join(unknown)}; known: {known}"
        )
    named = any(same_host(settings.base_url, h) for h in settings.allow_writes_on)
    if settings.allow_writes and is_production(settings.slug, settings.base_url) and not named:
        host = normalise_host(settings.base_url)
        raise UsageError(
            f"writes refused: {host} is a production host of {settings.slug}; "
            f"repeat it as --allow-writes-on {host} to write there anyway"
        )


def verify_live(
    settings: Settings,
    env: Mapping[str, str],
    *,
    transport: httpx.BaseTransport | None = None,
    client_options: Mapping[str, Any] | None = None,
) -> tuple[Report, list[Exchange], list[str]]:
    """Run ``settings`` against the server; the report, the exchanges and the secrets to redact.

    ``transport`` replaces the network under the recorder (tests); ``client_options`` are more
    constructor keywords for the client (a ``rate_limit=`` on a virtual clock, a ``sleep=``).
    """
    _check_settings(settings)
    scheme, _, rest = settings.base_url.partition("://")
    settings = attrs.evolve(settings, base_url=f"{scheme.lower()}://{rest}")
    credentials = credentials_from_env(settings.slug, env)
    index = SpecIndex.for_slug(settings.slug)
    guard = Guard(
        settings.slug,
        settings.allow_writes,
        settings.max_requests,
        tuple(settings.allow_writes_on),
        _token_paths(index),
    )
    recorder = RecordingTransport(transport, guard=guard)
    started = time.monotonic()
    module = importlib.import_module(f"nordfin.{settings.slug}")
    try:
        client = module.Client(
            base_url=settings.base_url, transport=recorder, **credentials, **(client_options or {})
        )
    except Exception as error:
        raise UsageError(
            f"cannot build the {settings.slug} client: {type(error).__name__}: {error}"
        ) from None
    run = Run(
        client,
        dict(settings.ids),
        settings.allow_writes,
        spent=lambda: False,
        last_ok=lambda: bool(recorder.exchanges) and recorder.exchanges[-1].status < 300,
    )
    run.spent = lambda: guard.sent >= settings.max_requests - run.reserve()
    with client:
        try:
            DRIVERS[settings.slug](run)
        except Stop:
            run.notes.append(f"the budget of {settings.max_requests} requests ended the run")
        finally:
            run.spent = lambda: guard.sent >= settings.max_requests
            run.clean()
    if not recorder.exchanges and recorder.errors:
        raise UsageError(f"cannot reach {redact_url(settings.base_url)}")
    mode = "writes" if settings.allow_writes else "read-only"
    report = check_exchanges(settings.slug, recorder.exchanges, base_url=settings.base_url, mode=mode)
    report.notes += run.notes + [f"refused before sending: {r}" for r in guard.refused]
    if recorder.errors:
        kinds = ", ".join(sorted(set(recorder.errors)))
        report.notes.append(f"{len(recorder.errors)} requests got no answer ({kinds})")
    report.cleaned, report.left_over = run.cleaned, run.left_over
    report.duration_s = time.monotonic() - started
    return report, recorder.exchanges, _secret_values(credentials)


def check_exchanges(slug: str, exchanges: Iterable[Exchange], *, base_url: str | None, mode: str) -> Report:
    """Check ``exchanges`` against ``slug``'s spec: the report (without duration or cleanup)."""
    index = SpecIndex.for_slug(slug)
    checker = Checker(index, base_url)
    exchanges = list(exchanges)
    for exchange in exchanges:
        checker.check(exchange)
    exercised = sorted({op for op, _, _ in checker.checked})
    report = Report(
        api=slug,
        mode=mode,
        base_url=redact_url(base_url) if base_url else "(from the HAR files)",
        local=bool(base_url) and _is_local(base_url or ""),
        findings=checker.findings,
        inferences=ledger(index.spec, checker.visited, checker.findings),
        requests=len(exchanges),
        checked=len(checker.checked),
        outside=checker.outside,
        operations={
            "exercised": exercised,
            "unexercised": sorted(
                op.operation_id for op in index.operations if op.operation_id not in exercised
            ),
        },
    )
    if checker.elsewhere:
        report.notes.append(f"{checker.elsewhere} exchanges with other hosts were left out")
    return report


def verify_har(slug: str, paths: Iterable[str], *, base_url: str | None = None) -> Report:
    """Check the exchanges of HAR files offline (nothing is sent)."""
    if slug not in DRIVERS:
        raise UsageError(f"unknown API {slug!r}; known: {', '.join(SLUGS)}")
    exchanges: list[Exchange] = []
    started = time.monotonic()
    for path in paths:
        try:
            exchanges += read_har(path)
        except ValueError as error:
            raise UsageError(f"{path}: {error}") from None
    report = check_exchanges(slug, exchanges, base_url=base_url, mode="HAR (offline)")
    report.local = bool(base_url) and _is_local(base_url or "")
    report.duration_s = time.monotonic() - started
    return report
