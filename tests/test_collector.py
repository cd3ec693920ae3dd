"""radist-fake's collector policy: what survives a full collection is
frozen, so the next ones walk little; cyclic garbage frozen meanwhile is
collected once the server is idle, or once the frozen part has doubled; and
stopping gives the process its collector back as it was.

Each case runs in an interpreter of its own: the policy is process-wide,
and a test worker's other threads and heap would blur what it shows."""

from __future__ import annotations

import subprocess
import sys

SETUP = """
import gc, weakref
from pytest_radist.doors.collector import Collector

class Cycle:  # garbage only the collector can free: it refers to itself
    def __init__(self):
        self.me = self

requests, now = [0], [0.0]
thresholds = gc.get_threshold()
collector = Collector(lambda: requests[0], idle_after=1.0, min_growth=MIN_GROWTH, clock=lambda: now[0])
collector.start()

def frozen_cycle():
    # a cycle alive at a full collection (so frozen by the policy), dropped afterwards
    cycle = Cycle()
    gc.collect()
    assert gc.get_freeze_count() > 0
    gone = weakref.ref(cycle)
    del cycle
    return gone
"""

IDLE = """
gone = frozen_cycle()
gc.collect()
assert gone() is not None, "frozen: a full collection no longer walks it"
requests[0] += 1
collector.tick()
now[0] += 0.5
collector.tick()
assert gone() is not None and collector.thawed_collections == 1, "busy: nothing thawed (one at start)"
now[0] += 1.0
collector.tick()
assert gone() is None and collector.thawed_collections == 2, "a second without a request: thawed and collected"
now[0] += 5.0
collector.tick()
assert collector.thawed_collections == 2, "the same quiet spell, nothing new frozen: no second pause"
assert gc.get_threshold() == (thresholds[0], thresholds[1], 1), "a full collection after every second middle one"
collector.stop()
assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0, "stopping restores the collector"
collector.stop()  # twice is harmless
print("ok")
"""

DOUBLED = """
keep = [Cycle() for _ in range(gc.get_freeze_count() + 10)]  # the frozen part more than doubles
gone = frozen_cycle()
requests[0] += 1  # busy all along
now[0] += 0.5
collector.tick()
assert gone() is None and collector.thawed_collections == 2, "doubled under load: thawed and collected"
collector.stop()
print("ok")
"""


def run(scenario: str, min_growth: int) -> None:
    code = SETUP.replace("MIN_GROWTH", str(min_growth)) + scenario
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and ran.stdout.strip() == "ok", ran.stderr


def test_what_survives_a_full_collection_is_frozen_and_a_quiet_server_thaws_it() -> None:
    run(IDLE, min_growth=10**9)


def test_under_unbroken_load_a_doubled_frozen_part_is_thawed() -> None:
    run(DOUBLED, min_growth=1)
