"""The error tables of docs/rest.md and openapi.json are what the fake
answers: both are made from messages.answerable_errors, and the fake reports
an error answer that list lacks as a problem (strict tests fail on it). Here
every route is driven into its errors, so a new one the list lacks fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_radist import RadistFake
from pytest_radist import messages as M
from pytest_radist.api.routes import ROUTES
from pytest_radist.openapi import build
from pytest_radist.strategies import error_responses

from .helpers import raw

ROOT = Path(__file__).resolve().parent.parent


def path_of(fake: RadistFake, template: str) -> str:
    call, room, space = fake.make_call(), fake.make_room(), fake.make_space("Table")
    return template.format(projectId=fake.project.id, callId=call.id, roomId=room.id, spaceId=space.id)


@pytest.mark.parametrize("route", ROUTES, ids=[r.endpoint for r in ROUTES])
@pytest.mark.parametrize("body", [b"{nope", b"[1]", b'"text"', b"null", b"1e999"])
def test_a_body_that_is_not_a_json_object_is_answered_as_listed(radist_fake: RadistFake, route: object, body: bytes) -> None:
    key = radist_fake.project.public_key if route.key == "public" else radist_fake.project.secret_key  # type: ignore[attr-defined]
    status, answer = raw(radist_fake, "transport", route.method, path_of(radist_fake, route.template), body=body, key=key)  # type: ignore[attr-defined]
    assert (status, answer) == (400, {"error": M.INVALID_JSON_BODY}) or status < 400
    assert radist_fake.problems == []


@pytest.mark.parametrize(("body", "message"), [
    ({"name": "A", "accessType": "secret"}, M.INVALID_ACCESS_TYPE),
    ({"name": "A", "accessType": "password"}, M.PASSWORD_REQUIRED),
    ({"name": "A", "accessType": "password", "password": 7}, M.INVALID_PASSWORD),
    ({"name": " "}, M.NAME_REQUIRED),
])
@pytest.mark.parametrize("endpoint", ["create_space", "update_space"])
def test_the_space_refusals_are_listed(radist_fake: RadistFake, body: dict[str, object], message: str, endpoint: str) -> None:
    space = radist_fake.make_space("Listed")
    if endpoint == "create_space":
        status, answer = raw(radist_fake, "transport", "POST", f"/api/v1/projects/{radist_fake.project.id}/spaces", json=body)
    else:
        status, answer = raw(radist_fake, "transport", "PATCH", f"/api/v1/projects/{radist_fake.project.id}/spaces/{space.id}", json=body)
    assert (status, answer) == (400, {"error": message})
    assert radist_fake.problems == []
    listed = build()["paths"]["/api/v1/projects/{projectId}/spaces" + ("" if endpoint == "create_space" else "/{spaceId}")]
    operation = listed["post" if endpoint == "create_space" else "patch"]
    assert message in operation["responses"]["400"]["x-radist-source"]
    assert message in (ROOT / "docs" / "rest.md").read_text()


def test_an_error_the_list_lacks_is_a_problem_of_the_fake(radist_fake: RadistFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(M.MORE_ERRORS, "list_calls", {})  # as if a new refusal were added without listing it
    status, _ = raw(radist_fake, "transport", "GET", f"/api/v1/projects/{radist_fake.project.id}/calls?limit=0")
    assert status == 400
    (problem,) = radist_fake.problems
    assert "list_calls with 400 'Invalid limit query parameter.'" in problem and "do not list" in problem
    radist_fake.reset()  # the strict teardown would fail this test


def test_the_strategy_yields_only_what_the_docs_list() -> None:
    description = build()
    listed = {(int(status), message) for path in description["paths"].values() for operation in path.values()
              if operation.get("operationId") in {r.endpoint for r in ROUTES}
              for status, answer in operation["responses"].items() if status.isdigit() and int(status) >= 400
              for message in answer.get("x-radist-source", {})}
    from hypothesis import given, settings

    seen: list[tuple[int, str]] = []

    @settings(max_examples=200, database=None)
    @given(error_responses())
    def collect(pair: tuple[int, dict[str, str]]) -> None:
        seen.append((pair[0], pair[1]["error"]))

    collect()
    assert seen and set(seen) <= listed


def test_the_shipped_description_lists_them_too() -> None:
    shipped = json.loads((ROOT / "pytest_radist" / "openapi.json").read_text())
    create_room = shipped["paths"]["/api/v1/projects/{projectId}/rooms"]["post"]["responses"]["400"]
    assert M.INVALID_JSON_BODY in create_room["x-radist-source"]
