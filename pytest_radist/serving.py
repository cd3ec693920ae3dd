"""How a test's target is served: a fresh fake (or, in live mode, a
forwarder) answers the session's loopback server while the test runs, with
the production guard on; afterwards it is checked (strict mode) and, live,
cleaned up and its cassette written. The pytest plugin's fixtures use it."""

from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, Iterator, NoReturn, Optional

import pytest

from .settings import LIVE

if TYPE_CHECKING:
    from .doors.server import LoopbackServer
    from .fake import RadistFake
    from .fidelity.cassettes import Recorder
    from .live import LiveCredentials, RadistLive
    from .target import RadistTarget


@contextmanager
def serving(server: LoopbackServer, target: RadistTarget, guard: AbstractContextManager[Any]) -> Iterator[None]:
    """``target`` answers ``server``'s requests until the block ends, with
    ``guard`` on meanwhile; then it is checked. Whatever the server served
    before is restored; in live mode the spaces the test made are deleted."""
    previous = server.target
    target.serve_on(server)
    with guard:
        try:
            yield
        finally:
            server.target = previous
            target.clean_up()
    problems = problems_of(target)
    if problems:
        pytest.fail(problems, pytrace=False)


@contextmanager
def serving_fake(server: LoopbackServer, settings: dict[str, Any]) -> Iterator[RadistFake]:
    """A new fake, served by ``server``; the production guard is on
    meanwhile unless ``guard=False``."""
    from .controls.guard import GUARD
    from .fake import RadistFake

    settings = dict(settings)
    guard = GUARD if settings.pop("guard", True) else nullcontext()
    fake = RadistFake(**settings)
    with serving(server, fake, guard):
        yield fake


def skip(message: str) -> NoReturn:
    """Skip the running test, reported at the test, not at this line."""
    raise pytest.skip.Exception(message, _use_item_location=True)


@contextmanager
def serving_live(server: LoopbackServer, credentials: LiveCredentials, marker_kwargs: dict[str, Any],
                  record: Optional[Recorder] = None) -> Iterator[RadistLive]:
    """A forwarder to the real service, served by ``server``: a test that
    configures the fake is skipped; the guard is off."""
    from .errors import FAKE_ONLY
    from .live import RadistLive

    needs_fake = sorted(set(marker_kwargs) - set(LIVE))
    if needs_fake:
        shown = ", ".join(f"{name}=..." for name in needs_fake)
        skip(FAKE_ONLY.format(control=f"@pytest.mark.radist({shown})"))
    options = {name: marker_kwargs[name] for name in LIVE if name in marker_kwargs and name != "guard"}
    live = RadistLive(credentials, refuse=skip, **options)
    live.recorder = record
    with serving(server, live, nullcontext()):
        yield live


def recorder_for(test: str, credentials: LiveCredentials) -> Recorder:
    from .fidelity.cassettes import Recorder

    return Recorder(test, credentials.base_url, {
        credentials.project_id: "<project>", credentials.secret_key: "<secret key>", credentials.public_key: "<public key>"})


def problems_of(target: RadistTarget) -> Optional[str]:
    """What a strict fake (or forwarder) saw, as one message (``None`` if
    nothing). Read here, not in an ``except`` block, so pytest prints it once."""
    from .target import RadistFakeProblem

    if not target.strict:
        return None
    try:
        target.check()
    except RadistFakeProblem as problem:
        return str(problem)
    return None
