"""Media peers of a fake (``fake.media``; ``fake.media_peer`` is its
``join``): participants with real WebRTC media, run on the fake's loopback
server's sockets. They need the media extra
(``pip install 'pytest-radist[media]'``), imported on first use only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from .. import errors as E
from .. import messages as M
from ..model.entities import Peer, Token
from .base import FakeBase, Group
from .people import People

if TYPE_CHECKING:
    from ..media.peer import MediaLoop, MediaPeer


class MediaPeers(Group):
    """The fake's media peers: start one with :meth:`join`; every one is
    closed with the fake (and at the end of a test)."""

    def __init__(self, fake: FakeBase, people: People) -> None:
        super().__init__(fake)
        self._people = people
        self._loop: Optional[MediaLoop] = None
        self._by_id: dict[str, MediaPeer] = {}
        self._count = 0

    def join(self, token: Union[Token, str], *, video: bool = True, audio: bool = True, offer: bool = False,
             echo: bool = True, encode: Optional[Callable[[dict[str, Any]], Any]] = None,
             decode: Optional[Callable[[Any], Optional[dict[str, Any]]]] = None, timeout: float = 10.0) -> MediaPeer:
        """A media peer that joins with ``token`` over the signaling socket
        (starting the loopback server if needed), as a browser does, and
        does real WebRTC with the other peers: it sends a test pattern (a
        320x240 video at 15 fps whose frames carry their number, and a
        440 Hz tone) unless ``video``/``audio`` is false, and counts what
        it receives. It answers the offers others send it; with ``offer``
        it offers to every peer present or joining. It echoes what the
        other side sends on a data channel that side opened (``echo``).
        ``encode``/``decode`` adapt its signals to an app's own envelope
        (default: the browser's ``toJSON()`` forms as ``signal.data``).
        Returns once the socket welcomed it; a refused token raises
        :class:`~pytest_radist.JoinRefused`. Needs the media extra."""
        url = self._people.signaling_url(token)
        return self._start(url, None, timeout, video=video, audio=audio, offer=offer, echo=echo, encode=encode, decode=decode)

    def rejoin(self, peer: Union[Peer, str], **options: Any) -> MediaPeer:
        """A media peer for a peer that has joined already (its socket
        connects with its reconnect token, without waiting for it): what
        the control plane starts, whose answer must name the peer at once."""
        found = self._fake._peer(peer)
        return self._start(self._people.reconnect_url(found), found.id, None, **options)

    def _start(self, url: str, peer_id: Optional[str], timeout: Optional[float], **options: Any) -> MediaPeer:
        from ..media import require

        require()
        from ..media.peer import MediaLoop, MediaPeer

        if self._loop is None:
            self._loop = MediaLoop()
        peer = MediaPeer(self._loop, url, **options)
        self._count += 1
        peer.id = f"media-{self._count}"
        if peer_id is None:
            peer.start(timeout or 10.0)
        else:
            peer.peer_id = peer_id
            peer.begin()
        self._by_id[peer.id] = peer
        return peer

    @property
    def peers(self) -> list[MediaPeer]:
        """Every media peer started, closed ones included, in order."""
        return list(self._by_id.values())

    def get(self, media_id: str) -> MediaPeer:
        """A media peer by its id (``media-1``, ...)."""
        try:
            return self._by_id[media_id]
        except KeyError:
            raise E.NotFound(M.CONTROL_NO_MEDIA_PEER.format(id=media_id, known=", ".join(self._by_id) or "none")) from None

    def close(self) -> None:
        """Close every media peer and the loop they run on."""
        for peer in list(self._by_id.values()):
            peer.close()
        if self._loop is not None:
            self._loop.stop()
            self._loop = None
