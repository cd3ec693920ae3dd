#!/usr/bin/env bash
# Install pytest-radist from scratch into .venv and run its whole suite:
# SDK 0.7.0 in process and over HTTP, SDK 0.6.0 over HTTP, two workers,
# random test order, then the type check and a quick benchmark smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# SDK 0.6.0 lives beside 0.7.0 and is loaded under another name by the tests
.venv/bin/python -m pip install --quiet --no-deps --upgrade --target .venv/radist-server-0.6.0 'radist-server==0.6.0'
export RADIST_SDK_060_PATH="$PWD/.venv/radist-server-0.6.0"

.venv/bin/python -m pytest -n 2 --shuffle "$@"
.venv/bin/python -m mypy
.venv/bin/python bench/bench.py --quick
