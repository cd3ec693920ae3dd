"""pytest-radist benchmark: the fake against static stubs, side by side, in one run.

    python bench/bench.py            # full run
    python bench/bench.py --quick    # a smoke run (CI): same rows, fewer rounds

Each row times two ways of doing the same thing, interleaved round by round
and summarised by the median, so that a noisy shared machine slows both sides
alike; the ratio is what to read, the absolute numbers are for context.
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import radist_server  # noqa: E402
import requests  # noqa: E402
import responses  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402

from pytest_radist import LoopbackServer, RadistFake  # noqa: E402

STATIC_CALL = {"callId": "550e8400-e29b-41d4-a716-446655440000", "callTokens": ["ct_a", "ct_b"], "accessControl": "private"}


def per_call(fn: Callable[[], Any], repeat: int) -> float:
    """Seconds per call of ``fn`` over ``repeat`` calls."""
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def side_by_side(a: Callable[[], Any], b: Callable[[], Any], repeat: int, rounds: int) -> tuple[float, float]:
    """Median seconds per call of ``a`` and ``b``, measured in alternating rounds."""
    a(), b()  # warm up
    times_a, times_b = [], []
    for _ in range(rounds):
        gc.collect()
        times_a.append(per_call(a, repeat))
        times_b.append(per_call(b, repeat))
    return statistics.median(times_a), statistics.median(times_b)


def row(name: str, ours: float, baseline: str, theirs: float, target: str) -> None:
    """One measured comparison: ours vs a baseline, in microseconds."""
    print(f"{name:<46} {ours * 1e6:>9.1f} us  {baseline:<22} {theirs * 1e6:>9.1f} us  {ours / theirs:>7.3f}x  target {target}")


def figure(name: str, value: str, target: str) -> None:
    """One measured figure with no baseline beside it."""
    print(f"{name:<46} {value:>12}  {'':<22} {'':>12}  {'':>8}  target {target}")


def requests_transport(url: str, method: str, headers: dict[str, str], body: Any = None) -> tuple[int, dict[str, Any]]:
    """An SDK transport built on requests, which ``responses`` can stub."""
    response = requests.request(method, url, headers=headers, json=body)
    return response.status_code, response.json()


def bench_in_process(repeat: int, rounds: int) -> None:
    fake = RadistFake(seed=1)
    ours = fake.client()
    stubbed = radist_server.RadistServerClient(
        "rad_sk_static", project_id="p", api_base_url="http://stub.invalid", transport=requests_transport
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, "http://stub.invalid/api/v1/projects/p/calls", json=STATIC_CALL)
        a, b = side_by_side(ours.create_p2p_connection, stubbed.create_p2p_connection, repeat, rounds)
    row("SDK create_p2p_connection, in process", a, "static `responses` stub", b, "<= 0.1x and <= 40 us")


def bench_loopback(repeat: int, rounds: int) -> None:
    with RadistFake(seed=1) as fake:
        ours = fake.client(api_base_url=fake.url)
        stub = HTTPServer(host="127.0.0.1", port=0)
        stub.expect_request("/api/v1/projects/p/calls", method="POST").respond_with_json(STATIC_CALL)
        stub.start()
        try:
            theirs = radist_server.RadistServerClient("rad_sk_static", project_id="p", api_base_url=stub.url_for("/"))
            a, b = side_by_side(ours.create_p2p_connection, theirs.create_p2p_connection, repeat, rounds)
        finally:
            stub.clear()
            stub.stop()
    row("SDK create_p2p_connection, loopback HTTP", a, "static pytest_httpserver", b, "<= 1.2x")


def bench_fixture(repeat: int, rounds: int) -> None:
    """What radist_fake does per test: a fresh fake, attached to the shared
    server, checked and detached at teardown."""
    server = LoopbackServer()

    def fixture_cycle() -> None:
        fake = RadistFake(seed=7)
        fake.serve_on(server)
        server.target = None
        fake.check()

    times = []
    for _ in range(rounds):
        times.append(per_call(fixture_cycle, repeat))
    median = statistics.median(times)
    figure("per-test radist_fake fixture overhead", f"{median * 1e3:.4f} ms", "< 0.2 ms")


def bench_import(rounds: int) -> None:
    """Import time the plugin adds once pytest itself is loaded (-X importtime)."""
    samples = []
    for _ in range(rounds):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import pytest; import pytest_radist.plugin"],
            capture_output=True, text=True, check=True,
        ).stderr
        line = [l for l in err.splitlines() if l.rstrip().endswith("| pytest_radist.plugin")][-1]
        samples.append(int(line.split("|")[1]) / 1e6)
    figure("plugin import time (after pytest)", f"{statistics.median(samples) * 1e3:.2f} ms", "< 30 ms")


def bench_listing(calls: int, rounds: int) -> None:
    def filled(count: int) -> tuple[RadistFake, Callable[[], Any]]:
        fake = RadistFake(seed=1)
        world, project = fake._world, fake.project
        for _ in range(count):
            world.create_call(project, "private")
        path = f"http://x/api/v1/projects/{project.id}/calls?page=1&limit=100"
        headers = {"Authorization": f"Bearer {project.secret_key}"}
        return fake, lambda: fake.transport(path, "GET", headers, None)

    big, list_big = filled(calls)
    small, list_small = filled(100)
    a, b = side_by_side(list_big, list_small, 200, rounds)
    row(f"list_calls page 1, limit 100, {calls:,} calls", a, "same with 100 calls", b, "~1x (O(limit))")

    gc.collect()
    tracemalloc.start()
    held = filled(calls)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del held
    figure(f"memory held by {calls:,} calls (2 tokens each)", f"{size / 2**20:.1f} MB", "< 100 MB for 100,000")


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # pytest-httpserver logs every request
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a smoke run, not a measurement")
    args = parser.parse_args()
    rounds = 3 if args.quick else 9
    print(f"pytest-radist benchmark ({'quick' if args.quick else 'full'}), Python {sys.version.split()[0]}")
    print(f"{'what':<46} {'pytest-radist':>12}  {'baseline':<22} {'':>12}  {'ratio':>8}")
    bench_in_process(300 if args.quick else 3000, rounds)
    bench_loopback(30 if args.quick else 200, rounds)
    bench_fixture(200 if args.quick else 2000, rounds)
    bench_import(3 if args.quick else 9)
    bench_listing(10_000 if args.quick else 100_000, rounds)


if __name__ == "__main__":
    main()
