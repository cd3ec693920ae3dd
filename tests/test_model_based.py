"""Model-based test: a small reference model of Radist's documented rules,
run side by side with the fake through random operation sequences.

The reference is written independently of the fake (plain dicts and sets)
and states the rules as radist-api.md gives them: single-use tokens, at most
two connected peers, pending tokens cleared when both are connected,
tombstones are final, listings newest first with totals, the connection
limit counting live calls, tokens expiring after the TTL. Every answer of the
fake (status, body, join refusal) is compared with the reference's.
"""

from __future__ import annotations

from typing import Any, Optional

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule

from pytest_radist import JoinRefused, RadistFake

TTL = 100.0


class Reference:
    def __init__(self) -> None:
        self.now = 0.0
        self.limit: Optional[int] = None
        self.order: list[str] = []  # call ids, creation order
        self.calls: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.connected: dict[str, set[str]] = {}

    def live(self, call_id: str) -> bool:
        return self.calls[call_id]["tombstoned"] is None

    def add_token(self, call_id: str, value: str) -> None:
        self.tokens[value] = {"call": call_id, "minted": self.now, "state": "pending"}

    def token_state(self, value: str) -> str:
        token = self.tokens[value]
        if token["state"] == "pending" and self.now >= token["minted"] + TTL:
            return "expired"
        return str(token["state"])

    def create_status(self) -> int:
        live = sum(1 for call_id in self.order if self.live(call_id))
        return 429 if self.limit is not None and live >= self.limit else 200

    def mint_status(self, call_id: str, public: bool) -> int:
        if call_id not in self.calls:
            return 404
        if not self.live(call_id):
            return 410
        if public and self.calls[call_id]["access"] == "private":
            return 403
        if len(self.connected[call_id]) >= 2:
            return 409
        return 200

    def join_refusal(self, value: str) -> Optional[str]:
        if value not in self.tokens:
            return "unknown"
        state = self.token_state(value)
        call_id = self.tokens[value]["call"]
        if not self.live(call_id):  # radist-api.md 6.2: terminated comes first
            return "terminated"
        if state in ("consumed", "expired"):
            return state
        if state == "cleared":
            return state
        if len(self.connected[call_id]) >= 2:
            return "full"
        return None

    def clear_pending(self, call_id: str) -> None:
        for token in self.tokens.values():
            if token["call"] == call_id and token["state"] == "pending":
                token["state"] = "cleared"

    def connect(self, call_id: str, peer_id: str) -> None:
        self.connected[call_id].add(peer_id)
        if len(self.connected[call_id]) == 2:
            self.clear_pending(call_id)

    def disconnect(self, call_id: str, peer_id: str) -> None:
        self.connected[call_id].discard(peer_id)
        if not self.connected[call_id]:
            self.calls[call_id]["tombstoned"] = self.now
            self.clear_pending(call_id)

    def listing(self, page: int, limit: int) -> tuple[list[tuple[str, bool]], int]:
        newest_first = self.order[::-1]
        chunk = newest_first[(page - 1) * limit:page * limit]
        return [(call_id, self.live(call_id)) for call_id in chunk], len(self.order)


class FakeMatchesReference(RuleBasedStateMachine):
    calls = Bundle("calls")
    tokens = Bundle("tokens")
    peers = Bundle("peers")

    @initialize()
    def start(self) -> None:
        self.fake = RadistFake(seed=0, token_ttl=TTL)
        self.ref = Reference()
        self.project = self.fake.project

    def request(self, method: str, path: str, body: Any = None, key: Optional[str] = None) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {key or self.project.secret_key}"}
        return self.fake.transport(f"http://fake{path}", method, headers, body)

    @rule(target=calls, access=st.sampled_from(["private", "public"]))
    def create_call(self, access: str) -> Any:
        expected = self.ref.create_status()
        status, body = self.request("POST", f"/api/v1/projects/{self.project.id}/calls", {"accessControl": access})
        assert status == expected, (status, body)
        if status != 200:
            assert body == {"error": "Connection limit reached."}
            return multiple()
        assert body["accessControl"] == access and len(body["callTokens"]) == 2
        call_id = body["callId"]
        assert call_id not in self.ref.calls
        self.ref.order.append(call_id)
        self.ref.calls[call_id] = {"access": access, "tombstoned": None}
        self.ref.connected[call_id] = set()
        for value in body["callTokens"]:
            self.ref.add_token(call_id, value)
        return call_id

    @rule(target=tokens, call_id=calls)
    def tokens_of(self, call_id: str) -> Any:
        return multiple(*[v for v, t in self.ref.tokens.items() if t["call"] == call_id])

    @rule(target=tokens, call_id=calls | st.just("550e8400-e29b-41d4-a716-446655440000"), public=st.booleans())
    def mint(self, call_id: str, public: bool) -> Any:
        expected = self.ref.mint_status(call_id, public)
        if public:
            status, body = self.request("POST", f"/api/v1/p2p/calls/{call_id}/token", key=self.project.public_key)
        else:
            status, body = self.request("POST", f"/api/v1/projects/{self.project.id}/p2p/calls/{call_id}/token")
        assert status == expected, (status, body, call_id)
        if status != 200:
            return multiple()
        self.ref.add_token(call_id, body["callToken"])
        return body["callToken"]

    def _join(self, value: str) -> Optional[Any]:
        """Join on both sides; the fake's refusal reason must be the reference's."""
        expected = self.ref.join_refusal(value)
        try:
            peer = self.fake.join(value)
        except JoinRefused as refused:
            assert refused.reason == expected, (refused.reason, expected, str(refused))
            return None
        assert expected is None
        self.ref.tokens[value]["state"] = "consumed"
        self.ref.connect(self.ref.tokens[value]["call"], peer.id)
        return peer

    @rule(target=peers, value=tokens | st.just("ct_never-minted"))
    def join(self, value: str) -> Any:
        peer = self._join(value)
        return multiple() if peer is None else peer

    @rule(target=peers, call_id=calls)
    def everyone_joins(self, call_id: str) -> Any:
        """Every token of the call is used, in mint order: fills calls often."""
        values = [v for v, t in self.ref.tokens.items() if t["call"] == call_id]
        return multiple(*[p for p in map(self._join, values) if p is not None])

    @rule(peer=peers)
    def leave(self, peer: Any) -> None:
        was_connected = peer.connected
        peer.leave()
        if was_connected:
            self.ref.disconnect(peer.call.id, peer.id)

    @rule(peer=peers)
    def reconnect(self, peer: Any) -> None:
        call_id = peer.call.id
        if not self.ref.live(call_id):
            expected: Optional[str] = "terminated"
        elif peer.id in self.ref.connected[call_id]:
            expected = "connected"
        elif len(self.ref.connected[call_id]) >= 2:
            expected = "full"
        else:
            expected = None
        try:
            peer.reconnect()
        except JoinRefused as refused:
            assert refused.reason == expected
            return
        assert expected is None
        self.ref.connect(call_id, peer.id)

    @rule(seconds=st.sampled_from([1.0, 30.0, 99.0, 100.0, 250.0]))
    def advance(self, seconds: float) -> None:
        self.fake.clock.advance(seconds)
        self.ref.now += seconds

    @rule(limit=st.none() | st.integers(0, 3))
    def set_limit(self, limit: Optional[int]) -> None:
        self.project.connection_limit = self.ref.limit = limit

    @rule(page=st.integers(1, 4), limit=st.integers(1, 3))
    def list_calls(self, page: int, limit: int) -> None:
        status, body = self.request("GET", f"/api/v1/projects/{self.project.id}/calls?page={page}&limit={limit}")
        expected, total = self.ref.listing(page, limit)
        assert status == 200 and (body["page"], body["limit"], body["total"]) == (page, limit, total)
        assert [(c["callId"], c["tombstonedAt"] is None) for c in body["calls"]] == expected

    @invariant()
    def token_states_agree(self) -> None:
        if not hasattr(self, "ref"):
            return
        for token in self.fake.minted_tokens():
            assert token.state == self.ref.token_state(token.value), token


TestFakeMatchesReference = FakeMatchesReference.TestCase
TestFakeMatchesReference.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
