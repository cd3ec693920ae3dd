"""Issue 26's promise: one radist-fake shared by a whole e2e suite. Four
workers (threads, real sockets, over the control plane and the REST API)
drive one radist-fake process at once, each in its own project: each injects
faults, moves its clock past token expiry, reads its journal and resets, and
each sees exactly what a serial run sees."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

from .helpers import start_radist_fake

ROUNDS = 5


def call(base: str, method: str, path: str, body: Optional[dict[str, Any]] = None, key: Optional[str] = None) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def worker(base: str, name: str) -> list[Any]:
    """What one worker's tests do, in its own project; what it saw."""
    project = call(base, "POST", "/_radist/projects", {"id": name})[1]
    key, seen = project["secretKeys"][0], []
    calls = f"/api/v1/projects/{name}/calls"
    for _ in range(ROUNDS):
        call(base, "POST", "/_radist/faults", {"endpoint": "create_call", "status": 503, "times": 1, "project": name})
        seen.append(call(base, "POST", calls, {}, key)[0])  # the fault: 503
        status, created = call(base, "POST", calls, {"accessControl": "public"}, key)
        seen.append(status)
        call(base, "POST", "/_radist/clock", {"project": name, "advance": 3601})  # past the token TTL
        tokens = call(base, "GET", f"/_radist/tokens?callId={created['callId']}")[1]["tokens"]
        seen.append(sorted(t["state"] for t in tokens))
        journal = call(base, "GET", f"/_radist/requests?project={name}")[1]
        seen.append([(r["endpoint"], r["status"], r["project"]) for r in journal["requests"]])
        seen.append(call(base, "GET", "/_radist/state")[0])
        call(base, "POST", "/_radist/reset", {"project": name})
        seen.append(call(base, "GET", f"/_radist/requests?project={name}")[1]["total"])
        seen.append(len(call(base, "GET", calls, key=key)[1]["calls"]))
    return seen


def as_seen_by(serial: list[Any], name: str) -> list[Any]:
    """The serial run's observations, with its project's name replaced by ``name``."""
    return [[(endpoint, status, name) for endpoint, status, _ in x] if isinstance(x, list) and x and isinstance(x[0], tuple)
            else x for x in serial]


def test_four_workers_in_their_own_projects_see_what_a_serial_run_sees() -> None:
    process, settings = start_radist_fake()
    try:
        base = settings["RADIST_API_BASE_URL"]
        serial = worker(base, "serial")
        names = [f"worker-{n}" for n in range(4)]
        with ThreadPoolExecutor(4) as pool:
            parallel = dict(zip(names, pool.map(lambda name: worker(base, name), names)))
        assert serial[:3] == [503, 200, ["expired", "expired"]]
        assert serial[3] == [("create_call", 503, "serial"), ("create_call", 200, "serial")]
        for name, seen in parallel.items():
            assert seen == as_seen_by(serial, name), name
    finally:
        process.terminate()
        process.wait(5)
