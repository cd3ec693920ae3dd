"""The loopback server against h11, long: the corpus of tests/test_http_differential.py,
then Hypothesis mutations of valid requests (``tests/differential.py`` says what is
compared). Prints the count of cases and every disagreement; exits 1 if there is one.

    python bench/differential.py            # 20,000 mutations (about 2 minutes)
    python bench/differential.py --quick    # 300, as in CI
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests import differential as D  # noqa: E402
from tests.test_http_differential import CORPUS, mutated  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 mutations")
    parser.add_argument("--examples", type=int, help="mutations to try (default 20,000; 300 with --quick)")
    args = parser.parse_args()
    examples = args.examples or (300 if args.quick else 20_000)
    disagreements: list[str] = []
    mutations = 0
    with D.serving() as served:
        for name, data in CORPUS.items():
            found = D.check(served, data)
            if found is not None:
                disagreements.append(f"corpus {name}: {found}")

        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(data=mutated())
        def run(data: bytes) -> None:
            nonlocal mutations
            mutations += 1
            found = D.check(served, data)
            if found is not None:
                disagreements.append(f"mutation {data!r}: {found}")

        run()
    for line in disagreements:
        print("DISAGREES:", line)
    print(f"differential against h11: {len(CORPUS) + mutations} cases ({len(CORPUS)} of the corpus, {mutations} mutations), "
          f"{len(disagreements)} disagreements; deviations declared: {len(D.DEVIATIONS) + len(D.FRAMING_DEVIATIONS) - 1}, "
          f"lenient: {len(D.LENIENCE)}")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
