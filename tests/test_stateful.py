"""The state machine base, run as shipped and subclassed with an app rule."""

from __future__ import annotations

from typing import Any

from unittest import mock

import pytest
import radist_server
from hypothesis import settings
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from pytest_radist.stateful import RadistStateMachine

FAST = settings(max_examples=30, stateful_step_count=30, deadline=None)


class ShippedMachine(RadistStateMachine):
    pass


TestShippedMachine = ShippedMachine.TestCase
TestShippedMachine.settings = FAST


class GraceMachine(RadistStateMachine):
    fake_settings = {"reconnect_grace": 30, "token_ttl": 600}


TestGraceMachine = GraceMachine.TestCase
TestGraceMachine.settings = FAST


class InviteService:
    """A tiny app: invites through the SDK, and must survive any call state."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.invites: list[str] = []
        self.refusals: list[int] = []

    def invite(self, call_id: str) -> None:
        try:
            self.invites.append(self.client.mint_connection_token(call_id=call_id).connection_token)
        except radist_server.RadistApiError as exc:
            self.refusals.append(exc.status_code)
        except OSError:
            self.refusals.append(0)


class AppMachine(RadistStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = InviteService(self.client())

    @rule(call_id=RadistStateMachine.calls)
    def app_invites(self, call_id: str) -> None:
        self.app.invite(call_id)

    @invariant()
    def app_only_sees_documented_refusals(self) -> None:
        assert set(self.app.refusals) <= {0, 200, 400, 401, 403, 404, 409, 410, 429, 500, 502, 503}

    @invariant()
    def every_invite_is_a_token_the_fake_minted(self) -> None:
        minted = {t.value for t in self.fake.minted_tokens("server")}
        assert set(self.app.invites) <= minted


TestAppMachine = AppMachine.TestCase
TestAppMachine.settings = FAST


class BuggyFakeMachine(RadistStateMachine):
    """A fake with a bug: its third create_call raises inside the model."""

    inject_faults = False

    def __init__(self) -> None:
        super().__init__()
        from pytest_radist.fake import core

        real, seen = core.api.handle, [0]

        def handle(world: Any, request: Any, *args: Any) -> Any:
            if request.method == "POST" and request.path.endswith("/calls"):
                seen[0] += 1
                if seen[0] == 3:
                    raise RuntimeError("a bug in the model")
            return real(world, request, *args)

        self.patch = mock.patch.object(core.api, "handle", handle)
        self.patch.start()

    def teardown(self) -> None:
        self.patch.stop()
        super().teardown()


def test_a_5xx_nobody_injected_fails_the_run() -> None:
    """The fake's internal error answers 500, which an app may well survive:
    the run fails all the same (the invariant, then the strict check)."""
    with pytest.raises(AssertionError, match="5xx nobody injected|internal error on POST"):
        run_state_machine_as_test(BuggyFakeMachine, settings=settings(max_examples=20, stateful_step_count=20, deadline=None,
                                                                      database=None))
