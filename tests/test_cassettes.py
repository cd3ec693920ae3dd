"""Cassettes: record once with credentials, check the fake in every run
without them. A suite runs live against a stand-in service (a radist-fake
process, or a mutant of the fake) with ``--radist-record``; ``--radist-replay``
and ``radist-fake verify --cassettes`` then replay its cassettes against a
fresh fake, offline: a faithful service's replay agrees, a mutant's names
the difference."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_radist import RadistFake
from pytest_radist.fidelity.cassettes import FORMAT, MODES, Cassette, Recorder, file_name
from pytest_radist.fidelity.names import Namer
from pytest_radist.fidelity.replay import replay

from .helpers import UNRELATED_PLUGINS, credentials_of, start_radist_fake
from .mutants import DeviantFake, by_name

SUITE = """
import json, urllib.request
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

def test_a_call_and_its_tokens(radist_client, radist_fake):
    call = radist_client.create_p2p_connection(access_control="public")
    radist_client.mint_connection_token(call_id=call.call_id)
    project = radist_fake.project
    listing = urllib.request.Request(f"{radist_fake.url}/api/v1/projects/{project.id}/calls?limit=5",
                                     headers={"Authorization": f"Bearer {project.secret_key}"})
    with urllib.request.urlopen(listing) as answer:
        assert json.loads(answer.read())["calls"][0]["callId"] == call.call_id

def test_a_space(radist_client):
    space = radist_client.create_space(name="Cassette standup", access_type="password", password="hunter2")
    radist_client.update_space(space.space.id, name="Renamed")
    radist_client.rotate_space_host_token(space.space.id)

def test_sockets(radist_client, radist_fake):
    call = radist_client.create_p2p_connection(access_control="public")
    with connect(radist_fake.signaling_url(call.call_tokens[0])) as alice:
        json.loads(alice.recv(timeout=5))
        with connect(radist_fake.signaling_url(call.call_tokens[0])) as again:  # single use: refused
            json.loads(again.recv(timeout=5))
            try:
                again.recv(timeout=5)  # until the service closes it
            except ConnectionClosed:
                pass
"""


def _env(settings: dict[str, str]) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("RADIST_")}, **settings}


def record(pytester: pytest.Pytester, service: dict[str, str], directory: Path, *args: str) -> Any:
    pytester.makepyfile(test_app=SUITE)
    for name, value in service.items():
        pytester._monkeypatch.setenv(name, value)
    return pytester.runpytest_subprocess("--radist-live", "--radist-record", str(directory), *UNRELATED_PLUGINS, *args)


@pytest.fixture
def service() -> Iterator[dict[str, str]]:
    process, settings = start_radist_fake("--seed", "4")
    yield {k: settings[k] for k in ("RADIST_KEY", "RADIST_PROJECT_ID", "RADIST_PUBLIC_KEY", "RADIST_API_BASE_URL")}
    process.terminate()
    process.wait(5)


def test_a_recording_replays_against_the_fake_with_no_difference(pytester: pytest.Pytester, service: dict[str, str], tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    record(pytester, service, cassettes).assert_outcomes(passed=3)
    files = sorted(p.name for p in cassettes.iterdir())
    assert files == [file_name(f"test_app.py::{t}") for t in ("test_a_call_and_its_tokens", "test_a_space", "test_sockets")]
    text = "".join((cassettes / f).read_text() for f in files)
    for secret in (service["RADIST_KEY"], service["RADIST_PUBLIC_KEY"], service["RADIST_PROJECT_ID"], "hunter2"):
        assert secret not in text, "secrets are placeholders"
    sockets = Cassette.load(cassettes / files[2]).steps
    # two sockets opened; the service closed the second (single use), the test the first
    assert [("socket" in s, "close" in s) for s in sockets if "request" not in s] == [(True, False), (True, False), (False, True)]
    assert sockets[1]["answer"]["frame"]["type"] == "welcome" and sockets[2]["answer"]["close"] == [4409, "Token has already been used."]

    # no credentials, no network: only the fake
    for name in service:
        pytester._monkeypatch.delenv(name)
    pytester.makepyfile(test_app="")
    result = pytester.runpytest_subprocess("--radist-replay", str(cassettes), "-v", *UNRELATED_PLUGINS)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_a_call_and_its_tokens.json::replay PASSED*"])

    status = subprocess.run([sys.executable, "-m", "pytest_radist.cli", "verify", "--cassettes", str(cassettes),
                             "--report", str(tmp_path / "replay.json")], capture_output=True, text=True, timeout=120)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "3 of 3 cassettes agree with the fake" in status.stdout
    assert json.loads((tmp_path / "replay.json").read_text())["summary"] == {"cassettes": 3, "agree": 3}


def test_a_mutants_recording_replays_with_the_difference_named(pytester: pytest.Pytester, tmp_path: Path) -> None:
    mutant = DeviantFake(by_name("create_call gives one token twice"), by_name("listed times are epoch numbers"), seed=4)
    try:
        mutant.url
        service = {**credentials_of(mutant), "RADIST_API_BASE_URL": mutant.url}
        cassettes = tmp_path / "cassettes"
        record(pytester, service, cassettes, "-k", "call_and_its_tokens").assert_outcomes(passed=1)
    finally:
        mutant.close()
    pytester.makepyfile(test_app="")
    result = pytester.runpytest_subprocess("--radist-replay", str(cassettes), *UNRELATED_PLUGINS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*the fake answers 2 step(s) of cassette test_app.py__test_a_call_and_its_tokens.json otherwise than*",
        '*step 1 POST /api/v1/projects/<project>/calls: body.json.callTokens[[]1]: recorded "<ct 1>", fake "<new ct>"',
        '*step 3 GET /api/v1/projects/<project>/calls[?]limit=5: body.json.calls[[]0].createdAt: recorded 1767225600, fake "<time (ms, Z)>"',
    ])


def test_record_modes(tmp_path: Path) -> None:
    assert MODES == ("once", "new_episodes", "all", "none")
    from pytest_radist.plugin import RECORD_MODES

    assert RECORD_MODES == MODES, "the option's choices are the cassettes' modes"
    fake = RadistFake(seed=1)
    known = {fake.project.id: "<project>", fake.project.secret_key: "<secret key>", fake.project.public_key: "<public key>"}

    def recording(*steps: str) -> Recorder:
        recorder = Recorder("t::x", fake.url, known)
        for path in steps:
            from pytest_radist.fidelity.cassettes import http_step

            recorder.http(http_step("GET", path, "", {}, None, 200, [("Content-Type", "application/json")], b"{}"))
        return recorder

    target = tmp_path / file_name("t::x")
    assert recording("/a").save(tmp_path, "none") is None and not target.exists()
    assert recording("/a").save(tmp_path, "once") == target
    assert recording("/b").save(tmp_path, "once") is None, "once: a cassette that exists is kept"
    assert recording("/a", "/b").save(tmp_path, "new_episodes") == target
    assert [s["request"]["path"] for s in Cassette.load(target).steps] == ["/a", "/b"]
    assert recording("/c").save(tmp_path, "all") == target
    assert [s["request"]["path"] for s in Cassette.load(target).steps] == ["/c"]
    with pytest.raises(ValueError, match="record mode must be one of"):
        recording("/c").save(tmp_path, "sometimes")


def test_names_follow_first_appearance_and_come_back() -> None:
    namer = Namer({"proj": "<project>", "rad_sk_mine": "<secret key>"}, ["https://radist.tech"])
    answer = namer.answer({"callTokens": ["ct_b", "ct_a"], "callId": "550e8400-e29b-41d4-a716-446655440000",
                           "createdAt": "2026-01-01T00:00:00.000Z", "url": "https://radist.tech/s/x"})
    assert answer == {"callId": "<id 1>", "callTokens": ["<ct 1>", "<ct 2>"], "createdAt": "<time (ms, Z)>", "url": "<base>/s/x"}
    assert namer.path("/api/v1/projects/proj/p2p/calls/550e8400-e29b-41d4-a716-446655440000/token") == \
        "/api/v1/projects/<project>/p2p/calls/<id 1>/token"
    assert namer.request({"key": "rad_sk_other", "password": "pw", "name": "kept"}) == \
        {"key": "<secret key 1>", "password": "<password 1>", "name": "kept"}
    replaying = Namer({"p2": "<project>"})
    replaying.answer({"callId": "11111111-1111-4111-8111-111111111111"})
    assert replaying.concrete("/projects/<project>/calls/<id 1>") == "/projects/p2/calls/11111111-1111-4111-8111-111111111111"


def test_a_file_that_is_not_a_cassette_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"format": "something else"}')
    status = subprocess.run([sys.executable, "-m", "pytest_radist.cli", "verify", "--cassettes", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert status.returncode == 2 and status.stderr.strip().count("\n") == 0
    assert f"is not a cassette: its format is not '{FORMAT}'" in status.stderr


def test_verify_keeps_its_run_as_a_cassette_that_replays_clean(tmp_path: Path) -> None:
    service = RadistFake(seed=2)
    try:
        env = {**_env(credentials_of(service)), "RADIST_API_BASE_URL": service.url}
        run = subprocess.run([sys.executable, "-m", "pytest_radist.cli", "verify", "--record", str(tmp_path / "c"),
                              "--report", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=120, env=env)
    finally:
        service.close()
    assert run.returncode == 0, run.stdout + run.stderr
    (kept,) = (tmp_path / "c").iterdir()
    cassette = Cassette.load(kept)
    assert {s.get("check") for s in cassette.steps} >= {"auth.missing_bearer", "sockets.join", "tokens.fresh"} - {"tokens.fresh"}
    assert replay(cassette) == []
