"""Per-call overhead of nordfin's clients against raw httpx, and the time of a full generation.

Both sides talk to the same in-process ``httpx.MockTransport`` that answers a fixed body, so the
ratio is nordfin's own cost: spec validation of the request, auth, retry and error plumbing,
and parsing into the generated models. Rate limiting is off here (a 200/minute limiter would
make this a benchmark of waiting); its cost is measured on its own.

Usage: python scripts/bench.py [--calls N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from nordfin import aptic, goto
from nordfin._core.ratelimit import RateLimiter
from nordfin.errors import RedisUnavailable
from nordfin_generated.aptic.models import CustomerList
from nordfin_generated.goto.models import PaymentTermsResponse

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://capi.lagerkoll.com/v1"
TERM = {"code": "NET/30", "description": "30 days net"}
ANSWERS = {
    "get": {"paymentTerms": [TERM], "since": 7},
    "list": {"paymentTerms": [dict(TERM, code=f"T{i}") for i in range(50)], "since": 7},
}


APTIC = "https://c000001.test.hosting.aptic.cloud/C000001-00001-T01/APIGW"
CUSTOMERS = [
    {"customerGuid": f"3f2504e0-4f89-11d3-9a0c-{n:012x}", "fullName": f"Kund {n}", "juridicalType": 0}
    for n in range(25)
]
ANSWERS["aptic list"] = {"count": 25, "skip": 0, "total": 25, "value": CUSTOMERS}
TOKEN = json.dumps({"access_token": "t", "expires_in": 3600}).encode()
NAME = aptic.Field("fullName").eq("O'Brien")


def transport(kind: str) -> httpx.MockTransport:
    body = json.dumps(ANSWERS[kind]).encode()
    headers = {"content-type": "application/json"}

    def answer(request: httpx.Request) -> httpx.Response:
        token = request.url.path.endswith("/access_token")
        return httpx.Response(200, content=TOKEN if token else body, headers=headers)

    return httpx.MockTransport(answer)


def raw_call(kind: str) -> Callable[[], object]:
    if kind == "aptic list":
        http = httpx.Client(base_url=APTIC, transport=transport(kind), headers={"authorization": "Bearer t"})
        query = {"$filter": str(NAME), "$skip": 0, "$top": 25}
        return lambda: http.get("/v1/Customers", params=query).json()
    client = httpx.Client(base_url=BASE, transport=transport(kind), headers={"store": "s", "api_key": "k"})
    if kind == "get":
        return lambda: client.get("/payment_terms/NET/30").json()
    return lambda: client.get("/payment_terms/", params={"since": 0}).json()  # as the client sends it


def parsed_call(kind: str) -> Callable[[], object]:
    """Raw httpx plus the generated model's from_dict: what the typed result alone costs."""
    get = raw_call(kind)
    model = CustomerList if kind == "aptic list" else PaymentTermsResponse
    return lambda: model.from_dict(get())  # type: ignore[arg-type]


def nordfin_call(kind: str) -> Callable[[], object]:
    if kind == "aptic list":  # OAuth2 (a cached token), the filter builder, spec validation
        customers = aptic.Client(base_url=APTIC, client_id="c", client_secret="s", transport=transport(kind))
        return lambda: customers.customers.list(filter=NAME)
    client = goto.Client(store="s", api_key="k", transport=transport(kind), rate_limit=False)
    terms = client.payment_terms
    return (lambda: terms.get("NET/30")) if kind == "get" else (lambda: terms.list())


def per_call_ns(call: Callable[[], object], calls: int) -> list[int]:
    samples = []
    for _ in range(calls):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    return samples


def compare(kind: str, calls: int) -> list[float]:
    """Median µs of raw httpx, raw httpx + model parsing, and nordfin, in alternating rounds."""
    contenders = [raw_call(kind), parsed_call(kind), nordfin_call(kind)]
    samples: list[list[int]] = [[] for _ in contenders]
    for _ in range(10):
        for call, into in zip(contenders, samples, strict=True):
            into += per_call_ns(call, calls // 10)
    return [statistics.median(s) / 1000 for s in samples]


def limiter_cost_ns(calls: int) -> float:
    limiter = RateLimiter(limit=10**9, period=60.0)
    return statistics.median(per_call_ns(limiter.reserve, calls))


def redis_limiter_cost(calls: int) -> str:
    """The same ``reserve()`` shared through a loopback ``redis-server`` started here (one round trip
    and one Lua script per call), or why it could not be measured."""
    import shutil
    import socket

    if shutil.which("redis-server") is None:
        return "not measured (no redis-server; apt-get install -y redis-server)"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        limiter = RateLimiter(limit=10**9, period=60.0, shared=f"redis://127.0.0.1:{port}/0", key="bench")
        for _ in range(100):  # until the server listens
            try:
                limiter.reserve()
                break
            except RedisUnavailable:  # while it starts
                time.sleep(0.05)
        return f"{statistics.median(per_call_ns(limiter.reserve, calls)) / 1000:.2f} µs"
    finally:
        server.terminate()
        server.wait()


def generate_seconds() -> tuple[float, int]:
    """Wall time of a full generation into a temporary folder (generate.py --check) and its exit code."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "scripts/generate.py", "--check"], cwd=ROOT, capture_output=True)
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    calls = parser.parse_args().calls
    print(f"per-call median over {calls} calls each, same in-process transport")
    print("              raw httpx   + model parse     nordfin   ratio (to raw)  ratio (to raw + parse)")
    for kind in ("get", "list", "aptic list"):
        raw_us, parsed_us, our_us = compare(kind, calls)
        label = kind if kind.startswith("aptic") else f"goto {kind}"
        print(
            f"  {label:<10} {raw_us:8.1f} µs {parsed_us:10.1f} µs {our_us:9.1f} µs"
            f"   {our_us / raw_us:10.2f}   {our_us / parsed_us:16.2f}"
        )
    print(f"  rate limiter reserve(): {limiter_cost_ns(calls) / 1000:.2f} µs")
    print(f"  shared through Redis (loopback): {redis_limiter_cost(calls)}")
    seconds, status = generate_seconds()
    note = "" if status == 0 else f" (exit {status}: generated/ differs from a fresh generation)"
    print(f"full generation of every spec (generate.py --check): {seconds:.2f} s{note}")


if __name__ == "__main__":
    main()
