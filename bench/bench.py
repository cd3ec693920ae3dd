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
import re
import json
import logging
import signal
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import radist_server  # noqa: E402
import requests  # noqa: E402
import responses  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402

from pytest_radist import LoopbackServer, RadistFake  # noqa: E402
from pytest_radist.cli import read_banner  # noqa: E402

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


_UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6, "x": 1.0, "mb": 1.0, "/s": 1.0}


def verdict(target: str, ratio: Optional[float] = None, value: Optional[float] = None, unit: str = "us") -> str:
    """``meets target``, ``MISSES target`` or ``report`` (nothing to hold it
    to), for targets such as ``<= 0.7x``, ``<= 0.1x and <= 40 us``,
    ``>= 2x throughput`` or ``< 30 ms``; ``value`` is in ``unit``."""
    results = []
    for clause in target.split(" and "):
        found = re.fullmatch(r"\s*(<=|>=|<|>)\s*([\d.,]+)\s*(x|us|ms|s|MB|/s)?\b.*", clause)
        if found is None:
            continue
        op, number, clause_unit = found.group(1), float(found.group(2).replace(",", "")), (found.group(3) or "x")
        if clause_unit == "x":
            measured = ratio
        elif value is not None and clause_unit.lower() in _UNITS and unit.lower() in _UNITS:
            measured = value * _UNITS[unit.lower()] / _UNITS[clause_unit.lower()]
        else:
            measured = None
        if measured is None:
            continue
        results.append({"<=": measured <= number, ">=": measured >= number, "<": measured < number, ">": measured > number}[op])
    if not results:
        return "report"
    return "meets target" if all(results) else "MISSES target"


def row(name: str, ours: float, baseline: str, theirs: float, target: str) -> None:
    """One measured comparison: ours vs a baseline, in microseconds."""
    ratio = ours / theirs
    print(f"{name:<46} {ours * 1e6:>9.1f} us  {baseline:<22} {theirs * 1e6:>9.1f} us  {ratio:>7.3f}x  "
          f"target {target:<28} {verdict(target, ratio, ours * 1e6)}")


def figure(name: str, value: str, target: str) -> None:
    """One measured figure with no baseline beside it (``"12.3 ms"``: the
    verdict reads its first number and unit)."""
    found = re.match(r"\s*([-+]?[\d.,]+)\s*(us|ms|s|MB|/s)?", value)
    measured = float(found.group(1).replace(",", "")) if found else None
    unit = (found.group(2) if found else None) or "us"
    print(f"{name:<46} {value:>12}  {'':<22} {'':>12}  {'':>8}  target {target:<28} {verdict(target, None, measured, unit)}")


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
    row("SDK create_p2p_connection, loopback HTTP", a, "static pytest_httpserver", b, "<= 1.0x")


def bench_live(repeat: int, rounds: int) -> None:
    """Live mode's forwarding door against the SDK calling the service itself."""
    from pytest_radist.live import LiveCredentials, RadistLive

    with RadistFake(seed=1) as service:
        project = service.project
        live = RadistLive(LiveCredentials(project.id, project.secret_key, project.public_key, service.url), journal_limit=1000)
        forwarded = live.client()
        direct = service.client(api_base_url=service.url)
        a, b = side_by_side(forwarded.create_p2p_connection, direct.create_p2p_connection, repeat, rounds)
    row("live mode: SDK create_p2p_connection, forwarded", a, "SDK straight to the service", b, "<= 1.2x")


LOAD_SCRIPT = Path(__file__).resolve().parent / "load.py"


def run_load(port: int, requests: list[str], connections: int, seconds: float, cap: int = 0) -> dict[str, Any]:
    """Drive 127.0.0.1:port from another process (see load.py)."""
    result = subprocess.run(
        [sys.executable, str(LOAD_SCRIPT), "127.0.0.1", str(port), str(connections), str(seconds), str(cap)],
        input=json.dumps(requests), capture_output=True, text=True, check=True, timeout=seconds + 120,
    )
    return dict(json.loads(result.stdout))


def bench_keep_alive(seconds: float) -> None:
    """Throughput of many keep-alive clients: a stateful create_call on the
    fake against the static stub, driven alike, one after the other."""
    with RadistFake(seed=1) as fake:
        fake.url  # start
        ours = [f"POST /api/v1/projects/{fake.project.id}/calls HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {fake.project.secret_key}\r\nContent-Length: 0\r\n\r\n"]
        stub = HTTPServer(host="127.0.0.1", port=0)
        stub.expect_request("/api/v1/projects/p/calls", method="POST").respond_with_json(STATIC_CALL)
        stub.start()
        theirs = ["POST /api/v1/projects/p/calls HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"]
        try:
            for connections in (32, 128):
                a = run_load(fake._server.port, ours, connections, seconds)  # type: ignore[union-attr]
                b = run_load(stub.port, theirs, connections, seconds)
                assert set(a["statuses"]) == {"200"} and set(b["statuses"]) == {"200"}, (a, b)
                ratio = a["rate"] / b["rate"]
                print(f"{f'{connections} keep-alive clients, create_call':<46} {a['rate']:>9.0f} /s  "
                      f"{'static pytest_httpserver':<22} {b['rate']:>9.0f} /s  {ratio:>7.2f}x  "
                      f"target {'>= 2x throughput':<28} {verdict('>= 2x throughput', ratio)}")
                figure(f"  latency p50 / p99 ({connections} clients)", f"{a['p50_ms']:.1f} / {a['p99_ms']:.1f} ms",
                       f"(stub: {b['p50_ms']:.1f} / {b['p99_ms']:.1f} ms)")
        finally:
            stub.clear()
            stub.stop()


def bench_server_start(rounds: int) -> None:
    """What the first ``radist_fake.url`` of a pytest session costs: from a
    fresh interpreter with pytest and a fake loaded to the first answer over
    loopback, the server's imports (asyncio, uvicorn) included."""
    code = (
        "import time, pytest, pytest_radist.plugin, urllib.request;"
        "from pytest_radist import RadistFake; fake = RadistFake(seed=1);"
        "t = time.perf_counter();"
        "urllib.request.urlopen(fake.url + '/_radist/state').read();"
        "print(time.perf_counter() - t); fake.close()"
    )
    samples = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
               for _ in range(rounds)]
    figure("loopback server start to first answer", f"{statistics.median(samples) * 1e3:.1f} ms", "< 100 ms (imports included)")


def bench_cli_memory(total: int) -> None:
    """RSS of a radist-fake process after ``total`` mixed requests: the journal
    keeps 10,000 entries, so memory levels off."""
    process = subprocess.Popen([sys.executable, "-m", "pytest_radist.cli", "--port", "0", "--seed", "1"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        settings = read_banner(process.stdout)
        port = int(settings["RADIST_API_BASE_URL"].rsplit(":", 1)[1])
        auth = f"Authorization: Bearer {settings['RADIST_KEY']}\r\n"
        calls = f"/api/v1/projects/{settings['RADIST_PROJECT_ID']}/calls"
        mixed = (
            [f"POST {calls} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: 28\r\n\r\n"
             '{"accessControl": "public"} ']
            + [f"GET {calls}?page={p}&limit=20 HTTP/1.1\r\nHost: x\r\n{auth}\r\n" for p in (1, 2, 3)]
            + [f"POST /api/v1/p2p/calls/missing/token HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {settings['RADIST_PUBLIC_KEY']}\r\nContent-Length: 0\r\n\r\n"]
            + ["GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"] * 5
        )
        rss = []
        for _ in range(2):
            result = run_load(port, mixed, 16, 600, total // 2)
            with open(f"/proc/{process.pid}/status") as status:
                rss.append(next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024)
        figure(f"radist-fake RSS after {total // 2:,} / {total:,} mixed requests", f"{rss[0]:.0f} / {rss[1]:.0f} MB",
               f"bounded (journal keeps 10,000; {result['rate']:.0f} req/s)")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def bench_sockets(repeat: int, rounds: int) -> None:
    """Signaling sockets: connect-to-welcome against a bare server on the
    same WebSocket library (websockets) that greets at once, and a signal
    round trip between two sockets of one call."""
    import asyncio
    import threading

    from websockets.asyncio.server import serve
    from websockets.sync.client import connect

    ready = threading.Event()
    state: dict[str, Any] = {}

    async def greet(ws: Any) -> None:
        await ws.send('{"type": "welcome"}')
        await ws.wait_closed()

    async def bare() -> None:
        async with serve(greet, "127.0.0.1", 0) as server:
            state["port"] = server.sockets[0].getsockname()[1]
            state["stop"] = asyncio.get_running_loop().create_future()
            ready.set()
            await state["stop"]

    thread = threading.Thread(target=lambda: asyncio.run(bare()), daemon=True)
    thread.start()
    ready.wait(10)
    with RadistFake(seed=1) as fake:
        room = fake.make_room()
        fake.url  # start

        def ours() -> None:
            token = fake.mint_token(room)
            with connect(fake.signaling_url(token)) as ws:
                ws.recv()

        def theirs() -> None:
            with connect(f"ws://127.0.0.1:{state['port']}/") as ws:
                ws.recv()

        a, b = side_by_side(ours, theirs, repeat, rounds)
        row("signaling connect to welcome", a, "bare websockets server", b, "<= 2x")

        call = fake.make_call()
        with connect(fake.signaling_url(call.tokens[0])) as alice, connect(fake.signaling_url(call.tokens[1])) as bob:
            alice.recv(), bob.recv(), alice.recv()  # welcomes, peer-joined

            def round_trip() -> None:
                alice.send('{"type": "signal", "data": "ping"}')
                bob.recv()
                bob.send('{"type": "signal", "data": "pong"}')
                alice.recv()

            times = [per_call(round_trip, repeat * 5) for _ in range(rounds)]
        figure("signal round trip between two sockets", f"{statistics.median(times) * 1e6:.0f} us", "report")
    thread_loop_stop = state["stop"].get_loop()
    thread_loop_stop.call_soon_threadsafe(state["stop"].set_result, None)
    thread.join(5)


def bench_httpx(repeat: int, rounds: int) -> None:
    """httpx in process: the stateful transport against a static respx route
    and against httpx.MockTransport with a static handler, sync and async."""
    import asyncio

    import httpx
    import respx

    fake = RadistFake(seed=1)
    url = f"https://radist.tech/api/v1/projects/{fake.project.id}/calls"
    headers = {"Authorization": f"Bearer {fake.project.secret_key}"}
    ours = httpx.Client(transport=fake.httpx_transport(), headers=headers)
    static = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=STATIC_CALL)))
    mocked = httpx.Client()
    router = respx.mock(assert_all_called=False)
    router.post(url).respond(json=STATIC_CALL)
    with router:
        a, b = side_by_side(lambda: ours.post(url), lambda: mocked.post(url), repeat, rounds)
    row("httpx post create_call, in process", a, "static respx route", b, "<= 0.7x")
    a, b = side_by_side(lambda: ours.post(url), lambda: static.post(url), repeat, rounds)
    row("httpx post create_call, in process", a, "httpx.MockTransport", b, "<= 1.3x")

    async def async_rows() -> None:
        ours_async = httpx.AsyncClient(transport=fake.httpx_transport(), headers=headers)
        static_async = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=STATIC_CALL)))
        times_a, times_b = [], []
        for _ in range(rounds):
            for client, times in ((ours_async, times_a), (static_async, times_b)):
                start = time.perf_counter()
                for _ in range(repeat):
                    await client.post(url)
                times.append((time.perf_counter() - start) / repeat)
        row("httpx async post create_call, in process", statistics.median(times_a), "httpx.MockTransport",
            statistics.median(times_b), "report")

    asyncio.run(async_rows())

    # what the production guard adds to an in-process call: nothing it resolves
    from pytest_radist.controls.guard import GUARD

    transport = fake.transport

    def sdk_call() -> None:
        transport(url, "POST", headers, None)

    plain, _ = side_by_side(sdk_call, sdk_call, repeat, rounds)
    GUARD.__enter__()
    try:
        guarded, _ = side_by_side(sdk_call, sdk_call, repeat, rounds)
    finally:
        GUARD.__exit__()
    # the two sides are timed apart, so noise can make the difference negative: within noise, it is 0
    cost = max(0.0, (guarded - plain) * 1e6)
    figure("production guard cost on an in-process call", f"{cost:.2f} us" if cost else "0 (noise)", "< 5 us")


def bench_dashboard(calls: int, rounds: int) -> None:
    """The dashboard: its snapshot with many calls against few (bounded), and
    in Chromium (when /usr/bin/chromium exists) its first render and an update."""
    def filled(count: int) -> tuple[RadistFake, Callable[[], Any]]:
        fake = RadistFake(seed=1)
        for _ in range(count):
            fake.make_call()
        return fake, lambda: fake.transport("http://x/_radist/dashboard.json", "GET", {}, None)

    big, read_big = filled(calls)
    _, read_small = filled(100)
    a, b = side_by_side(read_big, read_small, 20, rounds)
    row(f"dashboard snapshot, {calls:,} calls", a, "same with 100 calls", b, "~1x (bounded)")
    if not Path("/usr/bin/chromium").exists():
        figure("dashboard in a browser", "skipped", "needs /usr/bin/chromium")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        started = time.perf_counter()
        page.goto(big.url + "/_radist/")
        page.wait_for_selector("tr[data-call]")
        first = time.perf_counter() - started
        update = page.evaluate("async () => { const t = performance.now(); await refresh(); return performance.now() - t; }")
        browser.close()
    big.close()
    figure(f"dashboard first render / update, {calls:,} calls", f"{first * 1e3:.0f} / {update:.0f} ms", "report")


def bench_cli_start(rounds: int) -> None:
    """radist-fake from the command to its ready line, less what a bare
    ``python -c pass`` takes (the target counts from when Python has started)."""
    samples, bare = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "pytest_radist.cli", "--port", "0"], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        read_banner(process.stdout)
        samples.append(time.perf_counter() - started)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    figure("radist-fake start to ready, after Python started", f"{(statistics.median(samples) - statistics.median(bare)) * 1e3:.0f} ms",
           "< 300 ms")


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
        project = fake.project
        for _ in range(count):
            fake.make_call("private")
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
    print(f"{'what':<46} {'pytest-radist':>12}  {'baseline':<22} {'':>12}  {'ratio':>8}  {'target':<35} verdict")
    bench_in_process(300 if args.quick else 3000, rounds)
    bench_httpx(300 if args.quick else 3000, rounds)
    bench_loopback(30 if args.quick else 200, rounds)
    bench_live(30 if args.quick else 200, rounds)
    bench_keep_alive(1.0 if args.quick else 5.0)
    bench_sockets(20 if args.quick else 100, rounds)
    bench_server_start(2 if args.quick else 7)
    bench_cli_memory(20_000 if args.quick else 100_000)
    bench_dashboard(10_000, rounds)
    bench_cli_start(3 if args.quick else 7)
    bench_fixture(200 if args.quick else 2000, rounds)
    bench_import(3 if args.quick else 9)
    bench_listing(10_000 if args.quick else 100_000, rounds)


if __name__ == "__main__":
    main()
