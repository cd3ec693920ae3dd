"""What several checks share: the calls and spaces a run makes once, and
how a request that a lenient target takes as a create is counted."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ...fidelity.answers import Facts, field
from ...remote import Reply
from ..sides import Body, Session


def call_id(reply: Reply) -> str:
    return quote(str(field(reply, "callId")), safe="")


def attempt(s: Session, name: str, method: str, path: str, body: Body) -> Any:
    """A request that a lenient target may take as a create: what it made is
    counted, and a space made is deleted at the end."""
    reply = s.send(method, path, body=body)
    if reply.status == 200 and method == "POST":
        if name == "create_call":
            s.made["calls"] += 1
        elif name == "create_space":
            s.adopt_space(reply)
        elif name == "create_room":
            s.made["rooms"] += 1
    return reply


def public_call_id(s: Session) -> str:
    """A call of the project that the public key may mint for: a check that
    sends a bad key for it gets 401 whichever is checked first, key or call."""
    return call_id(s.public_call())


def name(s: Session) -> str:
    return f"Verify {s.nonce} Café: Team Standup!"


def main_space(s: Session) -> Reply:
    return s.space("main", {"name": name(s), "accessType": "public"})


def twin_space(s: Session) -> Reply:
    return s.space("twin", {"name": name(s), "accessType": "public"})


def password(s: Session) -> str:
    return f"pw-{s.nonce}-secret"


def locked_space(s: Session) -> Reply:
    return s.space("password", {"name": f"Verify {s.nonce} locked", "accessType": "password", "password": password(s)})


def space_path(s: Session, reply: Reply, rest: str = "") -> str:
    return s.project_path(f"/spaces/{quote(str(field(reply, 'space', 'id')), safe='')}{rest}")


def spaces_listed(s: Session) -> Reply:
    return s.send("GET", s.project_path("/spaces"))


def listed_space(s: Session, reply: Reply) -> Any:
    space_id = field(reply, "space", "id")
    spaces = field(spaces_listed(s), "spaces") or []
    return next((x for x in spaces if isinstance(x, dict) and x.get("id") == space_id), None)


def secret_kept(s: Session, reply: Reply) -> Facts:
    """Whether an answer holds a space's password, or a field for it."""
    text = reply.raw.decode("utf-8", "replace")
    return {"password_shown": password(s) in text, "password_field": '"password"' in text}
