"""``radist-fake`` as a subprocess, for e2e suites driven from pytest
(browsers, clients in other languages): one process for the whole session,
shared by every xdist worker, each worker in a project of its own.

The first process of the session to ask starts it; the last to let go stops
it. They agree through files in a directory they share (xdist workers share
the session's base temporary directory), under an advisory lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from .errors import RadistFakeError

#: Seconds radist-fake has to print that it serves.
START_TIMEOUT = 30.0
#: Seconds it has to stop once asked.
STOP_TIMEOUT = 5.0


@dataclass(frozen=True)
class RunningFake:
    """A radist-fake process that serves: its base URL and default project."""

    url: str
    project_id: str
    secret_key: str
    public_key: str
    pid: int

    def control(self, method: str, path: str, body: Optional[dict[str, Any]] = None) -> tuple[int, Any]:
        """One control-plane request (``path`` under ``/_radist/``): status and JSON answer."""
        request = urllib.request.Request(
            f"{self.url}/_radist/{path}", method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _serves(fake: RunningFake) -> bool:
    try:
        return _alive(fake.pid) and fake.control("GET", "health")[0] == 200
    except OSError:
        return False


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start(directory: Path, *args: str) -> RunningFake:
    """Start ``radist-fake --port 0 ARGS`` in its own session (it outlives the
    process that started it, if need be); its output goes to files in
    ``directory``. Raises :class:`RadistFakeError` if it does not serve in time."""
    from .cli import READY_LINE

    out, err = directory / "radist-fake.out", directory / "radist-fake.err"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "pytest_radist.cli", "--port", "0", *args],
                                   stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        lines = out.read_text().splitlines()
        if READY_LINE in lines:
            settings = dict(line.partition("=")[::2] for line in lines[:lines.index(READY_LINE)])
            return RunningFake(settings["RADIST_API_BASE_URL"], settings["RADIST_PROJECT_ID"], settings["RADIST_KEY"],
                               settings["RADIST_PUBLIC_KEY"], process.pid)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    stop(process.pid)
    raise RadistFakeError(f"radist-fake did not start within {START_TIMEOUT:g} s: {err.read_text().strip() or 'no error printed'}")


def stop(pid: int) -> None:
    """Ask the process to stop (SIGTERM), and kill it if it has not after :data:`STOP_TIMEOUT`."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        try:
            os.kill(pid, sig)
        except OSError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG) != (0, 0):  # our child: reaped
                    return
            except ChildProcessError:  # another process's child: watch it go
                if not _alive(pid):
                    return
            time.sleep(0.02)


@contextlib.contextmanager
def shared(directory: Path, *args: str) -> Iterator[RunningFake]:
    """The session's radist-fake, shared by every process that uses the same
    ``directory``: started by the first to ask, stopped by the last to leave."""
    directory.mkdir(parents=True, exist_ok=True)
    lock, state, leases = directory / "radist-fake.lock", directory / "radist-fake.json", directory / "radist-fake.leases"
    leases.mkdir(exist_ok=True)
    lease = leases / str(os.getpid())
    with _locked(lock):
        fake = RunningFake(**json.loads(state.read_text())) if state.exists() else None
        if fake is None or not _serves(fake):
            fake = start(directory, *args)
            state.write_text(json.dumps(fake.__dict__))
        lease.touch()
    try:
        yield fake
    finally:
        with _locked(lock):
            lease.unlink(missing_ok=True)
            if not any(_alive(int(other.name)) for other in leases.iterdir()):
                stop(fake.pid)
                state.unlink(missing_ok=True)
