"""The compatibility matrix: the ranges in pyproject.toml are what it proves.

    nox                      # every session (scripts/matrix.sh runs it from scratch)
    nox -s lowest            # the smoke CI runs on every submission

Sessions, each in a fresh virtualenv made by uv:

- ``lowest``: every direct dependency at the lowest version its range allows
  (uv's ``--resolution lowest-direct``): pytest 7.4, uvicorn, websockets,
  httptools, the extras' floors, SDK 0.6;
- ``newest``: every dependency at its newest release;
- ``pytest(7.4 | 8 | 9)``: each pytest major line, the rest newest;
- ``sdk(0.6 | 0.7)``: each SDK release as the installed ``radist_server``.

Each runs the tests that exercise what those packages provide (the plugin
under pytester, the loopback server and its sockets, every client door, the
SDK); the suite's own tools (xdist, Playwright, Schemathesis, Sybil) are not
part of the ranges and are left out.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = False
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"

#: The extras a user may install, whose floors the matrix holds.
EXTRAS = ".[all]"

#: What the matrix runs: the tests of what the ranged dependencies provide.
TESTS = (
    "tests/test_plugin.py",
    "tests/test_sdk.py",
    "tests/test_http_door.py",
    "tests/test_signaling.py",
    "tests/test_socket_robustness.py",
    "tests/test_server_robustness.py",
    "tests/test_httpx.py",
    "tests/test_requests_adapter.py",
    "tests/test_lifecycle.py",
    "tests/test_faults.py",
    "tests/test_journal.py",
    "tests/test_settings.py",
    "tests/test_strategies.py",
    "tests/test_faker_provider.py",
    "tests/test_public_api.py",
)

#: Test-only packages those tests import, at whatever version suits the rest.
TEST_TOOLS = ("trio", "pytest-asyncio", "pytest-randomly", "sybil")  # sybil: the root conftest collects the docs


def run_tests(session: nox.Session) -> None:
    session.run("python", "-c", "import importlib.metadata as m; print(' '.join(f'{p}=={m.version(p)}' for p in "
                "('pytest', 'uvicorn', 'websockets', 'httptools', 'radist-server', 'httpx', 'requests', 'hypothesis', 'faker')))")
    # the asyncio ini key is pytest-asyncio's; older pytest-asyncio releases warn about it, which is all
    session.run("python", "-m", "pytest", "-q", "-p", "no:randomly", "-W", "ignore::pytest.PytestConfigWarning",
                *TESTS, *session.posargs, env={"RADIST_MATRIX": "1"})


def install_pinned(session: nox.Session, *requirements: str, tools: tuple[str, ...] = TEST_TOOLS) -> None:
    """Install the project as ``requirements`` (versions, resolver flags)
    say, then the test tools without moving any of it."""
    session.install(*requirements, "-e", EXTRAS)
    frozen = session.run("uv", "pip", "freeze", "--exclude-editable", silent=True, external=True,
                         env={"VIRTUAL_ENV": session.virtualenv.location})
    constraints = f"{session.virtualenv.location}/constraints.txt"
    with open(constraints, "w") as out:
        out.write("\n".join(line for line in str(frozen).splitlines() if "==" in line))  # uv's notes aside
    session.install("-c", constraints, *tools)


@nox.session(python=PYTHON)
def lowest(session: nox.Session) -> None:
    """Every direct dependency at its floor."""
    # anyio 3 (httpx 0.23's) runs trio releases that still have MultiError
    install_pinned(session, "--resolution", "lowest-direct", tools=(*TEST_TOOLS, "trio<0.23"))
    run_tests(session)


@nox.session(python=PYTHON)
def newest(session: nox.Session) -> None:
    """Every dependency at its newest release."""
    install_pinned(session, "--upgrade")
    run_tests(session)


@nox.session(python=PYTHON)
@nox.parametrize("line", ["7.4", "8", "9"])
def pytest(session: nox.Session, line: str) -> None:
    """One pytest release line, everything else newest."""
    install_pinned(session, f"pytest=={line}.*")
    run_tests(session)


@nox.session(python=PYTHON)
@nox.parametrize("release", ["0.6", "0.7"])
def sdk(session: nox.Session, release: str) -> None:
    """One SDK release as the installed radist_server."""
    install_pinned(session, f"radist-server=={release}.*")
    run_tests(session)
