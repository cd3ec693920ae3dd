#!/usr/bin/env bash
# Install pytest-radist from scratch into .venv, type-check it, smoke-run the
# benchmark, then run the whole suite: SDK 0.7.0 and 0.6.0, in process and
# over HTTP, two workers, random order. The suite runs last so that its
# summary is the closing line.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# SDK 0.6.0 lives beside 0.7.0 and is loaded under another name by the tests
.venv/bin/python -m pip install --quiet --no-deps --upgrade --target .venv/radist-server-0.6.0 'radist-server==0.6.0'
export RADIST_SDK_060_PATH="$PWD/.venv/radist-server-0.6.0"

.venv/bin/python -m mypy
.venv/bin/python bench/bench.py --quick
.venv/bin/python -m pytest -n 2 --shuffle "$@"
