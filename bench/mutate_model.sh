#!/usr/bin/env bash
# Mutation run of the model and the API (mutmut; configured in pyproject.toml's
# [tool.mutmut]): every mutant of pytest_radist/model/ and api/ on a covered
# line, against the in-process tests that exercise them. Prints the score
# (killed / all) and lists the survivors. About 30 to 60 minutes on two cores;
# not part of CI's run.
#
#     bash bench/mutate_model.sh            # the whole run
#     bash bench/mutate_model.sh --results  # the score of the last run
set -euo pipefail
cd "$(dirname "$0")/.."
export RADIST_SDK_060_PATH="${RADIST_SDK_060_PATH:-$PWD/.venv/radist-server-0.6.0}"
.venv/bin/python -m pip install --quiet 'mutmut>=3.3'
if [ "${1:-}" != "--results" ]; then
    rm -rf mutants
    .venv/bin/mutmut run --max-children "$(nproc)" > mutants.log 2>&1 || { tail -40 mutants.log; exit 1; }
fi
.venv/bin/mutmut results --all true > mutants.txt 2>/dev/null || true
killed=$(grep -c ': killed$' mutants.txt || true)
total=$(grep -c ': ' mutants.txt || true)
echo "mutants of model/ and api/: $killed of $total killed"
grep -v ': killed$' mutants.txt | sed 's/^ */  survived or not run: /' || true
