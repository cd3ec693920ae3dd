"""``radist-fake --state PATH`` (issue 28): the state survives a restart,
a SIGKILL at any moment leaves the last complete save, and a file that
cannot be loaded is refused with its path, and left as it is."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from pytest_radist import RadistFake, SnapshotError
from pytest_radist import state_file
from pytest_radist.cli import read_banner

from .snapshots import build_world

#: How many times the kill test kills radist-fake during saves (a soak may ask for more).
KILLS = int(os.environ.get("RADIST_STATE_KILLS", "12"))


def start(path: Path, *args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen([sys.executable, "-m", "pytest_radist.cli", "--port", "0", "--state", str(path), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert process.stdout is not None
    try:
        return process, read_banner(process.stdout)
    except RuntimeError:
        process.kill()
        raise AssertionError(f"radist-fake did not start: {process.communicate(timeout=10)[1]}") from None


def stop(process: subprocess.Popen[str], how: int = signal.SIGTERM) -> tuple[str, str]:
    process.send_signal(how)
    out, err = process.communicate(timeout=10)
    return out, err


def http(banner: dict[str, str], method: str, path: str, body: Any = None, *, key: bool = True) -> Any:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {banner['RADIST_KEY']}"
    request = urllib.request.Request(banner["RADIST_API_BASE_URL"] + path, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def calls_of(banner: dict[str, str]) -> list[str]:
    """Every call id, oldest first."""
    project, ids, page = banner["RADIST_PROJECT_ID"], [], 1
    while True:
        listed = http(banner, "GET", f"/api/v1/projects/{project}/calls?limit=100&page={page}")["calls"]
        if not listed:
            return ids[::-1]
        ids += [c["callId"] for c in listed]
        page += 1


def test_the_state_survives_a_restart_keys_and_ids_included(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    process, banner = start(path, "--seed", "5")
    assert banner["RADIST_FAKE_STATE"] == str(path)
    project = banner["RADIST_PROJECT_ID"]
    created = http(banner, "POST", f"/api/v1/projects/{project}/calls", {"accessControl": "public"})
    space = http(banner, "POST", f"/api/v1/projects/{project}/spaces", {"name": "Standup", "accessType": "public"})
    http(banner, "POST", "/_radist/clock", {"advance": 90}, key=False)
    _, err = stop(process, signal.SIGTERM)
    assert err == "" and json.loads(path.read_text())["format"] == 1
    again, banner2 = start(path, "--seed", "999")  # the file's seed and keys win: the state is the file's
    try:
        assert {k: banner2[k] for k in ("RADIST_KEY", "RADIST_PUBLIC_KEY", "RADIST_PROJECT_ID", "RADIST_FAKE_SEED")} == \
            {k: banner[k] for k in ("RADIST_KEY", "RADIST_PUBLIC_KEY", "RADIST_PROJECT_ID", "RADIST_FAKE_SEED")}
        assert calls_of(banner2) == [created["callId"]]
        listed = http(banner2, "GET", f"/api/v1/projects/{project}/spaces")
        assert [(s["id"], s["slug"]) for s in listed["spaces"]] == [(space["space"]["id"], "standup")]
        assert http(banner2, "POST", f"/api/v1/projects/{project}/p2p/calls/{created['callId']}/token")["callToken"]
        assert http(banner2, "GET", "/_radist/state", key=False)["now"] == "2026-01-01T00:01:30.000Z"
    finally:
        _, err = stop(again, signal.SIGINT)  # Ctrl-C saves too
    assert "restored the state from" in err


def test_it_saves_every_few_seconds_as_told(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    process, banner = start(path, "--save-every", "0.1")
    try:
        http(banner, "POST", f"/api/v1/projects/{banner['RADIST_PROJECT_ID']}/calls", {})
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if path.exists() and json.loads(path.read_text())["calls"]["rows"]:
                break
            time.sleep(0.05)
        else:
            pytest.fail("no save with the call within 5 s")
    finally:
        process.kill()
        process.communicate(timeout=10)


def test_a_kill_at_any_moment_leaves_the_last_complete_save(tmp_path: Path) -> None:
    """SIGKILL during saves, again and again: radist-fake always starts
    again, and its state is one it saved: the calls created before some
    moment, in order (so the keys and every earlier id survive). Every
    other kill takes the save being written with it (the process group);
    the others leave it to finish, and the next start waits for it."""
    path = tmp_path / "state.json"
    seeded = RadistFake(seed=8)
    for _ in range(4000):  # a state whose every save takes a while, so the kills land in saves
        seeded.make_call()
    state_file.write(seeded.snapshot(), path)
    created = [call.id for call in seeded.calls.values()]
    rng = random.Random(28)
    keys = None
    for kill in range(KILLS):
        process, banner = start(path, "--save-every", "0.01")
        keys = keys or banner["RADIST_KEY"]
        assert banner["RADIST_KEY"] == keys
        listed = calls_of(banner)
        assert listed == created[:len(listed)] and len(listed) >= 4000, "the state is not one the fake saved"
        created = listed
        project = banner["RADIST_PROJECT_ID"]
        deadline = time.monotonic() + rng.uniform(0.05, 0.4)
        while time.monotonic() < deadline:
            created.append(http(banner, "POST", f"/api/v1/projects/{project}/calls", {})["callId"])
        if kill % 2:
            os.killpg(process.pid, signal.SIGKILL)  # the server and the save it is writing
        else:
            process.kill()  # the server alone: its save goes on, and the next start waits for it
        process.communicate(timeout=10)
        json.loads(path.read_text())  # whole: never half a save
    process, banner = start(path)
    try:
        listed = calls_of(banner)
        assert listed == created[:len(listed)]
        assert list(tmp_path.glob(".state.json.*.tmp")) == []  # what the kills left half-written is gone
    finally:
        stop(process)


@pytest.mark.parametrize("content, message", [
    (b'{"format": 1, "seed": ', "is not JSON (line 1, column 23: Expecting value)"),
    (b"\xff\xfe not text", "is not JSON"),
    (b'{"format": 7}', "this snapshot is format 7, written by a newer pytest-radist; this one reads formats 1 to 1"),
    (b'{"format": 1, "seed": 1}', 'field "random" is missing'),
    (b"[1, 2]", "a snapshot is a JSON object"),
])
def test_a_file_that_cannot_be_loaded_is_refused_in_one_line_and_left_as_it_is(
        tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    done = subprocess.run([sys.executable, "-m", "pytest_radist.cli", "--port", "0", "--state", str(path)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"radist-fake: the state file {path}") and message in lines[0], done.stderr
    assert path.read_bytes() == content


def test_a_place_that_cannot_be_written_is_refused_at_start(tmp_path: Path) -> None:
    for path, reason in ((tmp_path / "missing" / "state.json", "no directory"), (tmp_path, "it is a directory")):
        done = subprocess.run([sys.executable, "-m", "pytest_radist.cli", "--port", "0", "--state", str(path)],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 2 and f"cannot save the state to {path}: {reason}" in done.stderr


def test_one_state_file_is_held_by_one_process_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    held = state_file._hold(path, 0.1)
    with pytest.raises(SnapshotError, match=f"the state file {path} is in use by another radist-fake"):
        state_file._hold(path, 0.2)
    assert held is not None
    held.close()
    again = state_file._hold(path, 0.1)
    assert again is not None
    again.close()


def test_a_periodic_save_is_written_by_a_child_while_the_state_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    fake = RadistFake(seed=4)
    build_world(fake)
    saver = state_file.Saver(fake, path, every=60)
    try:
        expected = fake.snapshot()
        saver.save_in_background()
        fake.make_call()  # after the fork: not in that save
        deadline = time.monotonic() + 10
        while saver.reap() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert saver.saves == 1 and json.loads(path.read_text()) == json.loads(json.dumps(expected))
    finally:
        saver.close()
    assert json.loads(path.read_text()) == json.loads(json.dumps(fake.snapshot()))  # the last save, with the call


def test_a_stuck_save_is_stopped_and_said_and_the_next_one_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    fake = RadistFake(seed=4)
    saver = state_file.Saver(fake, path, every=60)
    monkeypatch.setattr(saver, "CHILD_LIMIT", 0.3)
    monkeypatch.setattr(saver, "_write_and_exit", lambda: (time.sleep(30), os._exit(0)))  # a child that hangs
    try:
        saver.save_in_background()
        assert saver.reap() is True and saver.problem is None  # still writing
        time.sleep(0.4)
        assert saver.reap() is False and saver.problem is not None and "was stopped" in saver.problem
        assert not path.exists() and saver._child is None
    finally:
        saver.close()
    assert json.loads(path.read_text())["format"] == 1  # the last save, in process


def test_a_save_is_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    fake = RadistFake(seed=1)
    build_world(fake)
    size = state_file.write(fake.snapshot(), path)
    assert size == path.stat().st_size and oct(path.stat().st_mode & 0o777) == "0o600"  # it holds the keys
    before = path.read_bytes()
    with pytest.raises(TypeError):
        state_file.write({"format": 1, "not json": object()}, path)  # a save that fails half way
    assert path.read_bytes() == before and list(tmp_path.glob(".*.tmp")) == []
    other = RadistFake()
    assert state_file.load(other, path) and other.snapshot() == fake.snapshot()
    assert state_file.load(RadistFake(), tmp_path / "none-yet.json") is False
    path.write_text('{"format": 1}')
    with pytest.raises(SnapshotError, match=f"the state file {path} was not loaded, and was left as it is"):
        state_file.load(other, path)
