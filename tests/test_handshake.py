"""The signaling handshake as the fake's dispatch answers it (radist-api.md
6.1 to 6.3), in process: what the journal keeps of a socket, reconnecting to
a call and to a room, and the refusals for sessions that are not there.
Written to kill what the mutation run of api/ found alive
(bench/mutate_model.sh); the same handshakes over real sockets are in
test_signaling.py."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_radist import JoinRefused, RadistFake
from pytest_radist import messages as M
from pytest_radist.api import routes
from pytest_radist.api.app import ApiRequest

SOCKETS = {"call": "/api/v1/p2p/signaling/ws", "room": "/api/v1/rooms/signaling/ws"}


def handshake(fake: RadistFake, kind: str, query: str, *, websocket: bool = True) -> tuple[int, dict[str, Any]]:
    outcome = fake.dispatch(ApiRequest("GET", SOCKETS[kind], f"publicKey={fake.project.public_key}&{query}", websocket=websocket),
                            door="socket")
    assert outcome.body is not None
    return outcome.status, outcome.body


def test_a_socket_is_journaled_with_its_endpoint_status_and_key() -> None:
    fake = RadistFake(seed=5)
    call = fake.make_call()
    status, welcome = handshake(fake, "call", f"callToken={call.tokens[0].value}")
    assert status == 101 and welcome["type"] == "welcome" and welcome["call"]["callId"] == call.id
    entry = fake.requests[-1]
    assert (entry.endpoint, entry.status, entry.key_type, entry.door) == ("p2p_signaling", 101, "public", "socket")
    assert entry.key == f"rad_pk_...{fake.project.public_key[-4:]}"

    status, refusal = handshake(fake, "call", "callToken=ct_nope")
    assert (status, refusal["reason"], refusal["error"]) == (404, "unknown", M.TOKEN_NOT_FOUND)  # radist-api.md 6.2
    assert (fake.requests[-1].endpoint, fake.requests[-1].status) == ("p2p_signaling", 404)

    status, body = handshake(fake, "call", f"callToken={call.tokens[1].value}", websocket=False)  # plain GET
    assert status == 426 and fake.requests[-1].endpoint == "p2p_signaling"
    assert call.tokens[1].state == "pending"  # a refused handshake spends nothing


@pytest.mark.parametrize("kind", ["call", "room"])
def test_a_peer_reconnects_to_its_own_session_within_the_grace(kind: str) -> None:
    fake = RadistFake(seed=5, reconnect_grace=30)
    session = fake.make_call() if kind == "call" else fake.make_room()
    token = f"{kind}Token={session.tokens[0].value}"
    status, first = handshake(fake, kind, token)
    assert status == 101
    peer = fake.peers[first["peerId"]]
    peer.leave()  # the socket dropped: the peer may come back with its reconnect token
    again = f"{kind}Id={session.id}&peerId={peer.id}&reconnectToken={first['reconnectToken']}"
    status, second = handshake(fake, kind, again)
    assert status == 101 and second["peerId"] == peer.id and second[kind][f"{kind}Id"] == session.id
    other = "room" if kind == "call" else "call"  # the other kind of socket does not know this session
    status, refusal = handshake(fake, other, f"{other}Id={session.id}&peerId={peer.id}&reconnectToken={second['reconnectToken']}")
    assert (status, refusal["reason"], refusal["error"]) == (404, "unknown", M.PEER_NOT_FOUND)


def test_reconnecting_names_what_is_not_there() -> None:
    fake = RadistFake(seed=5, reconnect_grace=30)
    call = fake.make_call()
    status, first = handshake(fake, "call", f"callToken={call.tokens[0].value}")
    fake.peers[first["peerId"]].leave()
    unknown_call = f"callId=00000000-0000-4000-8000-000000000000&peerId={first['peerId']}&reconnectToken={first['reconnectToken']}"
    unknown_peer = f"callId={call.id}&peerId=peer_nope&reconnectToken={first['reconnectToken']}"
    wrong_token = f"callId={call.id}&peerId={first['peerId']}&reconnectToken=rt_nope"
    for query in (unknown_call, unknown_peer):
        status, refusal = handshake(fake, "call", query)
        assert (status, refusal["reason"], refusal["error"]) == (404, "unknown", M.PEER_NOT_FOUND), query
    status, refusal = handshake(fake, "call", wrong_token)
    assert status == 401 and refusal["reason"] == "reconnect_token"
    assert not fake.problems  # refusals, not errors


def test_an_unknown_path_is_hinted_with_the_closest_endpoints() -> None:
    assert routes.closest_endpoints("POST", "/api/v1/projects/p/call") == [
        "create_call (POST /api/v1/projects/{projectId}/calls)", "list_calls (GET /api/v1/projects/{projectId}/calls)"]
    assert routes.closest_endpoints("POST", "/api/v1/projects/p/spaces/s/rotate-host", limit=1) == [
        "rotate_space_host_token (POST /api/v1/projects/{projectId}/spaces/{spaceId}/rotate-host-token)"]
    assert routes.closest_endpoints("PATCH", "/api/v1/projects/p/spaces/a-long-space-id", limit=1) == [
        "update_space (PATCH /api/v1/projects/{projectId}/spaces/{spaceId})"]  # the request's own ids count as the template's


def test_every_join_refusal_says_what_happened_and_what_to_do() -> None:
    fake = RadistFake(seed=5, token_ttl=60, reconnect_grace=30)
    other = fake.add_project("team-b")
    call = fake.make_call()
    first, second = (token.value for token in call.tokens)

    def refused(token: str, **options: str) -> tuple[str, str]:
        with pytest.raises(JoinRefused) as caught:
            fake.join(token, **options)
        return caught.value.reason, str(caught.value)

    assert refused("ct_nope")[1].startswith("token 'ct_nope' was never minted by this fake")
    assert refused(first, public_key=other.public_key) == ("wrong_project", M.JOIN_WRONG_PROJECT.format(
        token=first, project=fake.project.id, key=other.public_key[:7]))
    peer = fake.join(first)
    assert refused(first) == ("consumed", M.JOIN_CONSUMED.format(token=first, peer=peer.id, at="2026-01-01T00:00:00.000Z"))
    extra = fake.mint_token(call).value
    fake.join(second)
    assert refused(extra) == ("cleared", M.JOIN_CLEARED.format(token=extra, call=call.id))
    late = fake.make_call()
    stale = late.tokens[0]
    fake.clock.advance(61)
    assert refused(stale.value) == ("expired", M.JOIN_EXPIRED.format(token=stale.value, at=stale.expires_at, ttl=60))
