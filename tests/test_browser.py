"""Two real browsers join a call through the fake: Playwright driving
Debian's Chromium (``/usr/bin/chromium``, installed by scripts/test.sh).

The pages are served from a second local origin, so the public-key mint is a
cross-origin fetch (CORS), then each opens the signaling socket and they set
up a real ``RTCPeerConnection`` through the fake's ``signal`` relay; a
data-channel message from one page arrives in the other.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from pytest_radist import RadistFake

PAGES = Path(__file__).resolve().parent / "browser"

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """A static server for the test pages, on another origin than the fake."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(PAGES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_two_browsers_call_each_other_through_the_fake(radist_fake: RadistFake, browser: Any, page_origin: str) -> None:
    call = radist_fake.make_call("public")
    query = urlencode({"base": radist_fake.url, "publicKey": radist_fake.project.public_key, "callId": call.id})
    first, second = browser.new_context(), browser.new_context()
    try:
        alice, bob = first.new_page(), second.new_page()
        alice.goto(f"{page_origin}/peer.html?{query}")
        radist_fake.wait_for_peers(call, 1, timeout=15)  # alice is in: bob's arrival makes her offer
        bob.goto(f"{page_origin}/peer.html?{query}")
        for page in (alice, bob):
            page.wait_for_function("window.received !== null", timeout=20_000)
        alice_id, bob_id = alice.evaluate("window.peerId"), bob.evaluate("window.peerId")
        assert alice.evaluate("window.received") == f"hello from {bob_id}"
        assert bob.evaluate("window.received") == f"hello from {alice_id}"

        # the fake saw what Radist would: two socket peers, pending tokens cleared
        assert sorted(p.id for p in call.connected_peers) == sorted([alice_id, bob_id])
        assert [t.minted_by for t in radist_fake.minted_tokens(call_id=call.id, state="consumed")] == ["public", "public"]
        assert [t.state for t in call.tokens[:2]] == ["cleared", "cleared"]
        assert [r.endpoint for r in radist_fake.requests] == [
            "mint_call_token_public", "p2p_signaling", "mint_call_token_public", "p2p_signaling"]
    finally:
        first.close()
        second.close()
    radist_fake.wait_for_tombstone(call, timeout=10)


@pytest.fixture(scope="module")
def radist_process() -> Iterator[dict[str, str]]:
    """A radist-fake process: the "real service" a live-mode suite talks to."""
    from .helpers import start_radist_fake

    process, settings = start_radist_fake("--seed", "11")
    yield settings
    process.terminate()
    process.wait(10)


def test_two_browsers_call_each_other_live_through_the_forwarder(radist_process: dict[str, str], browser: Any, page_origin: str) -> None:
    """Live mode end to end: the pages talk to the loopback forwarder only; it
    relays the mints (with the service's own CORS answers) and both signaling
    sockets to a radist-fake process standing in for Radist."""
    from pytest_radist.live import LiveCredentials, RadistLive

    credentials = LiveCredentials(radist_process["RADIST_PROJECT_ID"], radist_process["RADIST_KEY"],
                                  radist_process["RADIST_PUBLIC_KEY"], radist_process["RADIST_API_BASE_URL"])
    with RadistLive(credentials) as live:
        call = live.client().create_p2p_connection(access_control="public")
        query = urlencode({"base": live.url, "publicKey": credentials.public_key, "callId": call.call_id})
        first, second = browser.new_context(), browser.new_context()
        try:
            alice, bob = first.new_page(), second.new_page()
            alice.goto(f"{page_origin}/peer.html?{query}")
            alice.wait_for_function("window.peerId !== undefined", timeout=15_000)  # alice is in: bob's arrival makes her offer
            bob.goto(f"{page_origin}/peer.html?{query}")
            for page in (alice, bob):
                page.wait_for_function("window.received !== null", timeout=20_000)
            alice_id, bob_id = alice.evaluate("window.peerId"), bob.evaluate("window.peerId")
            assert alice.evaluate("window.received") == f"hello from {bob_id}"
            assert bob.evaluate("window.received") == f"hello from {alice_id}"
        finally:
            first.close()
            second.close()
        journaled = [(r.endpoint, r.status) for r in live.requests]
        assert journaled == [("create_call", 200), ("mint_call_token_public", 200), ("p2p_signaling", 101),
                             ("mint_call_token_public", 200), ("p2p_signaling", 101)]
        assert live.problems == []


def test_a_page_reconnects_after_a_drop_and_after_a_restart(radist_fake: RadistFake, browser: Any, page_origin: str) -> None:
    """docs/browser.md's networks that fail, in Chromium: the page's socket is
    cut (1006), then the service restarts under it (1006, then 4503 while it
    restarts); each time it comes back with its reconnect token, as itself."""
    radist_fake.reconnect_grace = 30
    call = radist_fake.make_call("public")
    other = radist_fake.join(call.tokens[0])  # a second participant, told of each coming and going
    query = urlencode({"base": radist_fake.url, "publicKey": radist_fake.project.public_key, "callId": call.id})
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{page_origin}/reconnect.html?{query}")
        page.wait_for_function("window.welcomes === 1", timeout=15_000)
        peer_id = page.evaluate("window.peerId")

        radist_fake.disrupt(peer_id, "drop")
        page.wait_for_function("window.welcomes === 2", timeout=15_000)
        assert radist_fake.peers[peer_id].connected

        radist_fake.server_restart(seconds=1.0)
        page.wait_for_function("window.welcomes === 3", timeout=15_000)
        events = page.evaluate("window.events")
        assert events[:3] == [f"welcome {peer_id}", "closed 1006", f"welcome {peer_id}"], events
        after = events[3:]
        assert after[0] == "closed 1006" and "closed 4503" in after and after[-1] == f"welcome {peer_id}", events
        assert page.evaluate("window.peerId") == peer_id and radist_fake.peers[peer_id].connected
        assert not other.connected  # the restart disconnected the simulated participant too
        refused = [r for r in radist_fake.journal.find("p2p_signaling") if r.status == 503]
        assert refused and all("restarting" in (r.why or "") for r in refused)
    finally:
        context.close()
