"""A Hypothesis state machine that drives a fake through random sequences.

Subclass :class:`RadistStateMachine` to add rules that call your own app and
invariants about it; the base rules keep creating calls and rooms, minting
with either key, joining, leaving, reconnecting, moving the clock and
injecting faults around them::

    from hypothesis.stateful import rule
    from pytest_radist.stateful import RadistStateMachine

    class MyAppMachine(RadistStateMachine):
        @rule(call_id=RadistStateMachine.calls)
        def app_invites_someone(self, call_id):
            my_app.invite(self.client, call_id)   # must not crash, whatever state the call is in

    TestMyApp = MyAppMachine.TestCase

Every run starts from a fresh fake (``self.fake``); requests go through its
in-process transport, so no SDK is needed (``self.request``), and
``self.client()`` gives a ``radist-server`` client when the SDK is there.
A run fails on any 5xx that no fault rule injected, and its teardown runs
the fake's strict check (an internal error of the fake fails the run).
"""

from __future__ import annotations

import http.client
from typing import Any, ClassVar, Optional

try:
    from hypothesis import strategies as st
    from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule
except ImportError as exc:  # name the extra instead of a bare ModuleNotFoundError
    raise ImportError(f"{__name__} needs hypothesis: pip install 'pytest-radist[hypothesis]' ({exc})") from exc

from . import strategies as rst
from .errors import JoinRefused
from .fake import IN_PROCESS_BASE_URL, RadistFake
from .model.entities import Peer

__all__ = ["RadistStateMachine"]


class RadistStateMachine(RuleBasedStateMachine):
    """Base state machine over a fresh :class:`RadistFake` per run."""

    #: Keyword arguments for each run's RadistFake (seed 0 unless given, so
    #: that Hypothesis can replay a failing run exactly).
    fake_settings: ClassVar[dict[str, Any]] = {}
    #: Set to False to keep fault injection out of the random sequences.
    inject_faults: ClassVar[bool] = True

    calls = Bundle("calls")
    rooms = Bundle("rooms")
    tokens = Bundle("tokens")
    peers = Bundle("peers")

    def __init__(self) -> None:
        super().__init__()
        self.fake = RadistFake(**{"seed": 0, **self.fake_settings})
        self.participant_seconds = 0
        self._journal_read = 0

    def teardown(self) -> None:
        try:
            self.fake.check()  # an internal error of the fake fails the run
        finally:
            self.fake.close()

    # -- helpers for subclasses ------------------------------------------------

    def request(self, method: str, path: str, body: Optional[dict[str, Any]] = None, *, key: Optional[str] = None) -> tuple[int, dict[str, Any]]:
        """One request through the in-process transport; a dropped connection
        (fault) comes back as status 0."""
        headers = {"Accept": "application/json", "Authorization": f"Bearer {key or self.fake.project.secret_key}"}
        try:
            return self.fake.transport(IN_PROCESS_BASE_URL + path, method, headers, body)
        except http.client.RemoteDisconnected:
            return 0, {}

    def client(self, **overrides: Any) -> Any:
        """A ``radist_server`` client on this run's fake (needs the SDK)."""
        return self.fake.client(**overrides)

    @property
    def project_path(self) -> str:
        from urllib.parse import quote

        return f"/api/v1/projects/{quote(self.fake.project.id, safe='')}"

    # -- rules -------------------------------------------------------------------

    @staticmethod
    def _field(status: int, body: dict[str, Any], name: str) -> Any:
        """``body[name]`` from a 200 whose field is a string, else nothing:
        a fault may have answered with an error or a malformed body."""
        value = body.get(name) if status == 200 else None
        return value if isinstance(value, str) else multiple()

    @rule(target=calls, access=rst.access_controls())
    def create_call(self, access: str) -> Any:
        status, body = self.request("POST", f"{self.project_path}/calls", {"accessControl": access})
        return self._field(status, body, "callId")

    @rule(target=rooms)
    def create_room(self) -> Any:
        status, body = self.request("POST", f"{self.project_path}/rooms")
        return self._field(status, body, "roomId")

    @rule(target=tokens, call_id=calls)
    def tokens_of_call(self, call_id: str) -> Any:
        """Put a call's tokens (as the app handed them out) in play."""
        return multiple(*(t.value for t in self.fake.calls[call_id].tokens))

    @rule(target=tokens, room_id=rooms)
    def tokens_of_room(self, room_id: str) -> Any:
        return multiple(*(t.value for t in self.fake.rooms[room_id].tokens))

    @rule(target=tokens, call_id=calls, public=st.booleans())
    def mint_call_token(self, call_id: str, public: bool) -> Any:
        if public:
            status, body = self.request("POST", f"/api/v1/p2p/calls/{call_id}/token", key=self.fake.project.public_key)
        else:
            status, body = self.request("POST", f"{self.project_path}/p2p/calls/{call_id}/token")
        return self._field(status, body, "callToken")

    @rule(target=tokens, room_id=rooms)
    def mint_room_token(self, room_id: str) -> Any:
        status, body = self.request("POST", f"{self.project_path}/rooms/{room_id}/token")
        return self._field(status, body, "roomToken")

    @rule(target=peers, token=tokens)
    def join(self, token: str) -> Any:
        try:
            return self.fake.join(token)
        except JoinRefused:
            return multiple()

    @rule(peer=peers)
    def leave(self, peer: Peer) -> None:
        peer.leave()

    @rule(peer=peers)
    def reconnect(self, peer: Peer) -> None:
        try:
            peer.reconnect()
        except JoinRefused:
            pass

    @rule(seconds=st.sampled_from([0.5, 1, 30, 600, 3600]))
    def advance_clock(self, seconds: float) -> None:
        self.fake.clock.advance(seconds)

    @rule(limit=st.none() | st.integers(0, 4))
    def set_connection_limit(self, limit: Optional[int]) -> None:
        self.fake.project.connection_limit = limit

    @rule(plan=rst.fault_plans())
    def inject_fault(self, plan: rst.FaultPlan) -> None:
        if self.inject_faults:
            plan.apply(self.fake)

    @rule()
    def clear_faults(self) -> None:
        self.fake.clear_faults()

    # -- invariants: documented rules the fake must keep -----------------------------

    @invariant()
    def at_most_two_peers_per_call(self) -> None:
        for call in self.fake.calls.values():
            assert len(call.connected_peers) <= 2, call

    @invariant()
    def full_and_tombstoned_calls_have_no_pending_tokens(self) -> None:
        for call in self.fake.calls.values():
            if not call.live or len(call.connected_peers) == 2:
                assert all(t.state != "pending" for t in call.tokens), call

    @invariant()
    def tombstoned_calls_are_empty(self) -> None:
        for call in self.fake.calls.values():
            if not call.live:
                assert call.connected_peers == [], call

    @invariant()
    def live_call_count_is_consistent(self) -> None:
        project = self.fake.project
        assert project.live_calls == sum(1 for c in project.call_list if c.live)

    @invariant()
    def server_errors_come_only_from_faults(self) -> None:
        entries = self.fake.requests
        for entry in entries[self._journal_read:]:
            assert entry.status < 500 or entry.fault is not None, f"the fake answered a 5xx nobody injected: {entry.describe()}"
        self._journal_read = len(entries)

    @invariant()
    def usage_never_decreases(self) -> None:
        seconds = self.fake.usage()["radist_sfu_participant_seconds"]
        assert seconds >= self.participant_seconds
        self.participant_seconds = seconds
