"""One table of settings, and everything made from it: a setting added to
``pytest_radist.settings.SETTINGS`` appears in ``RadistFake(...)``,
``ServerLimits(...)``, the marker, ``pytest --radist-*``, ``radist-fake``,
the control plane, the OpenAPI description and the docs, and every one of
them refuses the same values with the same words."""

from __future__ import annotations

import inspect
import re
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from pytest_radist import RadistFake, ServerLimits
from pytest_radist.cli import CLI_SETTINGS, build_parser
from pytest_radist.errors import InvalidValue
from pytest_radist.settings import MARKER, OPTIONS, SETTINGS, cli_table, pytest_table, setting

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_the_fake_and_the_server_take_exactly_their_settings() -> None:
    fake = set(inspect.signature(RadistFake).parameters) - {"clock"}
    assert fake == {s.name for s in SETTINGS if s.owner == "fake"}
    assert set(ServerLimits.__dataclass_fields__) == {s.name for s in SETTINGS if s.owner == "server"}


def test_every_surface_is_made_from_the_table() -> None:
    flags = {action.dest for action in build_parser({})._actions}
    assert {s.name for s in CLI_SETTINGS} <= flags
    assert {s.name for s in SETTINGS if s.owner in ("fake", "server", "cli")} == {s.name for s in CLI_SETTINGS}
    assert set(MARKER) == {s.name for s in SETTINGS if s.owner in ("fake", "plugin")}
    from pytest_radist.controls.control_plane import ROUTES

    patch = next(r for r in ROUTES if (r.method, r.path) == ("PATCH", "settings"))
    assert [f.name for f in patch.fields] == [s.camel for s in SETTINGS if s.control]
    from pytest_radist.openapi import build

    described = build()["paths"]["/_radist/settings"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(described["properties"]) == {s.camel for s in SETTINGS if s.control}


def test_the_plugin_offers_the_options_of_the_table(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help", "-p", "no:asyncio")
    for s in OPTIONS:
        result.stdout.fnmatch_lines([f"*{s.option_flag}=*", f"*{s.ini} *"])


@pytest.mark.parametrize("page, marker, table", [("http.md", "settings:cli", cli_table), ("fixtures.md", "settings:pytest", pytest_table)])
def test_the_docs_tables_are_the_table(page: str, marker: str, table: Any) -> None:
    text = (DOCS / page).read_text()
    shown = text.split(f"<!-- {marker}:start -->\n")[1].split(f"\n<!-- {marker}:end -->")[0]
    assert shown == table(), f"regenerate docs/{page}: pytest_radist.settings.{table.__name__}()"


BAD = [("token_ttl", -5), ("reconnect_grace", 86401), ("connection_limit", -1), ("journal_limit", 0),
       ("public_base_url", "radist.tech"), ("control_token", "short"), ("secret_key", "rad_pk_x"), ("strict", "yes")]


@pytest.mark.parametrize("name, value", BAD)
def test_python_refuses_what_every_surface_refuses(name: str, value: Any) -> None:
    with pytest.raises(InvalidValue, match=re.escape(f"RadistFake({name}=...) must be {setting(name).describe()}, got {value!r}")):
        RadistFake(**{name: value})


def test_the_control_plane_refuses_with_the_same_validator(radist_fake: RadistFake) -> None:
    def patch(body: dict[str, Any]) -> tuple[int, Any]:
        request = urllib.request.Request(radist_fake.url + "/_radist/settings", method="PATCH", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())

    assert patch({"tokenTtl": -5}) == (400, {"error": '"tokenTtl" must be a number (>= 0) or null, got -5.'})
    status, body = patch({"publicBaseUrl": "radist.tech"})
    assert status == 400 and "publicBaseUrl" in body["error"]
    assert patch({"tokenTtl": None, "publicBaseUrl": "https://meet.example/"})[1]["publicBaseUrl"] == "https://meet.example"
    with pytest.raises(InvalidValue, match="token_ttl must be"):
        radist_fake.token_ttl = -5
    assert radist_fake.token_ttl is None


def test_text_reads_the_same_words_everywhere() -> None:
    assert [setting("token_ttl").parse(w) for w in ("none", "never", "60", "2.5")] == [None, None, 60, 2.5]
    assert [setting("strict").parse(w) for w in ("yes", "on", "1", "true", "no", "off", "0", "false")] == [True] * 4 + [False] * 4
    assert setting("allowed_origins").parse("*") is None
    assert setting("allowed_origins").parse("http://a:1, http://b/") == ("http://a:1", "http://b")
    with pytest.raises(InvalidValue, match="--radist-strict must be true or false, got 'maybe'"):
        setting("strict").parse("maybe", "--radist-strict")


# -- other facts stated once ---------------------------------------------------------------


@pytest.mark.radist(control_origins=["http://panel.localhost"])
def test_a_control_preflight_allows_every_method_the_control_plane_takes(radist_fake: RadistFake) -> None:
    request = urllib.request.Request(radist_fake.url + "/_radist/settings", method="OPTIONS", headers={
        "Origin": "http://panel.localhost", "Access-Control-Request-Method": "PATCH"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        allowed = answer.headers["Access-Control-Allow-Methods"]
    assert answer.status == 204 and allowed == "DELETE, GET, PATCH, POST, OPTIONS"


def test_the_marker_help_names_every_marker_setting(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers", "-p", "no:asyncio")
    line = next(line for line in result.stdout.lines if line.startswith("@pytest.mark.radist(**settings)"))
    assert all(name in line for name in MARKER) and "control_token" in line


@pytest.mark.radist(journal_body_limit=10)
def test_every_door_applies_the_journal_body_limit(radist_fake: RadistFake) -> None:
    import httpx
    import requests

    from pytest_radist import OmittedBody

    url = f"https://radist.tech/api/v1/projects/{radist_fake.project.id}/calls"
    auth = {"Authorization": f"Bearer {radist_fake.project.secret_key}"}
    session = requests.Session()
    session.mount("https://radist.tech", radist_fake.requests_adapter())
    session.post(url, json={"accessControl": "public"}, headers=auth)
    httpx.Client(transport=radist_fake.httpx_transport()).post(url, json={"accessControl": "public"}, headers=auth)
    assert [type(r.json) for r in radist_fake.requests] == [OmittedBody, OmittedBody]  # the sizes each client sent
    assert [r.door for r in radist_fake.requests] == ["requests", "httpx"]


def test_socket_paths_come_from_the_route_table(radist_fake: RadistFake) -> None:
    from pytest_radist.api.routes import SOCKET_ROUTES

    call, room = radist_fake.make_call(), radist_fake.make_room()
    assert radist_fake.signaling_url(call.tokens[0]).split("?")[0].endswith(SOCKET_ROUTES[0].template)
    assert radist_fake.signaling_url(room.tokens[0]).split("?")[0].endswith(SOCKET_ROUTES[1].template)


def test_the_url_pattern_means_the_same_in_python_and_in_json_schema() -> None:
    """The control plane checks publicBaseUrl with URL_PATTERN and its
    OpenAPI schema states the same pattern, which a client (Schemathesis, a
    JS validator) reads as ECMA 262: both must agree (they once differed on
    \\s, which in Python takes \\x1c-\\x1f)."""
    import json
    import re
    import shutil
    import subprocess

    from pytest_radist.settings import URL_PATTERN

    samples = ["https://example.test", "http://127.0.0.1:8000/x", "https://\x1d", "https://\u00f6", "https:// a",
               "https://\u00a0", "ftp://x", "https://", "http://a\u2028"]
    python = [bool(re.match(URL_PATTERN, s)) for s in samples]
    assert python == [True, True, False, False, False, False, False, False, True]
    node = shutil.which("node")
    if node is not None:  # ECMA 262's reading, with the unicode flag a JSON Schema validator may set
        script = f"const p = new RegExp({json.dumps(URL_PATTERN)}, 'u'); console.log(JSON.stringify({json.dumps(samples)}.map((s) => p.test(s))))"
        ecma = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30, check=True).stdout)
        assert ecma == python
