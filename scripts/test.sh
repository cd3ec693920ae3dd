#!/usr/bin/env bash
# Install pytest-radist from scratch into .venv (and Debian's chromium for the
# browser tests, wrk for the floor benchmark), type-check it, build and check
# the release artefacts and the docs site, smoke-run the benchmarks (the fake's
# own rows, the fake next to its floor) and the soak, run the compatibility
# matrix's lowest versions, then the whole suite: SDK 0.7.0 and 0.6.0, in
# process and over HTTP, real sockets and real browsers, the docs' code
# blocks, two workers, random order (pytest-randomly), branch coverage of
# model/ and api/ with a floor. The suite runs last so that its summary is
# the closing line.
#
# Quiet until the summary: each step writes its output to .test-logs/<step>.log
# and prints one line; a step that fails prints its log's end and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
logs="$PWD/.test-logs"
rm -rf "$logs" && mkdir -p "$logs"

step() {  # step NAME COMMAND...: run it into .test-logs/NAME.log
    local name="$1"; shift
    if ! "$@" > "$logs/$name.log" 2>&1; then
        echo "FAILED: $name (the end of $logs/$name.log follows)" >&2
        tail -n 60 "$logs/$name.log" >&2
        exit 1
    fi
}

# The browser tests drive Debian's Chromium through Playwright (no browser
# download), and the floor benchmark's smoke drives the servers with wrk:
# install them when they are missing.
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v wrk > /dev/null || missing="$missing wrk"
if [ -n "$missing" ]; then
    as_root=""
    [ "$(id -u)" = 0 ] || as_root="sudo"
    step apt-update $as_root apt-get update -qq
    step apt-install env DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq $missing
fi

step venv python3 -m venv .venv
step pip-upgrade .venv/bin/python -m pip install --upgrade pip
step install .venv/bin/python -m pip install -e '.[test]'
# SDK 0.6.0 lives beside 0.7.0 and is loaded under another name by the tests
step install-sdk-0.6 .venv/bin/python -m pip install --no-deps --upgrade --target .venv/radist-server-0.6.0 'radist-server==0.6.0'
export RADIST_SDK_060_PATH="$PWD/.venv/radist-server-0.6.0"
echo "installed: $(.venv/bin/python -c 'import pytest_radist; print("pytest-radist", pytest_radist.__version__)')"

step mypy .venv/bin/python -m mypy
echo "mypy --strict: $(tail -n 1 "$logs/mypy.log")"
# the release artefacts: an sdist and a wheel that twine (PyPI's rules) accepts
dist="$(mktemp -d)"
step build .venv/bin/python -m build --outdir "$dist" .
step twine .venv/bin/python -m twine check --strict "$dist"/*
rm -rf "$dist"
echo "release artefacts: sdist and wheel pass twine check --strict"
# the docs site, strictly: a broken link or anchor fails the build
site="$(mktemp -d)"
step mkdocs env NO_MKDOCS_2_WARNING=1 .venv/bin/python -m mkdocs build --strict --site-dir "$site"
rm -rf "$site"
echo "docs site: builds with --strict"

step bench .venv/bin/python bench/bench.py --quick
# the fake next to a static ASGI app on its own server (uvicorn + httptools), driven by wrk: the ratio to the floor
step floor .venv/bin/python bench/floor.py --quick
# the soak's smoke: sockets held past twice every server timeout, beside REST load and clients that stop reading
step soak .venv/bin/python bench/soak.py --quick
# one radist-fake shared by 4 and 16 tenants: total throughput against one project, and no leak between them
step tenants .venv/bin/python bench/tenants.py --quick
# snapshots of 100,000 calls: snapshot and restore times, bytes a call, the p99 cost of saves, a restored fixture world
step snapshots .venv/bin/python bench/snapshots.py --quick
# media peers (the media extra): the CPU of one, and four at once above 12 fps
step media .venv/bin/python bench/media.py --quick
# the server held to h11: the corpus and 300 mutations (bench/differential.py runs 20,000)
step differential .venv/bin/python bench/differential.py --quick
echo "$(tail -n 1 "$logs/differential.log")"
for run in bench floor soak tenants snapshots media; do
    echo "$run smoke: $(grep -c 'meets target' "$logs/$run.log" || true) rows meet their target," \
         "$(grep -c 'MISSES target' "$logs/$run.log" || true) miss it (a shared, noisy machine: the full runs decide)," \
         "$(grep -c ' report$' "$logs/$run.log" || true) are reported only; see $logs/$run.log"
done

# the compatibility matrix's smoke: every dependency at the floor pyproject.toml
# declares (pytest 7.4, uvicorn 0.35, SDK 0.6, ...); scripts/matrix.sh runs it all
step matrix-lowest env PATH="$PWD/.venv/bin:$PATH" .venv/bin/nox -f noxfile.py -s lowest
echo "compatibility matrix, lowest versions: $(grep -E '^[0-9]+ passed' "$logs/matrix-lowest.log" | tail -n 1)"

# random order (pytest-randomly); branch coverage of model/ and api/ with a
# floor of 95 % (pyproject.toml's [tool.coverage.report]), shown before the summary
.venv/bin/python -m pytest -n 2 --cov --cov-report=term "$@"
