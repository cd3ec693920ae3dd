"""The Hypothesis strategies produce what Radist (and the SDK) accept."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import radist_server
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_radist import ENDPOINTS, RadistFake

from .helpers import needs_spaces
from pytest_radist import strategies as rst
from pytest_radist.model.world import SLUG_PATTERN

from .helpers import calls_path, raw

PART = "[A-Za-z0-9_-]{32}"
SHAPES = {
    rst.secret_keys: f"rad_sk_{PART}", rst.public_keys: f"rad_pk_{PART}", rst.participant_tokens: f"ct_{PART}",
    rst.reconnect_tokens: f"rt_{PART}", rst.peer_ids: f"peer_{PART}", rst.host_tokens: f"ht_{PART}",
    rst.timestamps: r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
}


@pytest.mark.parametrize("strategy,pattern", SHAPES.items(), ids=[s.__name__ for s in SHAPES])
@given(data=st.data())
def test_token_and_key_shapes(strategy: Any, pattern: str, data: st.DataObject) -> None:
    assert re.fullmatch(pattern, data.draw(strategy()))


@given(st.one_of(rst.call_ids(), rst.room_ids(), rst.space_ids()))
def test_ids_are_uuid4(value: str) -> None:
    assert uuid.UUID(value).version == 4


@given(rst.slugs())
def test_slugs_are_valid(slug: str) -> None:
    assert SLUG_PATTERN.match(slug) and len(slug) <= 64


def _sdk_reading(endpoint: str, body: dict[str, Any], status: int = 200) -> Any:
    """Have the real SDK parse ``body`` as the answer to ``endpoint``."""
    if "space" in endpoint:
        needs_spaces(radist_server)
    answer = lambda *a: (status, body)  # noqa: E731
    # SDK 0.6 names its transport parameter _transport (only the matrix runs it)
    door = {"transport": answer} if hasattr(radist_server, "Space") else {"_transport": answer}
    client = radist_server.RadistServerClient("rad_sk_x", project_id="p", **door)
    call = {
        "create_call": lambda: client.create_p2p_connection(),
        "list_calls": lambda: body,  # the SDK has no list method
        "mint_call_token": lambda: client.mint_connection_token(call_id="c"),
        "mint_call_token_public": lambda: client.mint_connection_token(call_id="c"),
        "create_room": lambda: client.create_room(),
        "mint_room_token": lambda: client.mint_connection_token(room_id="r"),
        "create_space": lambda: client.create_space(name="n", access_type="public"),
        "list_spaces": lambda: client.list_spaces(),
        "update_space": lambda: client.update_space("s", name="n"),
        "delete_space": lambda: client.delete_space("s"),
        "rotate_space_host_token": lambda: client.rotate_space_host_token("s"),
    }[endpoint]
    return call()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@given(data=st.data())
def test_valid_responses_are_accepted_by_the_sdk(endpoint: str, data: st.DataObject) -> None:
    body = data.draw(rst.responses(endpoint))
    _sdk_reading(endpoint, body)
    if endpoint == "list_calls":
        assert set(body) == {"calls", "page", "limit", "total"} and len(body["calls"]) <= body["limit"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@given(data=st.data())
def test_error_responses_raise_the_sdk_error(endpoint: str, data: st.DataObject) -> None:
    status, body = data.draw(rst.error_responses(endpoint))
    assert 400 <= status < 500 and set(body) == {"error"}
    if endpoint == "list_calls":
        return
    with pytest.raises(radist_server.RadistApiError) as info:
        _sdk_reading(endpoint, body, status)
    assert (info.value.status_code, str(info.value)) == (status, body["error"])


def test_error_responses_cover_every_documented_row() -> None:
    seen: set[tuple[int, str]] = set()

    @given(rst.error_responses("mint_call_token_public"))
    @settings(max_examples=200)
    def collect(pair: tuple[int, dict[str, str]]) -> None:
        seen.add((pair[0], pair[1]["error"]))

    collect()
    assert {(403, "Call is private."), (404, "Call not found."), (409, "All peers are already connected."),
            (410, "Call has been terminated."), (401, "Invalid public key."), (401, "Missing bearer token.")} <= seen


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(page=rst.page_values(), limit=rst.limit_values())
def test_page_and_limit_validity_matches_the_fake(page: str, limit: str) -> None:
    from urllib.parse import urlencode

    fake = RadistFake(seed=0)
    status, body = raw(fake, "transport", "GET", calls_path(fake) + "?" + urlencode({"page": page, "limit": limit}))
    page_ok = page.isascii() and page.isdigit() and int(page) >= 1
    limit_ok = limit.isascii() and limit.isdigit() and int(limit) >= 1
    if page_ok and limit_ok:
        assert status == 200 and body["limit"] == min(int(limit), 100)
    else:
        assert status == 400 and body["error"] in ("Invalid page query parameter.", "Invalid limit query parameter.")


@settings(max_examples=60)
@given(plan=rst.fault_plans())
def test_fault_plans_are_accepted_and_fire(plan: rst.FaultPlan) -> None:
    fake = RadistFake(seed=0)
    rule = plan.apply(fake)
    endpoint = "create_room" if plan["endpoint"] == "*" else plan["endpoint"]
    assert rule in fake.faults and rule.endpoint == plan["endpoint"]
    assert endpoint in ENDPOINTS


@given(rst.list_calls_queries())
def test_list_queries_only_use_page_and_limit(query: dict[str, str]) -> None:
    assert set(query) <= {"page", "limit"}


def test_unknown_endpoints_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        rst.responses("create_calls")
    with pytest.raises(ValueError, match="unknown endpoint"):
        rst.error_responses("nope")
