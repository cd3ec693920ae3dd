"""A small HTTP/1.1 load generator for bench.py, run in its own process so the
server under test does not share its interpreter lock with the clients.

    python bench/load.py HOST PORT CONNECTIONS SECONDS MAX_REQUESTS < requests.json

Reads a JSON list of raw requests (strings) from stdin and sends them round
robin over CONNECTIONS keep-alive connections until SECONDS pass or
MAX_REQUESTS are answered (0: no cap); reconnects when a server closes after
a response (HTTP/1.0 servers do). Prints one JSON object: requests,
seconds, per-second rate, p50 and p99 latency in ms, and the status counts.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections import Counter


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server will close) of one response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip().lower() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    length = int(headers.get("content-length", "0"))
    await reader.readexactly(length)
    closes = headers.get("connection") == "close" or lines[0].startswith("HTTP/1.0") and headers.get("connection") != "keep-alive"
    return status, closes


async def main() -> None:
    host, port, connections, seconds, cap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    requests = [r.encode("latin-1") for r in json.load(sys.stdin)]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**12))

    async def client(offset: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                n = next(counter)
                if cap and n >= cap:
                    return
                started = time.perf_counter()
                writer.write(requests[(offset + n) % len(requests)])
                status, closes = await read_response(reader)
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
                if closes:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    print(json.dumps({
        "requests": len(latencies),
        "seconds": elapsed,
        "rate": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1e3,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1e3,
        "p999_ms": latencies[max(0, int(len(latencies) * 0.999) - 1)] * 1e3,
        "statuses": dict(statuses),
    }))


if __name__ == "__main__":
    asyncio.run(main())
