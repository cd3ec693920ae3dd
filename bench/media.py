"""pytest-radist media peers: what real media costs.

    python bench/media.py           # full run: 10 s measured after 2 s of warm-up
    python bench/media.py --quick   # smoke (CI): 4 s after 1 s

A radist-fake runs the other side of each call (media peers started over
its control plane, answering); this process runs the media peers measured,
each offering: one, then four at once. Rows (targets from issue 29):

- one media peer at 320x240, 15 fps, with audio, sending and receiving: the
  CPU this process spends, under 25 % of one core;
- four at once in one process: every stream, both ways, above 12 fps.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_radist.cli import read_banner  # noqa: E402
from pytest_radist.media.peer import MediaLoop, MediaPeer  # noqa: E402

CPU_TARGET = 0.25
FPS_TARGET = 12.0


def control(base: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(f"{base}/_radist/{path}", method=method, headers={"Content-Type": "application/json"},
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def calls(base: str, public_key: str, count: int, loop: MediaLoop) -> list[tuple[MediaPeer, str]]:
    """``count`` calls, each with a partner in radist-fake and a media peer here."""
    pairs = []
    for _ in range(count):
        call = control(base, "POST", "scenarios/make_call", {"accessControl": "public"})
        partner = control(base, "POST", "media-peers", {"token": call["callTokens"][0]})
        url = "ws" + base[len("http"):] + "/api/v1/p2p/signaling/ws?" + urlencode(
            {"publicKey": public_key, "callToken": call["callTokens"][1]})
        pairs.append((MediaPeer(loop, url, offer=True).start(10.0), partner["id"]))
    for peer, _ in pairs:
        peer.wait_connected(15.0)
    return pairs


def measure(base: str, pairs: list[tuple[MediaPeer, str]], warm: float, seconds: float) -> tuple[float, list[float]]:
    """The CPU share of one core this process used, and each stream's frames per second."""
    time.sleep(warm)
    here = [peer.video_frames_received for peer, _ in pairs]
    there = [control(base, "GET", f"media-peers/{partner}")["videoFramesReceived"] for _, partner in pairs]
    cpu, wall = time.process_time(), time.monotonic()
    time.sleep(seconds)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    rates = [(peer.video_frames_received - n) / wall for (peer, _), n in zip(pairs, here)]
    rates += [(control(base, "GET", f"media-peers/{partner}")["videoFramesReceived"] - n) / wall
              for (_, partner), n in zip(pairs, there)]
    return cpu / wall, rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run (CI)")
    args = parser.parse_args()
    warm, seconds = (1.0, 4.0) if args.quick else (2.0, 10.0)
    process = subprocess.Popen([sys.executable, "-m", "pytest_radist.cli", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    loop = MediaLoop()
    try:
        assert process.stdout is not None
        banner = read_banner(process.stdout)
        base, public_key = banner["RADIST_API_BASE_URL"], banner["RADIST_PUBLIC_KEY"]
        print(f"{'row':<52} {'value':>10}  verdict  ({seconds:g} s measured)")
        for count, name in ((1, "one media peer"), (4, "four media peers in one process")):
            pairs = calls(base, public_key, count, loop)
            share, rates = measure(base, pairs, warm, seconds)
            for peer, _ in pairs:
                peer.close()
            cpu_row = f"{share * 100:>8.1f} %  " + (
                (f"{'meets target' if share < CPU_TARGET else 'MISSES target'} (< {CPU_TARGET * 100:g} %)") if count == 1 else "report")
            fps_row = f"{min(rates):>6.1f} fps  " + (
                f"{'meets target' if min(rates) > FPS_TARGET else 'MISSES target'} (> {FPS_TARGET:g} fps, of 15)" if count > 1 else "report")
            print(f"{name + ': CPU of one core':<52} {cpu_row}")
            print(f"{name + ': slowest stream':<52} {fps_row}")
    finally:
        loop.stop()
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
