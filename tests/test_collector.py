"""radist-fake's collector policy: what survives a full collection is
frozen, so the next ones walk little; cyclic garbage frozen meanwhile is
collected once the server is idle, or once the heap has doubled; and
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
assert gc.get_threshold() == (thresholds[0], thresholds[1] // 2, 1), "a full collection after every second middle one"
collector.stop()
assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0, "stopping restores the collector"
collector.stop()  # twice is harmless
print("ok")
"""

DOUBLED = """
import sys
keep = [Cycle() for _ in range(sys.getallocatedblocks())]  # the heap more than doubles (two blocks or more each)
gone = frozen_cycle()
requests[0] += 1  # busy all along
now[0] += 0.5
collector.tick()
assert gone() is None and collector.thawed_collections == 2, "doubled under load: thawed and collected"
requests[0] += 1
now[0] += 0.5
collector.tick()
assert collector.thawed_collections == 2, "nothing frozen since: no second pause"
collector.stop()
print("ok")
"""

# gc.get_freeze_count() walks every frozen object with the GIL held: with a
# large state, 13 ms without an answer, twice a second, from the tick alone
NEVER_COUNTS = """
def walked():
    raise AssertionError("the tick counted the frozen objects: a walk of all of them")
gc.get_freeze_count = walked
for _ in range(3):
    gc.collect()
    requests[0] += 1
    now[0] += 0.5
    collector.tick()
now[0] += 2.0
collector.tick()
assert collector.thawed_collections == 2, "idle: thawed and collected, still without counting"
print("ok")
"""


def run(scenario: str, min_growth: int) -> None:
    code = SETUP.replace("MIN_GROWTH", str(min_growth)) + scenario
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and ran.stdout.strip() == "ok", ran.stderr


def test_what_survives_a_full_collection_is_frozen_and_a_quiet_server_thaws_it() -> None:
    run(IDLE, min_growth=10**9)


def test_under_unbroken_load_a_doubled_heap_is_thawed() -> None:
    run(DOUBLED, min_growth=1)


def test_the_policy_never_walks_the_frozen_objects() -> None:
    run(NEVER_COUNTS, min_growth=1)
