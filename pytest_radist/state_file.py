"""A fake's state in a file that survives its process: ``radist-fake --state
PATH`` loads it at start and saves it on exit and every ``--save-every``
seconds (the snapshot format of :mod:`pytest_radist.model.snapshot`).

A save is atomic: the snapshot is written to a temporary file beside the
state file, flushed to the disk, then renamed over it, so a ``kill -9`` at
any moment leaves the last complete save. A file that cannot be loaded
(not JSON, damaged, of a newer format) is refused with its path and what is
wrong, and left as it is.
"""

from __future__ import annotations

import glob
import json
import os
import signal
import tempfile
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, Optional, Union

from . import messages as M
from .errors import SnapshotError

if TYPE_CHECKING:
    from .fake import RadistFake


def _path(path: Union[str, os.PathLike[str]]) -> Path:
    return Path(os.fspath(path))


def read(path: Union[str, os.PathLike[str]]) -> Optional[Any]:
    """The snapshot in the file at ``path`` (``None`` when there is no such
    file); :class:`~pytest_radist.SnapshotError` when it cannot be read or is not JSON."""
    where = _path(path)
    try:
        text = where.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SnapshotError(M.STATE_FILE_UNREADABLE.format(path=where, reason=exc.strerror or exc)) from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        line, column = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else (1, 1)
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise SnapshotError(M.STATE_FILE_NOT_JSON.format(path=where, line=line, column=column, reason=reason)) from None


def load(fake: RadistFake, path: Union[str, os.PathLike[str]]) -> bool:
    """Restore ``fake`` from the file at ``path``; ``False`` (nothing
    changed) when there is no file yet. A file that cannot be restored
    raises :class:`~pytest_radist.SnapshotError` naming it, and stays as it is."""
    data = read(path)
    if data is None:
        return False
    try:
        fake.restore(data)
    except SnapshotError as exc:
        raise SnapshotError(M.STATE_FILE_REFUSED.format(path=_path(path), reason=exc)) from None
    return True


def write(snapshot: Any, path: Union[str, os.PathLike[str]]) -> int:
    """Write ``snapshot`` to ``path`` atomically; the bytes written.
    :class:`OSError` when it cannot (the file at ``path`` is then unchanged)."""
    where = _path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{where.name}.", suffix=".tmp", dir=where.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(snapshot, out, separators=(",", ":"))
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
            size = out.tell()
        os.replace(temporary, where)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_directory(where.parent)  # the rename itself is on the disk
    return size


def _sync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # a platform without directory handles: the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_writable(path: Union[str, os.PathLike[str]]) -> None:
    """:class:`~pytest_radist.SnapshotError` now, if a save to ``path``
    could not even start (no such directory, not allowed, a directory there)."""
    where = _path(path)
    if where.is_dir():
        raise SnapshotError(M.STATE_FILE_UNWRITABLE.format(path=where, reason="it is a directory; name a file"))
    if not where.parent.is_dir():
        raise SnapshotError(M.STATE_FILE_UNWRITABLE.format(path=where, reason=f"no directory {where.parent}"))
    if not os.access(where.parent, os.W_OK | os.X_OK):
        raise SnapshotError(M.STATE_FILE_UNWRITABLE.format(path=where, reason=f"not allowed to write in {where.parent}"))


def remove_leftovers(path: Union[str, os.PathLike[str]]) -> list[Path]:
    """Remove the temporary files of saves that were killed before their
    rename (``.NAME.*.tmp`` beside the state file); the ones removed."""
    where = _path(path)
    found = sorted(where.parent.glob(f".{glob.escape(where.name)}.*.tmp"))
    for leftover in found:
        try:
            leftover.unlink()
        except OSError:
            pass
    return found


class Saver:
    """Keeps a fake's state in the file at ``path`` for the process that
    serves it: it holds the file (a lock beside it, for the process's life:
    a second radist-fake on it is refused, and a restart waits for the last
    save of the one before), removes what killed saves left half-written,
    and saves when due (every ``every`` seconds; ``None``: only when told).

    A periodic save is made by a child process (``fork``, as Redis's BGSAVE
    is): the state is held only for the fork, about a millisecond, and the
    child writes the snapshot while this process goes on answering. Where
    there is no ``fork``, the save is made in this process."""

    #: Seconds a new process waits for the one before to let go of the file.
    WAIT = 10.0
    #: Seconds a save in a child may take before it is stopped (a save of
    #: 100,000 calls takes under a second): a stuck child must not stop every later save.
    CHILD_LIMIT = 60.0

    def __init__(self, fake: RadistFake, path: Union[str, os.PathLike[str]], every: Optional[float]) -> None:
        self.fake = fake
        self.path = _path(path)
        self.every = every
        self.saves = 0
        self._next = time.monotonic() + every if every else float("inf")
        self._child: Optional[int] = None
        self._child_since = 0.0
        #: Why the last save in a child failed (for the serving process to say), until read.
        self.problem: Optional[str] = None
        self._lock = _hold(self.path, self.WAIT)
        remove_leftovers(self.path)

    def seconds_to_next(self) -> float:
        return max(0.0, self._next - time.monotonic())

    def due(self) -> bool:
        return time.monotonic() >= self._next

    def save(self) -> int:
        """Save now, in this process; the bytes written. :class:`OSError` if
        it could not (the last save stays in the file)."""
        self._schedule()
        size = write(self.fake.snapshot(), self.path)
        self.saves += 1
        return size

    def save_in_background(self) -> None:
        """Start a save in a child process (or save here, where there is
        no ``fork``); a save still being written is left to finish."""
        if self._child is not None:
            return
        self._schedule()
        if not hasattr(os, "fork"):
            self.save()
            return
        with self.fake.lock:  # a whole state: no change is half made while the child is forked
            pid = os.fork()
            if pid == 0:  # pragma: no cover (the child: measured by its file)
                self._write_and_exit()
        self._child, self._child_since = pid, time.monotonic()

    def _write_and_exit(self) -> NoReturn:  # pragma: no cover
        """The child: drop the parent's sockets (a connection the parent
        closes must close now, not when this ends), keep the lock, write."""
        keep = self._lock.fileno() if self._lock is not None else 2
        os.closerange(3, keep)
        os.closerange(max(keep + 1, 3), _MAX_FD)
        try:
            write(self.fake.snapshot(), self.path)
        except BaseException as exc:
            os.write(2, f"radist-fake: problem: {M.STATE_FILE_UNWRITABLE.format(path=self.path, reason=exc)}\n".encode())
            os._exit(1)
        os._exit(0)

    def reap(self) -> bool:
        """Whether a save is still being written (a finished one is counted)."""
        if self._child is None:
            return False
        pid, status = os.waitpid(self._child, os.WNOHANG)
        if pid == 0:
            if time.monotonic() - self._child_since < self.CHILD_LIMIT:
                return True
            self._stop_child()  # stuck: stop it, and let the next save try again
            self.problem = M.STATE_SAVE_STUCK.format(path=self.path, seconds=f"{self.CHILD_LIMIT:g}")
            return False
        self._child = None
        if os.waitstatus_to_exitcode(status) == 0:
            self.saves += 1
        return False

    def close(self) -> int:
        """The last save: a save still being written is stopped (this one
        is newer), the state saved here, and the file let go of (a process
        waiting for it then loads this save); the bytes written.
        :class:`OSError` if it could not be saved (the last save stays)."""
        self._stop_child()
        try:
            return self.save()
        finally:
            if self._lock is not None:
                self._lock.close()
                self._lock = None

    def _stop_child(self) -> None:
        """Stop a save being written, and remove its temporary file."""
        if self._child is None:
            return
        try:
            os.kill(self._child, signal.SIGKILL)
            os.waitpid(self._child, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self._child = None
        remove_leftovers(self.path)

    def _schedule(self) -> None:
        if self.every:
            self._next = time.monotonic() + self.every


_MAX_FD = 65536 if not hasattr(os, "sysconf") else max(os.sysconf("SC_OPEN_MAX"), 256)


def _hold(path: Path, wait: float) -> Optional[IO[bytes]]:
    """The lock of the state file at ``path`` (``.NAME.lock`` beside it),
    held exclusively (``None`` where there are no such locks);
    :class:`~pytest_radist.SnapshotError` if another process holds it
    longer than ``wait`` seconds."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover (Windows)
        return None
    handle = open(path.with_name(f".{path.name}.lock"), "ab")
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.close()
                raise SnapshotError(M.STATE_FILE_IN_USE.format(path=path, seconds=f"{wait:g}")) from None
            time.sleep(0.05)
