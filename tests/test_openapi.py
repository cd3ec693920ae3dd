"""The OpenAPI description: valid, shipped, served, and true to the fake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate

from pytest_radist import RadistFake
from pytest_radist.api.routes import ROUTES, SOCKET_ROUTES
from pytest_radist.controls.control_plane import PREFIX, ROUTES as CONTROL_ROUTES
from pytest_radist.openapi import RESPONSES, build

from .helpers import raw

SHIPPED = Path(__file__).resolve().parent.parent / "pytest_radist" / "openapi.json"


def test_the_description_is_valid_openapi_3_1() -> None:
    description = build()
    assert description["openapi"] == "3.1.0"
    validate(description)


def test_the_shipped_file_is_the_description() -> None:
    assert json.loads(SHIPPED.read_text()) == build(), "regenerate: python -m pytest_radist.openapi > pytest_radist/openapi.json"


def test_it_is_served_by_the_control_plane(radist_fake: RadistFake, door: str) -> None:
    status, served = raw(radist_fake, door, "GET", "/_radist/openapi.json", key=None)
    assert status == 200 and served == build()


def test_every_route_is_described_with_its_source() -> None:
    paths = build()["paths"]
    for route in ROUTES + SOCKET_ROUTES:
        assert paths[route.template][route.method.lower()]["operationId"] == route.endpoint
    for control in CONTROL_ROUTES:
        assert control.method.lower() in paths[PREFIX + control.path]
    for operations in paths.values():
        for operation in operations.values():
            assert operation["x-radist-source"] in ("doc", "fake")


def _ok(fake: RadistFake, method: str, path: str, **kwargs: Any) -> Any:
    status, body = raw(fake, "transport", method, path, **kwargs)
    assert status == 200, body
    return body


def test_the_fakes_answers_match_the_described_schemas(radist_fake: RadistFake) -> None:
    project = f"/api/v1/projects/{radist_fake.project.id}"
    call = _ok(radist_fake, "POST", f"{project}/calls", json={"accessControl": "public"})
    room = _ok(radist_fake, "POST", f"{project}/rooms")
    space = _ok(radist_fake, "POST", f"{project}/spaces", json={"name": "Daily", "accessType": "public"})
    answers = {
        "create_call": call,
        "list_calls": _ok(radist_fake, "GET", f"{project}/calls?limit=500"),
        "mint_call_token": _ok(radist_fake, "POST", f"{project}/p2p/calls/{call['callId']}/token"),
        "mint_call_token_public": _ok(radist_fake, "POST", f"/api/v1/p2p/calls/{call['callId']}/token", key=radist_fake.project.public_key),
        "create_room": room,
        "mint_room_token": _ok(radist_fake, "POST", f"{project}/rooms/{room['roomId']}/token"),
        "create_space": space,
        "list_spaces": _ok(radist_fake, "GET", f"{project}/spaces"),
        "update_space": _ok(radist_fake, "PATCH", f"{project}/spaces/{space['space']['id']}", json={"slug": "standup"}),
        "rotate_space_host_token": _ok(radist_fake, "POST", f"{project}/spaces/{space['space']['id']}/rotate-host-token"),
        "delete_space": _ok(radist_fake, "DELETE", f"{project}/spaces/{space['space']['id']}"),
    }
    assert set(answers) == set(RESPONSES)
    for endpoint, body in answers.items():
        jsonschema.validate(body, RESPONSES[endpoint])
    error = raw(radist_fake, "transport", "POST", f"{project}/calls", key="rad_sk_wrong")[1]
    jsonschema.validate(error, build()["components"]["schemas"]["Error"])


def test_a_name_the_schema_calls_valid_is_one_the_fake_accepts() -> None:
    """The space name's pattern, read as ECMA 262 (as a JSON Schema client
    reads it), admits no name the fake refuses as blank (str.strip()); it
    once admitted "\\x1e", which Schemathesis found."""
    import shutil
    import subprocess

    from pytest_radist.openapi import _NAME

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs)")
    samples = ["a", " b ", "\x1e", "\x1c\x1f", " ", "\u00a0", "\x85", "\u3000", "\ufeff", "\t\n"]
    script = f"const p = new RegExp({json.dumps(_NAME['pattern'])}, 'u'); console.log(JSON.stringify({json.dumps(samples)}.map((s) => p.test(s))))"
    ecma = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30, check=True).stdout)
    assert ecma[:2] == [True, True]
    assert all(bool(s.strip()) for s, admitted in zip(samples, ecma) if admitted)
