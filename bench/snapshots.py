"""pytest-radist snapshots: what keeping the state costs.

    python bench/snapshots.py           # full run: 100,000 calls; p99 over 3 rounds of 12 s, a save every 5 s
    python bench/snapshots.py --quick   # smoke (CI): the same sizes, p99 over 1 round of 7 s, one save in it

Rows (targets from issue 28):

- ``fake.snapshot()`` and ``fake.restore()`` of a state of 100,000 calls
  (a tenth with a third token, a twentieth joined and left), each under 1 s;
- the saved file (``radist-fake --state``), under 200 bytes per call;
- a radist-fake holding 100,000 calls, under the same steady load with and without
  saves (``--save-every 5``): its p99 latency with saves under 2x the p99
  without, the rounds side by side (the order turns each round);
- a fixture's world (2 spaces, 41 calls, one waiting peer) restored from a
  session's snapshot against built again through the SDK's in-process
  transport, per test: the restore cheaper (under 1x).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_radist import RadistFake  # noqa: E402
from pytest_radist import state_file  # noqa: E402
from pytest_radist.cli import read_banner  # noqa: E402

CALLS = 100_000
SERVED_CALLS = 100_000
SECONDS_TARGET = 1.0
BYTES_TARGET = 200
P99_TARGET = 2.0
CLIENTS = 8
#: Requests per second, steady: about a third of what one radist-fake answers here.
RATE = 1000


def large_state(calls: int) -> RadistFake:
    fake = RadistFake(seed=1, realtime=True)  # wall-clock times: the longest numbers a file holds
    world, project = fake._world, fake.project
    for n in range(calls):
        call = world.create_call(project, "private" if n % 3 else "public")
        if n % 10 == 0:
            world.mint_call_token(project, call.id, public=False)
        if n % 20 == 0:
            world.join(call.tokens[0].value).leave()
    return fake


def best_of(runs: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def verdict(ok: bool, target: str) -> str:
    return f"{'meets target' if ok else 'MISSES target'} ({target})"


def sizes_and_times(runs: int) -> None:
    fake = large_state(CALLS)
    snapshot = fake.snapshot()
    taken = best_of(runs, fake.snapshot)
    text = json.dumps(snapshot, separators=(",", ":"))
    other = RadistFake(seed=2)
    restored = best_of(runs, lambda: other.restore(snapshot))
    assert other.snapshot() == snapshot
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "state.json"
        written = best_of(runs, lambda: state_file.write(fake.snapshot(), path))
        size = path.stat().st_size
        loaded = best_of(runs, lambda: state_file.load(other, path))
    print(f"{'row':<44} {'value':>12}  verdict  ({CALLS:,} calls; best of {runs})")
    print(f"{'snapshot()':<44} {taken:>10.3f} s  {verdict(taken < SECONDS_TARGET, f'< {SECONDS_TARGET:g} s')}")
    print(f"{'restore()':<44} {restored:>10.3f} s  {verdict(restored < SECONDS_TARGET, f'< {SECONDS_TARGET:g} s')}")
    print(f"{'the file, per call':<44} {size / CALLS:>8.0f} bytes  {verdict(size / CALLS < BYTES_TARGET, f'< {BYTES_TARGET} bytes')}")
    print(f"{'a save (snapshot, JSON, fsync, rename)':<44} {written:>10.3f} s  report")
    print(f"{'a load (read, JSON, restore)':<44} {loaded:>10.3f} s  report")
    print(f"{'JSON of the snapshot':<44} {len(text) / 1e6:>9.1f} MB  report")


class Client:
    def __init__(self, host: str, port: int) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=30)

    def call(self, method: str, path: str, body: Any, key: str) -> None:
        self.connection.request(method, path, None if body is None else json.dumps(body),
                                {"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        answer = self.connection.getresponse()
        answer.read()


def p99(path: Path, save_every: str, seconds: float) -> tuple[float, float]:
    """The p99 and median latency (ms) of requests sent at a steady
    :data:`RATE` per second (list_calls, and create_call every fourth) to a
    radist-fake loaded from ``path``. Open loop: each request's latency
    counts from when it was due, so a server that stalls is charged for
    every request that waited behind the stall, not one per client."""
    process = subprocess.Popen([sys.executable, "-m", "pytest_radist.cli", "--port", "0", "--state", str(path),
                                "--save-every", save_every], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        banner = read_banner(process.stdout)
        host, port = banner["RADIST_API_BASE_URL"].removeprefix("http://").split(":")
        key, project = banner["RADIST_KEY"], banner["RADIST_PROJECT_ID"]
        latencies: list[float] = []
        interval = CLIENTS / RATE  # each client's share of the steady rate
        begin = time.perf_counter() + 0.2

        def drive(slot: int) -> None:
            client = Client(host, int(port))
            mine: list[float] = []
            due = begin + slot * interval / CLIENTS
            n = 0
            while due < begin + seconds:
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                if n % 4 == 0:
                    client.call("POST", f"/api/v1/projects/{project}/calls", {}, key)
                else:
                    client.call("GET", f"/api/v1/projects/{project}/calls?limit=20", None, key)
                mine.append(time.perf_counter() - due)
                due += interval
                n += 1
            latencies.extend(mine)

        threads = [threading.Thread(target=drive, args=(slot,)) for slot in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        latencies.sort()
        return latencies[int(len(latencies) * 0.99)] * 1000, statistics.median(latencies) * 1000
    finally:
        process.terminate()
        process.wait(10)


def save_cost(rounds: int, seconds: float, every: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        seed = Path(directory) / "seed.json"
        state_file.write(large_state(SERVED_CALLS).snapshot(), seed)
        runs: dict[str, list[tuple[float, float]]] = {"none": [], every: []}
        for round_ in range(rounds):
            for mode in (["none", every] if round_ % 2 == 0 else [every, "none"]):
                path = Path(directory) / f"state-{mode}-{round_}.json"
                path.write_bytes(seed.read_bytes())
                runs[mode].append(p99(path, mode, seconds))
        without = statistics.median(p for p, _ in runs["none"])
        with_saves = statistics.median(p for p, _ in runs[every])
        ratio = with_saves / without
        print(f"{'p99 without saves':<44} {without:>9.2f} ms  report  ({SERVED_CALLS:,} calls served; "
              f"median {statistics.median(m for _, m in runs['none']):.2f} ms)")
        print(f"{'p99 with a save every ' + every + ' s':<44} {with_saves:>9.2f} ms  report  "
              f"(median {statistics.median(m for _, m in runs[every]):.2f} ms)")
        print(f"{'p99 with saves / without':<44} {ratio:>10.2f}x  {verdict(ratio < P99_TARGET, f'< {P99_TARGET:g}x')}")


def fixture_world(runs: int) -> None:
    """A test's world restored from a session snapshot, against built again through the SDK."""
    def build(fake: RadistFake) -> None:
        client = fake.client()
        client.create_space(name="Clinic Lobby", access_type="public")
        client.create_space(name="Surgery", access_type="password", password="scrubs")
        calls = [client.create_p2p_connection(access_control="private") for _ in range(40)]
        fake.join(calls[0].call_tokens[0])
        for call in calls[1:11]:
            fake.join(call.call_tokens[0]).leave()
        client.create_p2p_connection(access_control="public")

    prepared = RadistFake(seed=3)
    build(prepared)
    snapshot = prepared.snapshot()
    target = RadistFake(seed=4)
    built = best_of(runs, lambda: build(RadistFake(seed=4)))
    restored = best_of(runs, lambda: target.restore(snapshot))
    ratio = restored / built
    print(f"{'a fixture world built through the SDK':<44} {built * 1000:>9.2f} ms  report")
    print(f"{'the same world restored from a snapshot':<44} {restored * 1000:>9.2f} ms  report")
    print(f"{'restored / built':<44} {ratio:>10.2f}x  {verdict(ratio < 1, '< 1x')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run (CI)")
    args = parser.parse_args()
    sizes_and_times(2 if args.quick else 5)
    if args.quick:
        save_cost(1, 7.0, "5")
    else:
        save_cost(3, 12.0, "5")
    fixture_world(5 if args.quick else 30)


if __name__ == "__main__":
    main()
