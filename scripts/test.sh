#!/usr/bin/env bash
# Install pytest-radist from scratch into .venv (and Debian's chromium for the
# browser tests), type-check it, build and check the release artefacts and
# the docs site, smoke-run the benchmark, then run the whole
# suite: SDK 0.7.0 and 0.6.0, in process and over HTTP, real sockets and real
# browsers, the docs' code blocks, two workers, random order (after a smoke of
# the compatibility matrix: the lowest versions the ranges allow). The suite runs last so that its
# summary is the closing line.
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser tests drive Debian's Chromium through Playwright (no browser
# download): install it when it is missing.
if [ ! -x /usr/bin/chromium ]; then
    as_root=""
    [ "$(id -u)" = 0 ] || as_root="sudo"
    $as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq chromium >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# SDK 0.6.0 lives beside 0.7.0 and is loaded under another name by the tests
.venv/bin/python -m pip install --quiet --no-deps --upgrade --target .venv/radist-server-0.6.0 'radist-server==0.6.0'
export RADIST_SDK_060_PATH="$PWD/.venv/radist-server-0.6.0"

.venv/bin/python -m mypy
# the release artefacts: an sdist and a wheel that twine (PyPI's rules) accepts
dist="$(mktemp -d)"
.venv/bin/python -m build --outdir "$dist" . >/dev/null
.venv/bin/python -m twine check --strict "$dist"/*
rm -rf "$dist"
# the docs site, strictly: a broken link or anchor fails the build
site="$(mktemp -d)"
NO_MKDOCS_2_WARNING=1 .venv/bin/python -m mkdocs build --strict --quiet --site-dir "$site"
rm -rf "$site"
.venv/bin/python bench/bench.py --quick
# the soak's smoke: sockets held past twice every server timeout, beside REST load and clients that stop reading
.venv/bin/python bench/soak.py --quick
# the compatibility matrix's smoke: every dependency at the floor pyproject.toml
# declares (pytest 7.4, uvicorn 0.35, SDK 0.6, ...); scripts/matrix.sh runs it all
PATH="$PWD/.venv/bin:$PATH" .venv/bin/nox -f noxfile.py -s lowest
# random order (pytest-randomly); branch coverage of model/ and api/ with a
# floor of 95 % (pyproject.toml's [tool.coverage.report]), shown before the summary
.venv/bin/python -m pytest -n 2 --cov --cov-report=term "$@"
