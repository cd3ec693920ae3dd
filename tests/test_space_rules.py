"""The rules of spaces, each edge once (radist-api.md 5): slugs from names,
updates that change one field and keep the rest, and who may join. Written
to kill what the mutation run of model/ found alive (bench/mutate_model.sh)."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_radist import JoinRefused, RadistFake
from pytest_radist.api.app import ApiRequest


def api(fake: RadistFake, method: str, tail: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    outcome = fake.dispatch(ApiRequest(method, f"/api/v1/projects/{fake.project.id}/spaces{tail}", "",
                                       f"Bearer {fake.project.secret_key}", {} if body is None else body), door="transport")
    assert outcome.body is not None
    return outcome.status, outcome.body


@pytest.mark.parametrize("name, slug", [
    ("Board Room", "board-room"),
    ("  --Daily   Standup!--  ", "daily-standup"),  # runs of other characters become one dash, none at the ends
    ("!!!", "space"),  # nothing to keep
    ("a" * 70, "a" * 64),  # at most 64 characters
    ("a" * 63 + " bc", "a" * 63),  # cut at 64, the dash the cut leaves is dropped
    ("ÉTÉ 2026", "t-2026"),  # ASCII letters and digits only
])
def test_a_slug_is_the_name_in_lowercase_ascii_runs(radist_fake: RadistFake, name: str, slug: str) -> None:
    assert radist_fake.make_space(name).slug == slug


def test_a_taken_slug_gets_a_number_and_keeps_its_length(radist_fake: RadistFake) -> None:
    assert [radist_fake.make_space("Board").slug for _ in range(3)] == ["board", "board-2", "board-3"]
    long = "b" * 64
    assert [radist_fake.make_space(long).slug for _ in range(2)] == [long, "b" * 62 + "-2"]


def test_an_update_changes_what_it_names_and_keeps_the_rest(radist_fake: RadistFake) -> None:
    space = radist_fake.make_space("Board", "password", password="s3cret")
    token, created = space.host_token, space.created_at
    radist_fake.clock.advance(5)
    status, body = api(radist_fake, "PATCH", f"/{space.id}", {"name": "Weekly board"})
    assert status == 200 and body["space"]["name"] == "Weekly board"
    assert (space.name, space.slug, space.access_type, space.password) == ("Weekly board", "board", "password", "s3cret")
    assert space.updated_at > created and space.host_token == token
    status, body = api(radist_fake, "PATCH", f"/{space.id}", {"slug": "weekly"})
    assert status == 200 and space.slug == "weekly" and space.name == "Weekly board"
    assert [s.slug for s in radist_fake.spaces.values()] == ["weekly"]
    status, _ = api(radist_fake, "PATCH", f"/{space.id}", {"accessType": "public"})
    assert status == 200 and space.access_type == "public" and space.password == "s3cret"
    status, _ = api(radist_fake, "PATCH", f"/{space.id}", {"accessType": "password"})  # the old password still stands
    assert status == 200 and space.access_type == "password"
    status, _ = api(radist_fake, "PATCH", f"/{space.id}", {"password": "n3w"})
    assert status == 200 and space.password == "n3w"


@pytest.mark.parametrize("change, status, error", [
    ({"name": "   "}, 400, "Name is required."),
    ({"name": 7}, 400, "Name is required."),
    ({"slug": "Not A Slug"}, 400, "Invalid slug."),
    ({"slug": "a" * 65}, 400, "Invalid slug."),
    ({"slug": 5}, 400, "Invalid slug."),
    ({"slug": "taken"}, 409, "Slug is already taken."),
    ({"accessType": "secret"}, 400, "Invalid accessType value."),
    ({"password": 5}, 400, "Invalid password value."),
])
def test_a_refused_update_changes_nothing(radist_fake: RadistFake, change: dict[str, Any], status: int, error: str) -> None:
    radist_fake.make_space("Taken")
    space = radist_fake.make_space("Board")
    before = (space.name, space.slug, space.access_type, space.password, space.updated_at)
    answered, body = api(radist_fake, "PATCH", f"/{space.id}", change)
    assert (answered, body["error"]) == (status, error)
    assert (space.name, space.slug, space.access_type, space.password, space.updated_at) == before


def test_the_same_slug_on_its_own_space_is_no_conflict(radist_fake: RadistFake) -> None:
    space = radist_fake.make_space("Board")
    assert api(radist_fake, "PATCH", f"/{space.id}", {"slug": "board"})[0] == 200


def test_who_may_join_a_space(radist_fake: RadistFake) -> None:
    guarded = radist_fake.make_space("Guarded", "password", password="pw")
    with pytest.raises(JoinRefused) as refused:
        radist_fake.join_space(guarded, password="nope")
    assert refused.value.reason == "password" and "guarded" in str(refused.value)
    assert radist_fake.join_space(guarded, password="pw").is_host is False
    host = radist_fake.join_space(guarded, host_token=guarded.host_token)  # the host token needs no password
    assert host.is_host is True
    with pytest.raises(JoinRefused) as refused:
        radist_fake.join_space(guarded, host_token="ht_old")
    assert refused.value.reason == "host_token"

    knock = radist_fake.make_space("Knock", "knock")
    with pytest.raises(JoinRefused) as refused:
        radist_fake.join_space(knock, approved=True)  # no host in the space to approve
    assert refused.value.reason == "knock"
    radist_fake.join_space(knock, host_token=knock.host_token)
    with pytest.raises(JoinRefused):
        radist_fake.join_space(knock)  # a host is there, but did not approve
    assert radist_fake.join_space(knock, approved=True).is_host is False
    assert len(knock.active_room.connected_peers) == 2  # type: ignore[union-attr]

    gone = radist_fake.make_space("Gone")
    api(radist_fake, "DELETE", f"/{gone.id}")
    with pytest.raises(JoinRefused) as refused:
        radist_fake.join_space(gone)
    assert refused.value.reason == "unknown"


def test_deleting_an_occupied_space_leaves_its_room_to_the_people_in_it() -> None:
    """docs/assumptions.md: the delete succeeds, the backing room lives on
    (its participants connected, its mint answering) until it empties."""
    from pytest_radist import JoinRefused, RadistFake

    from .helpers import raw

    with RadistFake(seed=3) as fake:
        space = fake.make_space("Busy")
        host = fake.join_space(space, host_token=space.host_token)
        room = host.session
        base = f"/api/v1/projects/{fake.project.id}"
        assert raw(fake, "transport", "DELETE", f"{base}/spaces/{space.id}") == (200, {"success": True})
        assert host.connected and space.id not in fake.spaces
        status, minted = raw(fake, "transport", "POST", f"{base}/rooms/{room.id}/token")
        assert status == 200 and minted["roomToken"].startswith("ct_")
        assert raw(fake, "transport", "GET", f"{base}/spaces")[1] == {"spaces": []}
        with pytest.raises(JoinRefused):
            fake.join_space(space, host_token=space.host_token)
        assert fake.problems == []
