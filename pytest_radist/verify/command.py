"""``radist-fake verify``: the conformance run from the command line.

Exit status: 0 when the target follows every documented rule checked (its
refuted assumptions are listed), 1 when it disagrees with a documented one,
2 when the run could not be made (missing or refused credentials, an
unreachable target, an answer that is not a Radist API): one line on
stderr, and no report, so nothing partial passes for complete.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from ..command_line import OneLineParser
from ..remote import DEFAULT_TIMEOUT
from ..live import LiveCredentials, MissingCredentials

DEFAULT_REPORT = "radist-verify.json"
#: flag -> environment variable it defaults to
_CREDENTIAL_FLAGS = {
    "--base-url": "RADIST_API_BASE_URL",
    "--project-id": "RADIST_PROJECT_ID",
    "--key": "RADIST_KEY",
    "--public-key": "RADIST_PUBLIC_KEY",
}


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="radist-fake verify",
        description="Check that pytest-radist's fake behaves like a Radist service: run the same requests against "
                    "the target and an in-process fake and compare status, error message, fields and documented "
                    "rules. Makes two calls and a room (the API cannot delete them) and a few spaces (deleted).",
    )
    for flag, variable in _CREDENTIAL_FLAGS.items():
        parser.add_argument(flag, metavar="VALUE", help=f"default: ${variable}" + (" or https://radist.tech" if flag == "--base-url" else ""))
    parser.add_argument("--report", metavar="PATH", default=DEFAULT_REPORT, help=f"where the JSON report goes (default: {DEFAULT_REPORT}; - for stdout)")
    parser.add_argument("--upstream", metavar="PATH", help="also write a Markdown issue body listing what the target refuted")
    parser.add_argument("--timeout", metavar="SECONDS", type=_seconds, default=DEFAULT_TIMEOUT, help=f"per request, whole: connect, head and body (default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--connection-limit-calls", metavar="N", type=_count, default=None,
                        help="also check the connection limit's 429: create up to N calls to reach it (they stay on the target)")
    parser.add_argument("--token-ttl", metavar="SECONDS", type=_seconds, default=None,
                        help="also check token expiry: the target's token TTL, which the run waits out")
    parser.add_argument("--record", metavar="DIR", type=Path, default=None,
                        help="also keep the run as a cassette in DIR, to replay against the fake later (--cassettes)")
    parser.add_argument("--cassettes", metavar="DIR", type=Path, default=None,
                        help="no target: replay the cassettes in DIR (from --record, or pytest --radist-record) against the fake")
    return parser


def _count(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 10_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of calls from 1 to 10000")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.cassettes is not None:
        return _replay(args)
    environ = dict(os.environ)
    for flag, variable in _CREDENTIAL_FLAGS.items():
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None:
            environ[variable] = value
    try:
        credentials = LiveCredentials.from_env(environ)
    except MissingCredentials as exc:
        return _fail(f"{exc} (or pass --key, --project-id, --public-key, --base-url)")

    from ..controls.redaction import Redactor
    from .report import closing, table, upstream_issue
    from ..errors import VerifyError
    from .run import run

    # a target may echo the keys: nothing printed or written carries them
    redact = Redactor([credentials.secret_key, credentials.public_key], fields=False)
    print(f"radist-fake verify: checking {credentials.base_url} (project {credentials.project_id}) against the fake...", flush=True)
    try:
        report = run(credentials, timeout=args.timeout, connection_limit_calls=args.connection_limit_calls,
                     token_ttl=args.token_ttl)
    except VerifyError as exc:
        return _fail(redact.text(str(exc)))
    text = json.dumps(redact.json(report.to_json()), indent=2, ensure_ascii=False) + "\n"
    try:
        if args.report == "-":
            sys.stdout.write(text)
        else:
            Path(args.report).write_text(text, encoding="utf-8")
        if args.upstream:
            Path(args.upstream).write_text(redact.text(upstream_issue(report)), encoding="utf-8")
    except OSError as exc:
        return _fail(f"cannot write the report: {exc}")
    output = sys.stderr if args.report == "-" else sys.stdout
    print(redact.text(table(report)), file=output)
    print(redact.text(closing(report, "stdout" if args.report == "-" else args.report)), file=output, flush=True)
    if args.record is not None:
        from .cassettes import record_run

        try:
            kept = record_run(report, credentials, args.record)
        except OSError as exc:
            return _fail(f"cannot write the cassette: {exc}")
        print(f"Cassette: {kept} (replay it offline: radist-fake verify --cassettes {args.record})", file=output, flush=True)
    return report.exit_status


def _replay(args: argparse.Namespace) -> int:
    """``--cassettes DIR``: every cassette replayed against a fresh fake;
    exit status 1 when the fake answers one differently."""
    from .cassettes import replay_all, replay_report, replay_table

    try:
        replayed, seconds = replay_all(args.cassettes, args.timeout)
    except ValueError as exc:
        return _fail(str(exc))
    text = json.dumps(replay_report(replayed, seconds), indent=2, ensure_ascii=False) + "\n"
    try:
        if args.report == "-":
            sys.stdout.write(text)
        else:
            Path(args.report).write_text(text, encoding="utf-8")
    except OSError as exc:
        return _fail(f"cannot write the report: {exc}")
    output = sys.stderr if args.report == "-" else sys.stdout
    agree = sum(r.agree for r in replayed)
    print(replay_table(replayed), file=output)
    print(f"\n{agree} of {len(replayed)} cassettes agree with the fake ({seconds:.1f} s). Report: "
          f"{'stdout' if args.report == '-' else args.report}", file=output, flush=True)
    return 0 if agree == len(replayed) else 1


def _fail(message: str) -> int:
    print(f"radist-fake verify: {message}", file=sys.stderr, flush=True)
    return 2
