"""``/_radist/media-peers``: participants with real media, run by
radist-fake itself (the media extra, where radist-fake runs: without it,
every route answers 501, as its ``needs`` says), for suites in other
languages: start one with a token, read what it received, close it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import ControlError, JoinRefused, NotFound
from .participants import refused
from .schema import Answer, ControlRoute, Field

if TYPE_CHECKING:
    from ...media.peer import MediaPeer
    from .target import ControlTarget


def media_json(peer: MediaPeer) -> dict[str, Any]:
    return {"id": peer.id, "peerId": peer.peer_id, "state": peer.state, "reason": peer.reason,
            "videoFramesReceived": peer.video_frames_received, "audioFramesReceived": peer.audio_frames_received,
            "connectedTo": peer.connected_to, "reconnects": peer.reconnects, "messages": len(peer.messages)}


def start(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    try:  # the token is consumed now, so the answer names the peer; its socket then connects with its reconnect token
        joined = fake.people.join(given["token"])
    except JoinRefused as refusal:
        raise refused(refusal) from None
    peer = fake.media.rejoin(joined, video=given.get("video", True), audio=given.get("audio", True),
                             offer=given.get("offer", False), echo=given.get("echo", True))
    return 200, media_json(peer)


def _found(fake: ControlTarget, media_id: str) -> MediaPeer:
    try:
        return fake.media.get(media_id)
    except NotFound as exc:
        raise ControlError(404, f"{exc}") from None


def read(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    return 200, media_json(_found(fake, given["id"]))


def listing(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    return 200, {"mediaPeers": [media_json(peer) for peer in fake.media.peers]}


def close(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    peer = _found(fake, given["id"])
    peer.close_soon()  # its leave goes through this very server: not waited for here
    return 200, media_json(peer)


EXTRA = "media"
ROUTES = (
    ControlRoute("POST", "media-peers", "start a media peer: a participant with real WebRTC media, joined with a token",
                 start, (
        Field("token", "string", "a participant token of a call or room (ct_...)", required=True, pattern="^ct_."),
        Field("video", "boolean", "send the test pattern's video (default true)"),
        Field("audio", "boolean", "send the test pattern's tone (default true)"),
        Field("offer", "boolean", "offer to every peer present or joining (default: answer their offers)"),
        Field("echo", "boolean", "send back what the other side sends on its data channels (default true)"),
    ), needs=EXTRA),
    ControlRoute("GET", "media-peers", "every media peer, with what it received", listing, changes_state=False, needs=EXTRA),
    ControlRoute("GET", "media-peers/{id}", "a media peer: its state and the frames it received", read,
                 changes_state=False, needs=EXTRA),
    ControlRoute("DELETE", "media-peers/{id}", "close a media peer (it leaves its call for good)", close, needs=EXTRA),
)
