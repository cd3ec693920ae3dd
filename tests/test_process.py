"""radist-fake as a subprocess for e2e suites (issue 26): one process for a
session, shared by xdist workers, a project per worker, stopped at the end."""

from __future__ import annotations

import json
import os
import time

import pytest

from .helpers import UNRELATED_PLUGINS

INNER = """
import json, os, urllib.request

def record(radist_fake_process, radist_project, n):
    with urllib.request.urlopen(urllib.request.Request(
            radist_project["RADIST_API_BASE_URL"] + f"/api/v1/projects/{radist_project['RADIST_PROJECT_ID']}/calls",
            method="POST", data=b"{}", headers={"Authorization": "Bearer " + radist_project["RADIST_KEY"],
                                                "Content-Type": "application/json"}), timeout=10) as answer:
        assert answer.status == 200
    with open(os.environ["SEEN"], "a") as seen:
        seen.write(json.dumps({"pid": radist_fake_process.pid, "project": radist_project["RADIST_PROJECT_ID"]}) + "\\n")

def test_a(radist_fake_process, radist_project): record(radist_fake_process, radist_project, 1)
def test_b(radist_fake_process, radist_project): record(radist_fake_process, radist_project, 2)
def test_c(radist_fake_process, radist_project): record(radist_fake_process, radist_project, 3)
def test_d(radist_fake_process, radist_project): record(radist_fake_process, radist_project, 4)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie of ours counts as gone
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


@pytest.mark.parametrize("workers", [None, "2"])
def test_one_process_for_the_session_and_a_project_per_worker(pytester: pytest.Pytester, workers: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    seen = pytester.path / "seen.jsonl"
    monkeypatch.setenv("SEEN", str(seen))
    pytester.makepyfile(INNER)
    plugins = [a for a in UNRELATED_PLUGINS if a not in ("no:xdist",)]
    plugins = [a for i, a in enumerate(plugins) if not (a == "-p" and (i + 1 >= len(plugins) or plugins[i + 1] == "-p"))]
    result = pytester.runpytest_subprocess(*plugins, *(["-n", workers] if workers else ["-p", "no:xdist"]), timeout=120)
    result.assert_outcomes(passed=4)
    rows = [json.loads(line) for line in seen.read_text().splitlines()]
    assert len(rows) == 4 and len({row["pid"] for row in rows}) == 1  # one radist-fake for every worker
    expected = {"pytest-gw0", "pytest-gw1"} if workers else {"pytest-main"}
    assert {row["project"] for row in rows} == expected
    deadline = time.monotonic() + 5
    while alive(rows[0]["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(rows[0]["pid"]), "radist-fake outlived the session"
