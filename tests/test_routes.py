"""The router's cache of matches: clients call the same few paths again and
again, so a match is made once and shared; shared, it is read-only, and the
cache stays bounded whatever paths arrive."""

from __future__ import annotations

import pytest

from pytest_radist.api import routes


def test_a_path_is_matched_once_and_its_match_shared_read_only() -> None:
    first = routes.match("POST", "/api/v1/projects/p%2F1/p2p/calls/c1/token")
    again = routes.match("POST", "/api/v1/projects/p%2F1/p2p/calls/c1/token")
    assert again is first
    assert (first.endpoint, dict(first.params)) == ("mint_call_token", {"projectId": "p/1", "callId": "c1"})
    with pytest.raises(TypeError):
        first.params["callId"] = "another"  # type: ignore[index]
    assert routes.match("GET", "/api/v1/projects/p%2F1/p2p/calls/c1/token").endpoint is None  # the method counts


def test_the_cache_stays_bounded_in_bytes_whatever_paths_arrive() -> None:
    for n in range(20_000):
        assert routes.match("GET", f"/api/v1/projects/p{n}/calls").endpoint == "list_calls"
        assert routes.match("GET", f"/nowhere/{n}") is routes.NO_MATCH
        assert routes.cached_match_bytes() <= routes.MATCHES_BUDGET
    assert dict(routes.match("POST", "/api/v1/projects/last/calls").params) == {"projectId": "last"}


def test_long_attacker_chosen_paths_are_matched_but_never_kept() -> None:
    # 4,096 paths of 8 KiB (the server's URL limit) were 32 MiB of cache
    for n in range(300):
        path = f"/api/v1/projects/{'x' * 8000}{n}/calls"
        assert routes.match("GET", path).endpoint == "list_calls"
        assert f"GET {path}" not in routes._MATCHES
    assert routes.cached_match_bytes() <= routes.MATCHES_BUDGET


def test_head_of_a_get_route_is_that_route_and_allow_says_so() -> None:
    assert routes.match("HEAD", "/api/v1/projects/p/calls").endpoint == "list_calls"
    assert routes.match("HEAD", "/api/v1/projects/p/rooms").endpoint is None  # rooms take POST only
    assert routes.allowed_methods("/api/v1/projects/p/calls") == ["GET", "HEAD", "POST"]
    assert routes.allowed_methods("/api/v1/projects/p/rooms") == ["POST"]
