"""Serve a fake on a loopback port until Ctrl-C: ``python -m nordfin.testing goto --port 8080``."""

from __future__ import annotations

import argparse
import threading

from nordfin.testing import FAKES, fake_for


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, serve the fake, print its URL and credentials, wait for Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m nordfin.testing", description=__doc__)
    parser.add_argument("api", choices=sorted(FAKES), help="the API's slug")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port (default 8080)")
    args = parser.parse_args(argv)
    fake = fake_for(args.api)
    try:
        with fake.serve(args.host, args.port) as url:
            print(f"fake {args.api} API at {url}", flush=True)
            for name, value in fake.credentials_help().items():
                print(f"  {name}: {value}", flush=True)
            print("Ctrl-C stops it.", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
