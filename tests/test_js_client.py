"""clients/js: the control plane's JavaScript client, generated from
openapi.json (held to it here), and its own tests run with node --test
against radist-fake (issue 26)."""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "clients" / "js"
NODE = shutil.which("node")


def test_the_client_is_what_the_description_makes() -> None:
    generated = runpy.run_path(str(ROOT / "scripts" / "js_client.py"))["generated"]()
    for name, text in generated.items():
        assert (CLIENT / name).read_text() == text, f"regenerate: python scripts/js_client.py ({name})"


def test_every_control_route_has_a_method_and_a_type() -> None:
    description = json.loads((ROOT / "pytest_radist" / "openapi.json").read_text())
    routes = [(method, path) for path, methods in description["paths"].items() if path.startswith("/_radist/") for method in methods]
    script = runpy.run_path(str(ROOT / "scripts" / "js_client.py"))
    names = {script["method_name"](method, path) for method, path in routes}
    js, ts = (CLIENT / "control.js").read_text(), (CLIENT / "control.d.ts").read_text()
    assert len(names) == len(routes)
    for name in names:
        assert re.search(rf"^  {name}\(", js, re.M) and re.search(rf"^  {name}\(.*\): Promise<any>;$", ts, re.M), name
    assert 'endpoint?: "*" | "create_call"' in ts and "project?: string;" in ts  # fields typed from the schema


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_the_client_s_own_tests_pass_against_radist_fake() -> None:
    command = Path(sys.executable).with_name("radist-fake")
    env = {**os.environ, "RADIST_FAKE_COMMAND": str(command)}
    done = subprocess.run([str(NODE), "--test", "test/"], cwd=CLIENT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "# pass 5" in done.stdout and "# fail 0" in done.stdout


NPM = shutil.which("npm")


@pytest.mark.skipif(NODE is None or NPM is None, reason="node and npm are not installed (apt-get install nodejs npm)")
def test_a_playwright_suite_of_four_workers_shares_one_radist_fake() -> None:
    """@playwright/test on Debian's Chromium (no browser download): four
    workers, each in a project of its own on one radist-fake, each page
    joining its worker's call over the signaling socket (clients/js/e2e)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("/usr/bin/chromium is missing: scripts/test.sh installs Debian's chromium")
    env = {**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
           "RADIST_FAKE_COMMAND": str(Path(sys.executable).with_name("radist-fake"))}
    if not (CLIENT / "node_modules" / "@playwright" / "test").exists():
        installed = subprocess.run([str(NPM), "install", "--no-audit", "--no-fund"], cwd=CLIENT, env=env,
                                   capture_output=True, text=True, timeout=300)
        assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-2000:]
    done = subprocess.run([str(NPM), "run", "--silent", "e2e"], cwd=CLIENT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "8 passed" in done.stdout and "failed" not in done.stdout
