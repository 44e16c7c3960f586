"""The command line: ``python -m nordfin.verify SLUG --base-url URL [options]``.

Exit status: 0 the API agrees with the spec, 1 it disagrees, 2 a usage or connection error (one
line on stderr, no traceback). Credentials come from ``NORDFIN_<SLUG>_<KEYWORD>`` variables named
after the client's constructor keywords (README, "Verifying the specs against the real vendors").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import httpx

from nordfin.verify.record import write_har
from nordfin.verify.report import Report
from nordfin.verify.run import DEFAULT_MAX_REQUESTS, SLUGS, Settings, UsageError, verify_har, verify_live
from nordfin.verify.scrub import Scrubber

__all__ = ["main"]

PROG = "python -m nordfin.verify"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Verify a nordfin spec against a real API or captured traffic.")
    parser.add_argument("slug", choices=SLUGS, help="the API")
    parser.add_argument("--base-url", help="where the API is (its server URL; PayEx: the host root)")
    parser.add_argument(
        "--allow-writes", action="store_true", help="also create, change and delete test data"
    )
    parser.add_argument(
        "--allow-writes-on",
        action="append",
        default=[],
        metavar="HOST",
        help="allow writes on this production host (name the very host again)",
    )
    parser.add_argument(
        "--har", action="append", default=[], metavar="FILE", help="verify a HAR 1.2 file offline"
    )
    parser.add_argument("--json", metavar="PATH", help="write the JSON report here")
    parser.add_argument("--markdown", metavar="PATH", help="write the Markdown report here")
    parser.add_argument(
        "--overlay", metavar="PATH", help="write the contradictions as an OpenAPI Overlay here"
    )
    parser.add_argument("--record", metavar="PATH", help="write the run's traffic as HAR 1.2 here (redacted)")
    parser.add_argument("--max-requests", type=int, default=DEFAULT_MAX_REQUESTS, metavar="N")
    parser.add_argument("--id", action="append", default=[], metavar="NAME=VALUE", help="an id to read")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    client_options: Mapping[str, Any] | None = None,
) -> int:
    """Run the command; its exit status. ``env`` defaults to ``os.environ``."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error already printed on one line
        return stop.code if isinstance(stop.code, int) else 2
    environment = os.environ if env is None else env
    try:
        report, secrets = _run(args, environment, transport, client_options)
        scrub = Scrubber([*secrets, *_all_values(environment, args.slug)])
        _write(args, report, scrub)
    except UsageError as error:
        print(
            f"{PROG}: error: {Scrubber(_all_values(environment, args.slug)).text(str(error))}",
            file=sys.stderr,
        )
        return 2
    except OSError as error:
        print(f"{PROG}: error: cannot write a report ({type(error).__name__})", file=sys.stderr)
        return 2
    except Exception as error:  # a bug of ours: still one line, and no value that could be a secret
        print(f"{PROG}: error: the run stopped on {type(error).__name__} (a nordfin bug)", file=sys.stderr)
        return 2
    print(scrub.text(_summary(report)))
    return 0 if report.agrees() else 1


def _run(
    args: argparse.Namespace,
    env: Mapping[str, str],
    transport: httpx.BaseTransport | None,
    client_options: Mapping[str, Any] | None,
) -> tuple[Report, list[str]]:
    if args.har:
        if args.allow_writes:
            raise UsageError("--har verifies files offline; --allow-writes has nothing to do there")
        return verify_har(args.slug, args.har, base_url=args.base_url), []
    if not args.base_url:
        raise UsageError("give --base-url URL (or --har FILE to verify captured traffic)")
    ids = dict(_pair(item) for item in args.id)
    settings = Settings(
        slug=args.slug,
        base_url=args.base_url,
        allow_writes=args.allow_writes,
        allow_writes_on=tuple(args.allow_writes_on),
        max_requests=args.max_requests,
        ids=ids,
    )
    report, exchanges, secrets = verify_live(
        settings, env, transport=transport, client_options=client_options
    )
    if args.record:
        write_har(args.record, exchanges, secrets=secrets)
    return report, secrets


def _pair(item: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name or not value:
        raise UsageError("--id takes NAME=VALUE, NAME a path parameter of the spec")
    return name, value


def _write(args: argparse.Namespace, report: Report, scrub: Scrubber) -> None:
    # The reports hold no traffic values; the scrubber is a second line in case one slipped in.
    if args.json:
        Path(args.json).write_text(
            scrub.text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False)) + "\n"
        )
    if args.markdown:
        Path(args.markdown).write_text(scrub.text(report.markdown()), encoding="utf-8")
    if args.overlay:
        document = json.dumps(report.overlay(), indent=2, ensure_ascii=False)
        Path(args.overlay).write_text(scrub.text(document) + "\n", encoding="utf-8")


def _summary(report: Report) -> str:
    state = (
        "agrees with the spec"
        if report.agrees()
        else f"disagrees with the spec: {len(report.findings)} findings"
    )
    lines = [
        f"{report.api} ({report.mode}, {report.requests} requests): {state}",
        f"inferences: {report.verdict_counts()}",
    ]
    lines += [
        f"  {f.kind}: {f.method} {f.operation_id} {f.status} at {f.pointer or '/'}"
        for f in report.findings[:20]
    ]
    if report.local:
        lines.append("note: a server on this machine confirms nothing about the vendor")
    if report.left_over:
        lines.append(f"could not clean up: {', '.join(report.left_over)}")
    return "\n".join(lines)


def _all_values(env: Mapping[str, str], slug: str) -> list[str]:
    prefix = f"NORDFIN_{slug.upper()}_"
    return [value for name, value in env.items() if name.startswith(prefix) and value]
