"""A Hypothesis state machine (issue 28): the API's operations interleaved
with snapshots, restores, and saves to a file with a restart from it. After
a restore (or a restart), what any client can observe (every REST answer,
every socket refusal, the next ids: :func:`tests.snapshots.probe`) is what
it observed at the snapshot."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pytest_radist import JoinRefused, RadistFake
from pytest_radist import state_file

from .helpers import raw
from .snapshots import probe

PICK = st.integers(min_value=0, max_value=10**6)


class SnapshotMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fake = RadistFake(seed=0, reconnect_grace=30.0, token_ttl=600.0)
        self.saved: list[tuple[dict[str, Any], list[Any]]] = []
        self.directory = tempfile.TemporaryDirectory()
        self.restarts = 0

    def teardown(self) -> None:
        self.directory.cleanup()

    def _pick(self, items: Any, n: int) -> Any:
        items = list(items)
        return items[n % len(items)] if items else None

    def _api(self, method: str, path: str, body: Any = None, *, key: Any = None) -> tuple[int, Any]:
        return raw(self.fake, "transport", method, path, key=key or self.fake.project.secret_key,
                   **({} if body is None else {"json": body}))

    # -- the API and the test controls -------------------------------------------------

    @rule(access=st.sampled_from(["private", "public"]), other=st.booleans())
    def create_call(self, access: str, other: bool) -> None:
        project = self.fake.projects.get("tenant") if other else self.fake.project
        if project is not None:
            self._api("POST", f"/api/v1/projects/{project.id}/calls", {"accessControl": access}, key=project.secret_key)

    @rule()
    def create_room(self) -> None:
        self._api("POST", f"/api/v1/projects/{self.fake.project.id}/rooms")

    @rule(n=PICK, public=st.booleans())
    def mint_call_token(self, n: int, public: bool) -> None:
        call = self._pick(self.fake.calls.values(), n)
        if call is None:
            return
        if public:
            self._api("POST", f"/api/v1/p2p/calls/{call.id}/token", key=call.project.public_key)
        else:
            self._api("POST", f"/api/v1/projects/{call.project.id}/p2p/calls/{call.id}/token", key=call.project.secret_key)

    @rule(n=PICK)
    def mint_room_token(self, n: int) -> None:
        room = self._pick(self.fake.rooms.values(), n)
        if room is not None:
            self._api("POST", f"/api/v1/projects/{room.project.id}/rooms/{room.id}/token", key=room.project.secret_key)

    @rule(n=PICK)
    def join(self, n: int) -> None:
        token = self._pick(self.fake.minted_tokens(), n)
        if token is not None:
            try:
                self.fake.join(token)
            except JoinRefused:
                pass

    @rule(n=PICK, how=st.sampled_from(["disconnected", "left", "removed", "reconnect"]))
    def peer(self, n: int, how: str) -> None:
        peer = self._pick(self.fake.peers.values(), n)
        if peer is None:
            return
        try:
            if how == "removed":
                peer.remove()
            elif how == "reconnect":
                peer.reconnect()
            else:
                peer.leave(how)  # type: ignore[arg-type]
        except JoinRefused:
            pass

    @rule(access=st.sampled_from(["public", "password", "knock"]), name=st.sampled_from(["Stand up", "Retro", "1:1"]))
    def create_space(self, access: str, name: str) -> None:
        body = {"name": name, "accessType": access, **({"password": "pw"} if access == "password" else {})}
        self._api("POST", f"/api/v1/projects/{self.fake.project.id}/spaces", body)

    @rule(n=PICK, change=st.sampled_from(["delete", "rotate", "rename", "join", "host"]))
    def space(self, n: int, change: str) -> None:
        space = self._pick(self.fake.spaces.values(), n)
        if space is None:
            return
        base = f"/api/v1/projects/{space.project.id}/spaces/{space.id}"
        if change == "delete":
            self._api("DELETE", base)
        elif change == "rotate":
            self._api("POST", f"{base}/rotate-host-token")
        elif change == "rename":
            self._api("PATCH", base, {"name": "Renamed", "slug": f"renamed-{n % 3}"})
        else:
            try:
                if change == "host":
                    self.fake.join_space(space, host_token=space.host_token)
                else:
                    self.fake.join_space(space, password=space.password, approved=True)
            except JoinRefused:
                pass

    @rule(seconds=st.sampled_from([1, 29, 31, 61, 601]), project=st.booleans())
    def advance_clock(self, seconds: float, project: bool) -> None:
        (self.fake.project.clock if project else self.fake.clock).advance(seconds)

    @rule()
    def add_tenant(self) -> None:
        if "tenant" not in self.fake.projects:
            self.fake.add_project("tenant", connection_limit=3)

    @rule(limit=st.none() | st.integers(0, 3))
    def connection_limit(self, limit: Any) -> None:
        self.fake.project.connection_limit = limit

    @rule(ttl=st.sampled_from([None, 5.0, 600.0]))
    def token_ttl(self, ttl: Any) -> None:
        self.fake.token_ttl = ttl

    @rule(n=PICK)
    def expire_token(self, n: int) -> None:
        token = self._pick(self.fake.minted_tokens(state="pending"), n)
        if token is not None:
            self.fake.expire_token(token)

    # -- snapshots, restores, restarts ---------------------------------------------------

    @rule()
    def snapshot(self) -> None:
        snap = self.fake.snapshot()
        self.saved.append((snap, probe(self.fake)))  # the probe goes on from the snapshot's state

    @rule()
    def snapshot_too(self) -> None:  # snapshots and restores twice as likely as any one operation
        self.snapshot()

    @precondition(lambda self: self.saved)
    @rule(n=PICK)
    def restore_too(self, n: int) -> None:
        self.restore(n)

    @precondition(lambda self: self.saved)
    @rule(n=PICK)
    def restore(self, n: int) -> None:
        snap, seen = self.saved[n % len(self.saved)]
        self.fake.restore(snap)
        assert self.fake.snapshot() == snap
        assert probe(self.fake) == seen
        event(f"restored: {min(len(snap['calls']['rows']), 5)}+ calls, {min(len(snap['peers']['rows']), 3)}+ peers")

    @rule(n=PICK)
    def save_and_restart(self, n: int) -> None:
        path = Path(self.directory.name) / "state.json"
        state_file.write(self.fake.snapshot(), path)
        seen = probe(self.fake)
        self.restarts += 1
        restarted = RadistFake(seed=n)  # a new process: whatever it would have been, the file decides
        assert state_file.load(restarted, path)
        assert probe(restarted) == seen
        self.fake = restarted
        event(f"restarted: {min(len(self.fake.calls), 5)}+ calls")

    @invariant()
    def no_problem(self) -> None:
        assert self.fake.problems == [], self.fake.problems


SnapshotMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None,
                                             suppress_health_check=list(HealthCheck))
TestSnapshots = SnapshotMachine.TestCase


def test_the_probe_sees_what_a_restore_would_hide() -> None:
    """The machine's check can fail: a restore that lost one token's state
    is seen by the probe."""
    fake = RadistFake(seed=0)
    call = fake.make_call("public")
    snap = fake.snapshot()
    seen = probe(fake)
    fake.restore(snap)
    fake.calls[call.id].tokens[0]._state = "consumed"
    assert probe(fake) != seen
