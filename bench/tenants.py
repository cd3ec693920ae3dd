"""pytest-radist tenants: one radist-fake process shared by many projects.

    python bench/tenants.py           # full run: 1, 4 and 16 tenants, 5 rounds of 4 s each
    python bench/tenants.py --quick   # smoke (CI): 3 rounds of 1 s each

The same total load (client threads over keep-alive connections, each doing
create_call and list_calls in its own project) is driven against one
radist-fake with 1 project, then 4 and 16, each tenant with its own fault
rule (a 503 on every third create_call of its own), its own clock moved
past token expiry, and its own journal. It reports the total requests per
second of each against the single project (target: at least 0.9x), and
checks that no entry, fault or clock move of one tenant was visible to
another (target: none).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_radist.cli import read_banner  # noqa: E402

#: Client threads in every run: the load is the same whatever the tenants.
CLIENTS = 16
#: Total throughput of N tenants against one, at least (the issue's target).
TARGET = 0.9


class Client:
    """One keep-alive connection to the fake."""

    def __init__(self, host: str, port: int) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=10)

    def call(self, method: str, path: str, body: Optional[dict[str, Any]] = None, key: Optional[str] = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self.connection.request(method, path, None if body is None else json.dumps(body), headers)
        answer = self.connection.getresponse()
        return answer.status, json.loads(answer.read())


def run(host: str, port: int, tenants: int, seconds: float, round_: int = 0) -> tuple[float, list[str]]:
    """Requests per second of ``CLIENTS`` threads spread over ``tenants``
    projects, and what one tenant saw of another's (should be nothing)."""
    admin = Client(host, port)
    names = [f"t{tenants}-r{round_}-{n}" for n in range(tenants)]
    keys = {}
    for name in names:
        keys[name] = admin.call("POST", "/_radist/projects", {"id": name})[1]["secretKeys"][0]
        admin.call("POST", "/_radist/faults", {"endpoint": "create_call", "status": 503, "times": None,
                                               "probability": 0.34, "seed": 1, "project": name})
        admin.call("POST", "/_radist/clock", {"project": name, "advance": 3601 * (names.index(name) + 1)})
    counts = [0] * CLIENTS
    leaks: list[str] = []
    stop = time.monotonic() + seconds

    def drive(slot: int) -> None:
        name = names[slot % tenants]
        client = Client(host, port)
        path = f"/api/v1/projects/{name}/calls"
        while time.monotonic() < stop:
            client.call("POST", path, {}, keys[name])
            client.call("GET", f"{path}?limit=5", None, keys[name])
            counts[slot] += 2

    threads = [threading.Thread(target=drive, args=(slot,)) for slot in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    for n, name in enumerate(names):  # isolation: each tenant's journal, faults and clock are its own
        page = admin.call("GET", f"/_radist/requests?project={name}&limit=1000")[1]
        leaks += [f"{name} saw {r['project']}'s request" for r in page["requests"] if r["project"] != name]
        rules = [r for r in admin.call("GET", "/_radist/faults")[1]["rules"] if r["project"] == name]
        leaks += [] if len(rules) == 1 else [f"{name} has {len(rules)} rules"]
        clock = admin.call("GET", f"/_radist/clock?project={name}")[1]["now"]
        expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1767225600 + 3601 * (n + 1)))
        leaks += [] if clock.startswith(expected) else [f"{name}'s clock reads {clock}, not {expected}"]
        admin.call("DELETE", f"/_radist/projects/{name}")
    return sum(counts) / elapsed, leaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 s per row (CI)")
    args = parser.parse_args()
    seconds, rounds = (1.0, 3) if args.quick else (4.0, 5)
    process = subprocess.Popen([sys.executable, "-m", "pytest_radist.cli", "--port", "0", "--journal-limit", "20000"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        settings = read_banner(process.stdout)
        host, port = settings["RADIST_API_BASE_URL"].removeprefix("http://").split(":")
        rates: dict[int, list[float]] = {1: [], 4: [], 16: []}
        leaks: list[str] = []
        for round_ in range(rounds):  # side by side: the order turns each round, the medians are compared
            order = list(rates)[round_ % 3:] + list(rates)[:round_ % 3]
            for tenants in order:
                rate, found = run(host, int(port), tenants, seconds, round_)
                rates[tenants].append(rate)
                leaks += found
        single = statistics.median(rates[1])
        print(f"{'tenants':>8} {'requests/s':>11} {'vs one':>7}  verdict  (medians of {rounds} rounds)")
        print(f"{1:>8} {single:>11.0f} {1.0:>6.2f}x  report")
        for tenants in (4, 16):
            rate = statistics.median(rates[tenants])
            ratio = rate / single
            print(f"{tenants:>8} {rate:>11.0f} {ratio:>6.2f}x  {'meets target' if ratio >= TARGET else 'MISSES target'} (>= {TARGET}x)")
        print(f"isolation: {len(leaks)} leaks between tenants  {'meets target' if not leaks else 'MISSES target'} (none)")
        for leak in leaks[:10]:
            print(f"  {leak}")
    finally:
        process.terminate()
        process.wait(5)


if __name__ == "__main__":
    main()
