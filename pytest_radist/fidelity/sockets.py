"""A signaling socket as a check or a replay sees it: open it, read what
it says first, see whether and how it closes.

Built on ``websockets``' synchronous client (the fake's server already
depends on ``websockets``), with a timeout on every wait.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from typing import Any, Callable, Mapping, Optional

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from ..remote import Unreachable


class SocketProbe:
    """One signaling socket opened by a check. :attr:`record` keeps what
    happened: the frames received, the handshake's refusal status (if the
    upgrade itself was refused) and the close."""

    def __init__(self, url: str, timeout: float, headers: Optional[Mapping[str, str]] = None,
                 on_close: Optional[Callable[[], None]] = None) -> None:
        self.timeout = timeout
        self._on_close = on_close
        self.record: dict[str, Any] = {"frames": [], "refused": None, "close": None}
        self._ws: Optional[ClientConnection] = None
        self._stack = ExitStack()  # the connection is a context: it is left in close()
        try:
            self._ws = self._stack.enter_context(connect(url, open_timeout=timeout, close_timeout=1, additional_headers=headers))
        except InvalidStatus as refusal:  # the upgrade itself was answered with an HTTP status
            self.record["refused"] = refusal.response.status_code
        except InvalidHandshake as exc:
            self.record["refused"] = f"invalid handshake: {exc}"
        except (OSError, TimeoutError) as exc:
            raise Unreachable(f"cannot open a signaling socket: {exc}") from None

    @property
    def opened(self) -> bool:
        return self._ws is not None

    def next(self, timeout: Optional[float] = None) -> Optional[dict[str, Any]]:
        """The next frame (a JSON object; other text as ``{"<text>": ...}``),
        or ``None`` if the socket closed or nothing came within ``timeout``."""
        if self._ws is None:
            return None
        try:
            text = self._ws.recv(timeout=self.timeout if timeout is None else timeout)
        except TimeoutError:
            return None
        except ConnectionClosed:
            self._note_close()
            return None
        try:
            frame = json.loads(text)
        except ValueError:
            frame = None
        parsed: dict[str, Any] = frame if isinstance(frame, dict) else {"<text>": str(text)[:200]}
        self.record["frames"].append(parsed)
        return parsed

    def closes(self, timeout: Optional[float] = None) -> Optional[tuple[int, str]]:
        """Read until the server closes the socket: its close code and
        reason, or ``None`` if it stays open ``timeout`` seconds."""
        if self._ws is None:
            return None
        wait = self.timeout if timeout is None else timeout
        while self.record["close"] is None:
            if self.next(wait) is None and self.record["close"] is None:
                return None
        code, reason = self.record["close"]
        return int(code), str(reason)

    def _note_close(self) -> None:
        if self._ws is not None and self.record["close"] is None:
            self.record["close"] = (self._ws.close_code if self._ws.close_code is not None else 1006, self._ws.close_reason or "")

    def send(self, frame: dict[str, Any]) -> None:
        if self._ws is not None:
            try:
                self._ws.send(json.dumps(frame))
            except ConnectionClosed:
                self._note_close()

    def close(self) -> None:
        """Close from the client side (a peer that goes away). :attr:`record`
        keeps only closes the server made."""
        if self._ws is not None and self._ws.state.name != "CLOSED":
            if self._on_close is not None:
                self._on_close()
        self._stack.close()
