"""Simulated participants, presence, and the socket URLs a page opens
(``fake.people``; the waits awaitable under ``fake.aio``)."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional, Union
from urllib.parse import urlencode

from .. import errors as E
from .. import messages as M
from ..api import routes
from ..model.entities import Call, Peer, Room, Space, Token
from ..model.world import PresenceEvent
from ..controls.faults import FaultRule
from ..controls.journal import RecordedRequest, copy_json
from ..controls.network import Disruption
from .base import FakeBase, Group


class People(Group):
    """Joining, leaving, disrupting, waiting for presence, and the sockets'
    URLs (``fake.people``; the same names are on the fake)."""

    def __init__(self, fake: FakeBase) -> None:
        super().__init__(fake)
        self._sockets: list[Callable[[Disruption], bool]] = []

    def disrupt(self, peer: Union[Peer, str], mode: str, *, seconds: Optional[float] = None,
                code: Optional[int] = None) -> Peer:
        """Disturb a connected peer's socket as a failing network would:
        ``"drop"`` cuts it with no close frame (the client sees 1006),
        ``"freeze"`` holds everything to and from it for ``seconds`` (then
        delivers it in order), ``"close"`` closes it cleanly with ``code``
        (1001 by default; 1011, 1012, 1013 ...). After a drop or a close the
        peer is disconnected (the others get ``peer-left`` ``disconnected``)
        and may reconnect within the grace. A simulated peer (no socket) is
        disconnected by a drop or a close; it cannot be frozen."""
        found = self._fake._peer(peer)
        disruption = Disruption.checked(found.id, mode, seconds, code)
        if not found.connected:
            raise E.InvalidValue(M.DISRUPT_NOT_CONNECTED.format(peer=found.id))
        if self._to_sockets(disruption):
            return found
        if mode == "freeze":
            raise E.WrongKind(M.DISRUPT_NO_SOCKET.format(peer=found.id))
        found.leave()  # a simulated peer: its network went away
        return found

    def _cut_sockets(self, peer_ids: Iterable[str]) -> None:
        """Cut the sockets of these peers of a world the fake has left (no
        close frame; the model is not told: that world is gone)."""
        for peer_id in peer_ids:
            self._to_sockets(Disruption(peer_id, "drop"))

    def _to_sockets(self, disruption: Disruption) -> bool:
        """Hand ``disruption`` to the servers' sockets; whether one held its peer's."""
        return any(listener(disruption) for listener in list(self._sockets))

    def signal_fault(self, sender: Peer, frame: Any) -> Optional[FaultRule]:
        """For the server relaying ``sender``'s ``signal`` frame: the fault
        rule that disturbs it, if one fires; the disturbed frame is journaled
        (endpoint ``signal``, method ``FRAME``, its ``data`` as the body)."""
        rule = self._fake.faults.pick("signal", sender.session.project.id)
        if rule is None:
            return None
        kind = "call" if isinstance(sender.session, Call) else "room"
        to = frame.get("to") if isinstance(frame, dict) else None
        params = {f"{kind}Id": sender.session.id, "peerId": sender.id, **({"to": to} if isinstance(to, str) else {})}
        self._fake.journal.record(RecordedRequest(
            endpoint="signal", method="FRAME", path=routes.SOCKET_PATHS[kind], params=params, raw_query="",
            # redacted as every journaled body is (a password at any depth reads ***)
            json=self._fake.redactor.json(copy_json(frame.get("data"))) if isinstance(frame, dict) else None,
            status=0 if rule.drop else 200,
            response=None, key_type=None, key=None, door="socket", at=self._fake.clock.time(), fault=rule.describe(),
            project=sender.session.project.id,
        ))
        return rule

    def watch_sockets(self, listener: Callable[[Disruption], bool]) -> None:
        """For a server serving this fake's sockets: ``listener(disruption)``
        disturbs the socket if it holds it (and says so)."""
        self._sockets.append(listener)

    def join(self, token: Union[Token, str], *, public_key: Optional[str] = None) -> Peer:
        """Join a call or room with a participant token (its value, or the
        :class:`~pytest_radist.Token` of ``call.tokens``), as the signaling
        WebSocket would. Raises :class:`~pytest_radist.JoinRefused` if the
        token is unknown, consumed, expired, cleared or the call is over."""
        return self._world.join(token.value if isinstance(token, Token) else token, public_key)

    def join_space(
        self,
        space: Union[Space, str],
        *,
        password: Optional[str] = None,
        host_token: Optional[str] = None,
        approved: bool = False,
    ) -> Peer:
        """Enter a space (by object, id or slug of the default project):
        as its host with ``host_token``, with ``password`` for password
        spaces, or ``approved=True`` past a host of a knock space."""
        return self._world.join_space(self._fake._space(space), password=password, host_token=host_token, approved=approved)

    def remove_peer(self, peer: Union[Peer, str]) -> Peer:
        """Remove a peer for good (by object or id): the others get
        ``peer-left`` reason ``removed``, its socket is closed with 4403."""
        found = self._fake._peer(peer)
        found.remove()
        return found

    # -- presence: watching and waiting (see controls/presence.py) -----------------

    def subscribe(self, listener: Callable[[PresenceEvent], None]) -> None:
        """Call ``listener`` with every :class:`PresenceEvent` (a peer joined
        or left, a call was tombstoned), from whichever thread made the
        change, under the state's lock: record it or hand it on, never block."""
        self._fake._presence.subscribe(listener)

    def wait_until(self, condition: Callable[[], Any], *, timeout: float = 5.0, what: str = "the condition") -> Any:
        """Wait, without sleeping blindly, until ``condition()`` is truthy;
        returns its value. Raises ``TimeoutError`` naming ``what``."""
        __tracebackhide__ = True
        return self._fake._presence.wait_until(condition, timeout=timeout, what=what)

    def wait_for_peers(self, session: Union[Call, Room, str], count: int, *, timeout: float = 5.0) -> list[Peer]:
        """Wait until ``count`` peers are connected to a call or room (by
        object or id); returns them."""
        __tracebackhide__ = True
        return self._fake._presence.wait(self._fake._presence.peers_wait(self._fake._session(session), count), timeout=timeout)  # type: ignore[no-any-return]

    def wait_for_tombstone(self, call: Union[Call, str], *, timeout: float = 5.0) -> Call:
        """Wait until a call is tombstoned (by object or id); returns it."""
        __tracebackhide__ = True
        return self._fake._presence.wait(self._fake._presence.tombstone_wait(self._fake._session(call)), timeout=timeout)  # type: ignore[no-any-return]

    # -- socket URLs on the loopback server ---------------------------------

    def signaling_url(self, token: Union[Token, str], *, public_key: Optional[str] = None) -> str:
        """The signaling socket URL that joins with ``token`` (a call or room
        token), on the loopback server: ``ws://127.0.0.1:<port>/api/v1/...``.
        The public key defaults to the token's project's."""
        found = token if isinstance(token, Token) else self._world.tokens.get(token)
        if found is None:
            raise E.NotFound(M.NO_SUCH_TOKEN.format(token=token))
        key = public_key or self._world.projects[found.project_id].public_key
        name = "callToken" if found.kind == "call" else "roomToken"
        return f"{self._socket_base(found.kind)}?{urlencode({'publicKey': key, name: found.value})}"

    def reconnect_url(self, peer: Union[Peer, str], *, reconnect_token: Optional[str] = None) -> str:
        """The signaling socket URL that reconnects ``peer`` with its current
        (or the given) reconnect token."""
        found = self._fake._peer(peer)
        kind = "call" if isinstance(found.session, Call) else "room"
        query = {
            "publicKey": found.session.project.public_key, f"{kind}Id": found.session.id,
            "peerId": found.id, "reconnectToken": reconnect_token or found.reconnect_token,
        }
        return f"{self._socket_base(kind)}?{urlencode(query)}"

    def _socket_base(self, kind: str) -> str:
        return "ws" + self._fake.url[len("http"):] + routes.SOCKET_PATHS[kind]


class AsyncWaits(Group):
    """The waits of :class:`People`, awaitable, for async tests
    (``await fake.aio.wait_for_peers(call, 2)``): the same names and
    arguments; the event loop goes on while they wait."""

    async def wait_until(self, condition: Callable[[], Any], *, timeout: float = 5.0, what: str = "the condition") -> Any:
        """Wait until ``condition()`` is truthy; returns its value. Raises ``TimeoutError`` naming ``what``."""
        __tracebackhide__ = True
        return await self._fake._presence.wait_until_async(condition, timeout=timeout, what=what)

    async def wait_for_peers(self, session: Union[Call, Room, str], count: int, *, timeout: float = 5.0) -> list[Peer]:
        """Wait until ``count`` peers are connected to a call or room; returns them."""
        __tracebackhide__ = True
        presence = self._fake._presence
        return await presence.wait_async(presence.peers_wait(self._fake._session(session), count), timeout=timeout)  # type: ignore[no-any-return]

    async def wait_for_tombstone(self, call: Union[Call, str], *, timeout: float = 5.0) -> Call:
        """Wait until a call is tombstoned; returns it."""
        __tracebackhide__ = True
        presence = self._fake._presence
        return await presence.wait_async(presence.tombstone_wait(self._fake._session(call)), timeout=timeout)  # type: ignore[no-any-return]
