"""``radist-fake``: the fake as a standalone HTTP server."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import IO, Any, Mapping, Optional, Sequence

from .arguments import OneLineParser
from .limits import ServerLimits
from .server import DEFAULT_CLI_PORT, LoopbackServer, listens_everywhere

#: The line after which ``radist-fake`` serves.
READY_LINE = "Serving the Radist fake; press Ctrl-C to stop."


def read_banner(stdout: IO[str]) -> dict[str, str]:
    """The ``NAME=value`` settings ``radist-fake`` prints, read from its
    standard output up to :data:`READY_LINE` (for scripts that start it)."""
    settings: dict[str, str] = {}
    for line in stdout:
        if line.strip() == READY_LINE:
            return settings
        name, _, value = line.strip().partition("=")
        settings[name] = value
    raise RuntimeError(f"radist-fake ended before it served; it printed {settings or 'nothing'}")


#: Journal entries ``radist-fake`` keeps: a long-running server must not grow without bound.
DEFAULT_JOURNAL_LIMIT = 10_000


def _whole(text: str) -> int:
    return int(text)


def _limit(text: str) -> Optional[int]:
    """A count, or ``none``/``unlimited``."""
    return None if text.strip().lower() in ("none", "unlimited") else int(text)


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 <= value < float("inf"):
        raise ValueError(text)
    return value


def _optional_seconds(text: str) -> Optional[float]:
    return None if text.strip().lower() in ("none", "never") else _seconds(text)


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ValueError(text)
    return lowered in ("1", "true", "yes", "on")


_LIMITS = ServerLimits()
#: Every option: (flag, parser, default, help). Each is also read from the
#: environment as RADIST_FAKE_<NAME> (``--token-ttl`` -> RADIST_FAKE_TOKEN_TTL);
#: the command line wins. Repeatable options take a comma-separated list there.
OPTIONS: tuple[tuple[str, Any, Any, str], ...] = (
    ("--host", str, "127.0.0.1", "address to bind; 0.0.0.0 or :: listen on every interface (with a warning)"),
    ("--port", _whole, DEFAULT_CLI_PORT, "port to bind; 0 picks a free one, printed in RADIST_API_BASE_URL"),
    ("--seed", _whole, None, "seed for every id, key and token (default: random, printed)"),
    ("--project-id", str, "test-project", "id of the default project"),
    ("--secret-key", str, None, "secret key of the default project (rad_sk_...; default: generated)"),
    ("--public-key", str, None, "public key of the default project (rad_pk_...; default: generated)"),
    ("--connection-limit", _limit, None, "live calls allowed at once; none = unlimited"),
    ("--room-limit", _limit, None, "rooms allowed per project; none = unlimited"),
    ("--room-participant-cap", _limit, None, "participants per room; none = any"),
    ("--token-ttl", _optional_seconds, 3600.0, "seconds an unused token lives; none = forever"),
    ("--reconnect-grace", _seconds, 0.0, "seconds an empty call waits for a reconnect before it ends"),
    ("--public-base-url", str, None, "base of space URLs (default: the URL the client used)"),
    ("--realtime", _flag, False, "run the fake's clock on wall time (default: frozen)"),
    ("--journal-limit", _whole, DEFAULT_JOURNAL_LIMIT, "journal entries kept, the newest"),
    ("--max-body-bytes", _whole, _LIMITS.max_body_bytes, "largest request body; more is 413"),
    ("--read-timeout", _seconds, _LIMITS.read_timeout, "seconds a client has to send a whole request; then 408"),
    ("--write-timeout", _seconds, _LIMITS.write_timeout, "seconds a client may leave an answer unread; then it is closed"),
    ("--socket-send-budget", _whole, _LIMITS.socket_send_budget,
     "bytes that may wait to be sent on one signaling socket; a client over it is closed with 1008"),
    ("--socket-idle-timeout", _optional_seconds, _LIMITS.socket_idle_timeout,
     "seconds a signaling socket may go without a frame from its client, then closed with 4408; none = never"),
    ("--allow-origin", str, None, "an origin that may call the public-key mint and open sockets; repeat for more (default: any)"),
    ("--secret-cors", _flag, False, "answer CORS on secret-key endpoints too (a page holding the secret key is a bug)"),
    ("--control-origin", str, None, "an origin whose pages may call /_radist/; repeat for more (default: none)"),
    ("--allow-host", str, None, "a Host name beyond loopback and the bind address that may reach /_radist/; repeat for more"),
    ("--control-token", str, None, "require 'Authorization: Bearer TOKEN' on /_radist/ (advised with --host 0.0.0.0)"),
)
_REPEATABLE = ("--allow-origin", "--control-origin", "--allow-host")
_SWITCHES = ("--realtime", "--secret-cors")


def env_name(flag: str) -> str:
    return "RADIST_FAKE_" + flag[2:].replace("-", "_").upper()


def build_parser(environ: Optional[Mapping[str, str]] = None) -> argparse.ArgumentParser:
    environ = os.environ if environ is None else environ
    parser = OneLineParser(
        prog="radist-fake",
        description="Serve a stateful fake of the Radist API over HTTP and WebSockets, for clients in any language. "
                    "Every option can also be set as RADIST_FAKE_<OPTION> in the environment. "
                    "'radist-fake verify --help': check the fake against a real Radist.",
    )
    for flag, parse, default, help_text in OPTIONS:
        name, dest = env_name(flag), flag[2:].replace("-", "_")
        raw = environ.get(name)
        if raw is not None:
            try:
                values = [parse(v.strip()) for v in raw.split(",") if v.strip()]
                default = values if flag in _REPEATABLE else values[0] if values else default
            except (ValueError, IndexError):
                parser.error(f"{name}={raw!r} is not a valid value for {flag}")
        shown = f" (default: {default}; env: {name})"
        if flag in _SWITCHES:
            parser.add_argument(flag, dest=dest, action="store_true", default=default, help=help_text + shown)
        elif flag in _REPEATABLE:
            parser.add_argument(flag, dest=dest, action="append", type=parse, default=default, metavar="VALUE", help=help_text + shown)
        else:
            parser.add_argument(flag, dest=dest, type=_named(parse, flag), default=default, metavar="VALUE", help=help_text + shown)
    return parser


def _named(parse: Any, flag: str) -> Any:
    """The parser, with a name argparse prints in its one-line error."""
    def checked(text: str) -> Any:
        try:
            return parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid value") from None

    checked.__name__ = flag
    return checked


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["verify"]:  # radist-fake verify: the conformance run
        from ..verify.command import main as verify

        return verify(argv[1:])
    args = build_parser().parse_args(argv)
    from ..fake import RadistFake
    from ..model.clock import Clock

    try:
        fake = RadistFake(
            seed=args.seed, project_id=args.project_id, secret_key=args.secret_key, public_key=args.public_key,
            connection_limit=args.connection_limit, room_limit=args.room_limit, token_ttl=args.token_ttl,
            reconnect_grace=args.reconnect_grace, room_participant_cap=args.room_participant_cap,
            public_base_url=args.public_base_url, strict=False,
            clock=Clock(realtime=True) if args.realtime else None, journal_limit=args.journal_limit,
            allowed_origins=args.allow_origin, secret_cors=args.secret_cors,
            control_origins=args.control_origin, allowed_hosts=args.allow_host, control_token=args.control_token,
        )
        limits = ServerLimits(
            max_body_bytes=args.max_body_bytes, read_timeout=args.read_timeout, write_timeout=args.write_timeout,
            socket_send_budget=args.socket_send_budget, socket_idle_timeout=args.socket_idle_timeout,
        )
        server = LoopbackServer(fake, host=args.host, port=args.port, limits=limits)
        server.start()
    except (ValueError, OSError) as exc:
        print(f"radist-fake: {exc}", file=sys.stderr)
        return 2
    fake.serve_on(server)
    # handlers first: a Ctrl-C right after the banner must still stop cleanly
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if listens_everywhere(args.host):
        protection = "a control token protects /_radist/" if args.control_token else "set --control-token to protect /_radist/"
        print(f"radist-fake: warning: listening on every interface ({args.host or '0.0.0.0'}): anyone who can reach "
              f"this machine can use the fake; {protection}.", file=sys.stderr, flush=True)
    print(f"RADIST_API_BASE_URL={server.url}")
    print(f"RADIST_PROJECT_ID={fake.project.id}")
    print(f"RADIST_KEY={fake.project.secret_key}")
    print(f"RADIST_PUBLIC_KEY={fake.project.public_key}")
    print(f"RADIST_FAKE_SEED={fake.seed}")
    print(READY_LINE, flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    print("radist-fake stopped.", flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
