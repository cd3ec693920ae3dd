"""``radist-fake``: the fake as a standalone HTTP server."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import IO, Optional, Sequence

from .limits import ServerLimits
from .server import DEFAULT_CLI_PORT, LoopbackServer

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radist-fake",
        description="Serve a stateful fake of the Radist API over HTTP, for clients in any language.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_CLI_PORT, help=f"port to bind; 0 picks a free one (default: {DEFAULT_CLI_PORT})")
    parser.add_argument("--seed", type=int, default=None, help="seed for every id, key and token (default: random, printed)")
    parser.add_argument("--project-id", default="test-project", help="id of the default project (default: test-project)")
    parser.add_argument("--secret-key", default=None, help="secret key of the default project (rad_sk_...; default: generated)")
    parser.add_argument("--public-key", default=None, help="public key of the default project (rad_pk_...; default: generated)")
    parser.add_argument("--connection-limit", type=int, default=None, help="live calls allowed at once (default: unlimited)")
    parser.add_argument("--token-ttl", type=float, default=3600.0, help="seconds an unused token lives (default: 3600)")
    parser.add_argument("--realtime", action="store_true", help="run the fake's clock on wall time (default: frozen)")
    limits = ServerLimits()
    parser.add_argument("--journal-limit", type=int, default=DEFAULT_JOURNAL_LIMIT,
                        help=f"journal entries kept, the newest (default: {DEFAULT_JOURNAL_LIMIT})")
    parser.add_argument("--max-body-bytes", type=int, default=limits.max_body_bytes,
                        help=f"largest request body; more is 413 (default: {limits.max_body_bytes})")
    parser.add_argument("--read-timeout", type=float, default=limits.read_timeout,
                        help=f"seconds a client has to send a whole request; then 408 (default: {limits.read_timeout:g})")
    parser.add_argument("--allow-origin", action="append", default=None, metavar="ORIGIN", dest="allowed_origins",
                        help="an origin that may call the public-key mint and open signaling sockets; repeat for more (default: any)")
    parser.add_argument("--secret-cors", action="store_true",
                        help="answer CORS on secret-key endpoints too (default: off; a page holding the secret key is a bug)")
    parser.add_argument("--control-origin", action="append", default=None, metavar="ORIGIN", dest="control_origins",
                        help="an origin whose pages may call /_radist/ (default: none)")
    parser.add_argument("--allow-host", action="append", default=None, metavar="HOST", dest="allowed_hosts",
                        help="a Host name beyond loopback and the bind address that may reach /_radist/ (default: none)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    from ..fake import RadistFake
    from ..model.clock import Clock

    try:
        fake = RadistFake(
            seed=args.seed, project_id=args.project_id, secret_key=args.secret_key, public_key=args.public_key,
            connection_limit=args.connection_limit, token_ttl=args.token_ttl, strict=False,
            clock=Clock(realtime=True) if args.realtime else None, journal_limit=args.journal_limit,
            allowed_origins=args.allowed_origins, secret_cors=args.secret_cors,
            control_origins=args.control_origins, allowed_hosts=args.allowed_hosts,
        )
        limits = ServerLimits(max_body_bytes=args.max_body_bytes, read_timeout=args.read_timeout)
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
