"""The state machine base, run as shipped and subclassed with an app rule."""

from __future__ import annotations

from typing import Any

import radist_server
from hypothesis import settings
from hypothesis.stateful import invariant, rule

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
