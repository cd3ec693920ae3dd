"""The signaling sockets (radist-api.md section 6) with a real WebSocket
client over the loopback server: handshake, every refusal row, messages,
presence, reconnect, removal, faults, races and load."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional
from urllib.parse import urlsplit

import pytest
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from pytest_radist import LoopbackServer, RadistFake

from .helpers import calls_path

TIMEOUT = 5.0


def open_socket(url: str, **kwargs: Any) -> ClientConnection:
    return connect(url, open_timeout=TIMEOUT, close_timeout=1, **kwargs)


def frame(ws: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(ws.recv(timeout=TIMEOUT)))


def closed_with(ws: ClientConnection) -> tuple[Optional[int], str]:
    """Read until the server closes; its close code and reason."""
    with pytest.raises(ConnectionClosed):
        while True:
            ws.recv(timeout=TIMEOUT)
    assert ws.close_code is not None
    return ws.close_code, ws.close_reason or ""


def refusal(url: str) -> tuple[dict[str, Any], tuple[Optional[int], str]]:
    """The error frame and close of a refused connect."""
    with open_socket(url) as ws:
        error = frame(ws)
        return error, closed_with(ws)


def socket_url(fake: RadistFake, kind: str = "p2p", **params: str) -> str:
    path = "/api/v1/p2p/signaling/ws" if kind == "p2p" else "/api/v1/rooms/signaling/ws"
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return "ws" + fake.url[4:] + path + ("?" + query if query else "")


# -- connect and welcome ---------------------------------------------------------


def test_two_peers_join_a_call_over_sockets(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    with open_socket(radist_fake.signaling_url(call.tokens[0])) as alice:
        hello = frame(alice)
        assert hello["type"] == "welcome" and hello["peerId"].startswith("peer_") and hello["reconnectToken"].startswith("rt_")
        assert hello["call"] == {"callId": call.id, "accessControl": "public", "createdAt": "2026-01-01T00:00:00.000Z",
                                 "tombstonedAt": None, "peers": [{"peerId": hello["peerId"], "connectedAt": "2026-01-01T00:00:00.000Z"}]}
        with open_socket(radist_fake.signaling_url(call.tokens[1])) as bob:
            welcome = frame(bob)
            assert [p["peerId"] for p in welcome["call"]["peers"]] == [hello["peerId"], welcome["peerId"]]
            assert frame(alice) == {"type": "peer-joined", "peerId": welcome["peerId"]}
            assert sorted(radist_fake.peers) == sorted([hello["peerId"], welcome["peerId"]])
            assert [t.state for t in call.tokens] == ["consumed", "consumed"]
            assert radist_fake.minted_tokens(call_id=call.id, state="pending") == []
        assert frame(alice) == {"type": "peer-left", "peerId": welcome["peerId"], "reason": "disconnected"}
    radist_fake.wait_for_tombstone(call)


def test_room_sockets_are_metered(radist_fake: RadistFake) -> None:
    room = radist_fake.make_room()
    with open_socket(radist_fake.signaling_url(room.tokens[0])) as ws:
        hello = frame(ws)
        assert hello["room"]["roomId"] == room.id and len(hello["room"]["peers"]) == 1
        radist_fake.clock.advance(90.5)
        assert radist_fake.usage()["radist_sfu_participant_seconds"] == 91
    radist_fake.wait_until(lambda: not room.connected_peers, what="the room to empty")
    assert radist_fake.usage()["radist_sfu_participant_seconds"] == 91


# -- every refusal row of 6.2, in its order ----------------------------------------


def _expired(fake: RadistFake) -> str:
    call = fake.make_call("public")
    fake.expire_token(call.tokens[0])
    return call.tokens[0].value


def _cleared(fake: RadistFake) -> str:
    call = fake.make_call("public")
    extra = fake.mint_token(call)
    fake.join(call.tokens[0].value), fake.join(call.tokens[1].value)
    return extra.value


REFUSALS = [
    ("no publicKey", lambda f: {"callToken": f.make_call().tokens[0].value}, 4401, "invalid_key", "Invalid public key."),
    ("unknown publicKey", lambda f: {"publicKey": "rad_pk_nope", "callToken": f.make_call().tokens[0].value}, 4401, "invalid_key", "Invalid public key."),
    ("secret key as publicKey", lambda f: {"publicKey": f.project.secret_key, "callToken": f.make_call().tokens[0].value}, 4401, "invalid_key", "Invalid public key."),
    ("no token", lambda f: {"publicKey": f.project.public_key}, 4400, "bad_request", "Missing connection parameters."),
    ("half a reconnect set", lambda f: {"publicKey": f.project.public_key, "peerId": "peer_x"}, 4400, "bad_request", "Missing connection parameters."),
    ("token and reconnect set", lambda f: {"publicKey": f.project.public_key, "callToken": "ct_x", "callId": "c", "peerId": "p", "reconnectToken": "r"}, 4400, "bad_request", "Missing connection parameters."),
    ("unknown token", lambda f: {"publicKey": f.project.public_key, "callToken": "ct_never"}, 4404, "unknown", "Token not found."),
    ("token of another project", lambda f: {"publicKey": f.add_project("other").public_key, "callToken": f.make_call().tokens[0].value}, 4404, "unknown", "Token not found."),
    ("room token on the call socket", lambda f: {"publicKey": f.project.public_key, "callToken": f.make_room().tokens[0].value}, 4404, "unknown", "Token not found."),
    ("call tombstoned", lambda f: {"publicKey": f.project.public_key, "callToken": f.make_terminated_call().tokens[1].value}, 4410, "terminated", "Call has been terminated."),
    ("token consumed", lambda f: {"publicKey": f.project.public_key, "callToken": f.make_full_call().tokens[0].value}, 4409, "consumed", "Token has already been used."),
    ("token expired", lambda f: {"publicKey": f.project.public_key, "callToken": _expired(f)}, 4410, "expired", "Token has expired."),
    ("token cleared", lambda f: {"publicKey": f.project.public_key, "callToken": _cleared(f)}, 4409, "cleared", "Token is no longer valid."),
    ("reconnect: unknown peer", lambda f: {"publicKey": f.project.public_key, "callId": f.make_call().id, "peerId": "peer_nobody", "reconnectToken": "rt_x"}, 4404, "unknown", "Peer not found."),
]


@pytest.mark.parametrize("params, code, reason, message", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_every_refusal_row(radist_fake: RadistFake, params: Any, code: int, reason: str, message: str) -> None:
    query = params(radist_fake)
    before = ([t.state for t in radist_fake.minted_tokens()], len(radist_fake.peers))
    error, close = refusal(socket_url(radist_fake, **query))
    assert error == {"type": "error", "reason": reason, "error": message}
    assert close == (code, message)
    assert ([t.state for t in radist_fake.minted_tokens()], len(radist_fake.peers)) == before  # a refusal changes nothing
    entry = radist_fake.requests[-1]
    assert (entry.endpoint, entry.status, entry.door, entry.response["reason"]) == ("p2p_signaling", code - 4000, "socket", reason)


def test_full_call_and_full_room(radist_fake: RadistFake) -> None:
    radist_fake.reconnect_grace = 60
    call = radist_fake.make_call("public")
    alice = radist_fake.join(call.tokens[0].value)
    alice.leave()  # disconnected, may come back within the grace
    extra = radist_fake.mint_token(call)
    radist_fake.join(call.tokens[1].value), radist_fake.join(extra.value)
    error, close = refusal(radist_fake.reconnect_url(alice))
    assert (error["reason"], close) == ("full", (4409, "All peers are already connected."))

    room = radist_fake.make_room()
    room.participant_cap = 1
    radist_fake.join(room.tokens[0].value)
    error, close = refusal(radist_fake.signaling_url(room.tokens[1]))
    assert (error["reason"], close) == ("full", (4409, "Room is full."))


def test_a_wrong_reconnect_token(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    peer = radist_fake.join(call.tokens[0].value)
    error, close = refusal(radist_fake.reconnect_url(peer, reconnect_token="rt_wrong"))
    assert error["reason"] == "reconnect_token" and close == (4401, "Invalid reconnect token.")


# -- messages ---------------------------------------------------------------------


def test_signal_relay_ping_and_bad_frames(radist_fake: RadistFake) -> None:
    room = radist_fake.make_room()
    tokens = [room.tokens[0], room.tokens[1], radist_fake.mint_token(room)]
    with open_socket(radist_fake.signaling_url(tokens[0])) as a, open_socket(radist_fake.signaling_url(tokens[1])) as b, \
            open_socket(radist_fake.signaling_url(tokens[2])) as c:
        ids = [frame(ws)["peerId"] for ws in (a, b, c)]
        frame(a), frame(a), frame(b)  # peer-joined notices
        a.send(json.dumps({"type": "signal", "data": {"offer": [1, 2]}}))
        assert frame(b) == frame(c) == {"type": "signal", "from": ids[0], "data": {"offer": [1, 2]}}
        b.send(json.dumps({"type": "signal", "to": ids[2], "data": "just for c"}))
        assert frame(c) == {"type": "signal", "from": ids[1], "data": "just for c"}
        a.send(json.dumps({"type": "signal", "to": "peer_nobody", "data": 1}))
        assert frame(a) == {"type": "error", "reason": "unknown_peer", "error": "Peer not found."}
        for bad in ("not json", "[1, 2]", '{"type": "dance"}', '{"no": "type"}', '{"type": "signal"}', b"\x00binary"):
            a.send(bad)
            assert frame(a)["reason"] == "bad_message"
        a.send('{"type": "ping"}')
        assert frame(a) == {"type": "pong"}  # still open after bad frames
        a.ping()  # a protocol-level ping is answered by the library


def test_a_frame_over_64_kib_closes_with_1009(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    with open_socket(radist_fake.signaling_url(call.tokens[0]), max_size=None) as ws:
        frame(ws)
        ws.send(json.dumps({"type": "signal", "data": "x" * 70_000}))
        assert closed_with(ws)[0] == 1009
    radist_fake.wait_until(lambda: not call.connected_peers, what="the peer to disconnect")


def test_leave_is_for_good(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    with open_socket(radist_fake.signaling_url(call.tokens[0])) as a, open_socket(radist_fake.signaling_url(call.tokens[1])) as b:
        alice = frame(a)["peerId"]
        frame(b), frame(a)
        a.send('{"type": "leave"}')
        assert closed_with(a)[0] == 1000
        assert frame(b) == {"type": "peer-left", "peerId": alice, "reason": "left"}
        assert radist_fake.peers[alice].gone
        error, close = refusal(radist_fake.reconnect_url(alice))
        assert close == (4404, "Peer not found.")


# -- reconnect, replace, grace, tombstone ------------------------------------------------


@pytest.mark.radist(reconnect_grace=30)
def test_reconnect_rotates_its_token_within_the_grace(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    with open_socket(radist_fake.signaling_url(call.tokens[0])) as a:
        first = frame(a)
    peer = radist_fake.peers[first["peerId"]]
    radist_fake.wait_until(lambda: not peer.connected, what="the disconnect")
    radist_fake.clock.advance(29)
    assert call.live
    with open_socket(radist_fake.reconnect_url(peer)) as again:
        second = frame(again)
        assert second["peerId"] == first["peerId"] and second["reconnectToken"] != first["reconnectToken"]
        assert peer.connected
    error, close = refusal(radist_fake.reconnect_url(peer, reconnect_token=first["reconnectToken"]))
    assert close == (4401, "Invalid reconnect token.")
    radist_fake.wait_until(lambda: not peer.connected, what="the second disconnect")
    radist_fake.clock.advance(30)
    radist_fake.wait_for_tombstone(call)
    assert refusal(radist_fake.reconnect_url(peer))[1] == (4410, "Call has been terminated.")


def test_a_reconnect_replaces_a_socket_that_still_looks_open(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    with open_socket(radist_fake.signaling_url(call.tokens[0])) as old, open_socket(radist_fake.signaling_url(call.tokens[1])) as other:
        peer_id = frame(old)["peerId"]
        frame(other), frame(old)
        with open_socket(radist_fake.reconnect_url(peer_id)) as new:
            assert frame(new)["peerId"] == peer_id
            assert closed_with(old) == (4409, "Replaced by a new connection.")
            new.send('{"type": "signal", "data": "still here"}')
            assert frame(other) == {"type": "signal", "from": peer_id, "data": "still here"}  # no peer-left before it
            assert radist_fake.peers[peer_id].connected and call.live


def test_removing_a_peer_closes_its_socket(radist_fake: RadistFake, door: str) -> None:
    call = radist_fake.make_call()
    with open_socket(radist_fake.signaling_url(call.tokens[0])) as a, open_socket(radist_fake.signaling_url(call.tokens[1])) as b:
        alice = frame(a)["peerId"]
        frame(b), frame(a)
        if door == "transport":
            radist_fake.remove_peer(alice)
        else:
            request = urllib.request.Request(f"{radist_fake.url}/_radist/peers/{alice}/remove", method="POST",
                                             headers={"Content-Type": "application/json"}, data=b"{}")
            assert json.loads(urllib.request.urlopen(request, timeout=TIMEOUT).read())["gone"] is True
        assert closed_with(a) == (4403, "Removed from the call.")
        assert frame(b) == {"type": "peer-left", "peerId": alice, "reason": "removed"}
        assert refusal(radist_fake.reconnect_url(alice))[1] == (4404, "Peer not found.")


def test_simulated_and_socket_peers_share_a_call(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    simulated = radist_fake.join(call.tokens[0].value)
    with open_socket(radist_fake.signaling_url(call.tokens[1])) as ws:
        hello = frame(ws)
        assert [p["peerId"] for p in hello["call"]["peers"]] == [simulated.id, hello["peerId"]]
        ws.send(json.dumps({"type": "signal", "to": simulated.id, "data": "accepted, nowhere to deliver"}))
        ws.send('{"type": "ping"}')
        assert frame(ws) == {"type": "pong"}  # the signal was taken without an error
        simulated.leave()
        assert frame(ws) == {"type": "peer-left", "peerId": simulated.id, "reason": "disconnected"}
        simulated.reconnect()
        assert frame(ws) == {"type": "peer-joined", "peerId": simulated.id}
        radist_fake.peers[hello["peerId"]].leave()  # the test disconnects the socket peer
        assert closed_with(ws) == (4000, "Disconnected by the test.")


# -- faults, races, load, bad upgrades --------------------------------------------------


def test_faults_apply_to_the_signaling_endpoints(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    radist_fake.fail("p2p_signaling", status=503)
    error, close = refusal(radist_fake.signaling_url(call.tokens[0]))
    assert error == {"type": "error", "reason": "error", "error": "Simulated error 503."} and close[0] == 4503
    radist_fake.fail("p2p_signaling", drop=True)
    with pytest.raises((ConnectionClosed, InvalidHandshake, OSError)):
        with open_socket(radist_fake.signaling_url(call.tokens[0])) as ws:
            ws.recv(timeout=TIMEOUT)
    assert call.tokens[0].state == "pending"  # neither fault let the join happen
    radist_fake.slow_backend(0.2, "p2p_signaling", times=1)
    with open_socket(radist_fake.signaling_url(call.tokens[0])) as ws:
        assert frame(ws)["type"] == "welcome"
    assert [r.fault is not None for r in radist_fake.requests_to("p2p_signaling")] == [True, True, True]


def test_racing_sockets_on_one_token_get_one_welcome(radist_fake: RadistFake) -> None:
    url = radist_fake.signaling_url(radist_fake.make_call().tokens[0])
    barrier = threading.Barrier(16)

    def attempt(_: int) -> str:
        barrier.wait()
        with open_socket(url) as ws:
            return str(frame(ws).get("reason", "welcome"))

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(attempt, range(16)))
    assert results.count("welcome") == 1 and results.count("consumed") == 15


def test_a_client_that_vanishes_mid_frame_only_disconnects_its_peer(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    url = urlsplit(radist_fake.signaling_url(call.tokens[0]))
    with socket.create_connection((url.hostname, url.port), timeout=TIMEOUT) as raw:
        raw.sendall((f"GET {url.path}?{url.query} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        assert raw.recv(4096).startswith(b"HTTP/1.1 101")
        radist_fake.wait_for_peers(call, 1)
        raw.sendall(b"\x81\xfe\x10\x00mask" + b"x" * 100)  # a masked text frame announcing 4096 bytes, cut short
    radist_fake.wait_until(lambda: not call.connected_peers, what="the peer to disconnect")
    assert radist_fake.peers[call.tokens[0].peer_id].gone is False  # it may come back
    assert urllib.request.urlopen(radist_fake.url + "/_radist/state", timeout=TIMEOUT).status == 200


def test_bad_upgrades_get_json_or_a_refusal(radist_fake: RadistFake) -> None:
    parts = urlsplit(radist_fake.url)

    def exchange(request: bytes) -> bytes:
        with socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT) as raw:
            raw.sendall(request)
            return raw.recv(4096)

    no_key = exchange(b"GET /api/v1/p2p/signaling/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      b"Sec-WebSocket-Version: 13\r\n\r\n")
    assert no_key.startswith(b"HTTP/1.1 400") and no_key.endswith(b'{"error": "Invalid WebSocket handshake."}')
    elsewhere = exchange(b"GET /api/v1/elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    assert elsewhere.startswith(b"HTTP/1.1 403")
    with pytest.raises(urllib.error.HTTPError) as plain:
        urllib.request.urlopen(radist_fake.url + "/api/v1/p2p/signaling/ws", timeout=TIMEOUT)
    assert plain.value.code == 426 and json.loads(plain.value.read())["error"].startswith("This is a WebSocket endpoint")


def test_500_open_sockets_and_the_rest_api_still_answers() -> None:
    fake = RadistFake(seed=5)
    server = LoopbackServer(fake)
    fake.serve_on(server)
    threads_before = set(threading.enumerate())
    calls = [fake.make_call() for _ in range(250)]  # two peers each: 500 sockets
    urls = [fake.signaling_url(token) for call in calls for token in call.tokens]

    async def crowd() -> None:
        from websockets.asyncio.client import connect as aconnect

        sockets = []
        try:
            for url in urls:
                ws = await aconnect(url, open_timeout=TIMEOUT)
                sockets.append(ws)
                assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["type"] == "welcome"
            assert sum(len(call.connected_peers) for call in calls) == 500
            request = urllib.request.Request(server.url + calls_path(fake), method="POST",
                                             headers={"Authorization": f"Bearer {fake.project.secret_key}"})
            response = await asyncio.to_thread(urllib.request.urlopen, request, timeout=TIMEOUT)
            assert response.status == 200
            await asyncio.to_thread(server.stop)  # closes every socket
            closes = await asyncio.gather(*(ws.wait_closed() for ws in sockets), return_exceptions=True)
            assert all(c is None for c in closes)
        finally:
            for ws in sockets:
                await ws.close()

    asyncio.run(crowd())
    assert set(threading.enumerate()) - threads_before == set()
    assert not any(call.live for call in calls)  # every socket peer was disconnected: every call ended


def test_the_next_fake_closes_the_previous_fakes_sockets() -> None:
    first, second = RadistFake(seed=1), RadistFake(seed=2)
    with LoopbackServer(first) as server:
        first.serve_on(server)
        with open_socket(first.signaling_url(first.make_call().tokens[0])) as ws:
            frame(ws)
            second.serve_on(server)
            assert closed_with(ws) == (1001, "The fake this socket belonged to is gone.")


def test_a_tombstone_closes_the_sockets_still_open(radist_fake: RadistFake) -> None:
    # model rules tombstone a call only once nobody is connected; this is the
    # door's safety net should the state end a call under an open socket
    call = radist_fake.make_call()
    with open_socket(radist_fake.signaling_url(call.tokens[0])) as ws:
        frame(ws)
        with radist_fake._world.lock:
            radist_fake._world._tombstone(call, radist_fake.clock.time())
        assert closed_with(ws) == (4410, "Call has been terminated.")


def test_faults_apply_to_the_room_socket_too(radist_fake: RadistFake) -> None:
    room = radist_fake.make_room()
    radist_fake.fail("room_signaling", status=410)
    error, close = refusal(radist_fake.signaling_url(room.tokens[0]))
    assert error == {"type": "error", "reason": "terminated", "error": "Token has expired."} and close[0] == 4410
