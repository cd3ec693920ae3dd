"""list_calls: defaults, the clamp at 100, pages past the end, bad page and limit."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import calls_path, raw


def _make_calls(fake: Any, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        ids.append(fake.make_call("private").id)
        fake.clock.advance(1)
    return ids[::-1]  # newest first


def test_defaults_and_order(radist_fake: Any, door: str) -> None:
    newest_first = _make_calls(radist_fake, 25)
    status, body = raw(radist_fake, door, "GET", calls_path(radist_fake))
    assert status == 200
    assert (body["page"], body["limit"], body["total"]) == (1, 20, 25)
    assert [c["callId"] for c in body["calls"]] == newest_first[:20]
    assert body["calls"][0] == {"callId": newest_first[0], "createdAt": "2026-01-01T00:00:24.000Z", "tombstonedAt": None}
    page2 = raw(radist_fake, door, "GET", calls_path(radist_fake) + "?page=2")[1]
    assert [c["callId"] for c in page2["calls"]] == newest_first[20:]


def test_limit_is_clamped_to_100(radist_fake: Any, door: str) -> None:
    _make_calls(radist_fake, 120)
    body = raw(radist_fake, door, "GET", calls_path(radist_fake) + "?limit=1000&page=1")[1]
    assert (body["limit"], len(body["calls"]), body["total"]) == (100, 100, 120)


@pytest.mark.parametrize("query", ["page=3&limit=5", "page=999999999999999999"])
def test_page_past_the_end_is_empty(radist_fake: Any, door: str, query: str) -> None:
    _make_calls(radist_fake, 10)
    status, body = raw(radist_fake, door, "GET", calls_path(radist_fake) + "?" + query)
    assert status == 200 and body["calls"] == [] and body["total"] == 10


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "", "%201", "+1", "%2B1", "1e3", "%EF%BC%91",
                                   "9999999999999999999", "9" * 5000])
def test_invalid_page_and_limit(radist_fake: Any, door: str, value: str) -> None:
    assert raw(radist_fake, door, "GET", calls_path(radist_fake) + f"?page={value}") == (400, {"error": "Invalid page query parameter."})
    assert raw(radist_fake, door, "GET", calls_path(radist_fake) + f"?limit={value}") == (400, {"error": "Invalid limit query parameter."})


def test_listing_shows_tombstones_and_counts_everything(radist_fake: Any, door: str) -> None:
    ids = _make_calls(radist_fake, 3)
    call = radist_fake.calls[ids[1]]
    radist_fake.join(call.tokens[0].value).leave()
    body = raw(radist_fake, door, "GET", calls_path(radist_fake))[1]
    assert [c["tombstonedAt"] for c in body["calls"]] == [None, "2026-01-01T00:00:03.000Z", None]
    assert body["total"] == 3


def test_projects_do_not_see_each_others_calls(radist_fake: Any, door: str) -> None:
    _make_calls(radist_fake, 2)
    other = radist_fake.add_project("other")
    body = raw(radist_fake, door, "GET", calls_path(radist_fake, "other"), key=other.secret_key)[1]
    assert body["calls"] == [] and body["total"] == 0
