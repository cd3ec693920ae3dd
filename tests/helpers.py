"""Helpers shared by the tests: raw requests through either front door."""

from __future__ import annotations

import importlib.metadata
import json as jsonlib
import os
import subprocess
import sys
import urllib.error
import urllib.request
from types import ModuleType
from typing import Any, Optional

import pytest

from pytest_radist import RadistFake
from pytest_radist.api.app import ApiRequest, parse_body

DOORS = ("transport", "http")
#: Other installed plugins that each in-process pytester run would load again
#: (the faker and hypothesis ones alone cost a second); none is needed there.
#: pytest-randomly is off there too: an inner run's tests may depend on their order.
UNRELATED_PLUGINS = (
    "-p", "no:faker", "-p", "no:hypothesispytest", "-p", "no:xdist", "-p", "no:pytest_httpserver",
    "-p", "no:randomly", "-p", "no:asyncio", "-p", "no:httpx", "-p", "no:anyio",
)
_UNSET: Any = object()


def raw(
    fake: RadistFake,
    door: str,
    method: str,
    path: str,
    *,
    key: Optional[str] = _UNSET,
    json: Any = _UNSET,
    body: Optional[bytes] = None,
    authorization: Optional[str] = _UNSET,
) -> tuple[int, Any]:
    """Send one request to ``fake`` through ``door``; returns (status, JSON body).

    ``key`` defaults to the default project's secret key; ``authorization``
    overrides the whole header (``None`` sends none)."""
    if key is _UNSET:
        key = fake.project.secret_key
    if authorization is _UNSET:
        authorization = None if key is None else f"Bearer {key}"
    if json is not _UNSET:
        body = jsonlib.dumps(json).encode()
    path, _, query = path.partition("?")
    if door == "transport":
        outcome = fake.dispatch(ApiRequest(method, path, query, authorization, parse_body(body)), door="transport")
        return outcome.status, outcome.body
    headers = {"Accept": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    if body is not None:
        headers["Content-Type"] = "application/json"
    url = fake.url + path + ("?" + query if query else "")
    request = urllib.request.Request(url, method=method, headers=headers, data=body)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, jsonlib.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, jsonlib.loads(exc.read())


def calls_path(fake: RadistFake, project_id: Optional[str] = None) -> str:
    return f"/api/v1/projects/{project_id or fake.project.id}/calls"


def start_radist_fake(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """``radist-fake --port 0 ARGS`` as a process, and the settings it printed."""
    from pytest_radist.cli import read_banner

    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_radist.cli", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    return process, read_banner(process.stdout)


def credentials_of(fake: RadistFake) -> dict[str, str]:
    """The environment live mode and verify read, for ``fake``'s project."""
    return {
        "RADIST_KEY": fake.project.secret_key, "RADIST_PROJECT_ID": fake.project.id,
        "RADIST_PUBLIC_KEY": fake.project.public_key,
    }


#: The radist-server installed as ``radist_server``.
INSTALLED_SDK = importlib.metadata.version("radist-server")
#: The compatibility matrix (noxfile.py) runs the SDK tests on the installed
#: SDK alone, whichever release it is; the suite runs 0.7.0 and 0.6.0 side by side.
MATRIX = os.environ.get("RADIST_MATRIX") == "1"


def needs_spaces(sdk: ModuleType) -> None:
    """Skip where the SDK predates spaces (0.6): only the matrix runs one."""
    if not hasattr(sdk, "Space"):
        pytest.skip(f"spaces came in radist-server 0.7.0; the matrix installed {INSTALLED_SDK}")
