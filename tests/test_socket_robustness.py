"""Signaling sockets at the timescale users live at: held past every server
timeout, clients that stop reading, floods, hostile upgrades and frames.

Servers here use short timeouts and a small send budget so the suite stays
quick; each test holds its sockets for more than twice every timeout of the
server it runs on. The long soak with the default limits is
``bench/soak.py`` (a smoke of it runs in CI).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from collections.abc import Iterator
from typing import Any, Optional

import pytest
from websockets.sync.client import ClientConnection, connect

from pytest_radist import LoopbackServer, RadistFake
from pytest_radist.doors.limits import ServerLimits

TIMEOUT = 5.0
#: Every HTTP timeout of the servers here; sockets are held for more than twice it.
SHORT = 0.4
LIMITS = ServerLimits(read_timeout=SHORT, keep_alive_timeout=SHORT, write_timeout=SHORT, socket_send_budget=64 * 1024)


def serve(limits: ServerLimits = LIMITS) -> tuple[RadistFake, LoopbackServer]:
    fake = RadistFake(seed=9)
    server = LoopbackServer(fake, limits=limits)
    fake.serve_on(server)
    server.start()
    return fake, server


@pytest.fixture
def served() -> Iterator[tuple[RadistFake, LoopbackServer]]:
    fake, server = serve()
    yield fake, server
    server.stop()


def open_socket(url: str) -> ClientConnection:
    return connect(url, open_timeout=TIMEOUT, close_timeout=1)


def frame_of(ws: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(ws.recv(timeout=TIMEOUT)))


def masked(opcode: int, payload: bytes) -> bytes:
    """One client frame (clients mask what they send, RFC 6455 5.3)."""
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    length = bytes([0x80 | len(payload)]) if len(payload) < 126 else bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    return bytes([0x80 | opcode]) + length + mask + body


def upgrade(port: int, path: str, extra: str = "", rcvbuf: Optional[int] = None) -> tuple[socket.socket, bytes]:
    """A raw socket upgraded to a signaling socket, and what the server
    said (the 101 head, or a refusal). ``rcvbuf`` shrinks its receive
    buffer first: a client that does not read then fills up at once."""
    sock = socket.socket()
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(TIMEOUT)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    return sock, head


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def held(fake: RadistFake, server: LoopbackServer) -> tuple[int, int]:
    """(HTTP connections, sockets) the server holds right now."""
    assert server._served is not None
    return len(server._served.connections), len(server._served.sockets)


def wait_for(condition: Any, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.02)


# -- lifetime -------------------------------------------------------------------------


@pytest.mark.parametrize("pinging", [True, False], ids=["pinging", "silent"])
def test_a_socket_lives_past_every_server_timeout(served: tuple[RadistFake, LoopbackServer], pinging: bool) -> None:
    fake, server = served
    call = fake.make_call("public")
    with open_socket(fake.signaling_url(call.tokens[0])) as alice, open_socket(fake.signaling_url(call.tokens[1])) as bob:
        assert frame_of(alice)["type"] == frame_of(bob)["type"] == "welcome"
        assert frame_of(alice)["type"] == "peer-joined"
        started = time.monotonic()
        while time.monotonic() - started < 3 * SHORT:  # past read, keep-alive and write timeouts, twice over
            if pinging:
                alice.send(json.dumps({"type": "ping"}))
                assert frame_of(alice) == {"type": "pong"}
            time.sleep(SHORT / 4)
        bob.send(json.dumps({"type": "signal", "data": {"sdp": "offer"}}))
        assert frame_of(alice)["data"] == {"sdp": "offer"}
        assert call.live and len(call.connected_peers) == 2
        assert held(fake, server) == (0, 2), "an upgraded connection keeps no HTTP entry"


def test_hundreds_of_sockets_leave_nothing_behind(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    for _ in range(100):
        call = fake.make_call("public")
        with open_socket(fake.signaling_url(call.tokens[0])) as ws:
            frame_of(ws)
    assert server._served is not None
    hub = server._served.hub
    wait_for(lambda: held(fake, server) == (0, 0) and hub.sockets == {}, "every connection to be released")


def test_the_optional_idle_limit_closes_a_silent_socket_with_4408() -> None:
    fake, server = serve(ServerLimits(socket_idle_timeout=SHORT))
    try:
        call = fake.make_call("public")
        with open_socket(fake.signaling_url(call.tokens[0])) as talker, open_socket(fake.signaling_url(call.tokens[1])) as silent:
            silent_id = frame_of(silent)["peerId"]
            frame_of(talker), frame_of(talker)  # welcome, peer-joined
            heard = []
            for _ in range(10):  # 2.5 idle limits: the talker's pings keep it open
                talker.send(json.dumps({"type": "ping"}))
                while (frame := frame_of(talker)) != {"type": "pong"}:
                    heard.append(frame)
                time.sleep(SHORT / 4)
            assert heard == [{"type": "peer-left", "peerId": silent_id, "reason": "disconnected"}]
            with pytest.raises(Exception):
                silent.recv(timeout=TIMEOUT)
            assert silent.close_code == 4408 and silent.close_reason == "Idle for 0.4 s: send a frame (a ping) to keep the socket open."
    finally:
        server.stop()


# -- clients that do not read -------------------------------------------------------------


def test_a_peer_that_stops_reading_is_closed_at_its_send_budget(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    call = fake.make_call("public")
    reader = fake.signaling_url(call.tokens[0])
    stalled, head = upgrade(server.port, path_of(reader), rcvbuf=4096)  # never reads again
    assert head.startswith(b"HTTP/1.1 101")
    with stalled, open_socket(fake.signaling_url(call.tokens[1])) as sender:
        welcome = frame_of(sender)
        stalled_id = next(p["peerId"] for p in welcome["call"]["peers"] if p["peerId"] != welcome["peerId"])
        assert server._served is not None
        hub = server._served.hub
        most = 0
        for _ in range(400):  # 24 MB of signals at a reader that takes none
            sender.send(json.dumps({"type": "signal", "data": "x" * 60_000}))
            queued = hub.sockets.get(stalled_id)
            if queued is None:
                break
            most = max(most, queued.queued + queued.wire.buffered())
        else:
            pytest.fail("the stalled peer was never closed")
        assert most <= LIMITS.socket_send_budget, "never more than the budget waits for it"
        assert frame_of(sender) == {"type": "peer-left", "peerId": stalled_id, "reason": "disconnected"}
        sender.send(json.dumps({"type": "ping"}))
        assert frame_of(sender) == {"type": "pong"}, "the others are unaffected"
        assert not fake.peers[stalled_id].connected and call.live
        wait_for(lambda: held(fake, server) == (0, 1), "the stalled socket to be cut")


FLOODS = {
    "protocol PINGs": masked(0x9, b"p" * 125),
    "ping messages": masked(0x1, b'{"type": "ping"}'),
    "bad messages": masked(0x1, b"not json"),
}


@pytest.mark.parametrize("flood", list(FLOODS))
def test_a_flood_from_a_client_that_does_not_read_costs_at_most_the_budget(served: tuple[RadistFake, LoopbackServer], flood: str) -> None:
    fake, server = served
    call = fake.make_call("public")
    sock, head = upgrade(server.port, path_of(fake.signaling_url(call.tokens[0])), rcvbuf=4096)
    assert head.startswith(b"HTTP/1.1 101")
    assert server._served is not None
    wire = next(iter(server._served.sockets.values()))
    # the server's kernel buffer as small as the client's: the pipe is full at once
    wire.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    burst = FLOODS[flood] * 200
    most, deadline = 0, time.monotonic() + 10
    sock.settimeout(0.2)
    with sock:
        while held(fake, server)[1] and time.monotonic() < deadline:
            try:
                sock.sendall(burst)
            except (TimeoutError, OSError):
                pass  # the server stopped reading it, or cut it
            peer = next(iter(server._served.hub.sockets.values()), None)
            most = max(most, wire.buffered() + (peer.queued if peer is not None else 0))
    assert held(fake, server)[1] == 0, "the flooding client was closed"
    assert most <= LIMITS.socket_send_budget + 1024, f"{most} bytes waited for a client that reads nothing"
    wait_for(lambda: not call.live, "its peer to disconnect (the last one: the call ends)")


def test_stop_is_prompt_with_a_socket_that_does_not_read() -> None:
    fake, server = serve()
    call = fake.make_call("public")
    stalled, _ = upgrade(server.port, path_of(fake.signaling_url(call.tokens[0])), rcvbuf=4096)
    with stalled, open_socket(fake.signaling_url(call.tokens[1])) as sender:
        frame_of(sender)
        for _ in range(20):
            sender.send(json.dumps({"type": "signal", "data": "x" * 1000}))
        thread = server._thread
        assert thread is not None
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1.0 and not thread.is_alive()


# -- hostile upgrades and frames -----------------------------------------------------------


@pytest.mark.parametrize("count", [101, 130])
def test_an_upgrade_with_too_many_headers_is_refused_with_431(served: tuple[RadistFake, LoopbackServer], count: int) -> None:
    fake, server = served
    call = fake.make_call("public")
    extra = "".join(f"X-{i}: {i}\r\n" for i in range(count))
    started = time.monotonic()
    sock, head = upgrade(server.port, path_of(fake.signaling_url(call.tokens[0])), extra)
    with sock:
        body = sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 431 ") and time.monotonic() - started < SHORT
    assert json.loads(body) == {"error": "Too many request header fields: at most 100."}
    assert call.tokens[0].state == "pending"


def test_an_upgrade_with_too_large_headers_is_refused_with_431(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    call = fake.make_call("public")
    sock, head = upgrade(server.port, path_of(fake.signaling_url(call.tokens[0])), "".join(f"X-{i}: {'a' * 4000}\r\n" for i in range(10)))
    with sock:
        assert head.startswith(b"HTTP/1.1 431 ") and json.loads(sock.recv(65536)) == {"error": "Request header fields too large."}


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "[1.5e400]"])
def test_nan_and_infinity_in_a_signal_are_refused_and_never_relayed(served: tuple[RadistFake, LoopbackServer], number: str) -> None:
    fake, server = served
    call = fake.make_call("public")
    with open_socket(fake.signaling_url(call.tokens[0])) as sender, open_socket(fake.signaling_url(call.tokens[1])) as other:
        frame_of(sender), frame_of(sender), frame_of(other)  # welcomes, peer-joined
        sender.send('{"type": "signal", "data": {"x": %s}}' % number)
        assert frame_of(sender) == {"type": "error", "reason": "bad_message", "error": "Invalid message: NaN and Infinity are not JSON."}
        sender.send(json.dumps({"type": "signal", "data": {"x": 1}}))
        assert frame_of(other)["data"] == {"x": 1}, "nothing was relayed before the valid signal"
