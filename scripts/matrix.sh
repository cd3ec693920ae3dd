#!/usr/bin/env bash
# The whole compatibility matrix (noxfile.py): the lowest versions every
# dependency range allows, the newest, pytest 7.4, 8 and 9, SDK 0.6 and 0.7,
# each in a fresh virtualenv made by uv. About 10 minutes on two cores.
#
#     bash scripts/matrix.sh             # every session
#     bash scripts/matrix.sh -s lowest   # one (CI's smoke)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/nox ]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet -e '.[matrix]'
fi
.venv/bin/python -m pip install --quiet -e '.[matrix]'
PATH="$PWD/.venv/bin:$PATH" .venv/bin/nox -f noxfile.py "$@"
