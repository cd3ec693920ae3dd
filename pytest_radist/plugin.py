"""pytest glue: options, the ``radist`` marker and the fixtures.

Thin on purpose: it wires the layers and holds no logic. pytest imports this
module on every run of every project that installs the plugin, so it imports
nothing heavy at module level.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Generator, Iterator, Optional, Union

import pytest

from .settings import MARKER, OPTIONS, unknown

if TYPE_CHECKING:
    from faker import Faker
    from radist_server import RadistServerClient

    from .doors.server import LoopbackServer
    from .fake import RadistFake
    from .live import LiveCredentials, RadistLive
    from .process import RunningFake
    from .target import RadistTarget


#: The marker of tests that only make sense against the fake: not run in live mode.
FAKE_ONLY_MARKER = "radist_fake_only"

#: ``--radist-record-mode`` (VCR.py's record modes; pytest_radist.fidelity.cassettes.MODES).
RECORD_MODES = ("once", "new_episodes", "all", "none")

_SEED_KEY = pytest.StashKey[int]()
#: Set when pytest-randomly chose the test's seed (its replay is then pytest-randomly's).
_RANDOMLY_KEY = pytest.StashKey[bool]()
_LIVE_KEY = pytest.StashKey[Optional["LiveCredentials"]]()
#: The seed pytest-randomly hands its seeders before each test, if it runs.
_randomly_seed: Optional[int] = None


def reseed(seed: int) -> None:
    """pytest-randomly's ``random_seeder`` entry point: the fake's seed
    follows ``--randomly-seed`` unless ``--radist-seed`` is given."""
    global _randomly_seed
    _randomly_seed = seed


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("radist", "pytest-radist: the offline Radist fake")
    for setting in OPTIONS:  # from the settings table: pytest_radist.settings
        shown = {None: "none", True: "true", False: "false"}.get(setting.default, setting.default)
        help_text = f"{setting.help} (default: {shown}; takes {setting.describe()})"
        group.addoption(setting.option_flag, dest=f"radist_{setting.name}", default=None, metavar=setting.name.upper(), help=help_text)
        parser.addini(setting.ini, help_text, default=None)
    group.addoption(
        "--radist-live", dest="radist_live", action="store_true", default=None,
        help="run the radist fixtures against a real Radist (RADIST_KEY, RADIST_PROJECT_ID, RADIST_PUBLIC_KEY, "
             "RADIST_API_BASE_URL): doors forward, controls only the fake has skip the test",
    )
    parser.addini("radist_live", "run the radist fixtures against a real Radist (see --radist-live)", type="bool", default=False)
    group.addoption(
        "--radist-record", dest="radist_record", metavar="DIR", default=None,
        help="with --radist-live: keep each test's exchanges with the service as a cassette in DIR (secrets and ids named)",
    )
    group.addoption(
        "--radist-record-mode", dest="radist_record_mode", default="once", choices=RECORD_MODES,
        help="once (default): write a test's cassette if it has none; new_episodes: add the new steps; all: rewrite; none: write nothing",
    )
    group.addoption(
        "--radist-replay", dest="radist_replay", metavar="DIR", default=None,
        help="replay every cassette in DIR against a fresh fake, one test each, failing on any difference (no credentials, no network)",
    )


def pytest_configure(config: pytest.Config) -> None:
    fake_settings(config, {})  # a bad --radist-* value is one usage error now, not one per test
    config.stash[_LIVE_KEY] = _live_credentials(config)
    if config.getoption("radist_record", None) and config.stash[_LIVE_KEY] is None:
        raise pytest.UsageError("--radist-record keeps what the real service answers: add --radist-live (and its credentials)")
    replay = config.getoption("radist_replay", None)
    if replay and not os.path.isdir(replay):
        raise pytest.UsageError(f"--radist-replay {replay}: no such directory (record cassettes with --radist-live --radist-record DIR)")
    config.addinivalue_line(
        "markers",
        f"{FAKE_ONLY_MARKER}: the test needs the fake (its controls or state); live mode (--radist-live) does not run it",
    )
    config.addinivalue_line("markers", f"radist(**settings): configure this test's radist_fake: {', '.join(MARKER)}")


def _live_credentials(config: pytest.Config) -> Optional[LiveCredentials]:
    """The credentials of live mode, or ``None`` when the fake is used."""
    if not (config.getoption("radist_live") or config.getini("radist_live")):
        return None
    from .live import LiveCredentials, MissingCredentials

    try:
        return LiveCredentials.from_env(os.environ)
    except MissingCredentials as exc:
        raise pytest.UsageError(f"--radist-live / radist_live: {exc}") from None


def pytest_report_header(config: pytest.Config) -> Optional[str]:
    credentials = config.stash.get(_LIVE_KEY, None)
    if credentials is None:
        return None
    return f"radist: live mode against {credentials.base_url} (project {credentials.project_id}); fake-only tests are not run"


def fake_settings(config: pytest.Config, marker_kwargs: dict[str, Any]) -> dict[str, Any]:
    """Merge the settings: marker > command line > ini file. Text is read
    by the settings table's parser; values are checked by RadistFake."""
    from .errors import InvalidValue

    settings: dict[str, Any] = {}
    for setting in OPTIONS:
        raw = config.getoption(f"radist_{setting.name}") or config.getini(setting.ini)
        if raw:
            try:
                settings[setting.name] = setting.parse(raw, f"{setting.option_flag} / {setting.ini}")
            except InvalidValue as exc:
                raise pytest.UsageError(str(exc)) from None
    wrong = unknown(marker_kwargs, MARKER, "@pytest.mark.radist")
    if wrong:
        raise pytest.UsageError(wrong)
    settings.update(marker_kwargs)
    return settings


@pytest.fixture(scope="session")
def radist_server() -> Iterator[LoopbackServer]:
    """The loopback HTTP server shared by the tests of this session (or xdist
    worker). It starts on first use, on 127.0.0.1 and an ephemeral port."""
    from .doors.server import LoopbackServer

    server = LoopbackServer()
    yield server
    server.stop()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--radist-replay DIR``: one test per cassette, before ``-k`` and the
    like choose among them; live mode: tests marked fake-only are deselected."""
    replay = config.getoption("radist_replay", None)
    if replay:
        from .fidelity.items import cassette_items

        items.extend(cassette_items(session, Path(replay)))
    if config.stash.get(_LIVE_KEY, None) is None:
        return
    fake_only = [item for item in items if item.get_closest_marker(FAKE_ONLY_MARKER)]
    if fake_only:
        config.hook.pytest_deselected(items=fake_only)
        items[:] = [item for item in items if not item.get_closest_marker(FAKE_ONLY_MARKER)]


@pytest.fixture
def radist_fake(request: pytest.FixtureRequest, radist_server: LoopbackServer) -> Iterator[Union[RadistFake, RadistLive]]:
    """A fresh :class:`~pytest_radist.RadistFake` for this test, reachable in
    process (``.transport``, ``.client()``) and over HTTP (``.url``). In
    live mode, a :class:`~pytest_radist.RadistLive` with the same doors
    and journal, forwarding to the real service: what only the fake has
    skips the test there. (Both are a :class:`~pytest_radist.RadistTarget`:
    annotate a test meant for both modes with that.)"""
    marker = request.node.get_closest_marker("radist")
    marker_kwargs = dict(marker.kwargs) if marker else {}
    from .serving import recorder_for, serving_fake, serving_live

    credentials = request.config.stash.get(_LIVE_KEY, None)
    if credentials is not None:
        fake_settings(request.config, marker_kwargs)  # unknown settings are still an error
        directory = request.config.getoption("radist_record", None)
        recorder = recorder_for(request.node.nodeid, credentials) if directory else None
        with serving_live(radist_server, credentials, marker_kwargs, recorder) as live:
            yield live
        if recorder is not None:
            recorder.save(Path(directory), request.config.getoption("radist_record_mode"))
        return
    settings = fake_settings(request.config, marker_kwargs)
    if settings.get("seed") is None:
        settings["seed"] = _randomly_seed if _randomly_seed is not None else random.SystemRandom().randrange(2**32)
        request.node.stash[_RANDOMLY_KEY] = _randomly_seed is not None
    request.node.stash[_SEED_KEY] = settings["seed"]
    with serving_fake(radist_server, settings) as fake:
        yield fake


@pytest.fixture(scope="session")
def radist_fake_factory(pytestconfig: pytest.Config) -> Iterator[Callable[..., ContextManager[RadistFake]]]:
    """``with radist_fake_factory(**settings) as fake:`` gives a fresh fake
    for each Hypothesis example (or any loop inside one test). Session-scoped,
    so ``@given`` tests may use it; the seed defaults to ``--radist-seed``,
    else 0, so that examples replay exactly. Its fakes have a loopback
    server of their own, so a test's ``radist_fake.url`` keeps answering
    from ``radist_fake`` inside the block."""
    from .doors.server import LoopbackServer

    server = LoopbackServer()
    live = pytestconfig.stash.get(_LIVE_KEY, None) is not None

    from .serving import serving_fake, skip

    def new_fake(**settings: Any) -> ContextManager[RadistFake]:
        if live:
            from .errors import FAKE_ONLY

            skip(FAKE_ONLY.format(control="radist_fake_factory"))
        merged = fake_settings(pytestconfig, settings)
        merged.setdefault("seed", 0)
        return serving_fake(server, merged)

    yield new_fake
    server.stop()


@pytest.fixture
def radist_faker(radist_fake: RadistTarget) -> Faker:
    """A ``faker.Faker`` with the Radist provider, seeded like ``radist_fake``."""
    from .faker_provider import radist_faker as make

    return make(seed=radist_fake.seed)


@pytest.fixture
def radist_client(radist_fake: RadistTarget) -> RadistServerClient:
    """A ``radist_server.RadistServerClient`` wired to ``radist_fake`` in process."""
    try:
        return radist_fake.client()
    except ImportError as exc:
        missing = str(exc)
    pytest.fail(missing, pytrace=False)  # outside the except: printed once


@pytest.fixture
def radist_env(radist_fake: RadistTarget, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point ``RADIST_KEY``, ``RADIST_PROJECT_ID``, ``RADIST_PUBLIC_KEY`` and
    ``RADIST_API_BASE_URL`` at ``radist_fake`` over loopback HTTP, for code
    that builds its own client; restored after the test."""
    env = {
        "RADIST_KEY": radist_fake.project.secret_key,
        "RADIST_PROJECT_ID": radist_fake.project.id,
        "RADIST_PUBLIC_KEY": radist_fake.project.public_key,
        "RADIST_API_BASE_URL": radist_fake.url,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def _xdist_worker(config: pytest.Config) -> Optional[str]:
    """This xdist worker's id (``gw0``...), or ``None`` when not one."""
    workerinput = getattr(config, "workerinput", None)
    return None if workerinput is None else str(workerinput["workerid"])


@pytest.fixture(scope="session")
def radist_fake_process(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[RunningFake]:
    """``radist-fake`` as a subprocess, for e2e suites (browsers, other
    languages): one process for the whole session, shared by every xdist
    worker (the first starts it, the last stops it). Its ``.url``, default
    project and ``.control(method, path, body)`` for the control plane."""
    from .process import shared

    base = tmp_path_factory.getbasetemp()
    directory = (base.parent if _xdist_worker(pytestconfig) else base) / "radist-fake"
    with shared(directory) as running:
        yield running


@pytest.fixture(scope="session")
def radist_project(radist_fake_process: RunningFake, pytestconfig: pytest.Config) -> Iterator[dict[str, str]]:
    """A project of this worker's own on :func:`radist_fake_process`
    (``pytest-gw0``, ``pytest-gw1``, ... or ``pytest-main``): the environment
    an app under test reads (``RADIST_API_BASE_URL``, ``RADIST_PROJECT_ID``,
    ``RADIST_KEY``, ``RADIST_PUBLIC_KEY``). Scope faults, the journal, resets
    and the clock to it with ``"project"``; it is removed at the end."""
    name = f"pytest-{_xdist_worker(pytestconfig) or 'main'}"
    status, project = radist_fake_process.control("POST", "projects", {"id": name})
    if status == 409:  # left by an earlier run of this worker: start it afresh
        radist_fake_process.control("POST", "reset", {"project": name})
        project = next(p for p in radist_fake_process.control("GET", "state")[1]["projects"] if p["id"] == name)
    yield {"RADIST_API_BASE_URL": radist_fake_process.url, "RADIST_PROJECT_ID": name,
           "RADIST_KEY": project["secretKeys"][0], "RADIST_PUBLIC_KEY": project["publicKey"]}
    radist_fake_process.control("DELETE", f"projects/{name}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    seed = item.stash.get(_SEED_KEY, None)
    if seed is not None and report.failed:
        report.sections.append(("radist", seed_hint(item, seed)))
    if report.failed and report.when == "call":
        refusals = refusals_of(getattr(item, "funcargs", {}).get("radist_fake"))
        if refusals:
            report.sections.append(("radist: refusals", refusals))
    return report


#: Refusals a failed test's report lists at most (the newest).
REFUSALS_SHOWN = 20


def refusals_of(fake: object) -> str:
    """The requests the test's fake refused, each with why, newest last."""
    journal = getattr(fake, "journal", None)
    if journal is None:
        return ""
    refused = [entry for entry in journal.entries() if entry.why]
    if not refused:
        return ""
    shown = refused[-REFUSALS_SHOWN:]
    lines = [f"{entry.endpoint or 'UNROUTED'} {entry.method} {entry.path} -> {entry.status}: {entry.why}" for entry in shown]
    more = f" (the last {len(shown)} of {len(refused)})" if len(refused) > len(shown) else ""
    return f"{len(refused)} request(s) refused{more}, and why:\n" + "\n".join(f"  {line}" for line in lines)


def seed_hint(item: pytest.Item, seed: int) -> str:
    """How to replay a failed test's fake: pytest-randomly's seed, if it
    chose the fake's (it also replays the order), else ``--radist-seed``."""
    randomly = item.config.getoption("randomly_seed", None) if item.stash.get(_RANDOMLY_KEY, False) else None
    if isinstance(randomly, int):
        return (f"radist_fake seed: {seed}, chosen by pytest-randomly (replay with -p randomly "
                f"--randomly-seed={randomly}, which replays the order too; or this fake alone with --radist-seed={seed})")
    return f"radist_fake seed: {seed} (replay with --radist-seed={seed})"

