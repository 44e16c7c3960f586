"""One process of a fleet, started by the tests in this folder: ``python _worker.py MODE JSON``.

It prints ``ready`` once imported and set up, waits for a line on stdin (so every process starts
together), does its calls, and prints one JSON line with what it saw.
"""

from __future__ import annotations

import json
import sys


def rate(settings: dict[str, object]) -> dict[str, object]:
    from nordfin import RateLimiter, goto

    limiter = RateLimiter(
        int(settings["limit"]),
        float(settings["period"]),
        shared=str(settings["redis"]),
        key="fleet-test",
        margin=float(settings["margin"]),
    )
    credentials = {"store": str(settings["store"]), "api_key": str(settings["api_key"])}
    with goto.Client(**credentials, base_url=str(settings["server"]), rate_limit=limiter) as client:
        client.payment_terms.list()  # connected and warm: what is measured next is the limiter
        ready()
        for _ in range(int(settings["calls"])):
            client.payment_terms.list()
    return {"calls": settings["calls"]}


def token(settings: dict[str, object]) -> dict[str, object]:
    from nordfin import aptic

    client = aptic.Client(
        base_url=str(settings["server"]),
        client_id="demo-client",
        client_secret="demo-secret",
        token_cache=str(settings["redis"]),
    )
    with client:
        ready()
        client.ping()
    return {"pinged": True}


def ready() -> None:
    print("ready", flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    mode, settings = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps({"rate": rate, "token": token}[mode](settings)), flush=True)
