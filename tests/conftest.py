from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from collections.abc import Callable, Iterator
from typing import Any, Optional

import pytest

from pytest_radist import RadistFake
from pytest_radist.api.app import ApiRequest
from pytest_radist.target import Outcome

from .helpers import INSTALLED_SDK, MATRIX, needs_spaces

# The loopback server's parsers are C extensions. pytester's in-process runs
# drop the modules first imported inside them, and a C extension imported
# again keeps raising its first exception classes, which the fresh Python
# modules then fail to catch. Importing them here, once, keeps one copy.
import pytest_radist.doors.protocols  # noqa: F401, E402
import pytest_radist.doors.socket_protocol  # noqa: F401, E402

ROOT = Path(__file__).resolve().parent.parent
SDK_060_HINT = (
    "SDK 0.6.0 is not installed beside 0.7.0. Run scripts/test.sh, or: "
    "pip install --no-deps --target .venv/radist-server-0.6.0 radist-server==0.6.0"
)


def _load_sdk_copy(site: Path, alias: str) -> ModuleType:
    """Import the radist_server package found in ``site`` under ``alias``,
    so two versions of the SDK live in one process."""
    if alias in sys.modules:
        return sys.modules[alias]
    package = site / "radist_server"
    spec = importlib.util.spec_from_file_location(alias, package / "__init__.py", submodule_search_locations=[str(package)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return module


def load_sdk(version: str) -> ModuleType:
    if version == INSTALLED_SDK:
        import radist_server

        assert MATRIX or hasattr(radist_server, "Space"), "radist-server 0.7.0 expected"
        return radist_server
    site = Path(os.environ.get("RADIST_SDK_060_PATH", ROOT / ".venv" / "radist-server-0.6.0"))
    if not (site / "radist_server" / "__init__.py").exists():
        pytest.fail(SDK_060_HINT, pytrace=False)
    module = _load_sdk_copy(site, "radist_server_060")
    assert not hasattr(module, "Space"), f"{site} does not hold radist-server 0.6.0"
    return module


SDK_SETUPS = ([(INSTALLED_SDK, "transport"), (INSTALLED_SDK, "http")] if MATRIX
              else [("0.7.0", "transport"), ("0.7.0", "http"), ("0.6.0", "transport"), ("0.6.0", "http")])


@pytest.fixture(params=SDK_SETUPS, ids=[f"sdk{v}-{door}" for v, door in SDK_SETUPS])
def sdk_setup(request: pytest.FixtureRequest, radist_fake: Any) -> tuple[ModuleType, Any]:
    """(sdk module, client) for every SDK version and front door."""
    version, door = request.param
    sdk = load_sdk(version)
    overrides = {"api_base_url": radist_fake.url} if door == "http" else {}
    return sdk, radist_fake.client(sdk=sdk, **overrides)


@pytest.fixture(params=["transport", "http"])
def space_client(request: pytest.FixtureRequest, radist_fake: Any) -> Any:
    """An SDK 0.7.0 client (spaces came in 0.7.0) through either door."""
    import radist_server

    needs_spaces(radist_server)
    overrides = {"api_base_url": radist_fake.url} if request.param == "http" else {}
    return radist_fake.client(**overrides)


@pytest.fixture(params=["transport", "http"])
def door(request: pytest.FixtureRequest) -> str:
    return str(request.param)


CHROMIUM = "/usr/bin/chromium"
#: Flags for a headless Chromium on a machine with no network: no background
#: traffic, and real host ICE candidates instead of mDNS names nobody resolves.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-features=WebRtcHideLocalIpsWithMdns",
]


@pytest.fixture(scope="module")  # not longer: Playwright's sync API keeps an event loop running meanwhile
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# -- radist-fake verify against stand-ins (tests/test_verify.py, tests/test_forward_robustness.py) --

#: A change to one answer: (the request, the fake's outcome) -> the stand-in's.
Deviation = Callable[[ApiRequest, Outcome], Outcome]


@pytest.fixture
def standin() -> Iterator[Callable[..., RadistFake]]:
    """``standin(*deviations)``: a fake on a loopback server of its own
    (HTTP and sockets), each answer passed through the deviations; verify
    it at its ``url``."""
    from .mutants import DeviantFake, Mutant

    served: list[RadistFake] = []

    def serve(*deviations: Deviation, **settings: Any) -> RadistFake:
        mutants = [Mutant(f"deviation {i}", "fake", "§0", answer=lambda r, o, f, d=d: d(r, o)) for i, d in enumerate(deviations)]
        fake = DeviantFake(*mutants, **{"seed": 5, **settings})
        fake.url  # start its server
        served.append(fake)
        return fake

    yield serve
    for fake in served:
        fake.close()


@pytest.fixture
def run_verify(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, Optional[dict[str, Any]], str, str]]:
    """``run_verify(base_url, env, *args)`` -> (exit status, JSON report or None, stdout, stderr)."""
    from pytest_radist.verify.command import main as verify

    for name in ("RADIST_KEY", "RADIST_PROJECT_ID", "RADIST_PUBLIC_KEY", "RADIST_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)

    def run(base_url: Optional[str], env: dict[str, str], *args: str) -> tuple[int, Optional[dict[str, Any]], str, str]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        report = tmp_path / "report.json"
        report.unlink(missing_ok=True)
        status = verify([*(["--base-url", base_url] if base_url else []), "--report", str(report), "--timeout", "5", *args])
        out, err = capsys.readouterr()
        return status, json.loads(report.read_text()) if report.exists() else None, out, err

    return run
