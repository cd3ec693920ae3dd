"""The pytest glue, exercised in isolated pytest runs (pytester)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from .helpers import UNRELATED_PLUGINS


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*UNRELATED_PLUGINS, *args)


def test_each_test_gets_a_fresh_fake_on_one_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        seen = {}

        def test_one(radist_fake, radist_client):
            radist_client.create_p2p_connection()
            seen["url"] = radist_fake.url
            seen["fake"] = radist_fake
            assert len(radist_fake.calls) == 1

        def test_two(radist_fake):
            assert radist_fake.calls == {} and radist_fake.requests == []
            assert radist_fake is not seen["fake"]
            assert radist_fake.url == seen["url"]  # the server is reused
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_settings_precedence_marker_over_command_line_over_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nradist_seed = 11\nradist_project_id = from-ini\nradist_token_ttl = 60\n")
    pytester.makepyfile(
        """
        import pytest

        def test_cli_beats_ini(radist_fake):
            assert radist_fake.seed == 22
            assert radist_fake.project.id == "from-ini"
            assert radist_fake.token_ttl == 60

        @pytest.mark.radist(seed=33, token_ttl=None, connection_limit=1, room_participant_cap=3)
        def test_marker_beats_cli(radist_fake):
            assert radist_fake.seed == 33 and radist_fake.token_ttl is None
            assert radist_fake.project.connection_limit == 1
        """
    )
    run(pytester, "--radist-seed=22").assert_outcomes(passed=2)


def test_same_seed_same_ids(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_ids(radist_fake, radist_client):
            print("IDS", radist_fake.project.secret_key, radist_client.create_p2p_connection().call_id)
        """
    )
    first = [l for l in run(pytester, "-s", "--radist-seed=5").outlines if "IDS rad_sk_" in l]
    second = [l for l in run(pytester, "-s", "--radist-seed=5").outlines if "IDS rad_sk_" in l]
    third = [l for l in run(pytester, "-s", "--radist-seed=6").outlines if "IDS rad_sk_" in l]
    assert first == second != third and len(first) == 1


def test_failure_report_prints_the_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_fails(radist_fake):\n    assert radist_fake.calls == {1: 1}\n")
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines([r".*radist_fake seed: \d+ \(replay with --radist-seed=\d+\)"])


def test_a_seed_pytest_randomly_chose_is_replayed_with_pytest_randomly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_fails(radist_fake):\n    print('SEED', radist_fake.seed)\n    assert radist_fake.calls == {1: 1}\n")
    plugins = [arg for arg in UNRELATED_PLUGINS if arg != "no:randomly"]
    plugins = [a for i, a in enumerate(plugins) if not (a == "-p" and i + 1 < len(plugins) and plugins[i + 1] == "-p")]
    first = pytester.runpytest(*plugins, "-p", "randomly", "-s", "--randomly-seed=4242")
    first.assert_outcomes(failed=1)
    first.stdout.re_match_lines([r".*radist_fake seed: \d+, chosen by pytest-randomly \(replay with -p randomly --randomly-seed=4242,.*"])
    again = pytester.runpytest(*plugins, "-p", "randomly", "-s", "--randomly-seed=4242")
    seeds = [re.findall(r"SEED (\d+)", result.stdout.str()) for result in (first, again)]
    assert seeds[0] == seeds[1] and len(seeds[0]) == 1  # the hint's replay gives the same fake


def test_strict_mode_fails_unroutable_requests_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest, urllib.request, urllib.error

        def _get(url):
            try:
                urllib.request.urlopen(url)
            except urllib.error.HTTPError as exc:
                return exc.code

        def test_typo(radist_fake):
            assert _get(radist_fake.url + "/api/v1/projects/p/call") == 404

        @pytest.mark.radist(strict=False)
        def test_typo_allowed(radist_fake):
            assert _get(radist_fake.url + "/api/v1/projects/p/call") == 404
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines([
        "*GET /api/v1/projects/p/call is not a Radist endpoint (404); closest: list_calls (GET /api/v1/projects/{projectId}/calls)*",
        "*@pytest.mark.radist(strict=False)*",
    ])


def test_unknown_marker_setting_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("import pytest\n@pytest.mark.radist(sed=1)\ndef test_x(radist_fake):\n    pass\n")
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.re_match_lines([r".*@pytest.mark.radist got unknown setting\(s\) 'sed' \(did you mean 'seed'\?\); known: .*"])


def test_radist_env_sets_and_restores(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os
        import radist_server

        def test_env(radist_env, radist_fake):
            client = radist_server.RadistServerClient()
            call = client.create_p2p_connection()
            assert call.call_id in radist_fake.calls
            assert os.environ["RADIST_API_BASE_URL"] == radist_fake.url == radist_env["RADIST_API_BASE_URL"]

        def test_after():
            assert os.environ.get("RADIST_KEY") == "before"
        """
    )
    os.environ["RADIST_KEY"] = "before"
    try:
        run(pytester).assert_outcomes(passed=2)
    finally:
        del os.environ["RADIST_KEY"]


def test_radist_client_without_the_sdk_says_what_to_install(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("import sys\nsys.modules['radist_server'] = None\n")
    pytester.makepyfile("def test_client(radist_client):\n    pass\n")
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*pip install radist-server*"])


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, pytest_radist.plugin;"
        "heavy = [m for m in ('hypothesis', 'faker', 'radist_server', 'werkzeug', 'requests', 'uvicorn', 'httptools', 'websockets', 'asyncio') if m in sys.modules];"
        "print(heavy)"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_an_exception_in_the_server_thread_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json, urllib.request, urllib.error
        from pytest_radist.model.calls import CallRules

        def test_bug(radist_fake, monkeypatch):
            def broken(world, project):
                raise RuntimeError("boom")
            monkeypatch.setattr(CallRules, "create_room", broken)
            request = urllib.request.Request(
                f"{radist_fake.url}/api/v1/projects/{radist_fake.project.id}/rooms", method="POST",
                headers={"Authorization": "Bearer " + radist_fake.project.secret_key})
            try:
                urllib.request.urlopen(request)
            except urllib.error.HTTPError as exc:
                assert exc.code == 500
                assert "RuntimeError: boom" in json.loads(exc.read())["error"]
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*internal error on POST /api/v1/projects/test-project/rooms: RuntimeError: boom*"])


def test_allowed_origins_from_the_command_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_origins(radist_fake):
            assert radist_fake.browser.origin_allowed("http://app.localhost:3000", "client")
            assert not radist_fake.browser.origin_allowed("http://other.localhost", "client")
        """
    )
    run(pytester, "--radist-allowed-origins=http://app.localhost:3000,http://b.localhost").assert_outcomes(passed=1)
    result = run(pytester, "--radist-allowed-origins=app.localhost")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--radist-allowed-origins / radist_allowed_origins must be origins such as http://localhost:3000, or none (any origin), got*"])


def test_a_bad_setting_is_one_usage_error_at_start_up(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_one(radist_fake):\n    pass\n\ndef test_two(radist_fake):\n    pass\n")
    result = run(pytester, "--radist-seed=abc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.str().count("--radist-seed / radist_seed must be a whole number >= 0, or none (random), got 'abc'") == 1
    result.stdout.no_fnmatch_line("*test_one*")


def test_a_strict_failure_is_printed_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import urllib.request, urllib.error

        def test_unroutable(radist_fake):
            try:
                urllib.request.urlopen(radist_fake.url + "/api/v1/nowhere", timeout=5)
            except urllib.error.HTTPError:
                pass
        """
    )
    result = run(pytester, "-rN")  # no short summary: on CI it repeats whole messages
    result.assert_outcomes(passed=1, errors=1)
    output = result.stdout.str()
    assert output.count("(mark the test with @pytest.mark.radist(strict=False) to allow this)") == 1
    assert "During handling of the above exception" not in output


@pytest.mark.parametrize("module, extra", [("pytest_radist.strategies", "hypothesis"), ("pytest_radist.faker_provider", "faker")])
def test_a_missing_extra_names_the_install(module: str, extra: str) -> None:
    code = f"import sys; sys.modules[{extra!r}] = None; import {module}"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert f"pip install 'pytest-radist[{extra}]'" in result.stderr


def _without_randomly() -> list[str]:
    """UNRELATED_PLUGINS, with pytest-randomly left on."""
    pairs = zip(UNRELATED_PLUGINS[::2], UNRELATED_PLUGINS[1::2])
    return [arg for flag, name in pairs if name != "no:randomly" for arg in (flag, name)]


def test_the_fake_seed_follows_pytest_randomly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_seed(radist_fake):
            sys.stderr.write(f"SEED {radist_fake.seed}\\n")
        """
    )
    # a subprocess: pytest-randomly caches its seeders, which in-process runs would re-import
    def seeds(*extra: str) -> set[str]:
        result = pytester.runpytest_subprocess("-s", *_without_randomly(), "-p", "no:cacheprovider", *extra)
        return {line for line in result.errlines if line.startswith("SEED")}

    replayed = seeds("--randomly-seed=1234") | seeds("--randomly-seed=1234")
    assert len(replayed) == 1  # the same every run: --randomly-seed=N replays the test
    assert seeds("--randomly-seed=99") != replayed
    assert seeds("--randomly-seed=1234", "--radist-seed=7") == {"SEED 7"}  # --radist-seed still wins


def test_failures_point_at_the_test_not_the_plugin(pytester: pytest.Pytester) -> None:
    """Assertion helpers hide their own frames (__tracebackhide__), as pytest's do."""
    pytester.makepyfile(
        """
        def test_journal(radist_fake):
            radist_fake.assert_called("create_call")

        def test_wait(radist_fake):
            radist_fake.wait_until(lambda: False, timeout=0.05, what="nothing")

        def test_waiting_for_peers(radist_fake):
            radist_fake.wait_for_peers(radist_fake.make_call(), 2, timeout=0.05)
        """
    )
    result = run(pytester, "--tb=long")
    result.assert_outcomes(failed=3)
    output = result.stdout.str()
    assert "expected create_call to be called at least once" in output
    assert "waited 0.05 s for nothing" in output
    for own in ("pytest_radist/target.py", "pytest_radist/fake/people.py", "pytest_radist/controls/presence.py"):
        assert own not in output, f"{own} is shown in a test's traceback"
