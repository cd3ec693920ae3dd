"""The radist-fake command as a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from pytest_radist.cli import build_parser


from .helpers import start_radist_fake as _start_cli


def test_radist_fake_serves_prints_credentials_and_stops_on_ctrl_c() -> None:
    process, settings = _start_cli("--seed", "7", "--project-id", "demo")
    try:
        assert settings["RADIST_PROJECT_ID"] == "demo" and settings["RADIST_FAKE_SEED"] == "7"
        assert settings["RADIST_KEY"].startswith("rad_sk_") and settings["RADIST_PUBLIC_KEY"].startswith("rad_pk_")
        base = settings["RADIST_API_BASE_URL"]
        create = urllib.request.Request(base + "/api/v1/projects/demo/calls", method="POST",
                                        headers={"Authorization": "Bearer " + settings["RADIST_KEY"]})
        with urllib.request.urlopen(create, timeout=10) as response:
            assert json.loads(response.read())["accessControl"] == "private"
        # a client in another process injects a fault through the control plane
        fault = urllib.request.Request(base + "/_radist/faults", method="POST", headers={"Content-Type": "application/json"},
                                       data=json.dumps({"endpoint": "create_call", "status": 503}).encode())
        urllib.request.urlopen(fault, timeout=10).close()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(create, timeout=10)
        assert refused.value.code == 503
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert "stopped" in out
    finally:
        process.kill()
        process.wait()


def test_same_seed_same_keys() -> None:
    def keys() -> str:
        process = subprocess.Popen([sys.executable, "-m", "pytest_radist.cli", "--port", "0", "--seed", "3"],
                                   stdout=subprocess.PIPE, text=True, env={**os.environ})
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        process.terminate()
        process.wait(timeout=10)
        return "".join(line for line in lines if "KEY" in line)

    assert keys() == keys()


def test_defaults_are_documented() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 8765)


def test_bad_key_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    from pytest_radist.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--port", "0", "--secret-key", "nope"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == "radist-fake: argument --secret-key: must be a secret key (rad_sk_...), got 'nope'\n"


def test_sigterm_stops_radist_fake_while_clients_hold_connections() -> None:
    import socket
    from urllib.parse import urlsplit

    process, settings = _start_cli()
    try:
        address = urlsplit(settings["RADIST_API_BASE_URL"])
        idle = socket.create_connection((address.hostname, address.port), timeout=10)
        half = socket.create_connection((address.hostname, address.port), timeout=10)
        half.sendall(b"POST /api/v1/projects/test-project/calls HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{")
        garbage = socket.create_connection((address.hostname, address.port), timeout=10)
        garbage.sendall(b"\x00\x01 not http\r\n\r\n")
        assert b'"error"' in garbage.recv(1000)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)  # the old server never returned
        assert process.returncode == 0 and "stopped" in out
        assert "Traceback" not in err and err.strip() == ""
        for sock in (idle, half, garbage):
            sock.close()
    finally:
        process.kill()


def test_a_port_in_use_is_a_one_line_error() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "pytest_radist.cli", "--port", str(port)],
            capture_output=True, text=True, timeout=30,
        )
    assert result.returncode == 2
    assert result.stderr == f"radist-fake: cannot listen on 127.0.0.1:{port}: the port is in use; pick another (--port 0 picks a free one)\n"


def test_radist_fake_caps_its_journal() -> None:
    process, settings = _start_cli("--journal-limit", "3")
    try:
        base, key = settings["RADIST_API_BASE_URL"], settings["RADIST_KEY"]
        for _ in range(5):
            request = urllib.request.Request(base + "/api/v1/projects/test-project/calls", method="POST",
                                             headers={"Authorization": "Bearer " + key})
            urllib.request.urlopen(request, timeout=10).close()
        with urllib.request.urlopen(base + "/_radist/requests", timeout=10) as response:
            assert len(json.loads(response.read())["requests"]) == 3
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)


def test_radist_fake_narrows_allowed_origins() -> None:
    process, settings = _start_cli("--allow-origin", "http://app.localhost:3000")
    try:
        base = settings["RADIST_API_BASE_URL"]

        def preflight(origin: str) -> int:
            request = urllib.request.Request(base + "/api/v1/p2p/calls/x/token", method="OPTIONS",
                                             headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
            try:
                return urllib.request.urlopen(request, timeout=10).status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert preflight("http://app.localhost:3000") == 204
        assert preflight("http://elsewhere.localhost") == 403
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)


def test_every_option_reads_the_environment() -> None:
    from pytest_radist.command_line import read_settings
    from pytest_radist.cli import CLI_SETTINGS, env_name

    environ = {"RADIST_FAKE_TOKEN_TTL": "none", "RADIST_FAKE_ROOM_LIMIT": "3", "RADIST_FAKE_RECONNECT_GRACE": "2.5",
               "RADIST_FAKE_ALLOW_ORIGIN": "http://a.localhost,http://b.localhost", "RADIST_FAKE_REALTIME": "true"}
    values = read_settings(build_parser(environ).parse_args([]), CLI_SETTINGS)
    assert (values["token_ttl"], values["room_limit"], values["reconnect_grace"], values["realtime"]) == (None, 3, 2.5, True)
    assert values["allowed_origins"] == ("http://a.localhost", "http://b.localhost")
    assert read_settings(build_parser(environ).parse_args(["--room-limit", "none"]), CLI_SETTINGS)["room_limit"] is None  # the command line wins
    assert all(env_name(s.flag) == s.env for s in CLI_SETTINGS)
    assert {"--room-limit", "--reconnect-grace", "--public-base-url", "--room-participant-cap"} <= {s.flag for s in CLI_SETTINGS}


BAD_VALUES = [
    (["--port", "eighty"], {}, "argument --port: must be a whole number >= 0 and <= 65535, got 'eighty'"),
    (["--port", "99999"], {}, "argument --port: must be a whole number >= 0 and <= 65535, got '99999'"),
    (["--port", "-1"], {}, "argument --port: must be a whole number >= 0 and <= 65535, got '-1'"),
    (["--port", "65536"], {}, "argument --port: must be a whole number >= 0 and <= 65535, got '65536'"),
    (["--token-ttl", "-1"], {}, "argument --token-ttl: must be a number of seconds >= 0, or none (forever), got '-1'"),
    (["--journal-limit", "0"], {}, "argument --journal-limit: must be a whole number >= 1, or none (all), got '0'"),
    (["--read-timeout", "0"], {}, "argument --read-timeout: must be a number of seconds >= 0.001 and <= 86400, got '0'"),
    (["--tokn-ttl", "5"], {}, "unrecognized arguments: --tokn-ttl 5 (did you mean --token-ttl?)"),
    ([], {"RADIST_FAKE_PORT": "x"}, "RADIST_FAKE_PORT='x': must be a whole number >= 0 and <= 65535"),
    (["--port", "0", "--host", "256.1.1.1"], {},
     "cannot listen on 256.1.1.1:0: 256.1.1.1 is not an address of this machine (--host takes one, such as 127.0.0.1, or 0.0.0.0 for every interface)"),
]


@pytest.mark.parametrize("args, env, message", BAD_VALUES, ids=[" ".join(a) or next(iter(e)) for a, e, _ in BAD_VALUES])
def test_a_bad_value_is_one_line_naming_the_flag_and_exit_status_2(args: list[str], env: dict[str, str], message: str) -> None:
    result = subprocess.run([sys.executable, "-m", "pytest_radist.cli", *args], capture_output=True, text=True,
                            timeout=30, env={**os.environ, **env})
    assert (result.returncode, result.stderr) == (2, f"radist-fake: {message}\n")


def test_every_interface_gets_a_warning_a_usable_url_and_a_control_token() -> None:
    process, settings = _start_cli("--host", "0.0.0.0", "--control-token", "s3cret-token")
    try:
        base = settings["RADIST_API_BASE_URL"]
        assert base.startswith("http://127.0.0.1:")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/_radist/state", timeout=10)
        assert refused.value.code == 401 and "control token" in json.loads(refused.value.read())["error"]
        request = urllib.request.Request(base + "/_radist/health", headers={"Authorization": "Bearer s3cret-token"})
        assert json.loads(urllib.request.urlopen(request, timeout=10).read()) == {"ok": True}
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    assert "warning: listening on every interface (0.0.0.0)" in err and "a control token protects /_radist/" in err
