"""The requests transport adapter."""

from __future__ import annotations

import pytest
import requests

from pytest_radist import RadistFake


@pytest.fixture
def session(radist_fake: RadistFake) -> requests.Session:
    session = requests.Session()
    session.mount("https://radist.tech", radist_fake.requests_adapter())
    session.headers["Authorization"] = f"Bearer {radist_fake.project.secret_key}"
    return session


def test_requests_reach_the_fake(session: requests.Session, radist_fake: RadistFake) -> None:
    created = session.post("https://radist.tech/api/v1/projects/test-project/calls", json={"accessControl": "public"})
    assert created.status_code == 200 and created.json()["callId"] in radist_fake.calls
    listed = session.get("https://radist.tech/api/v1/projects/test-project/calls", params={"limit": 1})
    assert listed.json()["total"] == 1
    bad = session.post("https://radist.tech/api/v1/projects/test-project/calls", data=b"{oops")
    assert (bad.status_code, bad.json()) == (400, {"error": "Invalid JSON body."})
    assert [r.door for r in radist_fake.requests] == ["requests"] * 3


def test_faults_map_to_requests_exceptions(session: requests.Session, radist_fake: RadistFake) -> None:
    url = "https://radist.tech/api/v1/projects/test-project/rooms"
    radist_fake.fail("create_room", drop=True)
    with pytest.raises(requests.ConnectionError):
        session.post(url)
    radist_fake.fail("create_room", latency=5)
    with pytest.raises(requests.ReadTimeout):
        session.post(url, timeout=0.01)
    radist_fake.fail("create_room", malformed=b"<html>")
    response = session.post(url)
    assert response.status_code == 200 and response.text == "<html>"
    with pytest.raises(ValueError):
        response.json()
