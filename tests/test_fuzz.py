"""Fuzzing the API: no input, however malformed, gets a 5xx or a non-JSON error.

The example budget is fixed for CI; set RADIST_FUZZ_EXAMPLES for a longer run:

    RADIST_FUZZ_EXAMPLES=20000 pytest tests/test_fuzz.py
"""

from __future__ import annotations

import http.client
import json
import os
import string
from typing import Any, Optional
from urllib.parse import quote, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_radist import RadistFake
from pytest_radist import strategies as rst
from pytest_radist.api.app import ApiRequest, parse_body
from pytest_radist.api.routes import ROUTES

BUDGET = int(os.environ.get("RADIST_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=BUDGET, deadline=None, suppress_health_check=[HealthCheck.too_slow])

METHODS = st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS", "TRACE", "post", "BREW"])
SEGMENT = st.one_of(
    st.sampled_from(["api", "v1", "projects", "p2p", "calls", "rooms", "spaces", "token", "rotate-host-token", "", "..", "%2F", "%", "%zz", "%00", "%FF"]),
    st.text(alphabet=string.ascii_letters + string.digits + "-._~%!$&'()*+,;=:@", max_size=12),
)


@st.composite
def paths(draw: Any, fake: Optional[RadistFake] = None) -> str:
    """Real route templates with random or real ids, or random segments."""
    if draw(st.booleans()):
        route = draw(st.sampled_from(ROUTES))
        real = {"{projectId}": "test-project"}
        segments = [real.get(s, draw(SEGMENT | rst.call_ids())) if s.startswith("{") else s for s in route.template.split("/")]
        return "/".join(segments)
    return "/" + "/".join(draw(st.lists(SEGMENT, max_size=8)))


def headers_for(fake: RadistFake) -> st.SearchStrategy[Optional[str]]:
    return st.one_of(
        st.none(),
        st.just(f"Bearer {fake.project.secret_key}"),
        st.just(f"Bearer {fake.project.public_key}"),
        st.text(alphabet=string.printable.replace("\r", "").replace("\n", "").replace("\x0b", "").replace("\x0c", ""), max_size=40),
        st.builds(lambda k: f"Bearer {k}", rst.secret_keys() | rst.public_keys()),
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from(["accessControl", "name", "accessType", "password", "slug", "x"])
BODIES = st.one_of(
    st.none(),
    st.binary(max_size=64),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(FIELDS, JSON_VALUES, max_size=4).map(lambda v: json.dumps(v).encode()),
)
QUERIES = st.one_of(
    st.just(""),
    rst.list_calls_queries().map(lambda q: "&".join(f"{k}={quote(v)}" for k, v in q.items())),
    st.text(alphabet=string.ascii_letters + string.digits + "=&%+-.", max_size=30),
)


def check_answer(status: int, body: Any) -> None:
    assert status < 500, (status, body)
    assert isinstance(body, dict), body
    if status >= 400:
        assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"], body


@FUZZ
@given(data=st.data())
def test_in_process_fuzz(data: st.DataObject) -> None:
    fake = RadistFake(seed=0, strict=False)
    fake.make_call("public")
    for _ in range(3):
        request = ApiRequest(
            method=data.draw(METHODS).upper(),
            path=data.draw(paths()),
            query=data.draw(QUERIES),
            authorization=data.draw(headers_for(fake)),
            body=parse_body(data.draw(BODIES)),
        )
        outcome = fake.dispatch(request, door="transport")
        check_answer(outcome.status, outcome.body)
    assert not [p for p in fake.problems if "internal error" in p], fake.problems


@settings(max_examples=max(50, BUDGET // 3), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_http_fuzz(radist_fake_factory: Any, data: st.DataObject) -> None:
    with radist_fake_factory(strict=False) as fake:
        parts = urlsplit(fake.url)
        method = data.draw(METHODS)
        path = data.draw(paths())
        query = data.draw(QUERIES)
        authorization = data.draw(headers_for(fake))
        body = data.draw(BODIES)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        headers = {"Accept": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        connection.request(method, path + ("?" + query if query else ""), body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        if method.upper() == "HEAD":  # answered at once, as the GET it stands for, without a body
            assert response.status < 500 and payload == b"" and response.getheader("Content-Length") is not None
        else:
            check_answer(response.status, json.loads(payload))
            assert response.getheader("Content-Type") == "application/json"
        assert not [p for p in fake.problems if "internal error" in p], fake.problems
