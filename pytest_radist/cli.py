"""``radist-fake``: the fake as a standalone HTTP server (and ``radist-fake
verify``). Above the doors: it builds a fake and serves it on one.

Its flags are the settings table's (:mod:`pytest_radist.settings`): every
setting of the fake, of the loopback server, and the address to listen on.
Every bad value, unknown flag or address that cannot be listened on is one
line on stderr and exit status 2.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence

from .command_line import OneLineParser, add_settings, read_settings
from .doors.collector import Collector
from .doors.limits import ServerLimits
from .doors.server import LoopbackServer, listens_everywhere
from .errors import InvalidValue
from . import messages as M
from .settings import SETTINGS

if TYPE_CHECKING:
    from .fake import RadistFake
    from .state_file import Saver

#: The line after which ``radist-fake`` serves.
READY_LINE = "Serving the Radist fake; press Ctrl-C to stop."
#: The settings ``radist-fake`` takes, as flags.
CLI_SETTINGS = tuple(s for s in SETTINGS if s.cli and s.owner != "plugin")
#: The port ``radist-fake`` listens on by default (tests always use port 0).
DEFAULT_CLI_PORT = next(s.default for s in SETTINGS if s.name == "port")
#: Journal entries ``radist-fake`` keeps: a long-running server must not grow without bound.
DEFAULT_JOURNAL_LIMIT = next(s.default_for_cli for s in SETTINGS if s.name == "journal_limit")
#: Bytes the journal of ``radist-fake`` may hold (estimated): entries alone would not bound a journal of large pages.
DEFAULT_JOURNAL_BYTES = next(s.default_for_cli for s in SETTINGS if s.name == "journal_bytes")


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


def env_name(flag: str) -> str:
    """The environment variable of a flag (``--token-ttl``: ``RADIST_FAKE_TOKEN_TTL``)."""
    return "RADIST_FAKE_" + flag[2:].replace("-", "_").upper()


def build_parser(environ: Optional[Mapping[str, str]] = None) -> OneLineParser:
    parser = OneLineParser(
        prog="radist-fake",
        description="Serve a stateful fake of the Radist API over HTTP and WebSockets, for clients in any language. "
                    "Every option can also be set as RADIST_FAKE_<OPTION> in the environment. "
                    "'radist-fake verify --help': check the fake against a real Radist.",
    )
    add_settings(parser, CLI_SETTINGS, os.environ if environ is None else environ)
    return parser


def _cannot_listen(host: str, port: int, exc: OSError) -> str:
    """Why the server cannot listen, in the flags' terms."""
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return f"cannot listen on {where}: the port is in use; pick another (--port 0 picks a free one)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"cannot listen on {where}: not allowed (ports below 1024 need privileges; --port 0 picks a free one)"
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        return (f"cannot listen on {where}: {host} is not an address of this machine "
                "(--host takes one, such as 127.0.0.1, or 0.0.0.0 for every interface)")
    return f"cannot listen on {where}: {exc.strerror or exc}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["verify"]:  # radist-fake verify: the conformance run
        from .verify.command import main as verify

        return verify(argv[1:])
    values = read_settings(build_parser().parse_args(argv), CLI_SETTINGS)
    from .fake import RadistFake

    host, port = values.pop("host"), values.pop("port")
    state_path, save_every = values.pop("state"), values.pop("save_every")
    limits = {name: values.pop(name) for name in list(values) if name in ServerLimits.__dataclass_fields__}
    try:
        fake = RadistFake(**values)
        saver = _load_state(fake, state_path, save_every, values)
        server = LoopbackServer(fake, host=host, port=port, limits=ServerLimits(**limits))
        server.start()
    except InvalidValue as exc:  # a combination the flags allow and the fake does not; a state file refused
        print(f"radist-fake: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"radist-fake: {_cannot_listen(host, port, exc)}", file=sys.stderr)
        return 2
    fake.serve_on(server)
    # handlers first: a Ctrl-C right after the banner must still stop cleanly
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if listens_everywhere(host):
        protection = "a control token protects /_radist/" if values["control_token"] else "set --control-token to protect /_radist/"
        print(f"radist-fake: warning: listening on every interface ({host or '0.0.0.0'}): anyone who can reach "
              f"this machine can use the fake; {protection}.", file=sys.stderr, flush=True)
    print(f"RADIST_API_BASE_URL={server.url}")
    print(f"RADIST_PROJECT_ID={fake.project.id}")
    print(f"RADIST_KEY={fake.project.secret_key}")
    print(f"RADIST_PUBLIC_KEY={fake.project.public_key}")
    print(f"RADIST_FAKE_SEED={fake.seed}")
    if saver is not None:
        print(f"RADIST_FAKE_STATE={saver.path}")
    collector = Collector(lambda: server.received)  # short pauses, however many calls the state holds
    collector.start()
    print(READY_LINE, flush=True)
    reported = 0
    while not stop.wait(0.5 if saver is None else min(0.5, saver.seconds_to_next())):
        collector.tick()
        problems = fake.problems
        for problem in problems[reported:]:  # a 5xx of the fake's own, an unroutable request in strict mode: one line each
            print(f"radist-fake: problem: {problem}", file=sys.stderr, flush=True)
        reported = len(problems)
        if saver is not None:
            writing = saver.reap()
            if saver.problem is not None:  # a save in the background failed or was stuck: one line, and go on
                print(f"radist-fake: problem: {saver.problem}", file=sys.stderr, flush=True)
                saver.problem = None
            if not writing and saver.due():
                saver.save_in_background()
    collector.stop()
    server.stop()
    if saver is not None:  # on SIGTERM and SIGINT: nothing changes any more, and all of it is kept
        _save(saver.close, saver.path)
    print("radist-fake stopped.", flush=True)
    return 0


def _load_state(fake: RadistFake, path: Optional[str], save_every: Optional[float], settings: Mapping[str, Any]) -> Optional[Saver]:
    """With ``--state``: the fake restored from its file, if there is one
    (the settings stay the command line's), and what saves it there."""
    if path is None:
        return None
    from . import state_file

    state_file.check_writable(path)
    saver = state_file.Saver(fake, path, save_every)  # holds the file: the process before has let go of it
    if state_file.load(fake, path):
        from .model.snapshot import SETTING_CHECKS

        for setting in SETTINGS:  # the flags (their defaults too) are the settings; the file is the state
            if setting.camel in SETTING_CHECKS:
                setattr(fake, setting.name, settings[setting.name])
        print(f"radist-fake: restored the state from {path}: {len(fake.projects)} project(s), {len(fake.calls)} call(s), "
              f"{len(fake.rooms)} room(s), {len(fake.spaces)} space(s)", file=sys.stderr, flush=True)
    return saver


def _save(save: Callable[[], int], path: Path) -> None:
    try:
        save()
    except OSError as exc:  # the last save stays; say so
        print(f"radist-fake: problem: {M.STATE_FILE_UNWRITABLE.format(path=path, reason=exc.strerror or exc)}",
              file=sys.stderr, flush=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
