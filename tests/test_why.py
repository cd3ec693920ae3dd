"""Every refusal says why (issue 27): in the journal (``why`` on the entry,
over HTTP and in Python) and in a failed test's report, naming the object
and the rule; never in the answer, which stays the service's."""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest

from pytest_radist import RadistFake
from pytest_radist import messages as M

from .helpers import raw
from .test_signaling import REFUSALS, refusal, socket_url

Setup = Callable[[RadistFake], tuple[str, str, Any, Any]]


def _full(f: RadistFake) -> tuple[str, str, Any, Any]:
    call = f.make_full_call()
    return "POST", f"/api/v1/projects/{f.project.id}/p2p/calls/{call.id}/token", {}, f.project.secret_key


def _terminated(f: RadistFake) -> tuple[str, str, Any, Any]:
    call = f.make_terminated_call()
    return "POST", f"/api/v1/projects/{f.project.id}/p2p/calls/{call.id}/token", {}, f.project.secret_key


def _private(f: RadistFake) -> tuple[str, str, Any, Any]:
    call = f.make_call("private")
    return "POST", f"/api/v1/p2p/calls/{call.id}/token", {}, f.project.public_key


def _at_limit(f: RadistFake) -> tuple[str, str, Any, Any]:
    f.make_call()
    f.connection_limit_reached()
    return "POST", f"/api/v1/projects/{f.project.id}/calls", {}, f.project.secret_key


def _rooms_at_limit(f: RadistFake) -> tuple[str, str, Any, Any]:
    f.project.room_limit = 0
    return "POST", f"/api/v1/projects/{f.project.id}/rooms", {}, f.project.secret_key


def _slug_taken(f: RadistFake) -> tuple[str, str, Any, Any]:
    holder, other = f.make_space("Holder"), f.make_space("Other")
    return "PATCH", f"/api/v1/projects/{f.project.id}/spaces/{other.id}", {"slug": holder.slug}, f.project.secret_key


def _space(f: RadistFake, body: Any) -> tuple[str, str, Any, Any]:
    return "POST", f"/api/v1/projects/{f.project.id}/spaces", body, f.project.secret_key


def _calls(f: RadistFake, query: str = "", body: Any = None, key: Any = "secret") -> tuple[str, str, Any, Any]:
    chosen = f.project.secret_key if key == "secret" else key
    return "GET" if body is None else "POST", f"/api/v1/projects/{f.project.id}/calls{query}", body, chosen


HTTP_REFUSALS: list[tuple[str, Setup, int, str]] = [
    ("missing bearer", lambda f: _calls(f, key=None), 401, r"no 'Authorization: Bearer <key>' header"),
    ("wrong secret key", lambda f: _calls(f, key="rad_sk_wrongwrongwrong"), 401, r"key rad_sk_\.\.\.rong is not a secret key of project 'test-project'"),
    ("wrong public key", lambda f: ("POST", f"/api/v1/p2p/calls/{f.make_call('public').id}/token", {}, "rad_pk_wrongwrong"), 401, r"is not any project's public key"),
    ("body not an object", lambda f: _calls(f, body=[1]), 400, r"the body is not a JSON object"),
    ("accessControl", lambda f: _calls(f, body={"accessControl": "open"}), 400, r"accessControl 'open' is neither"),
    ("connection limit", _at_limit, 429, r"project 'test-project' has 1 live call\(s\), its connection limit of 1"),
    ("page", lambda f: _calls(f, "?page=0"), 400, r"query parameter page='0'"),
    ("limit", lambda f: _calls(f, "?limit=x"), 400, r"query parameter limit='x'"),
    ("no call", lambda f: ("POST", f"/api/v1/projects/{f.project.id}/p2p/calls/c-nope/token", {}, f.project.secret_key), 404, r"no call 'c-nope' in project 'test-project'"),
    ("tombstoned", _terminated, 410, r"call [-0-9a-f]+ was tombstoned at 2026-.*Z when its last peer left"),
    ("private", _private, 403, r"call [-0-9a-f]+ is private"),
    ("full", _full, 409, r"call [-0-9a-f]+ has its two peers connected \(peer_[-\w]+, peer_[-\w]+\)"),
    ("no room", lambda f: ("POST", f"/api/v1/projects/{f.project.id}/rooms/r-nope/token", {}, f.project.secret_key), 404, r"no room 'r-nope'"),
    ("room limit", _rooms_at_limit, 429, r"has 0 room\(s\), its room limit of 0"),
    ("name", lambda f: _space(f, {"name": " "}), 400, r"name ' ' is missing, not a string, or blank"),
    ("accessType", lambda f: _space(f, {"name": "A", "accessType": "secret"}), 400, r"accessType 'secret' is not"),
    ("password type", lambda f: _space(f, {"name": "A", "accessType": "password", "password": 7}), 400, r"password is int, not a string"),
    ("password needed", lambda f: _space(f, {"name": "A", "accessType": "password"}), 400, r"a password space needs a password"),
    ("no space", lambda f: ("DELETE", f"/api/v1/projects/{f.project.id}/spaces/s-nope", None, f.project.secret_key), 404, r"no space 's-nope'"),
    ("bad slug", lambda f: ("PATCH", f"/api/v1/projects/{f.project.id}/spaces/{f.make_space('A').id}", {"slug": "No!"}, f.project.secret_key), 400, r"slug 'No!' must match"),
    ("slug taken", _slug_taken, 409, r"slug 'holder' belongs to space [-0-9a-f]+ of project 'test-project'"),
    ("a fault", lambda f: (f.fail("create_call", status=429, times=3), _calls(f, body={}))[1], 429, r"fault-1 \(create_call: status 429 \(1/3 fired\)\)"),
    ("a restart", lambda f: (f.server_restart(5), _calls(f))[1], 503, r"the service is restarting \(scenarios.server_restart\) for \d\.\d s more"),
    ("no route", lambda f: ("GET", "/api/v1/nowhere", None, f.project.secret_key), 404, r"no route of the Radist API matches GET /api/v1/nowhere"),
    ("method", lambda f: ("PUT", f"/api/v1/projects/{f.project.id}/calls", None, f.project.secret_key), 405, r"create_call takes GET, HEAD, POST, not PUT|takes .*not PUT"),
]


@pytest.mark.parametrize(("setup", "status", "why"), [r[1:] for r in HTTP_REFUSALS], ids=[r[0] for r in HTTP_REFUSALS])
@pytest.mark.radist(strict=False)  # two rows are unroutable on purpose
def test_every_http_refusal_says_why_in_the_journal_and_not_in_the_answer(radist_fake: RadistFake, door: str, setup: Setup,
                                                                         status: int, why: str) -> None:
    method, path, body, key = setup(radist_fake)
    got, answer = raw(radist_fake, door, method, path, key=key, **({} if body is None else {"json": body}))
    entry = radist_fake.requests[-1]
    assert (got, entry.status) == (status, status)
    assert entry.why is not None and re.search(why, entry.why), entry.why
    assert "why" not in answer and entry.why not in str(answer)
    listed = raw(radist_fake, door, "GET", "/_radist/requests?limit=1000", key=None)[1]
    assert entry.why in [r["why"] for r in listed["requests"]]


@pytest.mark.parametrize(("params", "why"), [
    (row[1], {"invalid_key": r"publicKey must be a project's public key", "bad_request": r"the socket sent .*: it needs callToken alone",
              "unknown": r"(is not a call token this fake minted|belongs to project|no peer 'peer_nobody' in call)",
              "terminated": r"was tombstoned at .*Z", "consumed": r"was consumed at .*Z by peer_",
              "expired": r"expired unused at", "cleared": r"was cleared when both peers of call"}[row[3]])
    for row in REFUSALS
], ids=[row[0] for row in REFUSALS])
def test_every_socket_refusal_says_why(radist_fake: RadistFake, params: Any, why: str) -> None:
    error, _ = refusal(socket_url(radist_fake, **params(radist_fake)))
    entry = radist_fake.requests[-1]
    assert entry.door == "socket" and entry.why is not None and re.search(why, entry.why), entry.why
    assert entry.why not in str(error)


def test_the_report_of_a_failed_test_lists_its_refusals(pytester: pytest.Pytester) -> None:
    from .helpers import UNRELATED_PLUGINS

    pytester.makepyfile(
        """
        def test_fails(radist_fake, radist_client):
            call = radist_fake.make_full_call()
            try:
                radist_client.mint_connection_token(call_id=call.id)
            except Exception:
                pass
            assert False, "the app gave up"
        """
    )
    result = pytester.runpytest(*UNRELATED_PLUGINS)
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines([r".*radist: refusals.*", r".*1 request\(s\) refused, and why:",
                                  r"\s+mint_call_token POST /api/v1/projects/test-project/p2p/calls/.*/token -> 409: call .* has its two peers connected.*"])


@pytest.mark.radist(strict=False)  # a wrong method on purpose
def test_a_failed_assertion_shows_the_near_misses(radist_fake: RadistFake) -> None:
    path = f"/api/v1/projects/{radist_fake.project.id}/calls"
    raw(radist_fake, "transport", "POST", path, json={"accessControl": "public"})
    raw(radist_fake, "transport", "PUT", path, json={"accessControl": "private"})
    with pytest.raises(AssertionError) as failed:
        radist_fake.journal.assert_called("create_call", accessControl="private")
    message = str(failed.value)
    assert "Requests to create_call (last 1 of 1):\n  create_call POST" in message and "'public'" in message
    assert "To its path with another method (it takes POST):\n  UNROUTED PUT /api/v1/projects/test-project/calls" in message
    assert "[why: create_call takes" in message or "[why:" in message
