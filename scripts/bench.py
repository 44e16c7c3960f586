"""nordfin's costs beside raw httpx: imports, calls, paging memory, the rate limiter, a full generation.

- Imports: what a user writes first (``from nordfin import goto; goto.Client``) in a fresh
  interpreter, ÷ ``import httpx`` measured in the same round.
- Calls: both sides talk to the same in-process ``httpx.MockTransport`` that answers a fixed body, so
  the ratio is nordfin's own cost: spec validation of the request, auth, retry and error plumbing,
  parsing into the generated models. Rate limiting is off (a 200/minute limiter would make this a
  benchmark of waiting); its cost is measured on its own.
- Paging: peak traced memory while iterating 10,000 and 100,000 records, ÷ fetching one page.

Contenders alternate within each round and a figure is the median of the per-round ratios. Times
are the CPU time of the measuring thread (``time.thread_time_ns``), so other work on a shared
machine does not land on one side. Every figure goes to ``build/bench.json`` with the date and
``os.cpu_count()``; README's table is that file's latest run (``--markdown`` prints it).

Usage: python scripts/bench.py [--rounds N] [--markdown | --imports]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from nordfin import aptic, goto
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.spec import SpecIndex
from nordfin.errors import RedisUnavailable
from nordfin_generated.aptic.models import CustomerList
from nordfin_generated.goto.models import PaymentTermsResponse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench.json"
BASE = "https://capi.lagerkoll.com/v1"
TERM = {"code": "NET/30", "description": "30 days net"}
ANSWERS = {
    "get": {"paymentTerms": [TERM], "since": 7},
    "list": {"paymentTerms": [dict(TERM, code=f"T{i}") for i in range(50)], "since": 7},
}

APTIC = "https://c000001.test.hosting.aptic.cloud/C000001-00001-T01/APIGW"


def customer(n: int) -> dict[str, Any]:
    return {"customerGuid": f"3f2504e0-4f89-11d3-9a0c-{n:012x}", "fullName": f"Kund {n}", "juridicalType": 0}


ANSWERS["aptic list"] = {"count": 25, "skip": 0, "total": 25, "value": [customer(n) for n in range(25)]}
TOKEN = json.dumps({"access_token": "t", "expires_in": 3600}).encode()
NAME = aptic.Field("fullName").eq("O'Brien")
Figure = dict[str, Any]


# --- imports -------------------------------------------------------------------------------------

SLUGS = ["goto", "payex", "payfunc", "aptic", "permanad"]
#: Each figure's name and the statement it times: what a user writes first (README: ``from nordfin
#: import goto`` then ``goto.Client(...)``). The sync ``Client`` is resolved inside the timing, so
#: loading it lazily cannot hide its cost; ``AsyncClient`` (asyncio) is for async users only.
IMPORTS = {"import nordfin": "import nordfin"} | {
    f"import nordfin.{slug}": f"from nordfin import {slug}; {slug}.Client" for slug in SLUGS
}
IMPORT_TARGETS = {"import nordfin": 1.1}  # the rest: 1.3


#: httpx imports its command line (click, rich, pygments) when they are installed. This session's
#: environment has them (the generators need them); an install of nordfin has none, so both sides
#: are timed without them, as a user's process imports them.
NOT_INSTALLED = ("click", "rich", "pygments")


def with_bytecode() -> dict[str, str]:
    """The environment of a timed interpreter: bytecode written and reused, as after an install
    (pip compiles it), so compiling sources is not counted as importing them."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def import_ms(statement: str) -> float:
    """Milliseconds of ``statement`` in a fresh interpreter (its own start-up not counted).

    Bytecode is written and reused, as after an install: compiling sources is not importing.
    """
    hide = f"import sys\nsys.modules.update(dict.fromkeys({NOT_INSTALLED!r}))\n"
    code = f"{hide}import time\nt = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)"
    env = with_bytecode()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return float(done.stdout) * 1000


def import_figures(rounds: int) -> list[Figure]:
    statements = {"import httpx": "import httpx"} | IMPORTS
    samples: dict[str, list[float]] = {name: [] for name in statements}
    ratios: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for statement in statements.values():
        import_ms(statement)  # writes the bytecode
    for _ in range(rounds):
        for name, statement in statements.items():
            samples[name].append(import_ms(statement))
        for name in IMPORTS:
            ratios[name].append(samples[name][-1] / samples["import httpx"][-1])
    return [
        figure(
            name,
            statistics.median(samples[name]),
            "ms",
            statistics.median(ratios[name]),
            "import httpx",
            IMPORT_TARGETS.get(name, 1.3),
        )
        for name in IMPORTS
    ]


# --- calls ---------------------------------------------------------------------------------------


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


def block_us(call: Callable[[], object], calls: int) -> float:
    """CPU µs per call over ``calls`` calls in a row."""
    start = time.thread_time_ns()
    for _ in range(calls):
        call()
    return (time.thread_time_ns() - start) / calls / 1000


def call_figures(kind: str, rounds: int) -> list[Figure]:
    """nordfin ÷ raw httpx and ÷ raw httpx + model parsing: medians of per-round ratios."""
    raw, parsed, ours = raw_call(kind), parsed_call(kind), nordfin_call(kind)
    for call in (raw, parsed, ours):
        block_us(call, 200)  # warm: caches, the OAuth2 token, compiled validators
    times: list[tuple[float, float, float]] = []
    for _ in range(rounds):
        blocks = [[block_us(c, 20) for _ in range(5)] for c in (raw, parsed, ours)]
        times.append(tuple(statistics.median(b) for b in blocks))  # type: ignore[arg-type]
    label = kind if kind.startswith("aptic") else f"goto {kind}"
    ours_us = statistics.median(t[2] for t in times)
    by_raw = statistics.median(t[2] / t[0] for t in times)
    by_parsed = statistics.median(t[2] / t[1] for t in times)
    raw_target, parsed_target = (1.2, None) if kind == "get" else (None, 1.1)
    check_us = validity_check_us(kind)
    return [
        figure(label, ours_us, "µs", by_raw, "raw httpx get+json", raw_target),
        figure(label, ours_us, "µs", by_parsed, "raw httpx + model parse", parsed_target),
        figure(f"{label}: the answer's validity check", check_us, "µs", check_us / ours_us, "the call", None),
    ]


def validity_check_us(kind: str) -> float:
    """CPU µs of the check every success answer gets before it is parsed (``_core.leniency``):
    the decoded body against the operation's documented answer (jsonschema-rs, compiled once)."""
    slug, operation_id = {
        "get": ("goto", "get_payment_term"),
        "list": ("goto", "list_payment_terms"),
        "aptic list": ("aptic", "list_customers"),
    }[kind]
    spec = SpecIndex.for_slug(slug)
    operation, body = spec.operation(operation_id), ANSWERS[kind]

    def check() -> object:
        return spec.validate_response(operation, status=200, content_type="application/json", body=body)

    assert check() == [], check()
    block_us(check, 200)
    return min(block_us(check, 500) for _ in range(5))


FIRST_CALL = """
import time, httpx
from nordfin import goto
from nordfin._core.checked import _typeguard
start = time.perf_counter()
_typeguard()  # as the first argument check that needs it does (here: the client's transport=)
loaded = time.perf_counter() - start
answer = b'{"paymentTerms": [{"code": "NET/30", "description": "30 days net"}], "since": 7}'
reply = lambda request: httpx.Response(200, content=answer, headers={"content-type": "application/json"})
client = goto.Client(store="s", api_key="k", rate_limit=False, transport=httpx.MockTransport(reply))
times = []
for _ in range(21):
    start = time.perf_counter()
    client.payment_terms.get("NET/30")
    times.append(time.perf_counter() - start)
print((times[0] - sorted(times[1:])[10]) * 1000, loaded * 1000)
"""


def first_call_figures(rounds: int) -> list[Figure]:
    """What a fresh process pays once: its first call (jsonschema-rs loaded, validators compiled,
    the argument annotations read) beyond a later one, and typeguard, which the first argument
    check that needs it loads (a value of exactly an annotated class never does)."""
    command = [sys.executable, "-c", FIRST_CALL]
    subprocess.run(command, capture_output=True, check=True, env=with_bytecode())  # writes it
    runs = [
        subprocess.run(command, capture_output=True, text=True, check=True, env=with_bytecode())
        for _ in range(rounds)
    ]
    first, guard = zip(*(map(float, run.stdout.split()) for run in runs), strict=True)
    return [
        figure(
            "first goto get in a fresh process, beyond a later one",
            statistics.median(first),
            "ms",
            None,
            None,
            None,
        ),
        figure(
            "typeguard, loaded by the first argument check that needs it",
            statistics.median(guard),
            "ms",
            None,
            None,
            None,
        ),
    ]


# --- memory, the limiter, generation ------------------------------------------------------------

RECORDS, PAGE = 100_000, 100


def paging_transport() -> httpx.MockTransport:
    """Aptic's customer list, 100,000 records; the pages are encoded before anything is traced."""
    pages = {}
    for skip in range(0, RECORDS, PAGE):
        value = [customer(n) for n in range(skip, skip + PAGE)]
        pages[skip] = json.dumps({"count": PAGE, "skip": skip, "total": RECORDS, "value": value}).encode()
    headers = {"content-type": "application/json"}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/access_token"):
            return httpx.Response(200, content=TOKEN, headers=headers)
        return httpx.Response(200, content=pages[int(request.url.params["$skip"])], headers=headers)

    return httpx.MockTransport(answer)


def memory_figures() -> list[Figure]:
    """Peak traced memory while iterating 10,000 and 100,000 customers in pages of 100, each ÷ the
    peak of fetching one page: flat in the number of records when one page is held at a time (what
    stays above one page are bounded caches, e.g. urllib's of the last 128 URLs)."""
    client = aptic.Client(base_url=APTIC, client_id="c", client_secret="s", transport=paging_transport())
    sum(1 for _ in itertools.islice(client.customers.iterate(page_size=PAGE), 200 * PAGE))  # warm
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    client.customers.list(top=PAGE)
    one_page = tracemalloc.get_traced_memory()[1] - base
    figures = []
    for records in (RECORDS // 10, RECORDS):
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        count = sum(1 for _ in itertools.islice(client.customers.iterate(page_size=PAGE), records))
        peak = tracemalloc.get_traced_memory()[1] - base
        assert count == records, count
        name = f"peak memory, {records:,} records"
        figures.append(figure(name, peak / 1024, "KiB", peak / one_page, "fetching one page", None))
    tracemalloc.stop()
    return figures


def limiter_figure(calls: int) -> Figure:
    limiter = RateLimiter(limit=10**9, period=60.0)
    us = min(block_us(limiter.reserve, calls) for _ in range(5))
    return figure("rate limiter reserve()", us, "µs", None, None, None)


def redis_limiter_figure(calls: int) -> Figure:
    """The same ``reserve()`` shared through a loopback ``redis-server`` started here (one round trip
    and one Lua script per call), or why it could not be measured."""
    import shutil
    import socket

    if shutil.which("redis-server") is None:
        return figure(
            "rate limiter reserve(), shared through Redis: not measured (no redis-server)",
            0.0,
            "µs",
            None,
            None,
            None,
        )
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
        us = min(block_us(limiter.reserve, calls) for _ in range(5))
        return figure("rate limiter reserve(), shared through Redis (loopback)", us, "µs", None, None, None)
    finally:
        server.terminate()
        server.wait()


def generate_figure() -> Figure:
    """Wall time of a full generation into a temporary folder (generate.py --check) and its exit code."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "scripts/generate.py", "--check"], cwd=ROOT, capture_output=True)
    seconds = time.perf_counter() - start
    name = "full generation (generate.py --check)" + ("" if done.returncode == 0 else " FAILED")
    return figure(name, seconds, "s", None, None, 8.0)


# --- output -------------------------------------------------------------------------------------


def figure(
    name: str, value: float, unit: str, ratio: float | None, baseline: str | None, target: float | None
) -> Figure:
    """One line of the benchmark; ``target`` bounds the ratio (or, without a baseline, the value)."""
    rounded = None if ratio is None else round(ratio, 3)
    return {
        "name": name,
        "value": round(value, 2),
        "unit": unit,
        "ratio": rounded,
        "baseline": baseline,
        "target": target,
    }


def markdown(run: dict[str, Any]) -> str:
    lines = [
        f"Last run: {run['date']}, {run['cpu_count']} CPUs, Python {run['python']}.",
        "",
        "| what | nordfin | ÷ | ratio | target |",
        "|---|---|---|---|---|",
    ]
    for f in run["figures"]:
        ratio = "" if f["ratio"] is None else f"{f['ratio']:.2f}×"
        target = (
            "" if f["target"] is None else f"≤ {f['target']}" + ("×" if f["baseline"] else f" {f['unit']}")
        )
        lines.append(
            f"| {f['name']} | {f['value']:,} {f['unit']} | {f['baseline'] or ''} | {ratio} | {target} |"
        )
    return "\n".join(lines)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds of alternating measurements")
    parser.add_argument("--markdown", action="store_true", help="print README's table of build/bench.json")
    parser.add_argument("--calls", action="store_true", help="only the call figures, printed, not written")
    parser.add_argument("--imports", action="store_true", help="only the import figures, not written")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(json.loads(OUT.read_text(encoding="utf-8"))))
        return
    if args.calls or args.imports:  # while working on one part: a quick look, nothing written
        quick = import_figures(args.rounds) if args.imports else []
        if args.calls:
            quick += [f for kind in ("get", "list", "aptic list") for f in call_figures(kind, args.rounds)]
        run = {"date": now(), "cpu_count": os.cpu_count(), "python": platform.python_version()}
        print(markdown(run | {"figures": quick}))
        return
    figures = import_figures(max(args.rounds // 2, 5))
    for kind in ("get", "list", "aptic list"):
        figures += call_figures(kind, args.rounds)
    figures += first_call_figures(max(args.rounds // 6, 3))
    figures += [*memory_figures(), limiter_figure(10_000), redis_limiter_figure(2_000), generate_figure()]
    run = {
        "date": now(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "figures": figures,
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown(run))
    print(f"\nwritten to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
