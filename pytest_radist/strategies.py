"""Hypothesis strategies for Radist values, bodies, errors, queries and faults.

    from hypothesis import given
    from pytest_radist import strategies as rst

    @given(rst.error_responses("create_call"))
    def test_my_app_survives_any_create_error(error): ...

Needs ``hypothesis`` (``pip install 'pytest-radist[hypothesis]'``). Importing
this module imports hypothesis; the plugin never does.
"""

from __future__ import annotations

import string
from typing import Any, Optional

try:
    from hypothesis import strategies as st
except ImportError as exc:  # name the extra instead of a bare ModuleNotFoundError
    raise ImportError(f"{__name__} needs hypothesis: pip install 'pytest-radist[hypothesis]' ({exc})") from exc

from . import errors as E
from .api.routes import ENDPOINTS
from .model.entities import ACCESS_CONTROLS, ACCESS_TYPES
from .model import ids
from .model.clock import iso
from .model.ids import ALPHABET, RANDOM_PART_LENGTH

__all__ = [
    "access_controls", "access_types", "call_ids", "endpoints", "error_responses", "fault_plans",
    "host_tokens", "limit_values", "list_calls_queries", "page_values", "participant_tokens", "peer_ids",
    "project_ids", "public_keys", "reconnect_tokens", "responses", "room_ids", "secret_keys", "slugs",
    "space_ids", "space_names", "timestamps", "FaultPlan",
]

_random_parts = st.text(alphabet=ALPHABET, min_size=RANDOM_PART_LENGTH, max_size=RANDOM_PART_LENGTH)


def _prefixed(prefix: str) -> st.SearchStrategy[str]:
    return _random_parts.map(lambda part: prefix + part)


def project_ids() -> st.SearchStrategy[str]:
    """Any non-empty project id, including ones that need percent-encoding
    (spaces, ``/``, ``%``, non-ASCII)."""
    return st.one_of(
        st.text(alphabet=string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=24),
        st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=24),
    )


def secret_keys() -> st.SearchStrategy[str]:
    """``rad_sk_...``"""
    return _prefixed(ids.SECRET_KEY_PREFIX)


def public_keys() -> st.SearchStrategy[str]:
    """``rad_pk_...``"""
    return _prefixed(ids.PUBLIC_KEY_PREFIX)


def call_ids() -> st.SearchStrategy[str]:
    """Call ids: UUID strings."""
    return st.uuids(version=4).map(str)


def room_ids() -> st.SearchStrategy[str]:
    return st.uuids(version=4).map(str)


def space_ids() -> st.SearchStrategy[str]:
    return st.uuids(version=4).map(str)


def participant_tokens() -> st.SearchStrategy[str]:
    """Call and room participant tokens, ``ct_...``."""
    return _prefixed(ids.PARTICIPANT_TOKEN_PREFIX)


def reconnect_tokens() -> st.SearchStrategy[str]:
    return _prefixed(ids.RECONNECT_TOKEN_PREFIX)


def peer_ids() -> st.SearchStrategy[str]:
    return _prefixed(ids.PEER_ID_PREFIX)


def host_tokens() -> st.SearchStrategy[str]:
    return _prefixed(ids.HOST_TOKEN_PREFIX)


def access_controls() -> st.SearchStrategy[str]:
    """``"private"`` or ``"public"``."""
    return st.sampled_from(ACCESS_CONTROLS)


def access_types() -> st.SearchStrategy[str]:
    """``"public"``, ``"password"`` or ``"knock"``."""
    return st.sampled_from(ACCESS_TYPES)


def space_names() -> st.SearchStrategy[str]:
    """Names a human would give a space, and awkward ones (emoji, accents)."""
    word = st.text(alphabet=string.ascii_letters + string.digits + "éü_🙂", min_size=1, max_size=12)
    return st.lists(word, min_size=1, max_size=4).map(" ".join)


def slugs() -> st.SearchStrategy[str]:
    """Valid explicit slugs: ``^[a-z0-9]+(-[a-z0-9]+)*$``, at most 64 characters."""
    part = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=10)
    return st.lists(part, min_size=1, max_size=5).map("-".join).filter(lambda s: len(s) <= 64)


def timestamps() -> st.SearchStrategy[str]:
    """ISO 8601 UTC timestamps with milliseconds and ``Z``, as Radist sends them."""
    from datetime import datetime, timezone

    return st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda moment: iso(moment.replace(tzinfo=timezone.utc).timestamp())
    )


def endpoints() -> st.SearchStrategy[str]:
    """The canonical endpoint names."""
    return st.sampled_from(ENDPOINTS)


def _space_objects(with_url: bool) -> st.SearchStrategy[dict[str, Any]]:
    def build(space_id: str, project_id: str, slug: str, name: str, access: str, room: Optional[str], created: str, updated: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": space_id, "projectId": project_id, "slug": slug, "name": name, "accessType": access,
            "activeRoomId": room, "createdAt": created, "updatedAt": updated,
        }
        if with_url:
            body["participantUrl"] = f"https://radist.tech/s/{slug}"
        return body

    return st.builds(build, space_ids(), project_ids(), slugs(), space_names(), access_types(),
                     st.none() | room_ids(), timestamps(), timestamps())


def _host_token_bodies() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda slug, token: {"participantUrl": f"https://radist.tech/s/{slug}", "hostUrl": f"https://radist.tech/s/{slug}?host=1", "hostToken": token},
        slugs(), host_tokens(),
    )


def _call_listings() -> st.SearchStrategy[dict[str, Any]]:
    entry = st.builds(lambda i, c, t: {"callId": i, "createdAt": c, "tombstonedAt": t}, call_ids(), timestamps(), st.none() | timestamps())

    def build(calls: list[dict[str, Any]], page: int, limit: int, extra: int) -> dict[str, Any]:
        return {"calls": calls[:limit], "page": page, "limit": limit, "total": (page - 1) * limit + len(calls[:limit]) + extra}

    return st.builds(build, st.lists(entry, max_size=5), st.integers(1, 50), st.integers(1, 100), st.integers(0, 500))


_RESPONSES: dict[str, Any] = {
    "create_call": lambda: st.builds(lambda i, a, b, ac: {"callId": i, "callTokens": [a, b], "accessControl": ac},
                                     call_ids(), participant_tokens(), participant_tokens(), access_controls()),
    "list_calls": _call_listings,
    "mint_call_token": lambda: participant_tokens().map(lambda t: {"callToken": t}),
    "mint_call_token_public": lambda: participant_tokens().map(lambda t: {"callToken": t}),
    "create_room": lambda: st.builds(lambda i, a, b: {"roomId": i, "roomTokens": [a, b]}, room_ids(), participant_tokens(), participant_tokens()),
    "mint_room_token": lambda: participant_tokens().map(lambda t: {"roomToken": t}),
    "create_space": lambda: st.builds(lambda s, h: {"space": s, **h}, _space_objects(False), _host_token_bodies()),
    "list_spaces": lambda: st.lists(_space_objects(True), max_size=4).map(lambda spaces: {"spaces": spaces}),
    "update_space": lambda: _space_objects(False).map(lambda s: {"space": s}),
    "delete_space": lambda: st.just({"success": True}),
    "rotate_space_host_token": _host_token_bodies,
}


def responses(endpoint: str) -> st.SearchStrategy[dict[str, Any]]:
    """Valid 200 bodies of ``endpoint``, with every field the SDKs require."""
    if endpoint not in _RESPONSES:
        raise ValueError(f"unknown endpoint {endpoint!r}; one of {', '.join(ENDPOINTS)}")
    strategy: st.SearchStrategy[dict[str, Any]] = _RESPONSES[endpoint]()
    return strategy


def error_responses(endpoint: Optional[str] = None) -> st.SearchStrategy[tuple[int, dict[str, str]]]:
    """``(status, {"error": message})`` pairs of the 4xx errors that
    ``endpoint`` (any endpoint if ``None``) answers, as the REST reference
    lists them (:func:`~pytest_radist.messages.answerable_errors`)."""
    names = ENDPOINTS if endpoint is None else (endpoint,)
    pairs: list[tuple[int, str]] = []
    for name in names:
        if name not in E.DOCUMENTED_ERRORS:
            raise ValueError(f"unknown endpoint {name!r}; one of {', '.join(ENDPOINTS)}")
        pairs.extend((status, message) for status, messages in E.answerable_errors(name).items() if status < 500
                     for message in messages)
    unique = sorted(set(pairs))
    return st.sampled_from(unique).map(lambda pair: (pair[0], {"error": pair[1]}))


def page_values(valid: Optional[bool] = None) -> st.SearchStrategy[str]:
    """Values of the ``page`` query parameter: valid (integers >= 1),
    invalid (0, negatives, words, decimals, blanks), or both when ``None``."""
    good = st.integers(1, 10**6).map(str)
    bad = st.one_of(
        st.sampled_from(["0", "-1", "", "1.5", "abc", "1e3", "+1", " 1", "0x10"]),
        st.integers(max_value=0).map(str),
        st.text(alphabet=string.ascii_letters + " .-+", min_size=1, max_size=6),
    )
    return good if valid is True else bad if valid is False else st.one_of(good, bad)


def limit_values(valid: Optional[bool] = None) -> st.SearchStrategy[str]:
    """Values of ``limit``; valid ones include values above 100 (clamped)."""
    good = st.one_of(st.integers(1, 100), st.integers(101, 10**6)).map(str)
    return good if valid is True else page_values(valid=False) if valid is False else st.one_of(good, page_values(valid=False))


def list_calls_queries() -> st.SearchStrategy[dict[str, str]]:
    """Query dicts for list_calls: any of page and limit, valid or not."""
    return st.fixed_dictionaries({}, optional={"page": page_values(), "limit": limit_values()})


class FaultPlan(dict):  # type: ignore[type-arg]
    """Keyword arguments for :meth:`RadistFake.fail`; ``apply(fake)`` adds the rule."""

    def apply(self, fake: Any) -> Any:
        return fake.fail(**self)


def fault_plans(endpoint: Optional[str] = None, *, max_latency: float = 0.0) -> st.SearchStrategy[FaultPlan]:
    """Fault rules for ``fake.fail(**plan)`` (or ``plan.apply(fake)``): an
    error status with its documented body, a dropped connection, a malformed
    body or a lost response, on ``endpoint`` or any. Latency is off unless
    ``max_latency`` is given, so property tests stay fast."""
    names = st.just(endpoint) if endpoint else st.sampled_from(("*",) + ENDPOINTS)
    effect = st.one_of(
        st.builds(lambda s: {"status": s}, st.sampled_from([400, 401, 403, 404, 409, 410, 429, 500, 502, 503])),
        st.just({"drop": True}),
        st.builds(lambda b: {"malformed": b}, st.sampled_from([b"", b"{", b"<html>", b'{"callId": 1}', b"null"])),
        st.just({"lost_response": True}),
    )
    latency = st.just(0.0) if max_latency <= 0 else st.floats(0.0, max_latency)
    times = st.one_of(st.integers(1, 3), st.none())
    return st.builds(
        lambda name, chosen, delay, count, seed: FaultPlan(endpoint=name, latency=delay, times=count, seed=seed, **chosen),
        names, effect, latency, times, st.integers(0, 2**16),
    )
