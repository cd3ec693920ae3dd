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


def test_the_cache_stays_bounded_whatever_paths_arrive() -> None:
    for n in range(routes._MATCHES_KEPT + 500):
        assert routes.match("GET", f"/api/v1/projects/p{n}/calls").endpoint == "list_calls"
        assert routes.match("GET", f"/nowhere/{n}") is routes.NO_MATCH
    assert len(routes._MATCHES) <= routes._MATCHES_KEPT
    assert dict(routes.match("POST", "/api/v1/projects/last/calls").params) == {"projectId": "last"}
