"""The fake next to the floor of the stack it runs on.

    python bench/floor.py            # full run: 1/32/128 connections, 0/10,000/100,000 calls (about 10 minutes)
    python bench/floor.py --quick    # smoke run, as in CI: 32 connections, 0 and 10,000 calls

Three servers, each in its own process, driven alike by one external load
generator (``wrk`` when installed, else ``bench/load.py``, a slower Python
one that says so):

- the fake, served as ``radist-fake`` serves it (uvicorn + httptools on one
  asyncio loop, the journal keeping 10,000 entries), with 0, 10,000 or
  100,000 calls made before the run;
- the floor: a static ASGI app on the same uvicorn + httptools server,
  answering every request with the bytes the fake answered to it;
- a static stub on pytest-httpserver (werkzeug), what users would otherwise
  write.

For ``create_call``, a ``list_calls`` page (20 calls) and the public mint
the script prints req/s, p50, p99 and p99.9 of each, and the fake's ratio to
the floor: throughput (higher is better) and p99 (lower is better). Nothing
here is asserted; read the verdict column, and compare runs with the same
load generator on the same machine.

Internal: ``python bench/floor.py serve KIND CALLS`` starts one server and
prints its port (the load runs from this script's process).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Optional

HERE = Path(__file__).resolve().parent

#: The same request, as the load generator sends it (the public mint names a call the fake made first).
ENDPOINTS = ("create_call", "list_calls", "mint_call_token_public")

WRK_SCRIPT = """
wrk.method = os.getenv("FLOOR_METHOD")
wrk.path = os.getenv("FLOOR_PATH")
wrk.headers["Authorization"] = os.getenv("FLOOR_AUTH")
wrk.headers["Content-Length"] = "0"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "seconds": %f, "errors": %d, "non2xx": %d, ' ..
    '"p50_ms": %f, "p99_ms": %f, "p999_ms": %f}\\n', summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency:percentile(99.9) / 1e3))
end
"""


# -- the servers ---------------------------------------------------------------------------------------------------

def serve_fake(calls: int, out: IO[str]) -> None:
    """The fake as ``radist-fake`` serves it, with ``calls`` calls made first."""
    import threading

    from pytest_radist import LoopbackServer, RadistFake
    from pytest_radist.cli import DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_LIMIT

    fake = RadistFake(seed=1, journal_limit=DEFAULT_JOURNAL_LIMIT, journal_bytes=DEFAULT_JOURNAL_BYTES)
    for _ in range(calls):
        fake.make_call()
    public = fake.make_call("public")
    server = LoopbackServer(fake, host="127.0.0.1", port=0)
    server.start()
    fake.serve_on(server)
    project = fake.project
    requests = {
        "create_call": ("POST", f"/api/v1/projects/{project.id}/calls", f"Bearer {project.secret_key}"),
        "list_calls": ("GET", f"/api/v1/projects/{project.id}/calls?page=1&limit=20", f"Bearer {project.secret_key}"),
        "mint_call_token_public": ("POST", f"/api/v1/p2p/calls/{public.id}/token", f"Bearer {project.public_key}"),
    }
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started = [0.0]

    def timed(phase: str, info: dict[str, Any]) -> None:  # the pauses a client could wait on
        if phase == "start":
            started[0] = time.perf_counter()
        elif collector is None or not collector.thawing:  # a thawed collection runs when idle, by design
            pauses[info["generation"]].append(time.perf_counter() - started[0])

    collector: Any = None
    if os.environ.get("FLOOR_COLLECTOR", "1") == "1":  # as radist-fake runs (0: Python's collector as it comes)
        try:
            from pytest_radist.doors.collector import Collector
        except ImportError:  # an older pytest-radist, measured as it was
            pass
        else:
            collector = Collector(lambda: server.received)
            collector.start()
    out.write(json.dumps({"port": server.port, "requests": requests}) + "\n")
    out.flush()
    closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), closed.set()), daemon=True).start()  # until the benchmark closes our stdin
    gc.callbacks.append(timed)
    while not closed.wait(0.5):
        if collector is not None:
            collector.tick()
    gc.callbacks.remove(timed)
    server.stop()
    out.write(json.dumps({"full_collections": len(pauses[2]), "longest_pause_ms": max(pauses[2], default=0.0) * 1e3,
                          "longest_young_ms": max(pauses[0] + pauses[1], default=0.0) * 1e3,
                          "thawed": getattr(collector, "thawed_collections", 0)}) + "\n")
    out.flush()


def static_answers(answers: dict[str, Any]) -> dict[tuple[str, str], bytes]:
    """(method, path without query) -> the bytes to answer."""
    return {(method, path.split("?")[0]): body.encode() for method, path, body in answers.values()}


def serve_floor(answers: dict[str, Any], out: IO[str]) -> None:
    """A static ASGI app on uvicorn + httptools, configured as the fake's server is."""
    import asyncio
    import socket

    import uvicorn

    table = static_answers(answers)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        body = table.get((scope["method"], scope["path"]), b"{}")
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # so asyncio sets TCP_NODELAY, as for the fake
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    sock.setblocking(False)
    config = uvicorn.Config(app, http="httptools", loop="asyncio", lifespan="off", interface="asgi3", log_config=None,
                            access_log=False, proxy_headers=False, server_header=False, date_header=False)
    server = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.001)
        out.write(json.dumps({"port": sock.getsockname()[1]}) + "\n")
        out.flush()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        server.should_exit = True
        await task

    asyncio.run(serve())


def serve_httpserver(answers: dict[str, Any], out: IO[str]) -> None:
    """The same static answers on pytest-httpserver (werkzeug)."""
    import logging

    from pytest_httpserver import HTTPServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = HTTPServer(host="127.0.0.1", port=0)
    for (method, path), body in static_answers(answers).items():
        server.expect_request(path, method=method).respond_with_data(body, content_type="application/json")
    server.start()
    out.write(json.dumps({"port": server.port}) + "\n")
    out.flush()
    sys.stdin.read()
    server.stop()


@dataclass
class Server:
    """One server in its own process; ``close()`` ends it."""

    process: subprocess.Popen[str]
    port: int
    requests: dict[str, Any]

    @classmethod
    def start(cls, kind: str, calls: int = 0, answers: Optional[dict[str, Any]] = None) -> Server:
        process = subprocess.Popen([sys.executable, __file__, "serve", kind, str(calls)], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        assert process.stdin is not None and process.stdout is not None
        if answers is not None:
            process.stdin.write(json.dumps(answers) + "\n")
            process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {kind} server did not start (exit {process.wait(10)})")
        ready = json.loads(line)
        return cls(process, ready["port"], ready.get("requests", {}))

    def close(self) -> dict[str, Any]:
        """Stop the server; what it reported on its way out (the fake: its collector's pauses)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        try:
            said = self.process.stdout.read()
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            return {}
        return dict(json.loads(said)) if said.strip() else {}


# -- in process: the same servers without the kernel ------------------------------------------------------------------

class Wire:
    """A transport that keeps what is written: the protocol as a socket drives it, without the socket."""

    def __init__(self) -> None:
        self.written = 0
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written += 1

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    abort = close

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    resume_reading = pause_reading

    def set_protocol(self, protocol: Any) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


def per_request_in_process(repeat: int, rounds: int) -> tuple[float, float, float, float]:
    """Seconds per ``create_call`` through each server's own HTTP protocol
    (parser, application, answer) with no socket, alternating rounds; and the
    fake's dispatch alone (routing, auth, model, journal), with the
    collector as a test process has it and with the collector off (the
    work itself)."""
    import asyncio
    import statistics

    import uvicorn
    from uvicorn.server import ServerState

    from pytest_radist import LoopbackServer, RadistFake
    from pytest_radist.api.app import ApiRequest
    from pytest_radist.cli import DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_LIMIT

    async def run() -> tuple[float, float, float, float]:
        fake = RadistFake(seed=1, journal_limit=DEFAULT_JOURNAL_LIMIT, journal_bytes=DEFAULT_JOURNAL_BYTES)
        server = LoopbackServer(fake, host="127.0.0.1", port=8000)
        ours, served = server._build()  # the server radist-fake runs, not started: its protocol is driven by hand
        served.target, served.stopping = fake, asyncio.Event()
        project = fake.project
        raw = (f"POST /api/v1/projects/{project.id}/calls HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
               f"Authorization: Bearer {project.secret_key}\r\nContent-Length: 0\r\n\r\n").encode()
        answer = json.dumps({"callId": "cd447e35-b8b6-48fe-842e-3d437204e52d", "callTokens": ["ct_" + "a" * 32, "ct_" + "b" * 32],
                             "accessControl": "private"}).encode()

        async def static(scope: dict[str, Any], receive: Any, send: Any) -> None:
            while (await receive()).get("more_body"):
                pass
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]})
            await send({"type": "http.response.body", "body": answer})

        floor = uvicorn.Config(static, http="httptools", loop="asyncio", lifespan="off", interface="asgi3", log_config=None,
                               access_log=False, proxy_headers=False, server_header=False, date_header=False)
        floor.load()
        ours.config.load()

        def connection(config: Any) -> tuple[Any, Wire]:
            wire = Wire()
            protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={})
            protocol.connection_made(wire)
            return protocol, wire

        async def timed(config: Any) -> float:
            protocol, wire = connection(config)
            started = time.perf_counter()
            for n in range(1, repeat + 1):
                protocol.data_received(raw)
                while wire.written < n:  # an ASGI task answers on a later turn of the loop
                    await asyncio.sleep(0)
            elapsed = (time.perf_counter() - started) / repeat
            protocol.connection_lost(None)
            return elapsed

        request = ApiRequest("POST", f"/api/v1/projects/{project.id}/calls", "", f"Bearer {project.secret_key}")

        def dispatched() -> float:
            started = time.perf_counter()
            for _ in range(repeat):
                fake.dispatch(request, door="http")
            return (time.perf_counter() - started) / repeat

        fakes, floors, dispatches, work = [], [], [], []
        for _ in range(rounds):
            fakes.append(await timed(ours.config))
            floors.append(await timed(floor))
            dispatches.append(dispatched())
            gc.disable()
            try:
                work.append(dispatched())
            finally:
                gc.enable()
        return statistics.median(fakes), statistics.median(floors), statistics.median(dispatches), statistics.median(work)

    return asyncio.run(run())


# -- the load ------------------------------------------------------------------------------------------------------

def drive(port: int, request: tuple[str, str, str], connections: int, seconds: float) -> dict[str, Any]:
    """req/s and latency percentiles of ``connections`` keep-alive clients."""
    method, path, auth = request
    wrk = shutil.which("wrk")
    if wrk is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        try:
            env = dict(os.environ, FLOOR_METHOD=method, FLOOR_PATH=path, FLOOR_AUTH=auth)
            result = subprocess.run([wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", script.name,
                                     f"http://127.0.0.1:{port}"], env=env, capture_output=True, text=True, check=True,
                                    timeout=seconds + 60)
        finally:
            os.unlink(script.name)
        found = json.loads(result.stdout.strip().splitlines()[-1])
        found["rate"] = found["requests"] / found["seconds"]
        if found["errors"] or found["non2xx"]:
            raise RuntimeError(f"{method} {path}: {found['errors']} socket errors, {found['non2xx']} answers not 2xx")
        return dict(found)
    raw = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\nContent-Length: 0\r\n\r\n"
    result = subprocess.run([sys.executable, str(HERE / "load.py"), "127.0.0.1", str(port), str(connections), str(seconds), "0"],
                            input=json.dumps([raw]), capture_output=True, text=True, check=True, timeout=seconds + 120)
    found = json.loads(result.stdout)
    if set(found["statuses"]) != {"200"}:
        raise RuntimeError(f"{method} {path}: answers {found['statuses']}")
    return dict(found)


def capture_answers(fake: Server) -> dict[str, Any]:
    """What the fake answers to each benchmarked request, for the static servers to answer alike."""
    import http.client

    answers = {}
    for endpoint, (method, path, auth) in fake.requests.items():
        connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=10)
        connection.request(method, path, headers={"Authorization": auth, "Content-Length": "0"})
        response = connection.getresponse()
        body = response.read().decode()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"{endpoint}: the fake answered {response.status} {body}")
        answers[endpoint] = [method, path, body]
    return answers


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the rounds."""
    import statistics

    return {key: statistics.median(run[key] for run in runs) for key in ("rate", "p50_ms", "p99_ms", "p999_ms")}


def report(name: str, ours: dict[str, Any], floor: dict[str, Any], stub: Optional[dict[str, Any]]) -> dict[str, Any]:
    throughput = ours["rate"] / floor["rate"]
    tail = ours["p99_ms"] / floor["p99_ms"]
    stub_text = f"{stub['rate']:>7.0f} /s" if stub else f"{'':>9}"
    print(f"{name:<44} {ours['rate']:>7.0f} /s {ours['p50_ms']:>6.2f} {ours['p99_ms']:>7.2f} {ours['p999_ms']:>7.2f} ms"
          f" | floor {floor['rate']:>7.0f} /s {floor['p50_ms']:>5.2f} {floor['p99_ms']:>6.2f} {floor['p999_ms']:>6.2f} ms"
          f" | httpserver {stub_text} | {throughput:>5.2f}x  p99 {tail:>5.1f}x")
    return {"row": name, "fake": ours, "floor": floor, "httpserver": stub, "throughput_ratio": throughput, "p99_ratio": tail}


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        kind, calls = sys.argv[2], int(sys.argv[3])
        if kind == "fake":
            serve_fake(calls, sys.stdout)
        else:
            answers = json.loads(sys.stdin.readline())
            (serve_floor if kind == "floor" else serve_httpserver)(answers, sys.stdout)
        return
    sys.path.insert(0, str(HERE))
    from bench import verdict

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 32 connections, 0 and 10,000 calls, 1 s each")
    parser.add_argument("--seconds", type=float, help="seconds per measurement (default 2, quick 1)")
    parser.add_argument("--rounds", type=int, help="measurements of each server per row, alternating, their median reported "
                                                   "(default 3, quick 1): the VM's speed drifts within a row")
    parser.add_argument("--connections", type=int, nargs="+", help="keep-alive connections (default 1 32 128; quick 32)")
    parser.add_argument("--calls", type=int, nargs="+", help="calls in state (default 0 10000 100000; quick 0 10000)")
    parser.add_argument("--endpoints", nargs="+", choices=ENDPOINTS, default=list(ENDPOINTS))
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    parser.add_argument("--compare", type=Path, default=HERE / "floor-baseline.json",
                        help="rows of an earlier full run (--json): ratios more than 30 %% worse are called out")
    args = parser.parse_args()
    seconds = args.seconds or (1.0 if args.quick else 2.0)
    rounds = args.rounds or (1 if args.quick else 3)
    connection_counts = args.connections or ((32,) if args.quick else (1, 32, 128))
    states = args.calls or ((0, 10_000) if args.quick else (0, 10_000, 100_000))
    ours, theirs, dispatch, work = per_request_in_process(500 if args.quick else 3000, 3 if args.quick else 7)
    print("in process, no sockets: create_call through each server's own protocol, parser to answer")
    print(f"  the fake {ours * 1e6:.1f} us, the floor {theirs * 1e6:.1f} us per request: {theirs / ours:.2f}x the floor's throughput")
    # issue 25: no slower than the last round left it (about 20 us on the development VM)
    print(f"  the fake's dispatch alone (routing, auth, model, journal) {dispatch * 1e6:.1f} us  target < 20 us  "
          f"{verdict('< 20 us', value=dispatch * 1e6)}")
    print(f"    of which its own work (the collector off) {work * 1e6:.1f} us; the rest is the test process's collector, "
          f"walking what the calls leave")
    print()
    generator = "wrk" if shutil.which("wrk") else "bench/load.py (install wrk for figures near the floor)"
    print(f"the fake next to its floor ({'quick' if args.quick else 'full'}), {seconds:g} s each, "
          f"{rounds} round{'s' if rounds > 1 else ''} (medians), load: {generator}")
    print(f"{'what':<44} {'fake: rate, p50, p99, p99.9':>36} | {'floor (static ASGI, same server)':>41} | {'':>21} | ratio")
    rows = []
    for calls in states:
        for endpoint in args.endpoints:
            fake = Server.start("fake", calls)  # a fresh fake per row: creates grow the state
            try:
                answers = capture_answers(fake)
                floor = Server.start("floor", answers=answers)
                stub = Server.start("httpserver", answers=answers) if calls == 0 else None
                try:
                    for connections in connection_counts:
                        request = tuple(fake.requests[endpoint])
                        measured: dict[str, list[dict[str, Any]]] = {"fake": [], "floor": [], "stub": []}
                        for _ in range(rounds):  # alternating, so that a drift of the VM's speed slows both alike
                            measured["fake"].append(drive(fake.port, request, connections, seconds))  # type: ignore[arg-type]
                            measured["floor"].append(drive(floor.port, request, connections, seconds))  # type: ignore[arg-type]
                            if stub:
                                measured["stub"].append(drive(stub.port, request, connections, seconds))  # type: ignore[arg-type]
                        ours, theirs = median_of(measured["fake"]), median_of(measured["floor"])
                        werkzeug = median_of(measured["stub"]) if stub else None
                        name = f"{endpoint}, {connections} conn, {calls:,} calls"
                        rows.append(report(name, ours, theirs, werkzeug))
                finally:
                    floor.close()
                    if stub:
                        stub.close()
            finally:
                collector = fake.close()
            if collector:
                print(f"{'':<44} the fake's collector over these rows: {collector['full_collections']} full collections, "
                      f"the longest {collector['longest_pause_ms']:.1f} ms; young ones at most {collector['longest_young_ms']:.1f} ms; "
                      f"{collector['thawed']} thawed while idle")
                rows[-1]["collector"] = collector
    print()
    key = [r for r in rows if r["row"].startswith("create_call, 32 conn")]
    for r in key:
        print(f"{r['row']:<44} throughput {r['throughput_ratio']:.2f}x the floor  target >= 0.5x  "
              f"{verdict('>= 0.5x', r['throughput_ratio'])}")
    for r in key[-1:]:
        print(f"{r['row']:<44} p99 {r['p99_ratio']:.1f}x the floor's  target <= 3x  {verdict('<= 3x', r['p99_ratio'])};"
              f"  p99.9 {r['fake']['p999_ms']:.1f} ms  target < 20 ms  {verdict('< 20 ms', value=r['fake']['p999_ms'] * 1e3)}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if args.compare.exists() and not args.quick:
        print()
        print(f"against {args.compare.name} (a full run on the development VM):")
        for line in regressions(rows, json.loads(args.compare.read_text())):
            print(line)


def regressions(rows: list[dict[str, Any]], baseline: list[dict[str, Any]], tolerance: float = 0.30) -> list[str]:
    """A line per ratio more than ``tolerance`` worse than the baseline's, or one saying none is."""
    earlier = {row["row"]: row for row in baseline}
    found = []
    for row in rows:
        before = earlier.get(row["row"])
        if before is None:
            continue
        if row["throughput_ratio"] < before["throughput_ratio"] * (1 - tolerance):
            found.append(f"  REGRESSION {row['row']}: throughput {row['throughput_ratio']:.2f}x the floor, "
                         f"was {before['throughput_ratio']:.2f}x")
        if row["p99_ratio"] > before["p99_ratio"] * (1 + tolerance):
            found.append(f"  REGRESSION {row['row']}: p99 {row['p99_ratio']:.1f}x the floor's, was {before['p99_ratio']:.1f}x")
    return found or [f"  no ratio is more than {tolerance:.0%} worse than the baseline's"]


if __name__ == "__main__":
    main()
