"""A peer with real media (issue 29): media peers (aiortc) that join through
the real signaling socket and do real WebRTC with each other, with a room's
other peers, and with a Chromium page on fake devices; over the control
plane too; and a clear error where the media extra is missing."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from pytest_radist import JoinRefused, RadistFake

from .conftest import CHROMIUM, CHROMIUM_ARGS
from .helpers import raw
from .test_browser import page_origin  # noqa: F401  (a fixture: the static server of the test pages)



def until(done: Any, timeout: float = 10.0, what: str = "it") -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.05)


def test_two_media_peers_in_a_call_see_each_others_media_and_talk(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    answering = radist_fake.media_peer(call.tokens[0])
    offering = radist_fake.media_peer(call.tokens[1], offer=True)
    assert answering.peer_id in radist_fake.peers and radist_fake.peers[answering.peer_id].connected
    offering.wait_connected()
    answering.wait_connected()
    answering.assert_receiving_video(min_frames=15)
    offering.assert_receiving_audio(min_frames=25)
    first = answering.last_counter
    answering.assert_receiving_video(min_frames=5)
    assert first is not None and answering.last_counter is not None and answering.last_counter > first  # the pattern's frames, in order
    png = answering.last_frame_png()
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    offering.send("ping")
    assert offering.wait_for_message() == "ping"  # the answerer echoes what arrives on the offerer's channel
    assert answering.messages == ["ping"]


def test_a_room_of_three_media_peers_meshes(radist_fake: RadistFake) -> None:
    room = radist_fake.make_room()
    tokens = [room.tokens[0], room.tokens[1], radist_fake.mint_token(room)]
    peers = [radist_fake.media_peer(token, offer=True) for token in tokens]  # every one offers: the ties are broken
    until(lambda: all(len(p.connected_to) == 2 for p in peers), what="a full mesh")
    until(lambda: all(len(p.video_frames_from) == 2 and min(p.video_frames_from.values()) >= 10 for p in peers),
          what="video from both others at each peer")
    for peer in peers:
        assert set(peer.connected_to) == {p.peer_id for p in peers} - {peer.peer_id}


@pytest.mark.parametrize("who", ["offering", "answering"])
def test_a_dropped_media_peer_reconnects_with_its_token_and_negotiates_again(radist_fake: RadistFake, who: str) -> None:
    call = radist_fake.make_call("public")
    answering = radist_fake.media_peer(call.tokens[0])
    offering = radist_fake.media_peer(call.tokens[1], offer=True)
    answering.wait_connected()
    dropped = offering if who == "offering" else answering
    old_token = radist_fake.peers[dropped.peer_id].reconnect_token
    radist_fake.disrupt(dropped.peer_id, "drop")
    until(lambda: dropped.reconnects == 1, what="the reconnect")
    assert radist_fake.peers[dropped.peer_id].reconnect_token != old_token and radist_fake.peers[dropped.peer_id].connected
    until(lambda: answering.state == offering.state == "connected" and answering.connected_to == [offering.peer_id])
    answering.assert_receiving_video(min_frames=10)
    offering.assert_receiving_video(min_frames=10)


def test_after_a_server_restart_both_media_peers_come_back(radist_fake: RadistFake) -> None:
    radist_fake.reconnect_grace = 30.0
    call = radist_fake.make_call("public")
    answering = radist_fake.media_peer(call.tokens[0])
    offering = radist_fake.media_peer(call.tokens[1], offer=True)
    answering.wait_connected()
    radist_fake.server_restart(seconds=0.8)  # every socket cut; new ones refused with 4503 for 0.8 s
    until(lambda: answering.reconnects >= 1 and offering.reconnects >= 1, what="both to reconnect")
    until(lambda: answering.connected_to == [offering.peer_id] and offering.connected_to == [answering.peer_id])
    refused = [r for r in radist_fake.journal.find("p2p_signaling") if r.status == 503]
    assert refused, "no reconnect came while the service was restarting"  # they kept trying, and got in after
    answering.assert_receiving_video(min_frames=10)
    offering.assert_receiving_audio(min_frames=20)


def test_a_signal_fault_delays_the_negotiation_and_it_still_connects(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    radist_fake.fail("signal", latency=0.3, times=None)
    answering = radist_fake.media_peer(call.tokens[0])
    offering = radist_fake.media_peer(call.tokens[1], offer=True)
    started = time.monotonic()
    offering.wait_connected()
    assert time.monotonic() - started >= 0.5  # the offer and the answer waited 0.3 s each
    assert len(radist_fake.requests_to("signal")) >= 2
    answering.assert_receiving_video(min_frames=5)


def test_a_refused_token_raises_join_refused(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    radist_fake.join(call.tokens[0])
    with pytest.raises(JoinRefused) as refused:
        radist_fake.media_peer(call.tokens[0])
    assert refused.value.reason == "consumed"


def test_an_app_envelope_is_adapted_by_encode_and_decode(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    wrap = lambda signal: {"description" if "sdp" in signal else "ice": signal}  # noqa: E731
    unwrap = lambda data: data.get("description") or data.get("ice") if isinstance(data, dict) else None  # noqa: E731
    answering = radist_fake.media_peer(call.tokens[0], encode=wrap, decode=unwrap)
    offering = radist_fake.media_peer(call.tokens[1], offer=True, encode=wrap, decode=unwrap, video=False)
    offering.wait_connected()
    offering.assert_receiving_video(min_frames=5)
    assert answering.video_frames_received == 0  # the offerer sends no video


def test_media_peers_over_the_control_plane(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    status, first = raw(radist_fake, "http", "POST", "/_radist/media-peers", key=None, json={"token": call.tokens[0].value})
    assert status == 200 and first["peerId"] in radist_fake.peers and first["id"] == "media-1"
    status, second = raw(radist_fake, "http", "POST", "/_radist/media-peers", key=None,
                         json={"token": call.tokens[1].value, "offer": True, "audio": False})
    assert status == 200

    def read(media_id: str) -> dict[str, Any]:
        return raw(radist_fake, "http", "GET", f"/_radist/media-peers/{media_id}", key=None)[1]  # type: ignore[no-any-return]

    until(lambda: read("media-1")["state"] == "connected" and read("media-1")["videoFramesReceived"] >= 10,
          what="frames at media-1")
    assert read("media-1")["audioFramesReceived"] == 0 and read(second["id"])["audioFramesReceived"] > 0
    status, listed = raw(radist_fake, "http", "GET", "/_radist/media-peers", key=None)
    assert [m["id"] for m in listed["mediaPeers"]] == ["media-1", "media-2"]
    status, closed = raw(radist_fake, "http", "DELETE", "/_radist/media-peers/media-2", key=None)
    assert status == 200
    until(lambda: read("media-2")["state"] == "closed", what="media-2 to close")
    assert radist_fake.peers[second["peerId"]].gone  # it left for good
    assert raw(radist_fake, "http", "GET", "/_radist/media-peers/media-9", key=None)[0] == 404
    status, refused = raw(radist_fake, "http", "POST", "/_radist/media-peers", key=None, json={"token": call.tokens[0].value})
    assert status == 409 and refused["reason"] == "consumed"


def test_without_the_extra_a_clear_error_names_it(radist_fake: RadistFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiortc", None)  # as if it were not installed
    call = radist_fake.make_call("public")
    with pytest.raises(ImportError, match=r"media peers need the media extra .*pip install 'pytest-radist\[media\]'"):
        radist_fake.media_peer(call.tokens[0])
    status, answer = raw(radist_fake, "http", "POST", "/_radist/media-peers", key=None, json={"token": call.tokens[0].value})
    assert status == 501 and answer["install"] == "pip install 'pytest-radist[media]'" and "media extra" in answer["error"]
    assert radist_fake.calls[call.id].tokens[0].state == "pending"  # nothing was consumed


@pytest.fixture(scope="module")
def media_browser() -> Iterator[Any]:
    """Chromium with fake camera and microphone, no permission prompt."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required"])
        yield browser
        browser.close()


def test_a_page_calls_a_media_peer_and_both_get_real_media(radist_fake: RadistFake, media_browser: Any,
                                                           page_origin: str) -> None:  # noqa: F811
    call = radist_fake.make_call("public")
    media = radist_fake.media_peer(call.tokens[0])  # it answers the page's offer
    page = media_browser.new_page()
    try:
        page.goto(f"{page_origin}/media.html?{urlencode({'socket': radist_fake.signaling_url(call.tokens[1])})}")
        media.wait_connected(timeout=15)
        page.wait_for_function("window.framesDecoded > 20", timeout=15000)  # the page decodes the media peer's video
        media.assert_receiving_video(min_frames=20, timeout=15)  # and the media peer the page's camera
        media.assert_receiving_audio(min_frames=50, timeout=15)  # and its microphone
        page.wait_for_function("window.messages.includes('hello from the page')", timeout=10000)  # echoed
        assert media.messages == ["hello from the page"]
        assert media.last_counter is None  # a camera's frame carries no pattern number
    finally:
        page.close()


def test_every_media_peer_is_closed_with_its_fake_and_no_thread_outlives_it() -> None:
    import threading

    fake = RadistFake(seed=9)
    call = fake.make_call("public")
    peers = [fake.media_peer(call.tokens[0]), fake.media_peer(call.tokens[1], offer=True)]
    peers[0].wait_connected()
    fake.close()
    assert [p.state for p in peers] == ["closed", "closed"]
    assert all(fake.peers[p.peer_id].gone for p in peers if p.peer_id)  # they left their call for good
    assert not [t for t in threading.enumerate() if t.name == "radist-media"]


def test_the_end_of_a_test_closes_its_media_peers(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    peer = radist_fake.media_peer(call.tokens[0])
    radist_fake.clean_up()  # what the fixture does when the test ends
    assert peer.state == "closed" and radist_fake.media.peers == [peer]
