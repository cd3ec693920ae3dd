"""The mutation score of ``radist-fake verify`` and of cassettes.

    python bench/mutation.py            # every mutant (about 5 minutes)
    python bench/mutation.py --quick    # CI's sample (tests/test_mutation.py runs it too)

Each mutant of ``tests/mutants.py`` is a fake that changes one documented
behaviour. For each: does ``radist-fake verify`` notice (a documented
change must be a documented disagreement, exit status 1)? And does a
cassette of that verify run, recorded against the mutant, flag a
difference when it is replayed against the fake? The unchanged fake is the
control: no disagreement, no difference. Prints the score by source and
by section, what survives, and what a full verify run costs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_radist import RadistFake  # noqa: E402
from pytest_radist.fidelity.cassettes import Cassette  # noqa: E402
from pytest_radist.fidelity.replay import replay  # noqa: E402
from pytest_radist.live import LiveCredentials  # noqa: E402
from pytest_radist.verify import Report  # noqa: E402
from pytest_radist.verify.cassettes import record_run  # noqa: E402
from tests.mutants import MUTANTS, sample, verify  # noqa: E402


def cassette_differences(report: Report, directory: Path) -> list[str]:
    """The verify run kept as a cassette (what the target answered), replayed against the fake."""
    seeded = RadistFake(seed=7)  # verify() serves its mutant with this seed: the same project and keys
    credentials = LiveCredentials(seeded.project.id, seeded.project.secret_key, seeded.project.public_key, "http://mutant.invalid")
    path = record_run(report, credentials, directory)
    return [str(d) for d in replay(Cassette.load(path))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="CI's sample of mutants only")
    args = parser.parse_args()
    chosen = sample() if args.quick else MUTANTS
    started = time.monotonic()
    control = verify()
    control_disagrees = [r.check.name for r in control.results if not r.agree]
    with tempfile.TemporaryDirectory() as tmp:
        control_differs = cassette_differences(control, Path(tmp))
    print(f"pytest-radist mutation score ({'quick' if args.quick else 'full'}): {len(chosen)} mutants of tests/mutants.py")
    print(f"control (the unchanged fake): verify {len(control_disagrees)} disagreement(s), cassette {len(control_differs)} difference(s)"
          f"  target 0 and 0  {'meets target' if not control_disagrees and not control_differs else 'MISSES target'}")
    print(f"one full verify run: {control.requests} requests to the target, {control.seconds:.1f} s "
          f"(checks: {len(control.results)}; with the opt-in connection limit)")
    by_source: dict[str, list[bool]] = defaultdict(list)
    by_section: dict[str, list[bool]] = defaultdict(list)
    doc_as_doc: list[bool] = []
    cassettes: list[bool] = []
    survivors, seconds = [], []
    for mutant in chosen:
        clock = time.monotonic()
        report = verify(mutant)
        seconds.append(time.monotonic() - clock)
        caught = any(not r.agree for r in report.results)
        by_source[mutant.source].append(caught)
        by_section[mutant.section].append(caught)
        if mutant.source == "doc":
            doc_as_doc.append(report.exit_status == 1)
        with tempfile.TemporaryDirectory() as tmp:
            cassettes.append(bool(cassette_differences(report, Path(tmp))))
        if not caught:
            survivors.append(mutant)
    total = [c for values in by_source.values() for c in values]

    def score(values: list[bool]) -> str:
        return f"{sum(values)}/{len(values)} ({100 * sum(values) / max(1, len(values)):.0f} %)"

    print(f"{'caught by verify, overall':<46} {score(total):>16}  target >= 95 %  {'meets target' if sum(total) >= 0.95 * len(total) else 'MISSES target'}")
    for source in ("doc", "fake"):
        values = by_source.get(source, [])
        target = "every one" if source == "doc" else "report"
        ok = all(values) if source == "doc" else True
        print(f"{f'  [{source}] mutants':<46} {score(values):>16}  target {target:<8} {'meets target' if ok else 'MISSES target'}")
    print(f"{'  [doc] mutants reported as [doc] (exit 1)':<46} {score(doc_as_doc):>16}  target every one {'meets target' if all(doc_as_doc) else 'MISSES target'}")
    for section in sorted(by_section):
        print(f"{f'  {section}':<46} {score(by_section[section]):>16}")
    print(f"{'flagged by its cassette, replayed on the fake':<46} {score(cassettes):>16}  target report")
    print(f"verify run per mutant: median {statistics.median(seconds):.1f} s; whole run {time.monotonic() - started:.0f} s")
    for mutant in survivors:
        print(f"  survived: [{mutant.source}] {mutant.section} {mutant.name}")


if __name__ == "__main__":
    main()
