"""radist-api.md 3 (and the formats of 1): creating calls, listing them
page by page, minting their tokens, the public mint and its CORS."""

from __future__ import annotations

from typing import Any

from ...remote import Reply
from ...fidelity.answers import ALL_FORMATS, DOC_FORMATS, Facts, answer, error_of, field, header, kind, shape, status_only
from ..sides import Session
from . import UNKNOWN_ID, UNKNOWN_PUBLIC_KEY, check
from .common import attempt, call_id

#: A call's id is a UUID by the docs.
CALL_FORMATS = DOC_FORMATS | {"uuid"}
#: An origin a page could have (CORS of the public mint, radist-api.md 6.5).
ORIGIN = "http://localhost:5173"


def _created(s: Session, reply: Reply) -> Facts:
    tokens = field(reply, "callTokens")
    tokens = tokens if isinstance(tokens, list) else []
    return {
        **answer(reply, formats=CALL_FORMATS), "accessControl": field(reply, "accessControl"), "tokens": len(tokens),
        "tokens_distinct": len(set(map(str, tokens))) == len(tokens), "tokens_fresh": all(s.fresh(t) for t in tokens),
    }


@check("create_call.default", "doc", "§3 create_call",
       "no body: 200 `{callId (UUID), callTokens (two ct_...), accessControl: private}`; the tokens are new")
def _create_default(s: Session) -> Facts:
    return _created(s, s.private_call())


@check("create_call.public", "doc", "§3 create_call", "`{\"accessControl\": \"public\"}`: 200, accessControl `public`")
def _create_public(s: Session) -> Facts:
    return _created(s, s.public_call())


@check("create_call.private", "doc", "§3 create_call", "`{\"accessControl\": \"private\"}`: 200, accessControl `private`")
def _create_private(s: Session) -> Facts:
    return _created(s, s.new_call("private"))


@check("create_call.empty_object", "doc", "§3 create_call", "`{}` (no accessControl): 200, accessControl `private`")
def _create_empty(s: Session) -> Facts:
    reply = s.send("POST", s.project_path("/calls"), body={})
    if reply.status == 200:
        s.made["calls"] += 1
    return _created(s, reply)


@check("create_call.bad_access_control", "fake", "§3 create_call",
       "another accessControl value, or not a string: 400 `Invalid accessControl value.`")
def _bad_access_control(s: Session) -> Facts:
    return {label: answer(attempt(s, "create_call", "POST", s.project_path("/calls"), {"accessControl": value}))
            for label, value in (("another word", "pytest-radist-verify"), ("a number", 5), ("null", None))}


# -- list_calls ---------------------------------------------------------------------------


def listing(s: Session, query: str) -> Reply:
    return s.send("GET", s.project_path("/calls"), query=query)


def listed(s: Session, limit: int = 100) -> list[Any]:
    calls = field(listing(s, f"limit={limit}"), "calls")
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


@check("list_calls.defaults", "doc", "§3 list_calls", "no query: 200 `{calls, page: 1, limit: 20, total}`")
def _list_defaults(s: Session) -> Facts:
    s.private_call()
    reply = listing(s, "")
    body = reply.json if isinstance(reply.json, dict) else {}
    return {"status": reply.status, "fields": sorted(body), "page": body.get("page"), "limit": body.get("limit"),
            "total": kind(body.get("total")), "calls": kind(body.get("calls"))}


@check("list_calls.item", "doc", "§3 list_calls", "every call listed is `{callId (UUID), createdAt (ISO 8601 UTC), tombstonedAt}`")
def _list_item(s: Session) -> Facts:
    s.private_call()
    calls = listed(s, 20)
    # tombstonedAt's kind is a guess (null while live): here, only that it is there
    return {"items": shape([{k: v for k, v in c.items() if k != "tombstonedAt"} for c in calls], CALL_FORMATS),
            "tombstonedAt_present": bool(calls) and all("tombstonedAt" in c for c in calls)}


def _our_call(s: Session) -> Any:
    """The private call's entry in the list (the newest 100), listed once a run."""
    wanted = field(s.private_call(), "callId")
    calls = s.once("calls listed after the private call", lambda: listed(s, 100))
    return next((c for c in calls if c.get("callId") == wanted), None)


@check("list_calls.live_call", "fake", "§3 list_calls", "a live call lists `tombstonedAt: null`")
def _live_call(s: Session) -> Facts:
    found = _our_call(s)
    return {"listed": found is not None, "tombstonedAt": None if found is None else kind(found.get("tombstonedAt"))}


@check("timestamps.milliseconds_z", "fake", "§1", "timestamps have millisecond precision and a `Z` suffix")
def _milliseconds(s: Session) -> Facts:
    found = _our_call(s) or {}
    return {"createdAt": kind(found.get("createdAt"), ALL_FORMATS)}


@check("list_calls.newest_first", "fake", "§3 list_calls", "newest call first")
def _newest_first(s: Session) -> Facts:
    first, second = field(s.private_call(), "callId"), field(s.public_call(), "callId")
    ids = [c.get("callId") for c in listed(s, 100)]
    both = first in ids and second in ids
    return {"both_listed": both, "newest_first": both and ids.index(second) < ids.index(first)}


@check("list_calls.limit", "doc", "§3 list_calls", "a page holds at most `limit` calls, and as many as there are up to it")
def _within_limit(s: Session) -> Facts:
    s.private_call(), s.public_call()
    facts: Facts = {}
    for limit in (1, 2, 5):
        reply = listing(s, f"limit={limit}")
        calls, total = field(reply, "calls"), field(reply, "total")
        count = len(calls) if isinstance(calls, list) else None
        facts[f"limit={limit}"] = {"limit": field(reply, "limit"), "within": count is not None and count <= limit,
                                   "full": isinstance(total, int) and count == min(limit, total)}
    return facts


@check("list_calls.pages", "doc", "§3 list_calls", "pages do not overlap, and `total` counts every call, not the page")
def _pages(s: Session) -> Facts:
    s.private_call(), s.public_call()
    one, two = listing(s, "page=1&limit=1"), listing(s, "page=2&limit=1")
    ids = [field(one, "calls", 0, "callId"), field(two, "calls", 0, "callId")]
    total = field(one, "total")
    facts: Facts = {"page_2": field(two, "page"), "pages_differ": None not in ids and ids[0] != ids[1],
                    "total_beyond_the_page": isinstance(total, int) and total >= 2,
                    "total_whatever_the_limit": total == field(listing(s, "limit=100"), "total")}
    if isinstance(total, int) and total <= 300:  # a project small enough to read whole: the pages add up
        seen: list[Any] = []
        for page in range(1, total // 100 + 2):
            seen += [c.get("callId") for c in field(listing(s, f"page={page}&limit=100"), "calls") or [] if isinstance(c, dict)]
        facts["pages_add_up"] = len(seen) == total and len(set(seen)) == total
    return facts


@check("list_calls.limit_clamped", "fake", "§3 list_calls", "a limit above 100 is clamped: 200 with `limit: 100`")
def _clamped(s: Session) -> Facts:
    reply = listing(s, "limit=1000")
    calls = field(reply, "calls")
    return {"status": reply.status, "limit": field(reply, "limit"), "at_most_100": isinstance(calls, list) and len(calls) <= 100}


@check("list_calls.page_past_end", "fake", "§3 list_calls", "a page past the end: 200 with an empty list")
def _past_end(s: Session) -> Facts:
    reply = listing(s, "page=1000000&limit=1")
    calls = field(reply, "calls")
    return {"status": reply.status, "calls_listed": len(calls) if isinstance(calls, list) else None, "page": field(reply, "page")}


@check("list_calls.invalid_page", "doc", "§3 list_calls",
       "a page that is not a whole number from 1 (`0`, `-1`, `abc`, `2abc`, `1.5`, empty): 400 `Invalid page query parameter.`")
def _invalid_page(s: Session) -> Facts:
    return {f"page={v}": answer(listing(s, f"page={v}")) for v in ("0", "-1", "abc", "2abc", "1.5", "")}


@check("list_calls.invalid_limit", "fake", "§3 list_calls",
       "a limit that is not a whole number from 1 (`0`, `-1`, `abc`, `2abc`, `1.5`): 400 `Invalid limit query parameter.`")
def _invalid_limit(s: Session) -> Facts:
    return {f"limit={v}": answer(listing(s, f"limit={v}")) for v in ("0", "-1", "abc", "2abc", "1.5")}


# -- minting tokens ---------------------------------------------------------------------------


def minted(s: Session, reply: Reply) -> Facts:
    return {**answer(reply), "fresh": s.fresh(field(reply, "callToken"))}


@check("mint_call_token", "doc", "§3 mint_call_token", "the secret-key mint, private call: 200 `{\"callToken\": \"ct_...\"}`, a new token")
def _mint_server(s: Session) -> Facts:
    return minted(s, s.send("POST", s.project_path(f"/p2p/calls/{call_id(s.private_call())}/token")))


@check("mint_call_token.public_call", "doc", "§3 mint_call_token", "the secret-key mint works on a public call too: 200, a new token")
def _mint_server_public(s: Session) -> Facts:
    return minted(s, s.send("POST", s.project_path(f"/p2p/calls/{call_id(s.public_call())}/token")))


@check("mint_call_token.unknown_call", "fake", "§3 mint_call_token", "the secret-key mint, unknown call: 404 `Call not found.`")
def _mint_server_unknown(s: Session) -> Facts:
    return answer(s.send("POST", s.project_path(f"/p2p/calls/{UNKNOWN_ID}/token")))


def _public_mint_of_private(s: Session) -> Reply:
    return s.once("public mint of the private call",  # type: ignore[no-any-return]
                  lambda: s.send("POST", f"/p2p/calls/{call_id(s.private_call())}/token", auth="public"))


@check("mint_call_token_public.private.status", "doc", "§3 mint_call_token_public", "the public-key mint on a private call: 403")
def _mint_private_status(s: Session) -> Facts:
    return status_only(_public_mint_of_private(s))


@check("mint_call_token_public.private.message", "fake", "§3 mint_call_token_public",
       "the public-key mint on a private call: `Call is private.`")
def _mint_private_message(s: Session) -> Facts:
    return {"error": error_of(_public_mint_of_private(s))}


@check("mint_call_token_public.public", "doc", "§3 mint_call_token_public",
       "the public-key mint on a public call: 200 with a new callToken")
def _mint_public(s: Session) -> Facts:
    return minted(s, s.send("POST", f"/p2p/calls/{call_id(s.public_call())}/token", auth="public"))


@check("mint_call_token_public.unknown_call", "doc", "§3 mint_call_token_public", "the public-key mint, unknown call: 404 `Call not found.`")
def _mint_public_unknown(s: Session) -> Facts:
    return answer(s.send("POST", f"/p2p/calls/{UNKNOWN_ID}/token", auth="public"))


@check("mint_call_token_public.key_first", "fake", "§3 mint_call_token_public", "a bad key is checked before the call: 401, not 404")
def _mint_key_first(s: Session) -> Facts:
    return {"status": s.send("POST", f"/p2p/calls/{UNKNOWN_ID}/token", auth=f"Bearer {UNKNOWN_PUBLIC_KEY}").status}


# -- CORS (radist-api.md 6.5) -------------------------------------------------------------------


def _cors(reply: Reply) -> Facts:
    return {"allow_origin": header(reply, "Access-Control-Allow-Origin"),
            "vary_origin": "origin" in (header(reply, "Vary") or "").lower()}


@check("cors.public_mint", "fake", "§6.5 CORS",
       "the public mint answers a page's origin: the origin echoed, `Vary: Origin`; its preflight 204 with methods, headers and max-age")
def _cors_public(s: Session) -> Facts:
    path = f"/p2p/calls/{call_id(s.public_call())}/token"
    actual = s.send("POST", path, auth="public", headers={"Origin": ORIGIN})
    preflight = s.send("OPTIONS", path, auth=None, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"})
    return {"answer": {"status": actual.status, **_cors(actual)}, "preflight": {
        "status": preflight.status, **_cors(preflight),
        "methods": header(preflight, "Access-Control-Allow-Methods"), "headers": header(preflight, "Access-Control-Allow-Headers"),
        "max_age": header(preflight, "Access-Control-Max-Age")}}


@check("cors.secret_endpoints", "fake", "§6.5 CORS", "secret-key endpoints answer no CORS, and refuse a preflight")
def _cors_secret(s: Session) -> Facts:
    actual = s.send("GET", s.project_path("/calls"), query="limit=1", headers={"Origin": ORIGIN})
    preflight = s.send("OPTIONS", s.project_path("/calls"), auth=None, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    return {"answer": {"status": actual.status, "allow_origin": header(actual, "Access-Control-Allow-Origin")},
            "preflight": {"status": preflight.status, "allow_origin": header(preflight, "Access-Control-Allow-Origin")}}
