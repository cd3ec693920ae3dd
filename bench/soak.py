"""pytest-radist soak: a radist-fake process held for a working session.

    python bench/soak.py             # full run: 500 sockets, about 10 minutes
    python bench/soak.py --quick     # smoke (CI): 40 sockets, 25 s (past twice every server timeout)

A ``radist-fake`` process with its default limits serves, at once:

- sockets in pairs, one pair per call: each sends a ``signal`` to its peer
  every second (the peer echoes it back: a round trip) and a ``ping`` every
  five seconds; none of them may be closed before the end;
- keep-alive REST load: list_calls pages and public mints over a few
  keep-alive connections;
- a few clients that stop reading: sockets whose peer keeps signalling them
  (the send budget closes them with 1008, as expected) and journal readers
  that ask for the largest page and read nothing (closed by the write timeout).

It reports the server's RSS at start, after warm-up and at the end (target:
flat within 20 MB after warm-up), unexpected closes (target 0), the signal
round trip's p50 and p99, and REST p99, each with a verdict. Not a timed
test: a report, like bench.py.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from pytest_radist.cli import read_banner  # noqa: E402

#: The server's RSS may move this much after warm-up (the issue's target).
FLAT_MB = 20


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


class Soak:
    def __init__(self, settings: dict[str, str], pid: int, pairs: int, seconds: float) -> None:
        self.settings = settings
        self.pid = pid
        self.base = settings["RADIST_API_BASE_URL"]
        self.port = int(self.base.rsplit(":", 1)[1])
        self.pairs = pairs
        self.seconds = seconds
        self.round_trips: list[float] = []
        self.rest: list[float] = []
        self.unexpected: list[str] = []
        self.expected_closes: list[int] = []
        self.stop = asyncio.Event()

    def control(self, method: str, path: str, body: Any = None) -> Any:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        payload = None if body is None else json.dumps(body).encode()
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json"} if payload else {})
        answer = json.loads(connection.getresponse().read())
        connection.close()
        return answer

    def new_call(self) -> dict[str, Any]:
        return dict(self.control("POST", "/_radist/scenarios/make_call", {"accessControl": "public"}))

    def socket_url(self, token: str) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/p2p/signaling/ws?publicKey={self.settings['RADIST_PUBLIC_KEY']}&callToken={token}"

    # -- healthy pairs -------------------------------------------------------------

    async def pair(self, number: int) -> None:
        call = self.new_call()
        tokens = [t["token"] for t in call["tokens"]]
        async with connect(self.socket_url(tokens[0]), open_timeout=30, ping_interval=None) as a, \
                connect(self.socket_url(tokens[1]), open_timeout=30, ping_interval=None) as b:
            await a.recv(), await b.recv(), await a.recv()  # welcomes, peer-joined
            await asyncio.gather(self.talk(a, number), self.talk(b, number))

    async def talk(self, ws: Any, number: int) -> None:
        """Signal the peer every second (it echoes), ping every five; read all."""
        async def read() -> None:
            async for text in ws:
                frame = json.loads(text)
                if frame["type"] == "signal" and "sent" in frame["data"]:
                    await ws.send(json.dumps({"type": "signal", "data": {"echo": frame["data"]["sent"]}}))
                elif frame["type"] == "signal" and "echo" in frame["data"]:
                    self.round_trips.append(time.perf_counter() - frame["data"]["echo"])
                elif frame["type"] not in ("pong", "signal"):
                    self.unexpected.append(f"pair {number}: {frame}")

        reader = asyncio.ensure_future(read())
        await asyncio.sleep(number % 100 / 100)  # spread the pairs over the second
        tick = 0
        try:
            while not self.stop.is_set() and not reader.done():
                await ws.send(json.dumps({"type": "signal", "data": {"sent": time.perf_counter()}}))
                if tick % 5 == 0:
                    await ws.send(json.dumps({"type": "ping"}))
                tick += 1
                try:
                    await asyncio.wait_for(self.stop.wait(), 1.0)
                except asyncio.TimeoutError:
                    pass
        except ConnectionClosed as closed:
            self.unexpected.append(f"pair {number}: closed {closed.rcvd.code if closed.rcvd else 'without a frame'}")
        if reader.done() and not self.stop.is_set():
            self.unexpected.append(f"pair {number}: the server closed it ({ws.close_code} {ws.close_reason})")
        reader.cancel()

    # -- clients that stop reading --------------------------------------------------------

    async def stalled_socket(self) -> None:
        """A peer that never reads while its partner signals it: closed at its send budget."""
        call = self.new_call()
        tokens = [t["token"] for t in call["tokens"]]
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", self.port))
        path = self.socket_url(tokens[0]).split(str(self.port), 1)[1]
        stalled.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: c29hay1zb2FrLXNvYWsxMg==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
        async with connect(self.socket_url(tokens[1]), open_timeout=30, ping_interval=None) as talker:
            await talker.recv()
            while not self.stop.is_set():
                try:
                    await talker.send(json.dumps({"type": "signal", "data": "x" * 60_000}))
                    frame = json.loads(await asyncio.wait_for(talker.recv(), 0.01))
                    if frame.get("type") == "peer-left":
                        self.expected_closes.append(1008)
                        break
                except asyncio.TimeoutError:
                    pass
                await asyncio.sleep(0.005)
        stalled.close()

    def stalled_journal_reader(self) -> None:
        """Asks for the journal's largest page and reads nothing."""
        reader = socket.socket()
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.connect(("127.0.0.1", self.port))
        reader.sendall(b"GET /_radist/requests?limit=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        time.sleep(min(self.seconds, 30))
        reader.close()

    # -- REST load ---------------------------------------------------------------------------

    def rest_load(self, done: threading.Event) -> None:
        call = self.new_call()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        secret = {"Authorization": f"Bearer {self.settings['RADIST_KEY']}"}
        public = {"Authorization": f"Bearer {self.settings['RADIST_PUBLIC_KEY']}"}
        listing = f"/api/v1/projects/{self.settings['RADIST_PROJECT_ID']}/calls?limit=20"
        mint = f"/api/v1/p2p/calls/{call['callId']}/token"
        n = 0
        while not done.is_set():
            started = time.perf_counter()
            method, path, headers = ("GET", listing, secret) if n % 2 else ("POST", mint, public)
            try:
                connection.request(method, path, headers=headers)
                connection.getresponse().read()
            except (OSError, http.client.HTTPException):  # the keep-alive timeout closed it between requests
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                continue
            self.rest.append(time.perf_counter() - started)
            n += 1
            time.sleep(0.02)
        connection.close()

    async def run(self, warm_up: float) -> dict[str, Any]:
        pid = self.pid
        start_rss = rss_mb(pid)
        done = threading.Event()
        rest = [threading.Thread(target=self.rest_load, args=(done,), daemon=True) for _ in range(2)]
        readers = [threading.Thread(target=self.stalled_journal_reader, daemon=True) for _ in range(3)]
        for thread in rest + readers:
            thread.start()
        tasks = [asyncio.ensure_future(self.pair(n)) for n in range(self.pairs)]
        tasks += [asyncio.ensure_future(self.stalled_socket()) for _ in range(3)]
        await asyncio.sleep(warm_up)
        warm_rss = rss_mb(pid)
        self.round_trips.clear()
        self.rest.clear()
        samples = []
        end = time.monotonic() + self.seconds - warm_up
        while time.monotonic() < end:
            await asyncio.sleep(min(5.0, max(0.0, end - time.monotonic())))
            samples.append(rss_mb(pid))
        self.stop.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        self.unexpected += [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
        done.set()
        for thread in rest:
            thread.join(15)
        return {"start": start_rss, "warm": warm_rss, "end": samples[-1] if samples else warm_rss,
                "drift": max(samples, default=warm_rss) - warm_rss}


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 40 sockets for 25 s (CI)")
    args = parser.parse_args()
    pairs, seconds, warm_up = (20, 25.0, 8.0) if args.quick else (250, 600.0, 120.0)
    journal = "1000" if args.quick else "10000"  # full after warm-up either way
    process = subprocess.Popen([sys.executable, "-m", "pytest_radist.cli", "--port", "0", "--seed", "1",
                                "--journal-limit", journal], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        settings = read_banner(process.stdout)
        soak = Soak(settings, process.pid, pairs, seconds)
        rss = asyncio.run(soak.run(warm_up))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    print(f"pytest-radist soak ({'quick' if args.quick else 'full'}): {pairs * 2} sockets, {seconds:.0f} s, "
          f"default server limits (read timeout 10 s, keep-alive 5 s)")
    rows = [
        ("server RSS at start / after warm-up / end", f"{rss['start']:.0f} / {rss['warm']:.0f} / {rss['end']:.0f} MB",
         f"flat within {FLAT_MB} MB after warm-up (largest rise {rss['drift']:.1f} MB)", rss["drift"] <= FLAT_MB),
        ("unexpected closes", str(len(soak.unexpected)), "0", not soak.unexpected),
        ("stalled clients closed at their send budget", f"{len(soak.expected_closes)} of 3", "3 of 3", len(soak.expected_closes) == 3),
        ("signal round trip p50 / p99", f"{statistics.median(soak.round_trips) * 1e3:.1f} / {percentile(soak.round_trips, 0.99) * 1e3:.1f} ms",
         "report", True),
        ("REST p99 (keep-alive list_calls and mints)", f"{percentile(soak.rest, 0.99) * 1e3:.1f} ms", "report", True),
    ]
    for name, value, target, ok in rows:
        print(f"{name:<46} {value:>24}  target {target:<48} {verdict(ok) if target != 'report' else ''}")
    for line in soak.unexpected[:10]:
        print(f"  unexpected: {line}")
    if soak.unexpected:  # a healthy socket closed: a bug, not noise
        sys.exit(1)


if __name__ == "__main__":
    main()
