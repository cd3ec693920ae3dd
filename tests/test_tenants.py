"""Projects as tenants (issue 26, the scope issue 27's rules share): a fault
rule scoped to one project, the journal's entries naming their project."""

from __future__ import annotations

import pytest

from pytest_radist import NotFound, RadistFake

from .helpers import calls_path, raw


def create_call(fake: RadistFake, project_id: str, door: str = "transport") -> int:
    project = fake.projects[project_id]
    return raw(fake, door, "POST", calls_path(fake, project_id), key=project.secret_key, json={})[0]


def test_a_fault_of_one_project_leaves_the_others_alone(radist_fake: RadistFake, door: str) -> None:
    other = radist_fake.add_project("tenant-b")
    rule = radist_fake.fail("create_call", status=503, times=None, project=other.id)
    assert create_call(radist_fake, radist_fake.project.id, door) == 200
    assert create_call(radist_fake, other.id, door) == 503
    assert rule.fired == 1 and "project tenant-b" in rule.describe()


def test_a_fault_over_the_control_plane_takes_a_project(radist_fake: RadistFake, door: str) -> None:
    other = radist_fake.add_project("tenant-b")
    status, answer = raw(radist_fake, door, "POST", "/_radist/faults", key=None,
                         json={"endpoint": "*", "status": 500, "times": None, "project": other.id})
    assert status == 200 and answer["rule"]["project"] == "tenant-b"
    assert (create_call(radist_fake, radist_fake.project.id), create_call(radist_fake, other.id)) == (200, 500)
    status, answer = raw(radist_fake, door, "POST", "/_radist/faults", key=None,
                         json={"endpoint": "*", "status": 500, "project": "nobody"})
    assert status == 404 and "nobody" in answer["error"]
    with pytest.raises(NotFound, match="nobody"):
        radist_fake.fail("*", status=500, project="nobody")


def test_every_entry_names_its_project(radist_fake: RadistFake, door: str) -> None:
    other = radist_fake.add_project("tenant-b")
    create_call(radist_fake, radist_fake.project.id, door)
    create_call(radist_fake, other.id, door)
    call = radist_fake.make_call("public", project=other)
    raw(radist_fake, door, "POST", f"/api/v1/p2p/calls/{call.id}/token", key=other.public_key, json={})
    raw(radist_fake, door, "GET", "/api/v1/nowhere", key=None)
    assert [r.project for r in radist_fake.requests] == ["test-project", "tenant-b", "tenant-b", None]
    assert [r.endpoint for r in radist_fake.journal.find("*", project="tenant-b")] == ["create_call", "mint_call_token_public"]
    radist_fake.journal.assert_called("create_call", 1, project="tenant-b")
    listed = raw(radist_fake, door, "GET", "/_radist/requests?project=tenant-b", key=None)[1]
    assert [r["project"] for r in listed["requests"]] == ["tenant-b", "tenant-b"] and listed["total"] == 2
    radist_fake.reset()  # the unroutable request: strict mode would fail the test


def test_a_signal_fault_of_one_project(radist_fake: RadistFake) -> None:
    from .test_network import signals

    other = radist_fake.add_project("tenant-b")
    radist_fake.fail("signal", drop=True, times=None, project=other.id)
    received, journaled = signals(radist_fake, 3)
    assert received == [0, 1, 2] and journaled == []  # the call is the default project's


def two_tenants(fake: RadistFake) -> tuple[object, object]:
    """Each tenant with a call of two peers, a room, a space, a fault and journal entries."""
    other = fake.add_project("tenant-b", connection_limit=5)
    for project in (fake.project, other):
        call = fake.make_call("public", project=project)
        fake.join(call.tokens[0]), fake.join(call.tokens[1])
        fake.make_room(project=project)
        fake.make_space(f"Space of {project.id}", project=project)
        fake.fail("list_spaces", status=503, times=None, project=project.id)
        create_call(fake, project.id)
    return fake.project, other


@pytest.mark.parametrize("over", ["python", "control plane"])
def test_a_tenant_s_reset_leaves_the_others_untouched(radist_fake: RadistFake, over: str) -> None:
    mine, other = two_tenants(radist_fake)
    before = (len(mine.call_list), len([p for p in radist_fake.peers.values() if p.session.project is mine]),
              len(radist_fake.journal.find("*", project=mine.id)), len([r for r in radist_fake.faults if r.project == mine.id]))
    if over == "python":
        radist_fake.reset(project="tenant-b")
    else:
        assert raw(radist_fake, "http", "POST", "/_radist/reset", key=None, json={"project": "tenant-b"})[1]["project"] == "tenant-b"
    assert other.call_list == [] and other.live_calls == 0 and other.spaces_by_slug == {}
    assert not [x for x in (*radist_fake.calls.values(), *radist_fake.rooms.values(), *radist_fake.spaces.values()) if x.project is other]
    assert not [t for t in radist_fake.minted_tokens() if t.project_id == "tenant-b"]
    assert radist_fake.journal.find("*", project="tenant-b") == [] and not [r for r in radist_fake.faults if r.project == "tenant-b"]
    assert (other.connection_limit, "tenant-b" in radist_fake.projects) == (5, True)  # keys and limits kept
    assert create_call(radist_fake, "tenant-b") == 200  # its keys still open it
    after = (len(mine.call_list), len([p for p in radist_fake.peers.values() if p.session.project is mine]),
             len(radist_fake.journal.find("*", project=mine.id)), len([r for r in radist_fake.faults if r.project == mine.id]))
    assert after == before


def test_a_tenant_s_reset_closes_its_sockets(radist_fake: RadistFake) -> None:
    from .test_network import ended
    from .test_signaling import frame, open_socket

    other = radist_fake.add_project("tenant-b")
    call = radist_fake.make_call("public", project=other)
    with open_socket(radist_fake.signaling_url(call.tokens[0])) as ws:
        assert frame(ws)["type"] == "welcome"
        radist_fake.reset(project=other)
        received, code = ended(ws)
        assert code == 4403


@pytest.mark.parametrize("over", ["python", "control plane"])
def test_removing_a_tenant_takes_everything_and_its_keys_answer_401(radist_fake: RadistFake, over: str) -> None:
    mine, other = two_tenants(radist_fake)
    secret = other.secret_key  # type: ignore[attr-defined]
    if over == "python":
        assert radist_fake.remove_project("tenant-b") is other
    else:
        assert raw(radist_fake, "http", "DELETE", "/_radist/projects/tenant-b", key=None) == (200, {"removed": "tenant-b"})
    assert "tenant-b" not in radist_fake.projects
    status, answer = raw(radist_fake, "transport", "POST", calls_path(radist_fake, "tenant-b"), key=secret, json={})
    assert (status, answer) == (401, {"error": "Invalid project id or secret key."})
    assert create_call(radist_fake, mine.id) == 200  # type: ignore[attr-defined]
    assert raw(radist_fake, "http", "DELETE", "/_radist/projects/tenant-b", key=None)[0] == 404
    status, answer = raw(radist_fake, "http", "DELETE", f"/_radist/projects/{radist_fake.project.id}", key=None)
    assert status == 409 and "default project" in answer["error"]


def test_a_tenant_reset_takes_no_state_or_seed(radist_fake: RadistFake) -> None:
    from pytest_radist import InvalidValue

    radist_fake.add_project("tenant-b")
    with pytest.raises(InvalidValue, match="that tenant alone"):
        radist_fake.reset(project="tenant-b", state=True)
    status, answer = raw(radist_fake, "transport", "POST", "/_radist/reset", key=None, json={"project": "tenant-b", "seed": 1})
    assert status == 400 and "tenant alone" in answer["error"]
    assert raw(radist_fake, "transport", "POST", "/_radist/reset", key=None, json={"project": "nobody"})[0] == 404


@pytest.mark.parametrize("over", ["python", "control plane"])
def test_a_tenant_s_clock_expires_its_tokens_alone(radist_fake: RadistFake, over: str) -> None:
    other = radist_fake.add_project("tenant-b")
    radist_fake.token_ttl = 60
    mine, theirs = radist_fake.make_call("public"), radist_fake.make_call("public", project=other)
    if over == "python":
        other.clock.advance(61)
    else:
        status, answer = raw(radist_fake, "http", "POST", "/_radist/clock", key=None, json={"project": "tenant-b", "advance": 61})
        assert (status, answer["now"], answer["project"]) == (200, "2026-01-01T00:01:01.000Z", "tenant-b")
    assert [t.state for t in theirs.tokens] == ["expired", "expired"]
    assert [t.state for t in mine.tokens] == ["pending", "pending"]
    assert raw(radist_fake, "http", "GET", "/_radist/clock", key=None)[1]["now"] == "2026-01-01T00:00:00.000Z"
    assert raw(radist_fake, "http", "GET", "/_radist/clock?project=tenant-b", key=None)[1]["now"] == "2026-01-01T00:01:01.000Z"
    later = radist_fake.make_call(project=other)
    assert later.created == theirs.created + 61  # stamped by its own clock
    radist_fake.clock.advance(10)  # the fake's clock moves every project's
    assert other.clock.time() == radist_fake.clock.time() + 61
    assert raw(radist_fake, "http", "GET", "/_radist/clock?project=nobody", key=None)[0] == 404


def test_a_tenant_s_grace_runs_on_its_clock(radist_fake: RadistFake) -> None:
    other = radist_fake.add_project("tenant-b")
    radist_fake.reconnect_grace = 30
    mine, theirs = radist_fake.make_call("public"), radist_fake.make_call("public", project=other)
    for call in (mine, theirs):
        radist_fake.join(call.tokens[0]).leave()
    other.clock.advance(31)
    assert not theirs.live and mine.live
    radist_fake.clock.advance(31)
    assert not mine.live
