"""Media peers (``pip install 'pytest-radist[media]'``): participants with
real audio, video and data channels, run by the test (:mod:`.peer`), built
on aiortc. Nothing here is imported until a media peer is asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..messages import MEDIA_EXTRA_MISSING

if TYPE_CHECKING:
    from .peer import MediaLoop, MediaPeer


def available() -> bool:
    """Whether the media extra is installed (aiortc and PyAV import)."""
    try:
        import aiortc  # noqa: F401
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def require() -> None:
    """An ``ImportError`` naming the extra when it is not installed."""
    try:
        import aiortc  # noqa: F401
        import av  # noqa: F401
    except ImportError as exc:
        raise ImportError(MEDIA_EXTRA_MISSING.format(missing=exc.name or exc)) from exc


def __getattr__(name: str) -> object:
    """``MediaPeer`` and ``MediaLoop``, imported when first asked for (with
    the extra's message if it is missing)."""
    if name in ("MediaPeer", "MediaLoop"):
        require()
        from . import peer

        return getattr(peer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["MediaLoop", "MediaPeer", "available", "require"]
