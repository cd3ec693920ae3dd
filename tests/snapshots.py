"""What the snapshot tests share: a world with a bit of everything, and a
probe that reads, through the doors, what a client can observe of a fake."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pytest_radist import ApiError, RadistFake
from pytest_radist.api import signaling

from .helpers import raw


def build_world(fake: RadistFake) -> None:
    """Projects, calls in every state, rooms, spaces (one deleted under its
    live room), tokens of every kind and state, peers connected,
    disconnected, gone and hosting, a moved project clock, changed settings."""
    fake.reconnect_grace = 30.0
    other = fake.add_project("tenant-b", connection_limit=5, room_limit=3)
    other.add_secret_key()
    fake.make_call("public")
    full = fake.make_full_call("public")
    fake.make_terminated_call("private")
    waiting = fake.make_call("public")
    fake.join(waiting.tokens[0]).leave()  # its grace runs
    left = fake.make_call("public")
    fake.join(left.tokens[0])
    fake.join(left.tokens[1]).leave("left")  # gone for good
    fake.mint_token(left, public=True)
    fake.token_ttl = 60.0
    short = fake.mint_token(waiting)
    fake.expire_token(fake.make_call().tokens[1])
    room = fake.make_room()
    fake.join(room.tokens[0])
    fake.mint_token(room)
    space = fake.make_space("Team Sync", "password", password="s3cret")
    fake.join_space(space, host_token=space.host_token)
    fake.join_space(space, password="s3cret")
    fake.make_space("Knock Knock", "knock")
    doomed = fake.make_space("Doomed Space")
    fake.join_space(doomed)
    raw(fake, "transport", "DELETE", f"/api/v1/projects/{fake.project.id}/spaces/{doomed.id}")
    fake.make_call("public", project=other)
    fake.make_room(project=other)
    other.clock.advance(120)
    fake.clock.advance(5)
    fake.public_base_url = "https://meet.example.test"
    fake.room_participant_cap = 8
    assert short.state == "pending"


def probe(fake: RadistFake) -> list[Any]:
    """What any client can observe, read through the REST door and the
    sockets' handshake (the journal aside), in a fixed order. It changes
    the state (it mints, joins and reconnects), the same way for two fakes
    in one state: so two fakes in one state give one probe."""
    seen: list[Any] = []
    world = fake._world
    for project in sorted(fake.projects.values(), key=lambda p: p.id):
        key = project.secret_key
        base = f"/api/v1/projects/{project.id}"
        seen.append(raw(fake, "transport", "GET", f"{base}/calls?limit=100", key=key))
        status, spaces = raw(fake, "transport", "GET", f"{base}/spaces", key=key)
        seen.append((status, spaces))
        for space in fake.spaces.values():
            if space.project is project:
                seen.append(raw(fake, "transport", "PATCH", f"{base}/spaces/{space.id}", key=key, json={}))
        seen.append(fake.usage(project))
    for call in list(fake.calls.values()):
        project = call.project
        seen.append(raw(fake, "transport", "POST", f"/api/v1/projects/{project.id}/p2p/calls/{call.id}/token", key=project.secret_key))
        seen.append(raw(fake, "transport", "POST", f"/api/v1/p2p/calls/{call.id}/token", key=project.public_key))
    for token in list(fake.minted_tokens()):
        session = fake.calls.get(token.target_id) or fake.rooms[token.target_id]
        endpoint = "p2p_signaling" if token.kind == "call" else "room_signaling"
        name = "callToken" if token.kind == "call" else "roomToken"
        seen.append(_connect(world, endpoint, {"publicKey": session.project.public_key, name: token.value}))
    for peer in list(fake.peers.values()):
        kind = "call" if peer.call is not None else "room"
        endpoint = "p2p_signaling" if kind == "call" else "room_signaling"
        seen.append(_connect(world, endpoint, {"publicKey": peer.session.project.public_key, f"{kind}Id": peer.session.id,
                                               "peerId": peer.id, "reconnectToken": peer.reconnect_token}))
    for project in sorted(fake.projects.values(), key=lambda p: p.id):
        seen.append(raw(fake, "transport", "POST", f"/api/v1/projects/{project.id}/calls", key=project.secret_key,
                        json={"accessControl": "public"}))
    assert fake.problems == [], fake.problems  # no answer of the probe was a bug of the fake
    return seen


def _connect(world: Any, endpoint: str, query: dict[str, str]) -> Any:
    """The sockets' handshake: the welcome frame, or the refusal (status, reason)."""
    try:
        return signaling.connect(world, endpoint, urlencode(query))
    except ApiError as refusal:
        return refusal.status, refusal.reason
