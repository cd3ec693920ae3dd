"""Scenarios: the state a test needs, built without the API (``fake.scenarios``)."""

from __future__ import annotations

import math
import time
from typing import Optional, Union

from .. import errors as E
from .. import messages as M
from ..controls.network import MAX_FREEZE
from ..model.entities import Call, Peer, Project, Room, Space, Token
from .base import Group


class Scenarios(Group):
    """``make_*`` scenarios, minted tokens, token expiry, the connection
    limit (``fake.scenarios``; the same names are on the fake). Nothing
    here is journaled: the app's own requests are."""

    def make_call(self, access_control: str = "private", *, project: Union[Project, str, None] = None) -> Call:
        """A live call with its two pending tokens (not journaled). A private
        one answers 403 to the public-key mint."""
        return self._world.create_call(self._fake._project(project), access_control)

    def make_room(self, *, project: Union[Project, str, None] = None) -> Room:
        """A room with its two pending tokens (not journaled)."""
        return self._world.create_room(self._fake._project(project))

    def make_full_call(self, access_control: str = "public", *, project: Union[Project, str, None] = None) -> Call:
        """A call whose two peers are connected: mints answer 409."""
        self._check_tokens_usable("make_full_call")
        call = self.make_call(access_control, project=project)
        for token in list(call.tokens):
            self._world.join(token.value)
        return call

    def make_terminated_call(self, access_control: str = "public", *, project: Union[Project, str, None] = None) -> Call:
        """A tombstoned call: mints answer 410 and joins are refused."""
        self._check_tokens_usable("make_terminated_call")
        call = self.make_call(access_control, project=project)
        self._world.join(call.tokens[0].value).leave()
        if call.live:  # a reconnect grace is configured: let it run out
            self._fake.clock.advance(self._world.reconnect_grace)
        return call

    def _check_tokens_usable(self, scenario: str) -> None:
        """A scenario that joins its call's tokens cannot with a TTL of 0."""
        if self._world.token_ttl is not None and self._world.token_ttl <= 0:
            raise E.JoinRefused.because("expired", M.SCENARIO_TTL_ZERO.format(scenario=scenario, ttl=self._world.token_ttl))

    def expire_token(self, token: Union[Token, str]) -> Token:
        """Make one pending token expire now, without moving the clock."""
        found = token if isinstance(token, Token) else self._world.tokens.get(token)
        if found is None:
            raise E.NotFound(M.NO_SUCH_TOKEN.format(token=token))
        if found.state != "pending":
            raise E.InvalidValue(M.TOKEN_NOT_PENDING.format(token=found.value, state=found.state))
        found.expires = self._fake.clock.time()
        return found

    def connection_limit_reached(self, project: Union[Project, str, None] = None) -> Project:
        """Set the project's connection limit to its live calls: the next
        create_call answers 429 until a call is tombstoned or the limit raised."""
        target = self._fake._project(project)
        self._world.settle()
        target.connection_limit = target.live_calls
        return target

    def make_space(self, name: str, access_type: str = "public", *, password: Optional[str] = None,
                   project: Union[Project, str, None] = None) -> Space:
        """A space, as ``create_space`` makes it (not journaled): its slug
        derived from the name, its host token minted."""
        return self._world.create_space(self._fake._project(project), name, access_type, password)

    def mint_token(self, session: Union[Call, Room, str], *, public: bool = False) -> Token:
        """A new participant token for a call or room (by object or id), as
        the secret-key mint makes it (not journaled); ``public=True``: as the
        public-key mint, which refuses a private call. Raises
        :class:`~pytest_radist.ApiError` where the mint would answer an error
        (a full call: 409, an ended one: 410)."""
        found = self._fake._session(session)
        if isinstance(found, Call):
            return self._world.mint_call_token(found.project, found.id, public=public)
        return self._world.mint_room_token(found.project, found.id)

    def server_restart(self, seconds: float = 0.0) -> list[Peer]:
        """Restart the service under its clients: every connected peer's
        socket is cut at once (no close frame; a simulated peer is
        disconnected), each with its reconnect grace, and for ``seconds``
        of real time new sockets and REST requests are refused as a
        restarting service refuses them (503, a socket 4503). The state is
        kept. Returns the peers it disconnected."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= MAX_FREEZE \
                or not math.isfinite(seconds):
            raise E.InvalidValue(M.RESTART_SECONDS.format(seconds=seconds, limit=f"{MAX_FREEZE:g}"))
        self._fake._restarting_until = time.monotonic() + seconds if seconds else 0.0
        with self._world.lock:
            connected = [peer for peer in self._world.peers.values() if peer.connected]
        for peer in connected:
            if peer.connected:  # a cut may have ended the call, and its peers with it
                self._fake.people.disrupt(peer, "drop")
        return connected
