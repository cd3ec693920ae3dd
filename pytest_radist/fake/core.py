"""``RadistFake``: one stateful fake of Radist, its test controls and front
doors. Its controls come in groups (``fake.faults``, ``fake.journal``,
``fake.state``, ``fake.scenarios``, ``fake.people``, ``fake.aio``, from
:mod:`.views`, :mod:`.people`, :mod:`.scenarios` and :mod:`..controls`),
whose methods the fake's flat names are shortcuts to; here what makes one,
resets it, and its request cycle."""

from __future__ import annotations

import random
import time
from urllib.parse import parse_qsl
from typing import Any, Callable, ContextManager, Mapping, Optional, Sequence, Union

from .. import errors as E
from .. import messages as M
from ..api import app as api
from ..api import routes
from ..controls.browser import BrowserPolicy
from ..controls.faults import FaultRule, Faults
from ..controls.journal import DEFAULT_BODY_LIMIT, Journal
from ..controls.presence import Presence
from ..model.clock import Clock
from ..model.entities import Call, Peer, Project, Room, Space
from ..model.world import World
from ..settings import SETTINGS, check
from ..target import CONTROL_PREFIX, Outcome
from ..shortcuts import Shortcut
from .media import MediaPeers
from .people import AsyncWaits, People
from .scenarios import Scenarios
from .views import FakeSettings, State

DEFAULT_PROJECT_ID = "test-project"
#: The settings ``RadistFake(...)`` takes (:mod:`pytest_radist.settings`).
SETTINGS_OF_THE_FAKE = tuple(s.name for s in SETTINGS if s.owner == "fake")


#: The doors the loopback server answers on its one thread (see :meth:`RadistFake.dispatch`).
_SERVED_DOORS = frozenset({"http", "socket"})
#: Seconds the loopback server waits for the state's lock before it answers 503.
SERVER_LOCK_WAIT = 1.0


class RadistFake(FakeSettings):
    """A stateful, in-process fake of the Radist API.

    Usable on its own (``with RadistFake() as fake: ...``) or through the
    ``radist_fake`` pytest fixture, which gives every test a fresh one.

    Its controls are grouped: :attr:`faults`, :attr:`journal`, :attr:`state`,
    :attr:`scenarios`, :attr:`people`, :attr:`aio` and :attr:`clock`. The
    flat names (``fake.fail``, ``fake.make_call``, ``fake.calls``, ...) are
    shortcuts to the groups' own.
    """

    #: Joining, leaving, disrupting, waiting for presence, the sockets' URLs.
    people: People

    # -- the flat names: shortcuts to the groups --------------------------------

    fail = Shortcut("faults", Faults.add)
    slow_backend = Shortcut("faults", Faults.slow_backend)
    remove_fault = Shortcut("faults", Faults.remove)
    clear_faults = Shortcut("faults", Faults.clear)

    add_project = Shortcut("state", State.add_project)
    remove_project = Shortcut("state", State.remove_project)
    newest = Shortcut("state", State.newest)
    minted_tokens = Shortcut("state", State.minted_tokens)
    usage = Shortcut("state", State.usage)
    snapshot = Shortcut("state", State.snapshot)
    restore = Shortcut("state", State.restore)

    make_call = Shortcut("scenarios", Scenarios.make_call)
    make_room = Shortcut("scenarios", Scenarios.make_room)
    make_full_call = Shortcut("scenarios", Scenarios.make_full_call)
    make_terminated_call = Shortcut("scenarios", Scenarios.make_terminated_call)
    make_space = Shortcut("scenarios", Scenarios.make_space)
    mint_token = Shortcut("scenarios", Scenarios.mint_token)
    expire_token = Shortcut("scenarios", Scenarios.expire_token)
    connection_limit_reached = Shortcut("scenarios", Scenarios.connection_limit_reached)
    server_restart = Shortcut("scenarios", Scenarios.server_restart)

    join = Shortcut("people", People.join)
    join_space = Shortcut("people", People.join_space)
    remove_peer = Shortcut("people", People.remove_peer)
    disrupt = Shortcut("people", People.disrupt)
    watch_sockets = Shortcut("people", People.watch_sockets)
    signal_fault = Shortcut("people", People.signal_fault)
    subscribe = Shortcut("people", People.subscribe)
    wait_until = Shortcut("people", People.wait_until)
    wait_for_peers = Shortcut("people", People.wait_for_peers)
    wait_for_tombstone = Shortcut("people", People.wait_for_tombstone)
    signaling_url = Shortcut("people", People.signaling_url)
    reconnect_url = Shortcut("people", People.reconnect_url)

    media_peer = Shortcut("media", MediaPeers.join)

    @property
    def projects(self) -> Mapping[str, Project]:
        """Every project, by id (``fake.state.projects``)."""
        return self.state.projects

    @property
    def calls(self) -> Mapping[str, Call]:
        """Every call of every project, by id (``fake.state.calls``)."""
        return self.state.calls

    @property
    def rooms(self) -> Mapping[str, Room]:
        """Every room of every project, by id (``fake.state.rooms``)."""
        return self.state.rooms

    @property
    def spaces(self) -> Mapping[str, Space]:
        """Every space of every project, by id (``fake.state.spaces``)."""
        return self.state.spaces

    @property
    def peers(self) -> Mapping[str, Peer]:
        """Every peer, by id (``fake.state.peers``)."""
        return self.state.peers

    @property
    def lock(self) -> ContextManager[Any]:
        """The state's lock (``fake.state.lock``): hold it to read several
        views at once while a server changes the state."""
        return self.state.lock

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
        journal_bytes: Optional[int] = None,
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
            journal=Journal(journal_limit, journal_body_limit, journal_bytes),
            browser=BrowserPolicy.build(allowed_origins, secret_cors, control_origins, allowed_hosts, control_token),
        )
        self.clock = clock or Clock()
        self._world = World(
            seed=self.seed, clock=self.clock, token_ttl=token_ttl,
            reconnect_grace=reconnect_grace, room_participant_cap=room_participant_cap,
        )
        self._presence = Presence()
        self._presence.watch(self._world)
        self.project = self._world.add_project(
            project_id, secret_key=secret_key, public_key=public_key,
            connection_limit=connection_limit, room_limit=room_limit,
        )
        self.public_base_url = public_base_url
        #: The fault rules: add, list, remove, clear, scope (:class:`~pytest_radist.controls.faults.Faults`).
        self.faults = Faults(self._seed_of_rules, lambda: self._world.projects)
        #: The state, read-only: projects, calls, rooms, spaces, peers, tokens.
        self.state = State(self)
        #: State a test needs, built without the API (``make_call`` ...).
        self.scenarios = Scenarios(self)
        #: Joining, leaving, waiting for presence, the sockets' URLs.
        self.people = People(self)
        #: The waits of :attr:`people`, awaitable (``await fake.aio.wait_for_peers(call, 2)``).
        self.aio = AsyncWaits(self)
        #: Participants with real media (``fake.media_peer(token)``; the media extra).
        self.media = MediaPeers(self, self.people)

    def clean_up(self) -> None:
        """Close the media peers the test started (the end of a test)."""
        self.media.close()

    def close(self) -> None:
        """Close the media peers, and stop the loopback server if this fake started it."""
        self.media.close()
        super().close()

    def _seed_of_rules(self) -> int:
        return self.seed

    def reset(self, *, state: bool = False, seed: Optional[int] = None, project: Union[Project, str, None] = None) -> None:
        """Forget the journal, fault rules and problems, and end a
        :meth:`~.scenarios.Scenarios.server_restart` in progress.

        With ``project`` (an object or id), only that tenant is reset: it
        forgets its calls, rooms, spaces, tokens, peers (their sockets
        closed), journal entries, fault rules and usage, and keeps its keys
        and limits; the other projects are untouched. With ``state=True``
        also forget every call, room, space, token and peer, keeping the
        projects with their ids, keys and limits (and the clock); sockets
        open on the state it forgets are cut. Objects read before the reset
        (``fake.project`` included) are then stale.

        New ids come from the same generator going on, so no id or token
        from before the reset comes back; ``seed=`` restarts the generator
        from that seed instead (the same seed, the same ids again)."""
        if project is not None:
            if state or seed is not None:
                raise E.InvalidValue(M.RESET_PROJECT_ALONE)
            self._forget_tenant(self._project(project))
            return
        if seed is not None and not state:
            raise E.InvalidValue(M.RESET_SEED_NEEDS_STATE)
        self._forget()
        self.faults.clear()
        self._restarting_until = 0.0  # a restart in progress ends
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
            self._replace_world(world, self.project.id)

    # -- the request cycle shared by every front door -------------------------

    def dispatch(self, request: api.ApiRequest, door: str) -> Outcome:
        """Answer one request: faults first, then the API; journal it.

        ``door`` names the front door for the journal (``transport``,
        ``http``, ``requests``). Paths under ``/_radist/`` are the control
        plane (:mod:`pytest_radist.controls.control_plane`), not journaled.

        The loopback server answers every connection on one thread: it
        waits at most :data:`SERVER_LOCK_WAIT` seconds for the state's lock
        (a test holding ``fake.lock`` around a request to the server would
        otherwise freeze every connection), then answers 503 and reports it."""
        if door in _SERVED_DOORS:
            lock = self._world.lock
            if not lock.acquire(timeout=SERVER_LOCK_WAIT):
                message = E.STATE_LOCK_HELD.format(seconds=SERVER_LOCK_WAIT, method=request.method, path=request.path)
                self.report_problem(message)
                return Outcome(503, {"error": f"pytest-radist fake: {message}"})
            try:
                return self._dispatch(request, door)
            finally:
                lock.release()
        return self._dispatch(request, door)

    def _dispatch(self, request: api.ApiRequest, door: str) -> Outcome:
        if request.path.startswith(CONTROL_PREFIX):
            from ..controls import control_plane  # loaded on the first control request

            if control_plane.is_dashboard(request):
                from ..controls.control_plane.dashboard import page

                return Outcome(200, None, raw=page(), headers={"Content-Type": "text/html; charset=utf-8"})
            status, body = control_plane.handle(self, request)
            return Outcome(status, body, headers={"Allow": body["allow"]} if status == 405 else {})
        found = routes.match(request.method, request.path)
        endpoint = found.endpoint
        left = self._restarting_until - time.monotonic() if self._restarting_until else 0.0
        if left > 0:  # scenarios.server_restart
            outcome = Outcome(503, {"error": M.SERVICE_RESTARTING})
            self._record(request, found, outcome, door=door, key_type=None, why=M.WHY_RESTARTING.format(left=left),
                         project=self._project_of(request, found))
            return outcome
        project = self._project_of(request, found)
        rule = self.faults.pick(endpoint, project)
        try:
            if rule is None or rule.applies_operation:
                response = api.handle(self._world, request, self.public_base_url, found)
            else:
                response = api.ApiResponse(0, {}, endpoint)
        except Exception as exc:  # a bug of the fake: answer, and fail the test at teardown
            message = f"internal error on {request.method} {request.path}: {type(exc).__name__}: {exc}"
            self.report_problem(message)
            response = api.error(500, f"pytest-radist fake: {message}", endpoint)
        outcome = Outcome(response.status, response.body, headers=response.headers or {})
        if response.status >= 400 and endpoint is not None and response.body:
            self._check_listed(endpoint, response.status, response.body)
        if endpoint is None and self.strict:
            hints = "; ".join(routes.closest_endpoints(request.method, request.path))
            self.report_problem(
                f"{request.method} {request.path} is not a Radist endpoint ({response.status}); closest: {hints}"
            )
        if rule is not None:
            self._apply(rule, outcome, endpoint or "*")
        fault = None if rule is None else rule.describe()
        why = response.why if rule is None else M.WHY_FAULT.format(id=rule.id, description=fault)
        self._record(request, found, outcome, door=door, key_type=response.key_type, fault=fault,
                     why=why if outcome.status >= 400 or outcome.drop else None, project=project)
        return outcome

    def _now(self) -> float:
        return self.clock.time()

    def _project_of(self, request: api.ApiRequest, found: routes.Match) -> Optional[str]:
        """The project a request names: its path's, its key's, or a socket's ``publicKey``'s."""
        world = self._world
        named = found.params.get("projectId")
        if named is not None:
            return named if named in world.projects else None
        key = api.bearer(request.authorization)
        if key is None and found.route is not None and found.route.key == "socket":
            key = next((v for n, v in parse_qsl(request.query) if n == "publicKey"), None)
        owner = world.key_owner.get(key) if key else None
        return None if owner is None else owner.id

    def _check_listed(self, endpoint: str, status: int, body: dict[str, Any]) -> None:
        """An error answer the docs do not list is a bug of the fake (the
        REST reference and openapi.json are made from the same tables)."""
        if endpoint in routes.ENDPOINTS and body.get("error") not in E.answerable_errors(endpoint).get(status, ()):
            self.report_problem(E.UNLISTED_ERROR.format(endpoint=endpoint, status=status, error=body.get("error")))

    @staticmethod
    def _apply(rule: FaultRule, outcome: Outcome, endpoint: str) -> None:
        outcome.delay = rule.latency
        if rule.status is not None:
            outcome.status = rule.status
            outcome.body = {"error": rule.error or E.documented_error(endpoint, rule.status)}
        if rule.malformed is not None:
            outcome.status = rule.status or 200
            outcome.raw, outcome.body = rule.malformed, None
        if rule.headers:
            outcome.headers = {**outcome.headers, **rule.headers}
        if rule.drop or (rule.lost_response and rule.status is None):
            outcome.drop = True

    def __repr__(self) -> str:
        return f"<RadistFake seed={self.seed} project={self.project.id!r} calls={len(self._world.calls)}>"

