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

from nordfin import goto
from nordfin._core.ratelimit import RateLimiter

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://capi.lagerkoll.com/v1"
TERM = {"code": "NET/30", "description": "30 days net"}
ANSWERS = {
    "get": {"paymentTerms": [TERM], "since": 7},
    "list": {"paymentTerms": [dict(TERM, code=f"T{i}") for i in range(50)], "since": 7},
}


def transport(kind: str) -> httpx.MockTransport:
    body = json.dumps(ANSWERS[kind]).encode()
    headers = {"content-type": "application/json"}
    return httpx.MockTransport(lambda request: httpx.Response(200, content=body, headers=headers))


def raw_call(kind: str) -> Callable[[], object]:
    client = httpx.Client(base_url=BASE, transport=transport(kind), headers={"store": "s", "api_key": "k"})
    path = "/payment_terms/NET/30" if kind == "get" else "/payment_terms/"
    return lambda: client.get(path).json()


def nordfin_call(kind: str) -> Callable[[], object]:
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


def compare(kind: str, calls: int) -> tuple[float, float, float]:
    """Median µs of raw httpx and nordfin, measured in alternating rounds to share any drift."""
    raw, ours = raw_call(kind), nordfin_call(kind)
    raw_samples: list[int] = []
    our_samples: list[int] = []
    for _ in range(10):
        raw_samples += per_call_ns(raw, calls // 10)
        our_samples += per_call_ns(ours, calls // 10)
    raw_us, our_us = statistics.median(raw_samples) / 1000, statistics.median(our_samples) / 1000
    return raw_us, our_us, our_us / raw_us


def limiter_cost_ns(calls: int) -> float:
    limiter = RateLimiter(limit=10**9, period=60.0)
    return statistics.median(per_call_ns(limiter.reserve, calls))


def generate_seconds() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "scripts/generate.py", "--check"], cwd=ROOT, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    calls = parser.parse_args().calls
    print(f"per-call median over {calls} calls each, same in-process transport")
    for kind in ("get", "list"):
        raw_us, our_us, ratio = compare(kind, calls)
        print(f"  goto {kind:<5} raw httpx {raw_us:8.1f} µs   nordfin {our_us:8.1f} µs   ratio {ratio:.2f}")
    print(f"  rate limiter reserve(): {limiter_cost_ns(calls) / 1000:.2f} µs")
    print(f"full generation of every spec (generate.py --check): {generate_seconds():.2f} s")


if __name__ == "__main__":
    main()
