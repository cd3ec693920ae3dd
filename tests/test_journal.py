"""The request journal, its assertions and the token view."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_radist import RadistFake

from .helpers import calls_path, raw


def test_journal_records_every_door(radist_fake: RadistFake) -> None:
    radist_fake.client().create_p2p_connection(access_control="public")
    raw(radist_fake, "http", "GET", calls_path(radist_fake) + "?page=2")
    first, second = radist_fake.requests
    assert (first.endpoint, first.method, first.door, first.status) == ("create_call", "POST", "transport", 200)
    assert first.json == {"accessControl": "public"} and first.key_type == "secret"
    assert first.response["accessControl"] == "public"
    assert first.params == {"projectId": "test-project"}
    assert (second.endpoint, second.door, second.raw_query, second.json) == ("list_calls", "http", "page=2", None)
    assert second.query == {"page": "2"} and second.query.get("limit") is None


def test_keys_are_never_stored_in_clear(radist_fake: RadistFake) -> None:
    secret = radist_fake.project.secret_key
    radist_fake.client().create_room()
    entry = radist_fake.requests[0]
    assert entry.key == f"rad_sk_...{secret[-4:]}" and secret not in repr(entry)


def test_journal_copies_what_it_records(radist_fake: RadistFake) -> None:
    body = {"accessControl": "private"}
    radist_fake.transport("http://x" + calls_path(radist_fake), "POST", {"Authorization": f"Bearer {radist_fake.project.secret_key}"}, body)
    body["accessControl"] = "mutated"
    assert radist_fake.requests[0].json == {"accessControl": "private"}


def test_assert_called_and_not_called(radist_client: Any, radist_fake: RadistFake) -> None:
    radist_client.create_p2p_connection(access_control="public")
    radist_client.create_p2p_connection()
    assert len(radist_fake.assert_called("create_call", times=2)) == 2
    radist_fake.assert_called("create_call", times=1, accessControl="public")
    radist_fake.assert_not_called("create_room")
    with pytest.raises(AssertionError) as info:
        radist_fake.assert_called("create_call", times=3)
    message = str(info.value)
    assert "expected create_call to be called 3 time(s), it was called 2 time(s)" in message
    assert "Requests to create_call (last 2 of 2):" in message and "json={'accessControl': 'public'}" in message
    with pytest.raises(AssertionError, match="Requests that did happen"):
        radist_fake.assert_called("create_room")
    with pytest.raises(AssertionError, match="expected no create_call request, got 2"):
        radist_fake.assert_not_called("create_call")


def test_assert_called_on_an_empty_journal_says_so(radist_fake: RadistFake) -> None:
    with pytest.raises(AssertionError, match="No request reached the fake at all"):
        radist_fake.assert_called("create_call")


def test_minted_tokens_answer_who_minted_what(radist_client: Any, radist_fake: RadistFake) -> None:
    connection = radist_client.create_p2p_connection(access_control="public")
    radist_client.mint_connection_token(call_id=connection.call_id)
    path = f"/api/v1/p2p/calls/{connection.call_id}/token"
    public = raw(radist_fake, "http", "POST", path, key=radist_fake.project.public_key)[1]["callToken"]
    assert [t.value for t in radist_fake.minted_tokens("public")] == [public]
    assert [t.minted_by for t in radist_fake.minted_tokens(call_id=connection.call_id)] == ["create", "create", "server", "public"]
    radist_fake.join(public)
    assert [t.value for t in radist_fake.minted_tokens(state="consumed")] == [public]
    with pytest.raises(ValueError, match="minted_by"):
        radist_fake.minted_tokens("browser")


def test_faults_show_in_the_journal(radist_fake: RadistFake) -> None:
    radist_fake.fail("create_call", status=429)
    raw(radist_fake, "transport", "POST", calls_path(radist_fake))
    entry = radist_fake.requests[0]
    assert entry.status == 429 and entry.fault and "status 429" in entry.fault
    assert "[fault: create_call: status 429" in entry.describe()


def test_reset_forgets_journal_faults_and_problems(radist_fake: RadistFake) -> None:
    radist_fake.fail("create_call", status=500)
    raw(radist_fake, "transport", "GET", "/nope")
    radist_fake.reset()
    assert radist_fake.requests == [] and radist_fake.faults == [] and radist_fake.problems == []


def test_passwords_and_host_tokens_stay_out_of_the_journal(radist_fake: RadistFake, door: str) -> None:
    import pytest

    from .helpers import raw

    path = f"/api/v1/projects/{radist_fake.project.id}/spaces"
    status, created = raw(radist_fake, door, "POST", path, json={"name": "Board", "accessType": "password", "password": "hunter2"})
    assert status == 200 and created["hostToken"].startswith("ht_")  # the client gets it in full
    entry = radist_fake.requests[0]
    assert entry.json["password"] == "***" and "hunter2" not in entry.describe()
    assert entry.response["hostToken"] == created["hostToken"][:3] + "..." + created["hostToken"][-4:]
    assert created["hostToken"] not in repr(radist_fake.requests)
    with pytest.raises(AssertionError) as failure:
        radist_fake.assert_called("create_space", times=2, password="hunter2")
    assert "hunter2" not in str(failure.value)
    control = raw(radist_fake, door, "GET", "/_radist/requests", key=None)[1]
    assert "hunter2" not in repr(control) and created["hostToken"] not in repr(control)


def test_entries_are_built_once_when_read(radist_fake: RadistFake) -> None:
    client = radist_fake.client()
    client.create_p2p_connection()
    first = radist_fake.requests
    client.create_room()
    second = radist_fake.requests
    assert second[0] is first[0]  # an entry read once is kept as it was read
    assert [r.endpoint for r in second] == ["create_call", "create_room"]
    assert second[1].params == {"projectId": "test-project"} and second[1].response["roomId"]


def test_a_page_filters_entries_not_read_yet(radist_fake: RadistFake) -> None:
    radist_fake.fail("create_room", status=429)
    client = radist_fake.client()
    client.create_p2p_connection()
    raw(radist_fake, "http", "POST", f"/api/v1/projects/{radist_fake.project.id}/rooms")
    raw(radist_fake, "http", "GET", calls_path(radist_fake))
    journal = radist_fake.journal
    assert [r.endpoint for r in journal.page(endpoint="list_calls")[0]] == ["list_calls"]
    refused, total = journal.page(status=429)
    assert total == 1 and refused[0].endpoint == "create_room" and refused[0].fault
    assert [r.endpoint for r in journal.page(door="http", newest_first=True)[0]] == ["list_calls", "create_room"]
    assert journal.page(page=2, limit=2) == ([radist_fake.requests[2]], 3)


def test_a_journal_read_while_requests_arrive_loses_none() -> None:
    import threading

    fake = RadistFake(journal_limit=500)
    done = threading.Event()

    def arrive() -> None:
        for _ in range(2000):
            raw(fake, "transport", "GET", calls_path(fake))
        done.set()

    writer = threading.Thread(target=arrive)
    writer.start()
    try:
        while not done.is_set():
            entries = fake.requests
            assert len(entries) <= 500 and all(r.endpoint == "list_calls" and r.status == 200 for r in entries)
            assert [r.at for r in entries] == sorted(r.at for r in entries)
    finally:
        writer.join(timeout=30)
    assert not writer.is_alive() and len(fake.requests) == 500
    assert len(fake.journal) == 500 and fake.journal.page(limit=500)[1] == 500


def test_the_journal_keeps_its_newest_entries_within_a_byte_budget() -> None:
    # a full journal of 100-call list_calls pages held about 200 MB when only entries were counted
    fake = RadistFake(seed=2, journal_bytes=2 * 1024 * 1024)
    for _ in range(100):
        fake.make_call()
    import urllib.request

    page = urllib.request.Request(f"{fake.url}/api/v1/projects/{fake.project.id}/calls?limit=100",
                                  headers={"Authorization": f"Bearer {fake.project.secret_key}"})
    for _ in range(300):  # each page of 100 calls weighs about 40 KB
        urllib.request.urlopen(page, timeout=5).read()
    journal = fake.journal
    assert journal.size <= 2 * 1024 * 1024
    assert 0 < len(journal) < 300 and journal.dropped == 300 - len(journal)
    assert fake.requests[-1].endpoint == "list_calls" and len(fake.requests[-1].response["calls"]) == 100  # the newest kept
    journal.clear()
    assert (len(journal), journal.size, journal.dropped) == (0, 0, 0)


def test_entries_let_go_by_either_limit_are_counted_and_said_over_http() -> None:
    import json
    import urllib.request

    fake = RadistFake(seed=2, journal_limit=5)
    client = fake.client()
    for _ in range(8):
        client.create_p2p_connection()
    assert (len(fake.journal), fake.journal.dropped) == (5, 3)
    with urllib.request.urlopen(fake.url + "/_radist/requests", timeout=5) as answer:
        page = json.load(answer)
    assert (page["total"], page["dropped"]) == (5, 3)


def test_an_unbudgeted_journal_weighs_nothing() -> None:
    fake = RadistFake(seed=2)
    fake.client().create_p2p_connection()
    assert (fake.journal.weighs, fake.journal.size, fake.journal.dropped) == (False, 0, 0)
