"""``RadistFake``: one stateful fake of Radist, its test controls and front doors."""

from __future__ import annotations

import random
from types import MappingProxyType
from itertools import islice
from typing import Any, Callable, ContextManager, Literal, Mapping, Optional, Sequence, Union
from urllib.parse import urlencode

from . import errors as E
from . import messages as M
from .api import app as api
from .api import routes
from .controls.browser import BrowserPolicy
from .controls.faults import FaultPlan, FaultRule
from .controls.presence import Presence
from .controls.journal import DEFAULT_BODY_LIMIT, Journal
from .model.clock import Clock
from .model.entities import Call, Peer, Project, Room, Space, Token
from .model.world import PresenceEvent, World
from .settings import SETTINGS, check
from .doors.contract import IN_PROCESS_BASE_URL
from .target import CONTROL_PREFIX, Outcome, RadistFakeProblem, RadistTarget

__all__ = ["CONTROL_PREFIX", "DEFAULT_PROJECT_ID", "IN_PROCESS_BASE_URL", "Outcome", "RadistFake", "RadistFakeProblem"]

DEFAULT_PROJECT_ID = "test-project"
#: The settings ``RadistFake(...)`` takes (:mod:`pytest_radist.settings`).
SETTINGS_OF_THE_FAKE = tuple(s.name for s in SETTINGS if s.owner == "fake")


class RadistFake(RadistTarget):
    """A stateful, in-process fake of the Radist API.

    Usable on its own (``with RadistFake() as fake: ...``) or through the
    ``radist_fake`` pytest fixture, which gives every test a fresh one.
    """

    #: The fake clock (frozen unless ``Clock(realtime=True)``).
    clock: Clock

    def __init__(
        self,
        *,
        seed: Optional[int] = None,
        project_id: str = DEFAULT_PROJECT_ID,
        secret_key: Optional[str] = None,
        public_key: Optional[str] = None,
        connection_limit: Optional[int] = None,
        room_limit: Optional[int] = None,
        token_ttl: Optional[float] = 3600.0,
        reconnect_grace: float = 0.0,
        room_participant_cap: Optional[int] = None,
        clock: Optional[Clock] = None,
        realtime: bool = False,
        public_base_url: Optional[str] = None,
        strict: bool = True,
        journal_limit: Optional[int] = None,
        journal_body_limit: Optional[int] = DEFAULT_BODY_LIMIT,
        allowed_origins: Optional[Sequence[str]] = None,
        secret_cors: bool = False,
        control_origins: Optional[Sequence[str]] = None,
        allowed_hosts: Optional[Sequence[str]] = None,
        control_token: Optional[str] = None,
    ) -> None:
        given = dict(locals())
        for name in SETTINGS_OF_THE_FAKE:  # one validator, whether a setting comes from Python, the CLI or the control plane
            check(name, given[name], f"RadistFake({name}=...)")
        if realtime and clock is None:
            clock = Clock(realtime=True)
        super().__init__(
            seed=random.SystemRandom().randrange(2**32) if seed is None else seed, strict=strict,
            journal=Journal(journal_limit, journal_body_limit),
            browser=BrowserPolicy.build(allowed_origins, secret_cors, control_origins, allowed_hosts, control_token),
        )
        self.clock = clock or Clock()
        self._world = World(
            seed=self.seed, clock=self.clock, token_ttl=token_ttl,
            reconnect_grace=reconnect_grace, room_participant_cap=room_participant_cap,
        )
        self._presence = Presence()
        self._presence.watch(self._world)
        #: The default project, created with the fake.
        self.project: Project = self._world.add_project(
            project_id, secret_key=secret_key, public_key=public_key,
            connection_limit=connection_limit, room_limit=room_limit,
        )
        self.public_base_url = public_base_url
        self._faults = FaultPlan()

    # -- configuration ------------------------------------------------------

    @property
    def token_ttl(self) -> Optional[float]:
        """Seconds a participant token stays usable unused; ``None`` = forever."""
        return self._world.token_ttl

    @token_ttl.setter
    def token_ttl(self, seconds: Optional[float]) -> None:
        self._world.token_ttl = check("token_ttl", seconds)

    @property
    def public_base_url(self) -> Optional[str]:
        """Base of ``participantUrl``/``hostUrl``; ``None`` = the URL the client used."""
        return self._public_base_url

    @public_base_url.setter
    def public_base_url(self, url: Optional[str]) -> None:
        url = check("public_base_url", url)
        self._public_base_url = url.rstrip("/") if url else None

    @property
    def reconnect_grace(self) -> float:
        """Seconds an empty call waits for a reconnect before it is tombstoned."""
        return self._world.reconnect_grace

    @reconnect_grace.setter
    def reconnect_grace(self, seconds: float) -> None:
        self._world.reconnect_grace = check("reconnect_grace", seconds)

    @property
    def room_participant_cap(self) -> Optional[int]:
        """Participants allowed at once in rooms created from now on; ``None`` = any."""
        return self._world.room_participant_cap

    @room_participant_cap.setter
    def room_participant_cap(self, cap: Optional[int]) -> None:
        self._world.room_participant_cap = check("room_participant_cap", cap)

    def add_project(
        self,
        project_id: Optional[str] = None,
        *,
        secret_key: Optional[str] = None,
        public_key: Optional[str] = None,
        connection_limit: Optional[int] = None,
        room_limit: Optional[int] = None,
    ) -> Project:
        """Another project with its own keys (ids default to ``project-N``)."""
        return self._world.add_project(
            project_id, secret_key=secret_key, public_key=public_key,
            connection_limit=connection_limit, room_limit=room_limit,
        )

    @property
    def projects(self) -> Mapping[str, Project]:
        return MappingProxyType(self._world.projects)

    @property
    def lock(self) -> ContextManager[Any]:
        """The state's lock: hold it to read several views at once while a
        server changes the state (``with fake.lock: ...``)."""
        return self._world.lock

    def newest(self, kind: Literal["calls", "rooms", "spaces"], count: int) -> list[Any]:
        """The newest ``count`` calls, rooms or spaces of every project,
        newest first (what the dashboard shows), whatever the state holds."""
        views: dict[str, dict[str, Any]] = {"calls": self._world.calls, "rooms": self._world.rooms, "spaces": self._world.spaces}
        found = views[kind]
        with self._world.lock:
            return list(islice(reversed(found.values()), count))

    # -- state, read-only views ---------------------------------------------

    @property
    def calls(self) -> Mapping[str, Call]:
        """Every call of every project, by id."""
        return MappingProxyType(self._world.calls)

    @property
    def rooms(self) -> Mapping[str, Room]:
        return MappingProxyType(self._world.rooms)

    @property
    def spaces(self) -> Mapping[str, Space]:
        return MappingProxyType(self._world.spaces)

    @property
    def peers(self) -> Mapping[str, Peer]:
        return MappingProxyType(self._world.peers)

    def minted_tokens(
        self,
        minted_by: Optional[str] = None,
        *,
        call_id: Optional[str] = None,
        room_id: Optional[str] = None,
        state: Optional[str] = None,
    ) -> list[Token]:
        """Every participant token, in mint order, optionally filtered:
        ``minted_by`` is ``"create"``, ``"server"`` or ``"public"``."""
        if minted_by not in (None, "create", "server", "public"):
            raise E.InvalidValue(M.MINTED_BY.format(value=minted_by))
        with self._world.lock:
            tokens = list(self._world.tokens.values())
        return [
            t for t in tokens
            if (minted_by is None or t.minted_by == minted_by)
            and (call_id is None or (t.kind == "call" and t.target_id == call_id))
            and (room_id is None or (t.kind == "room" and t.target_id == room_id))
            and (state is None or t.state == state)
        ]

    def usage(self, project: Union[Project, str, None] = None) -> dict[str, int]:
        """Usage meters of ``project`` (default: the default project)."""
        return {"radist_sfu_participant_seconds": self._world.participant_seconds(self._project(project))}

    def _project(self, project: Union[Project, str, None]) -> Project:
        if project is None:
            return self.project
        if isinstance(project, Project):
            return project
        try:
            return self._world.projects[project]
        except KeyError:
            raise E.NotFound(M.NO_SUCH_PROJECT.format(project=project, known=sorted(self._world.projects))) from None

    # -- simulated participants ---------------------------------------------

    def join(self, token: str, *, public_key: Optional[str] = None) -> Peer:
        """Join a call or room with a participant token, as the signaling
        WebSocket would. Raises :class:`~pytest_radist.JoinRefused` if the
        token is unknown, consumed, expired, cleared or the call is over."""
        return self._world.join(token, public_key)

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
        return self._world.join_space(self._space(space), password=password, host_token=host_token, approved=approved)

    def _space(self, space: Union[Space, str]) -> Space:
        if isinstance(space, Space):
            return space
        found = self._world.spaces.get(space) or self.project.spaces_by_slug.get(space)
        if found is None:
            raise E.NotFound(M.NO_SUCH_SPACE.format(space=space))
        return found

    def remove_peer(self, peer: Union[Peer, str]) -> Peer:
        """Remove a peer for good (by object or id): the others get
        ``peer-left`` reason ``removed``, its socket is closed with 4403."""
        found = self._peer(peer)
        found.remove()
        return found

    def _peer(self, peer: Union[Peer, str]) -> Peer:
        if isinstance(peer, Peer):
            return peer
        found = self._world.peers.get(peer)
        if found is None:
            raise E.NotFound(M.NO_SUCH_PEER.format(peer=peer))
        return found

    # -- presence: watching and waiting (see controls/presence.py) -----------------

    def subscribe(self, listener: Callable[[PresenceEvent], None]) -> None:
        """Call ``listener`` with every :class:`PresenceEvent` (a peer joined
        or left, a call was tombstoned), from whichever thread made the
        change, under the state's lock: record it or hand it on, never block."""
        self._presence.subscribe(listener)

    def wait_until(self, condition: Callable[[], Any], *, timeout: float = 5.0, what: str = "the condition") -> Any:
        """Wait, without sleeping blindly, until ``condition()`` is truthy;
        returns its value. Raises ``TimeoutError`` naming ``what``."""
        return self._presence.wait_until(condition, timeout=timeout, what=what)

    def wait_for_peers(self, session: Union[Call, Room, str], count: int, *, timeout: float = 5.0) -> list[Peer]:
        """Wait until ``count`` peers are connected to a call or room (by
        object or id); returns them."""
        return self._presence.wait_for_peers(self._session(session), count, timeout=timeout)

    def wait_for_tombstone(self, call: Union[Call, str], *, timeout: float = 5.0) -> Call:
        """Wait until a call is tombstoned (by object or id); returns it."""
        return self._presence.wait_for_tombstone(self._session(call), timeout=timeout)

    def _session(self, session: Union[Call, Room, str]) -> Union[Call, Room]:
        if isinstance(session, (Call, Room)):
            return session
        found = self._world.calls.get(session) or self._world.rooms.get(session)
        if found is None:
            raise E.NotFound(M.NO_SUCH_SESSION.format(session=session))
        return found

    # -- scenarios: state a test needs, built without going through the API -----

    def make_call(self, access_control: str = "private", *, project: Union[Project, str, None] = None) -> Call:
        """A live call with its two pending tokens (not journaled). A private
        one answers 403 to the public-key mint."""
        return self._world.create_call(self._project(project), access_control)

    def make_room(self, *, project: Union[Project, str, None] = None) -> Room:
        """A room with its two pending tokens (not journaled)."""
        return self._world.create_room(self._project(project))

    def make_full_call(self, access_control: str = "public", *, project: Union[Project, str, None] = None) -> Call:
        """A call whose two peers are connected: mints answer 409."""
        self._check_tokens_usable("make_full_call")
        call = self.make_call(access_control, project=project)
        for token in list(call.tokens):
            self.join(token.value)
        return call

    def make_terminated_call(self, access_control: str = "public", *, project: Union[Project, str, None] = None) -> Call:
        """A tombstoned call: mints answer 410 and joins are refused."""
        self._check_tokens_usable("make_terminated_call")
        call = self.make_call(access_control, project=project)
        self.join(call.tokens[0].value).leave()
        if call.live:  # a reconnect grace is configured: let it run out
            self.clock.advance(self.reconnect_grace)
        return call

    def _check_tokens_usable(self, scenario: str) -> None:
        """A scenario that joins its call's tokens cannot with a TTL of 0."""
        if self.token_ttl is not None and self.token_ttl <= 0:
            raise E.JoinRefused.because("expired", M.SCENARIO_TTL_ZERO.format(scenario=scenario, ttl=self.token_ttl))

    def expire_token(self, token: Union[Token, str]) -> Token:
        """Make one pending token expire now, without moving the clock."""
        found = token if isinstance(token, Token) else self._world.tokens.get(token)
        if found is None:
            raise E.NotFound(M.NO_SUCH_TOKEN.format(token=token))
        if found.state != "pending":
            raise E.InvalidValue(M.TOKEN_NOT_PENDING.format(token=found.value, state=found.state))
        found.expires = self.clock.time()
        return found

    def connection_limit_reached(self, project: Union[Project, str, None] = None) -> Project:
        """Set the project's connection limit to its live calls: the next
        create_call answers 429 until a call is tombstoned or the limit raised."""
        target = self._project(project)
        self._world.settle()
        target.connection_limit = target.live_calls
        return target

    def slow_backend(self, seconds: float, endpoint: str = "*", *, times: Optional[int] = None) -> FaultRule:
        """Delay answers by ``seconds`` of real time (every request by default)."""
        return self.fail(endpoint, latency=seconds, times=times)

    # -- test controls --------------------------------------------------------

    def fail(
        self,
        endpoint: str = "*",
        *,
        status: Optional[int] = None,
        error: Optional[str] = None,
        latency: float = 0.0,
        drop: bool = False,
        malformed: Union[bytes, str, None] = None,
        lost_response: bool = False,
        times: Optional[int] = 1,
        probability: float = 1.0,
        seed: Optional[int] = None,
    ) -> FaultRule:
        """Make requests to ``endpoint`` (a canonical name or ``"*"``) fail.

        Effects: ``status`` (with the documented body for that endpoint, or
        ``error``), ``latency`` seconds of real delay, ``drop`` the connection,
        a ``malformed`` 2xx body, or ``lost_response`` (the operation happens,
        then the client sees a dropped connection, or ``status`` if given).
        ``times=None`` fires on every match; ``probability`` with ``seed``
        gives reproducible chaos.
        """
        if error is not None and status is None:
            raise E.InvalidValue(M.ERROR_NEEDS_STATUS)
        if isinstance(malformed, str):
            malformed = malformed.encode()
        rule = FaultRule(
            endpoint, status=status, error=error, latency=latency, drop=drop, malformed=malformed,
            lost_response=lost_response, times=times, probability=probability,
            seed=self.seed if seed is None else seed,
        )
        return self._faults.add(rule)

    @property
    def faults(self) -> list[FaultRule]:
        """The fault rules, in the order they were added, with their counts."""
        return list(self._faults.rules)

    def clear_faults(self) -> None:
        self._faults.clear()

    def reset(self, *, state: bool = False, seed: Optional[int] = None) -> None:
        """Forget the journal, fault rules and problems. With ``state=True``
        also forget every call, room, space, token and peer, keeping the
        projects with their ids, keys and limits (and the clock). Objects
        read before the reset (``fake.project`` included) are then stale.

        New ids come from the same generator going on, so no id or token
        from before the reset comes back; ``seed=`` restarts the generator
        from that seed instead (the same seed, the same ids again)."""
        if seed is not None and not state:
            raise E.InvalidValue(M.RESET_SEED_NEEDS_STATE)
        self._forget()
        self._faults.clear()
        if state:
            old = self._world
            if seed is not None:
                self.seed = seed
            world = World(
                seed=self.seed, clock=self.clock, token_ttl=old.token_ttl,
                reconnect_grace=old.reconnect_grace, room_participant_cap=old.room_participant_cap,
                ids=old.ids if seed is None else None,  # the generator goes on: nothing from before comes back
            )
            for project in old.projects.values():
                fresh = world.add_project(
                    project.id, secret_key=project.secret_keys[0], public_key=project.public_key,
                    connection_limit=project.connection_limit, room_limit=project.room_limit,
                )
                for key in project.secret_keys[1:]:
                    world.add_secret_key(fresh, key)
            self._presence.watch(world)
            self._world = world
            self.project = world.projects[self.project.id]

    # -- the request cycle shared by every front door -------------------------

    def dispatch(self, request: api.ApiRequest, door: str) -> Outcome:
        """Answer one request: faults first, then the API; journal it.

        ``door`` names the front door for the journal (``transport``,
        ``http``, ``requests``). Paths under ``/_radist/`` are the control
        plane (:mod:`pytest_radist.controls.control_plane`), not journaled."""
        if request.path.startswith(CONTROL_PREFIX):
            from .controls import control_plane  # loaded on the first control request

            if control_plane.is_dashboard(request):
                from .controls.control_plane.dashboard import page

                return Outcome(200, None, raw=page(), headers={"Content-Type": "text/html; charset=utf-8"})
            status, body = control_plane.handle(self, request)
            return Outcome(status, body, headers={"Allow": body["allow"]} if status == 405 else {})
        found = routes.match(request.method, request.path)
        endpoint = found.endpoint
        rule = self._faults.pick(endpoint)
        try:
            if rule is None or rule.applies_operation:
                response = api.handle(self._world, request, self.public_base_url, found)
            else:
                response = api.ApiResponse(0, {}, endpoint)
        except Exception as exc:  # a bug of the fake: answer, and fail the test at teardown
            message = f"internal error on {request.method} {request.path}: {type(exc).__name__}: {exc}"
            self.report_problem(message)
            response = api.error(500, f"pytest-radist fake: {message}", endpoint)
        outcome = Outcome(response.status, response.body, headers=response.headers)
        if endpoint is None and self.strict:
            hints = "; ".join(routes.closest_endpoints(request.method, request.path))
            self.report_problem(
                f"{request.method} {request.path} is not a Radist endpoint ({response.status}); closest: {hints}"
            )
        if rule is not None:
            self._apply(rule, outcome, endpoint or "*")
        self._record(request, found, outcome, door=door, key_type=response.key_type,
                     fault=None if rule is None else rule.describe())
        return outcome

    def _now(self) -> float:
        return self.clock.time()

    @staticmethod
    def _apply(rule: FaultRule, outcome: Outcome, endpoint: str) -> None:
        outcome.delay = rule.latency
        if rule.status is not None:
            outcome.status = rule.status
            outcome.body = {"error": rule.error or E.documented_error(endpoint, rule.status)}
        if rule.malformed is not None:
            outcome.status = rule.status or 200
            outcome.raw, outcome.body = rule.malformed, None
        if rule.drop or (rule.lost_response and rule.status is None):
            outcome.drop = True

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
        found = self._peer(peer)
        kind = "call" if isinstance(found.session, Call) else "room"
        query = {
            "publicKey": found.session.project.public_key, f"{kind}Id": found.session.id,
            "peerId": found.id, "reconnectToken": reconnect_token or found.reconnect_token,
        }
        return f"{self._socket_base(kind)}?{urlencode(query)}"

    def _socket_base(self, kind: str) -> str:
        return "ws" + self.url[len("http"):] + routes.SOCKET_PATHS[kind]

    def __repr__(self) -> str:
        return f"<RadistFake seed={self.seed} project={self.project.id!r} calls={len(self._world.calls)}>"

