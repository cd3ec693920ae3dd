"""radist_fake_factory: a fresh fake for every Hypothesis example."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_radist import strategies as rst

from .helpers import UNRELATED_PLUGINS

seen_fakes: list[int] = []


@settings(max_examples=25)
@given(access=rst.access_controls(), count=st.integers(1, 4))
def test_each_example_starts_from_a_fresh_fake(radist_fake_factory: Any, access: str, count: int) -> None:
    with radist_fake_factory() as fake:
        assert fake.calls == {} and fake.requests == []
        seen_fakes.append(id(fake))
        client = fake.client()
        for _ in range(count):
            client.create_p2p_connection(access_control=access)
        assert len(fake.calls) == count
        fake.assert_called("create_call", times=count, accessControl=access)


@settings(max_examples=10)
@given(limit=st.integers(0, 3))
def test_factory_settings_and_http(radist_fake_factory: Any, limit: int) -> None:
    import urllib.error
    import urllib.request

    with radist_fake_factory(connection_limit=limit) as fake:
        assert fake.seed == 0 and fake.project.connection_limit == limit
        request = urllib.request.Request(f"{fake.url}/api/v1/projects/{fake.project.id}/calls", method="POST",
                                         headers={"Authorization": f"Bearer {fake.project.secret_key}"})
        try:
            status = urllib.request.urlopen(request, timeout=10).status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == (429 if limit == 0 else 200)


def test_factory_checks_strictness_per_example(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_loop(radist_fake_factory):
            with radist_fake_factory() as fake:
                fake.transport("http://x/api/v1/nope", "GET", {}, None)
        """
    )
    result = pytester.runpytest(*UNRELATED_PLUGINS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*GET /api/v1/nope is not a Radist endpoint*"])


def test_factory_gives_the_server_back_to_the_tests_fake(radist_fake: Any, radist_fake_factory: Any) -> None:
    import json
    import urllib.request

    def total(fake: Any) -> int:
        request = urllib.request.Request(f"{fake.url}/api/v1/projects/{fake.project.id}/calls",
                                         headers={"Authorization": f"Bearer {fake.project.secret_key}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(json.loads(response.read())["total"])

    radist_fake.make_call()
    with radist_fake_factory() as inner:
        assert total(inner) == 0
        assert inner.url != radist_fake.url
        assert total(radist_fake) == 1  # the test's own fake still answers at its URL
    assert total(radist_fake) == 1
    with pytest.raises(RuntimeError, match="inside the block"):
        with radist_fake_factory():
            raise RuntimeError("inside the block")
    assert total(radist_fake) == 1
