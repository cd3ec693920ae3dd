"""A media peer: a participant the test runs itself, that joins a call or a
room through the real signaling socket, as a browser does, and does real
WebRTC (ICE, DTLS, SRTP, with aiortc) with every other peer there.

It sends :mod:`.pattern`'s video and tone, counts what it receives, and
echoes what the other side sends on a data channel the other side opened.
Its signals are the browser's own JSON forms inside the relay's
``signal.data`` (``RTCSessionDescription.toJSON()``,
``RTCIceCandidate.toJSON()``), or an app's envelope through ``encode`` and
``decode``. In a room it meshes: one RTCPeerConnection for each other peer.
When its socket drops it comes back with its reconnect token and
negotiates again, as a browser app does.

Everything runs on one event loop in a thread of its own (:class:`MediaLoop`);
the public methods are for the test's thread and wait with a timeout.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
import time
from typing import Any, Callable, Coroutine, Optional, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import av
from aiortc import RTCConfiguration, RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from .. import messages as M
from ..errors import JoinRefused
from .pattern import PatternVideo, Tone, read_counter

T = TypeVar("T")
Encode = Callable[[dict[str, Any]], Any]
Decode = Callable[[Any], Optional[dict[str, Any]]]

#: Close codes after which a media peer does not come back (it left, was
#: removed, its call ended, or it was refused); any other close, or none, it reconnects.
FINAL_CLOSES = frozenset({1000, 4400, 4401, 4403, 4404, 4409, 4410})
RECONNECT_PAUSE = 0.2
RECONNECT_FOR = 30.0


def browser_signal(signal: dict[str, Any]) -> Any:
    """The default ``encode``: the browser's JSON forms as they are."""
    return signal


def browser_decode(data: Any) -> Optional[dict[str, Any]]:
    """The default ``decode``: a description (``type`` and ``sdp``) or a
    candidate (``candidate``, ``sdpMid``, ``sdpMLineIndex``); else ``None``."""
    if isinstance(data, dict) and (data.get("type") in ("offer", "answer") or "candidate" in data):
        return data
    return None


class MediaLoop:
    """One event loop in a thread, for every media peer of a fake."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="radist-media", daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float) -> T:
        future = asyncio.run_coroutine_threadsafe(work, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"the media peer did not answer within {timeout:g} s") from None

    def stop(self) -> None:
        async def drain() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(drain(), self.loop).result(2.0)
            except (concurrent.futures.TimeoutError, RuntimeError):
                pass
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(2.0)
        if not self.thread.is_alive():
            self.loop.close()


class _Remote:
    """The WebRTC connection to one other peer."""

    def __init__(self, pc: RTCPeerConnection) -> None:
        self.pc = pc
        self.pending: list[Any] = []  # candidates that came before the description
        self.tasks: list[asyncio.Task[None]] = []


class MediaPeer:
    """A participant with real media, run by the test (``fake.media_peer(token)``).

    It is connected when :meth:`wait_connected` returns: its WebRTC
    connection with another peer is up. It counts the frames it receives
    (:attr:`video_frames_received`, :attr:`audio_frames_received`), keeps
    the last video frame (:meth:`last_frame_png`, :attr:`last_counter`),
    echoes data-channel messages, and is closed by :meth:`close` (or with
    its fake)."""

    def __init__(self, media: MediaLoop, url: str, *, video: bool = True, audio: bool = True, offer: bool = False,
                 echo: bool = True, encode: Optional[Encode] = None, decode: Optional[Decode] = None) -> None:
        self._media = media
        self._url = url
        #: Its id among the fake's media peers (``media-1``, ...).
        self.id = ""
        self.video, self.audio, self.offer, self.echo = video, audio, offer, echo
        self._encode, self._decode = encode or browser_signal, decode or browser_decode
        #: ``connecting``, ``connected``, ``closed`` or ``failed``.
        self.state = "connecting"
        #: The peer id the signaling socket gave it (``None`` until welcomed).
        self.peer_id: Optional[str] = None
        self.reconnect_token: Optional[str] = None
        #: Why it failed or closed, when it did (a refusal, a close code).
        self.reason: Optional[str] = None
        self.video_frames_received = 0
        self.audio_frames_received = 0
        #: Video frames received from each other peer, by its peer id.
        self.video_frames_from: dict[str, int] = {}
        #: Data-channel messages received, in order.
        self.messages: list[Any] = []
        #: Reconnects after a dropped socket.
        self.reconnects = 0
        self._read = 0  # messages wait_for_message has given
        self._last_frame: Optional[av.VideoFrame] = None
        self._remotes: dict[str, _Remote] = {}
        self._channels: list[RTCDataChannel] = []
        self._ws: Any = None
        self._closing = False
        self._welcomed: Optional[asyncio.Future[dict[str, Any]]] = None
        self._task: Optional[asyncio.Task[None]] = None
        self._session: tuple[str, str] = ("", "")  # the socket's kind ("call"/"room") and session id
        self._changed = threading.Condition()

    # -- the test's side ------------------------------------------------------------

    def start(self, timeout: float) -> MediaPeer:
        """Open its socket and wait for its ``welcome`` (a refusal raises
        :class:`~pytest_radist.JoinRefused`, as a simulated join's does)."""
        self._media.run(self._start(), timeout)
        return self

    def begin(self) -> MediaPeer:
        """Open its socket without waiting (the caller may be the very loop
        that answers it): :attr:`state` then tells how it goes."""
        asyncio.run_coroutine_threadsafe(self._begin(), self._media.loop)
        return self

    @property
    def connected_to(self) -> list[str]:
        """The peer ids of the other peers its WebRTC connections are up with."""
        return sorted(peer_id for peer_id, remote in list(self._remotes.items()) if remote.pc.connectionState == "connected")

    @property
    def last_counter(self) -> Optional[int]:
        """The number the last received frame carries, when the other side
        is a media peer too (``None`` for any other source)."""
        frame = self._last_frame
        return None if frame is None else read_counter(frame)

    def last_frame_png(self) -> Optional[bytes]:
        """The last video frame received, as a PNG (for a failure report), or ``None``."""
        frame = self._last_frame
        if frame is None:
            return None
        codec = av.CodecContext.create("png", "w")
        codec.width, codec.height, codec.pix_fmt = frame.width, frame.height, "rgb24"
        packets = codec.encode(frame.reformat(format="rgb24"))
        return b"".join(bytes(packet) for packet in packets)

    def wait_connected(self, timeout: float = 10.0) -> MediaPeer:
        """Wait until a WebRTC connection with another peer is up."""
        __tracebackhide__ = True
        self._wait(lambda: self.state == "connected", timeout, "its WebRTC connection to be up")
        return self

    def assert_receiving_video(self, min_frames: int = 30, timeout: float = 10.0) -> None:
        """Wait until ``min_frames`` more video frames are decoded; fails naming what came instead."""
        __tracebackhide__ = True
        start = self.video_frames_received
        self._wait(lambda: self.video_frames_received - start >= min_frames, timeout,
                   f"{min_frames} video frames", lambda: f"{self.video_frames_received - start} came")

    def assert_receiving_audio(self, min_frames: int = 50, timeout: float = 10.0) -> None:
        """Wait until ``min_frames`` more audio frames are decoded (20 ms each from a browser)."""
        __tracebackhide__ = True
        start = self.audio_frames_received
        self._wait(lambda: self.audio_frames_received - start >= min_frames, timeout,
                   f"{min_frames} audio frames", lambda: f"{self.audio_frames_received - start} came")

    def wait_for_message(self, timeout: float = 10.0) -> Any:
        """The next data-channel message (or the first one not read yet)."""
        __tracebackhide__ = True
        seen = self._read
        self._wait(lambda: len(self.messages) > seen, timeout, "a data-channel message")
        self._read = seen + 1
        return self.messages[seen]

    def send(self, message: Any) -> None:
        """Send ``message`` (text or bytes) on every open data channel."""
        def on_loop() -> None:
            for channel in self._channels:
                if channel.readyState == "open":
                    channel.send(message)
        self._media.loop.call_soon_threadsafe(on_loop)

    def close_soon(self) -> None:
        """:meth:`close`, without waiting (the caller may be the loop that answers its ``leave``)."""
        asyncio.run_coroutine_threadsafe(self._close(), self._media.loop)

    def close(self) -> None:
        """Leave the call (``leave``: for good) and close every connection."""
        if self.state in ("closed", "failed") and self._task is None:
            return
        try:
            self._media.run(self._close(), 5.0)
        except (TimeoutError, RuntimeError):
            pass

    def _wait(self, done: Callable[[], bool], timeout: float, what: str, instead: Optional[Callable[[], str]] = None) -> None:
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                if self.state == "failed":
                    raise AssertionError(f"media peer {self.peer_id} failed ({self.reason}) while waiting for {what}")
                left = deadline - time.monotonic()
                if left <= 0:
                    extra = f": {instead()}" if instead else ""
                    raise AssertionError(f"media peer {self.peer_id} waited {timeout:g} s for {what}{extra} "
                                         f"(state {self.state}, {self.video_frames_received} video and "
                                         f"{self.audio_frames_received} audio frames received)")
                self._changed.wait(min(left, 0.05))

    def _tell(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def __repr__(self) -> str:
        return (f"<MediaPeer {self.peer_id} {self.state} video={self.video_frames_received} "
                f"audio={self.audio_frames_received}>")

    # -- on the media loop -------------------------------------------------------------

    async def _start(self) -> None:
        self._welcomed = asyncio.get_running_loop().create_future()
        self._task = asyncio.ensure_future(self._run())
        try:
            await self._welcomed
        except JoinRefused:
            self._task = None
            raise

    async def _begin(self) -> None:
        self._welcomed = asyncio.get_running_loop().create_future()
        self._welcomed.add_done_callback(lambda f: f.exception())  # nobody awaits it: a refusal is in state and reason
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        url, deadline = self._url, None
        while not self._closing:
            code: Optional[int] = None
            try:
                async with connect(url, open_timeout=10, close_timeout=1, max_size=None) as ws:
                    self._ws, deadline = ws, None
                    async for text in ws:
                        await self._on_frame(json.loads(text))
                    code = ws.close_code
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd is not None else None
            except (OSError, InvalidHandshake, asyncio.TimeoutError) as exc:
                self.reason = f"cannot reach the signaling socket: {exc}"
            finally:
                self._ws = None
            if self._closing:
                break
            if self._welcomed is not None and not self._welcomed.done():
                self._fail(self.reason or f"the socket closed with {code} before its welcome")
                return
            if code in FINAL_CLOSES:
                self.reason = f"its socket was closed with {code}"
                self.state = "closed" if code in (1000, 4403, 4409, 4410) else "failed"
                await self._close_remotes()
                self._tell()
                return
            # a drop (no close frame) or a transient close: come back with the reconnect token
            deadline = deadline or time.monotonic() + RECONNECT_FOR
            if time.monotonic() > deadline:
                self._fail(f"could not reconnect within {RECONNECT_FOR:g} s")
                return
            await self._close_remotes()
            self.state = "connecting"
            self._tell()
            await asyncio.sleep(RECONNECT_PAUSE)
            url = self._reconnect_url()

    def _fail(self, reason: str) -> None:
        self.state, self.reason = "failed", reason
        if self._welcomed is not None and not self._welcomed.done():
            self._welcomed.set_exception(JoinRefused(409, reason, "failed"))
        self._tell()

    def _reconnect_url(self) -> str:
        parts = urlsplit(self._url)
        key = dict(parse_qsl(parts.query)).get("publicKey", "")
        kind, session = self._session
        query = {"publicKey": key, f"{kind}Id": session, "peerId": self.peer_id or "", "reconnectToken": self.reconnect_token or ""}
        return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "welcome":
            first = self.peer_id is None
            self.peer_id, self.reconnect_token = frame["peerId"], frame["reconnectToken"]
            session = frame.get("call") or frame.get("room") or {}
            self._session = ("call", session["callId"]) if "call" in frame else ("room", session.get("roomId", ""))
            if not first:
                self.reconnects += 1
            if self._welcomed is not None and not self._welcomed.done():
                self._welcomed.set_result(frame)
            if self.offer:
                for present in session.get("peers", []):
                    if present["peerId"] != self.peer_id:
                        await self._offer_to(present["peerId"])
        elif kind == "error" and self._welcomed is not None and not self._welcomed.done():
            self.reason = frame.get("error")
            self.state = "failed"
            self._welcomed.set_exception(JoinRefused.because(frame.get("reason", "unknown"), M.MEDIA_REFUSED.format(
                reason=frame.get("reason"), error=frame.get("error"))))
            self._tell()
        elif kind == "peer-joined" and self.offer:
            await self._offer_to(frame["peerId"])
        elif kind == "peer-left":
            remote = self._remotes.pop(frame["peerId"], None)
            if remote is not None:
                await self._close_remote(remote)
        elif kind == "signal":
            data = self._decode(frame.get("data"))
            if data is not None and isinstance(frame.get("from"), str):
                await self._on_signal(frame["from"], data)

    async def _send(self, to: str, signal: dict[str, Any]) -> None:
        if self._ws is not None:
            try:
                await self._ws.send(json.dumps({"type": "signal", "to": to, "data": self._encode(signal)}))
            except ConnectionClosed:
                pass  # the socket is going: the run loop reconnects

    def _connection(self, remote_id: str, offering: bool) -> _Remote:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        remote = _Remote(pc)
        self._remotes[remote_id] = remote
        if self.video:
            pc.addTrack(PatternVideo())
        elif offering:
            pc.addTransceiver("video", direction="recvonly")
        if self.audio:
            pc.addTrack(Tone())
        elif offering:
            pc.addTransceiver("audio", direction="recvonly")
        if offering:
            self._listen(pc.createDataChannel("radist"), echo=False)  # its own channel: the other side's are echoed

        @pc.on("datachannel")
        def on_channel(channel: RTCDataChannel) -> None:
            self._listen(channel, echo=self.echo)

        @pc.on("track")
        def on_track(track: Any) -> None:
            remote.tasks.append(asyncio.ensure_future(self._consume(track, remote_id)))

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState == "connected":
                self.state = "connected"
            elif pc.connectionState in ("failed", "closed") and self._remotes.get(remote_id) is remote:
                if not any(r.pc.connectionState == "connected" for r in self._remotes.values()):
                    self.state = "connecting" if not self._closing else "closed"
            self._tell()

        return remote

    def _listen(self, channel: RTCDataChannel, *, echo: bool) -> None:
        self._channels.append(channel)

        @channel.on("message")
        def on_message(message: Any) -> None:
            self.messages.append(message)
            if echo and channel.readyState == "open":
                channel.send(message)
            self._tell()

    async def _consume(self, track: Any, remote_id: str) -> None:
        try:
            while True:
                frame = await track.recv()
                if track.kind == "video":
                    self.video_frames_received += 1
                    self.video_frames_from[remote_id] = self.video_frames_from.get(remote_id, 0) + 1
                    self._last_frame = frame
                else:
                    self.audio_frames_received += 1
                self._tell()
        except (MediaStreamError, asyncio.CancelledError):
            return

    async def _offer_to(self, remote_id: str) -> None:
        if remote_id in self._remotes:
            # already negotiating with it: a welcome's list and a peer-joined can both name a peer that
            # came at the same moment (and it is forgotten when it leaves, so one that comes back is offered to)
            return
        remote = self._connection(remote_id, offering=True)
        await remote.pc.setLocalDescription(await remote.pc.createOffer())
        await self._send(remote_id, {"type": "offer", "sdp": remote.pc.localDescription.sdp})

    async def _on_signal(self, remote_id: str, data: dict[str, Any]) -> None:
        remote = self._remotes.get(remote_id)
        if data.get("type") == "offer":
            if remote is not None and remote.pc.signalingState == "have-local-offer" and (self.peer_id or "") < remote_id:
                return  # both offered: the peer whose id sorts first keeps its offer, the other answers it
            if remote is not None:
                self._remotes.pop(remote_id)
                await self._close_remote(remote)
            remote = self._connection(remote_id, offering=False)
            await remote.pc.setRemoteDescription(RTCSessionDescription(sdp=data["sdp"], type="offer"))
            await self._add_pending(remote)
            await remote.pc.setLocalDescription(await remote.pc.createAnswer())
            await self._send(remote_id, {"type": "answer", "sdp": remote.pc.localDescription.sdp})
        elif data.get("type") == "answer":
            if remote is not None and remote.pc.signalingState == "have-local-offer":
                await remote.pc.setRemoteDescription(RTCSessionDescription(sdp=data["sdp"], type="answer"))
                await self._add_pending(remote)
        elif data.get("candidate"):  # a trickled candidate ("" or null: the end of them)
            text = str(data["candidate"])
            candidate = candidate_from_sdp(text.split(":", 1)[1] if text.startswith("candidate:") else text)
            candidate.sdpMid = data.get("sdpMid")
            candidate.sdpMLineIndex = data.get("sdpMLineIndex")
            if remote is None:
                return
            if remote.pc.remoteDescription is None:
                remote.pending.append(candidate)
            else:
                await remote.pc.addIceCandidate(candidate)

    @staticmethod
    async def _add_pending(remote: _Remote) -> None:
        """The candidates that came before the remote description, now that it is set."""
        for candidate in remote.pending:
            await remote.pc.addIceCandidate(candidate)
        remote.pending.clear()

    async def _close_remote(self, remote: _Remote) -> None:
        for task in remote.tasks:
            task.cancel()
        await remote.pc.close()
        self._channels = [c for c in self._channels if c.readyState not in ("closing", "closed")]

    async def _close_remotes(self) -> None:
        remotes, self._remotes = list(self._remotes.values()), {}
        for remote in remotes:
            await self._close_remote(remote)

    async def _close(self) -> None:
        self._closing = True
        if self._ws is not None:
            try:
                await self._ws.send(json.dumps({"type": "leave"}))
                await asyncio.wait_for(self._ws.close(), 1.0)
            except (ConnectionClosed, asyncio.TimeoutError):
                pass
        await self._close_remotes()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.state != "failed":
            self.state = "closed"
        self._tell()
