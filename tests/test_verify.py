"""``radist-fake verify`` against stand-ins: a faithful one (a radist-fake
process), deliberately different ones (a fake that answers a few checks its
own way, over HTTP and sockets), and broken ones (unreachable, HTML,
garbage, refused credentials, a target that dies mid-run)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import pytest
from pytest_httpserver import HTTPServer

from pytest_radist import RadistFake
from pytest_radist.api import routes
from pytest_radist.api.app import ApiRequest
from pytest_radist.target import Outcome
from pytest_radist.verify import CHECKS
from pytest_radist.verify.command import main as verify

from .helpers import credentials_of, start_radist_fake

from .conftest import Deviation
from .mutants import Mutant


def private_call_message(request: ApiRequest, outcome: Outcome) -> Outcome:
    """Another 403 message on the public mint of a private call."""
    if outcome.status == 403:
        return Outcome(403, {"error": "This call is private."})
    return outcome


def no_clamp(request: ApiRequest, outcome: Outcome) -> Outcome:
    """A limit above 100 is echoed, not clamped."""
    asked = dict(p.split("=", 1) for p in request.query.split("&") if "=" in p).get("limit")
    if routes.match(request.method, request.path).endpoint == "list_calls" and outcome.status == 200 and asked and asked.isdigit():
        assert outcome.body is not None
        return Outcome(200, {**outcome.body, "limit": int(asked)})
    return outcome


def underscore_slugs(request: ApiRequest, outcome: Outcome) -> Outcome:
    """Slugs derived from names join words with ``_``, not ``-``."""
    if routes.match(request.method, request.path).endpoint == "create_space" and outcome.status == 200:
        assert outcome.body is not None
        text = json.dumps(outcome.body)
        slug = outcome.body["space"]["slug"]
        return Outcome(200, json.loads(text.replace(f'"{slug}"', f'"{slug.replace("-", "_")}"').replace(f"/s/{slug}", f"/s/{slug.replace('-', '_')}")))
    return outcome


def other_missing_bearer(request: ApiRequest, outcome: Outcome) -> Outcome:
    """A documented message changed: this is a [doc] disagreement."""
    if outcome.body == {"error": "Missing bearer token."}:
        return Outcome(401, {"error": "Unauthorized"})
    return outcome


def lenient_access_control(fake: RadistFake) -> Deviation:
    """Any accessControl value makes a private call."""
    def deviate(request: ApiRequest, outcome: Outcome) -> Outcome:
        if outcome.body == {"error": "Invalid accessControl value."}:
            call = fake.make_call("private")
            return Outcome(200, {"callId": call.id, "callTokens": [t.value for t in call.tokens], "accessControl": "private"})
        return outcome

    return deviate


def test_a_faithful_target_agrees_on_every_check(standin: Callable[..., RadistFake], run_verify: Any) -> None:
    fake = standin()
    status, report, out, _ = run_verify(fake.url, credentials_of(fake))
    run = [c for c in CHECKS if c.needs is None]
    assert status == 0
    assert report["summary"] == {"checks": len(run), "agree": len(run), "doc_disagreements": 0, "refuted_assumptions": 0}
    assert f"{len(run)} of {len(run)} checks agree" in out
    assert not fake.spaces, "the spaces verify made are deleted"
    assert report["made_on_target"] == {"calls": len(fake.calls), "rooms": len(fake.rooms), "spaces": 4}
    assert set(report["not_run"]) == {c.name for c in CHECKS if c.needs}
    assert {row["checks"] for row in report["coverage"].values()} and set(report["coverage"]) == {f"§{n}" for n in range(1, 8)} - {"§7"}


def test_a_different_standin_refutes_exactly_the_assumptions_it_breaks(
    standin: Callable[..., RadistFake], run_verify: Any, tmp_path: Path,
) -> None:
    fake = standin(private_call_message, no_clamp, underscore_slugs)
    upstream = tmp_path / "issue.md"
    status, report, out, _ = run_verify(fake.url, credentials_of(fake), "--upstream", str(upstream))
    refuted = {
        "mint_call_token_public.private.message", "list_calls.limit_clamped",
        "create_space.slug_from_name", "create_space.slug_clash",
    }
    assert status == 0, "only assumptions differ: nothing documented"
    assert set(report["refuted_assumptions"]) == refuted
    assert report["doc_disagreements"] == []
    disagreeing = {c["name"] for c in report["checks"] if not c["agree"]}
    assert disagreeing == refuted
    by_name = {c["name"]: c for c in report["checks"]}
    assert by_name["mint_call_token_public.private.message"]["differences"] == [
        'error: target "This call is private.", fake "Call is private."'
    ]
    assert by_name["list_calls.limit_clamped"]["target"]["limit"] == 1000
    assert by_name["create_space.slug_clash"]["target"]["suffix"] == "_2"
    assert "Assumptions of the fake the target refuted:" in out and "Documented behaviour" not in out
    assert "| `list_calls.limit_clamped` | [fake] radist-api.md §3 list_calls |" in upstream.read_text()
    assert fake.project.secret_key not in upstream.read_text() + json.dumps(report)
    assert not fake.spaces


def test_a_documented_disagreement_exits_1(standin: Callable[..., RadistFake], run_verify: Any) -> None:
    fake = standin(other_missing_bearer)
    status, report, out, _ = run_verify(fake.url, credentials_of(fake))
    assert status == 1
    assert set(report["doc_disagreements"]) == {"auth.missing_bearer", "auth.not_bearer", "auth.bare_key", "auth.empty_bearer"}
    assert report["refuted_assumptions"] == []
    assert "Documented behaviour the target does not follow (exit status 1):" in out


def test_radist_fake_verify_agrees_with_a_radist_fake_process(tmp_path: Path) -> None:
    process, settings = start_radist_fake()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest_radist.cli", "verify", "--report", str(tmp_path / "r.json")],
            capture_output=True, text=True, timeout=60, env={**settings, "PATH": "/usr/bin:/bin"},
        )
    finally:
        process.terminate()
        process.wait(5)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["agree"] == len([c for c in CHECKS if c.needs is None]) and report["target"] == settings["RADIST_API_BASE_URL"]
    assert re.search(r"^check\s+source\s+target\s+fake\s+agree$", result.stdout, re.M)


def test_objects_made_by_a_lenient_target_are_counted(standin: Callable[..., RadistFake], run_verify: Any) -> None:
    fake = standin()
    fake.mutants = (Mutant("lenient", "fake", "§3", answer=lambda r, o, f: lenient_access_control(f)(r, o)),)  # type: ignore[attr-defined]
    status, report, _, _ = run_verify(fake.url, credentials_of(fake))
    assert status == 0 and report["refuted_assumptions"] == ["create_call.bad_access_control"]
    assert report["made_on_target"]["calls"] == len(fake.calls) == 7 + 3, "three lenient creates, counted"


# -- bad input: one line, exit status 2, no traceback, no report ---------------------


def _one_line_error(status: int, report: Optional[dict[str, Any]], err: str) -> str:
    assert status == 2 and report is None
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err.strip()


def test_missing_credentials_name_every_missing_variable(run_verify: Any) -> None:
    status, report, _, err = run_verify(None, {"RADIST_KEY": "rad_sk_x"})
    line = _one_line_error(status, report, err)
    assert "RADIST_PROJECT_ID" in line and "RADIST_PUBLIC_KEY" in line and "RADIST_KEY (" not in line


def test_an_unreachable_target(run_verify: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nobody listens there
    status, report, _, err = run_verify(f"http://127.0.0.1:{port}", credentials_of(RadistFake(seed=1)))
    line = _one_line_error(status, report, err)
    assert "cannot talk to http://127.0.0.1:" in line and "refused" in line


def test_a_target_answering_html(httpserver: HTTPServer, run_verify: Any) -> None:
    httpserver.expect_request(re.compile(".*")).respond_with_data("<html>Welcome</html>", content_type="text/html")
    status, report, _, err = run_verify(httpserver.url_for(""), credentials_of(RadistFake(seed=1)))
    assert "answered 200 with text/html, not JSON" in _one_line_error(status, report, err)


def test_a_target_answering_garbage(run_verify: Any) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def answer_garbage() -> None:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            connection.recv(65536)
            connection.sendall(b"\x00\x01garbage, not HTTP\r\n\r\n")

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    try:
        status, report, _, err = run_verify(f"http://127.0.0.1:{listener.getsockname()[1]}", credentials_of(RadistFake(seed=1)))
    finally:
        listener.close()
        thread.join(5)
    assert "answered something that is not HTTP" in _one_line_error(status, report, err)


def test_a_wrong_secret_key(standin: Callable[..., RadistFake], run_verify: Any) -> None:
    fake = standin()
    status, report, _, err = run_verify(fake.url, {**credentials_of(fake), "RADIST_KEY": "rad_sk_wrong"})
    line = _one_line_error(status, report, err)
    assert "refused the secret key" in line and "check RADIST_KEY and RADIST_PROJECT_ID" in line


def test_a_wrong_public_key(standin: Callable[..., RadistFake], run_verify: Any) -> None:
    fake = standin()
    status, report, _, err = run_verify(fake.url, {**credentials_of(fake), "RADIST_PUBLIC_KEY": "rad_pk_wrong"})
    assert "check RADIST_PUBLIC_KEY" in _one_line_error(status, report, err)


def test_a_target_that_dies_mid_run_leaves_no_report_and_no_spaces(standin: Callable[..., RadistFake], run_verify: Any) -> None:
    fake = standin()
    fake.mutants = (Mutant("dies", "fake", "§5", answer=lambda r, o, f: replace(o, drop=True)  # type: ignore[attr-defined]
                           if routes.match(r.method, r.path).endpoint == "rotate_space_host_token" and f.spaces else o),)
    if True:  # the first rotation of a space that exists drops the connection, after spaces are made
        status, report, _, err = run_verify(fake.url, credentials_of(fake))
        line = _one_line_error(status, report, err)
        assert "failed during check rotate_space_host_token" in line and "no report written" in line
        assert not fake.spaces, "the spaces made before are deleted"
        fake.assert_called("delete_space")


def test_a_bad_option_is_one_line(run_verify: Any) -> None:
    with pytest.raises(SystemExit) as exit_info:
        verify(["--timeout", "soon"])
    assert exit_info.value.code == 2


# -- the docs list the checks as they are ------------------------------------------------


@pytest.mark.parametrize("page, marker, source", [("live.md", "checks", None), ("assumptions.md", "fake-checks", "fake")])
def test_the_docs_list_every_check(page: str, marker: str, source: Optional[str]) -> None:
    from pytest_radist.verify.report import checks_table

    text = (Path(__file__).resolve().parent.parent / "docs" / page).read_text()
    listed = text.split(f"<!-- {marker}:start -->\n")[1].split(f"\n<!-- {marker}:end -->")[0]
    assert listed == checks_table(source), f"regenerate the table in docs/{page}: python -m pytest_radist.verify.report {source or ''}"


def test_every_check_is_tagged_and_placed() -> None:
    from pytest_radist.verify.checks import SECTIONS

    for check in CHECKS:
        assert check.source in ("doc", "fake") and check.section in SECTIONS and check.rule, check
    assert {c.section for c in CHECKS} >= {"§1", "§2", "§3", "§4", "§5", "§6", "§7"} - {"§7"}


def test_a_side_keeps_one_connection_for_its_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    # verify opened a connection for every request: against the real service, a TLS handshake per check
    import http.client

    from pytest_radist.verify.sides import Side

    opened: list[tuple[str, int]] = []
    connect = http.client.HTTPConnection.connect

    def counting(self: http.client.HTTPConnection) -> None:
        opened.append((self.host, self.port or 0))
        connect(self)

    monkeypatch.setattr(http.client.HTTPConnection, "connect", counting)
    fake = RadistFake(seed=9)
    side = Side(fake.url, timeout=5)
    try:
        for _ in range(10):
            reply = side.send("POST", f"/api/v1/projects/{fake.project.id}/calls", f"Bearer {fake.project.secret_key}", b"{}")
            assert reply.status == 200
    finally:
        side.close()
        fake.close()
    assert len(opened) == 1 and len(fake.calls) == 10
