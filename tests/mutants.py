"""Mutants of the fake: each changes one documented behaviour, to measure
whether ``radist-fake verify`` (and a cassette) notices.

A :class:`DeviantFake` is a proxy in front of a fake: every request, over
HTTP or a signaling socket's handshake, passes through a mutant's
``request`` hook on its way in and its ``answer`` hook on its way out; a
``setup`` hook may change the fake's configuration. Served on a loopback
server, it is a target like any other. ``tests/test_mutation.py`` runs a
sample in CI; ``bench/mutation.py`` runs them all and reports the score.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

from pytest_radist import RadistFake
from pytest_radist.api import routes
from pytest_radist.api.app import INVALID_JSON, NO_BODY, ApiRequest
from pytest_radist.controls.browser import BrowserPolicy
from pytest_radist.target import Outcome

RequestHook = Callable[[ApiRequest, "DeviantFake"], ApiRequest]
AnswerHook = Callable[[ApiRequest, Outcome, "DeviantFake"], Outcome]


@dataclass(frozen=True)
class Mutant:
    name: str
    #: Whether the behaviour it changes is documented (``doc``) or a guess (``fake``).
    source: str
    #: The section of radist-api.md it changes.
    section: str
    request: Optional[RequestHook] = None
    answer: Optional[AnswerHook] = None
    setup: Optional[Callable[["DeviantFake"], None]] = None


class DeviantFake(RadistFake):
    """A fake with deviations: ``(request hook, answer hook)`` pairs applied
    around every dispatch, the control plane excepted."""

    def __init__(self, *mutants: Mutant, **settings: Any) -> None:
        super().__init__(**settings)
        self.mutants = mutants
        #: What a mutant remembers between requests (tokens it handed out...).
        self.memory: dict[str, Any] = {}
        for mutant in mutants:
            if mutant.setup is not None:
                mutant.setup(self)

    def dispatch(self, request: ApiRequest, door: str) -> Outcome:
        if request.path.startswith("/_radist/"):
            return super().dispatch(request, door)
        for mutant in self.mutants:
            if mutant.request is not None:
                request = mutant.request(request, self)
        outcome = super().dispatch(request, door)
        for mutant in self.mutants:
            if mutant.answer is not None:
                outcome = mutant.answer(request, outcome, self)
        return outcome

    def plain(self, request: ApiRequest) -> Outcome:
        """The unmutated answer to ``request`` (a mutant that re-asks)."""
        return RadistFake.dispatch(self, request, door="verify")


# -- helpers ---------------------------------------------------------------------------------


def endpoint(request: ApiRequest) -> Optional[str]:
    return routes.match(request.method, request.path).endpoint


def on(name: str, status: Optional[int] = 200) -> Callable[[ApiRequest, Outcome], bool]:
    return lambda request, outcome: endpoint(request) == name and (status is None or outcome.status == status)


def change_body(test: Callable[[ApiRequest, Outcome], bool], change: Callable[[dict[str, Any]], Any]) -> AnswerHook:
    """An answer hook: where ``test`` holds, the body as ``change`` makes it."""
    def hook(request: ApiRequest, outcome: Outcome, fake: DeviantFake) -> Outcome:
        if outcome.body is not None and test(request, outcome):
            body = json.loads(json.dumps(outcome.body))
            changed = change(body)
            return replace(outcome, body=body if changed is None else changed)
        return outcome

    return hook


def strings(value: Any, change: Callable[[str], Any]) -> Any:
    """``value`` with every string ``change``d, at any depth."""
    if isinstance(value, dict):
        return {k: strings(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [strings(v, change) for v in value]
    return change(value) if isinstance(value, str) else value


def every(request: ApiRequest, outcome: Outcome) -> bool:
    return True


def is_error(request: ApiRequest, outcome: Outcome) -> bool:
    return outcome.body is not None and "error" in outcome.body and outcome.status >= 400


def with_message(message: str) -> Callable[[ApiRequest, Outcome], bool]:
    return lambda request, outcome: outcome.body is not None and outcome.body.get("error") == message


def answer_as(status: Optional[int] = None, message: Optional[str] = None) -> Callable[[dict[str, Any]], Any]:
    def change(body: dict[str, Any]) -> Any:
        if message is not None:
            body["error"] = message
        return body

    return change


def restatus(test: Callable[[ApiRequest, Outcome], bool], status: int, message: Optional[str] = None) -> AnswerHook:
    def hook(request: ApiRequest, outcome: Outcome, fake: DeviantFake) -> Outcome:
        if test(request, outcome):
            body = dict(outcome.body or {})
            if message is not None:
                body["error"] = message
            return replace(outcome, status=status, body=body)
        return outcome

    return hook


def query_param(request: ApiRequest, name: str) -> Optional[str]:
    from urllib.parse import parse_qs

    found = parse_qs(request.query, keep_blank_values=True).get(name)
    return found[0] if found else None


def with_query(request: ApiRequest, **values: Optional[str]) -> ApiRequest:
    from urllib.parse import parse_qsl, urlencode

    pairs = [(k, v) for k, v in parse_qsl(request.query, keep_blank_values=True) if k not in values]
    pairs += [(k, v) for k, v in values.items() if v is not None]
    return replace(request, query=urlencode(pairs))


def key_of(request: ApiRequest) -> str:
    scheme, _, key = (request.authorization or "").partition(" ")
    return key.strip()


def mint_anyway(kind: str) -> AnswerHook:
    """A mint the model refused (a full or ended call) answers a new token anyway."""
    def hook(request: ApiRequest, outcome: Outcome, fake: DeviantFake) -> Outcome:
        if endpoint(request) == kind and outcome.status in (409, 410):
            call = fake.calls.get(routes.match(request.method, request.path).params.get("callId", ""))
            if call is not None:
                token = fake._world._mint("call", call, "public")  # past the rules, on purpose
                return Outcome(200, {"callToken": token.value})
        return outcome

    return hook


def repeat_token(kind: str) -> AnswerHook:
    """A mint that hands out the token it gave first, every time."""
    def hook(request: ApiRequest, outcome: Outcome, fake: DeviantFake) -> Outcome:
        if endpoint(request) == kind and outcome.status == 200 and outcome.body:
            first = fake.memory.setdefault(f"first {kind}", outcome.body["callToken"])
            return replace(outcome, body={"callToken": first})
        return outcome

    return hook


def socket_refusal(reason: str, status: int, word: Optional[str] = None, message: Optional[str] = None) -> AnswerHook:
    """A socket refusal for ``reason`` answered with another status (close
    code ``4000 + status``), reason word or message."""
    def hook(request: ApiRequest, outcome: Outcome, fake: DeviantFake) -> Outcome:
        if request.websocket and outcome.body and outcome.body.get("reason") == reason:
            body = {**outcome.body, "reason": word or reason, "error": message or outcome.body["error"]}
            return replace(outcome, status=status, body=body)
        return outcome

    return hook


def join_anyway(reason: str) -> AnswerHook:
    """A socket refused for ``reason`` joins anyway, with a token minted past the rules."""
    def hook(request: ApiRequest, outcome: Outcome, fake: DeviantFake) -> Outcome:
        if request.websocket and outcome.body and outcome.body.get("reason") == reason:
            call = next((c for c in reversed(list(fake.calls.values())) if c.live), None)
            if call is not None:
                token = fake._world._mint("call", call, "server")
                call.tombstone_due = None
                for peer in list(call.connected_peers)[1:]:
                    peer.leave()
                retry = with_query(replace(request, query=re.sub(r"callToken=[^&]*", "", request.query)), callToken=token.value)
                return fake.plain(retry)
        return outcome

    return hook


def welcome(change: Callable[[dict[str, Any]], Any]) -> AnswerHook:
    return change_body(lambda request, outcome: request.websocket and outcome.status == 101, change)


def set_header(test: Callable[[ApiRequest, Outcome], bool], name: str, value: Optional[str]) -> AnswerHook:
    def hook(request: ApiRequest, outcome: Outcome, fake: DeviantFake) -> Outcome:
        if test(request, outcome):
            headers = {k: v for k, v in outcome.headers.items() if k.lower() != name.lower()}
            if value is not None:
                headers[name] = value
            return replace(outcome, headers=headers)
        return outcome

    return hook


def combine(*hooks: AnswerHook) -> AnswerHook:
    def hook(request: ApiRequest, outcome: Outcome, fake: DeviantFake) -> Outcome:
        for each in hooks:
            outcome = each(request, outcome, fake)
        return outcome

    return hook


def first_digits(value: str) -> str:
    return re.match(r"\d*", value).group() or value  # type: ignore[union-attr]


def _times(change: Callable[[str], str]) -> AnswerHook:
    iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
    return change_body(every, lambda body: strings(body, lambda s: change(s) if iso.match(s) else s))


def _listed(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], Any]:
    def each(body: dict[str, Any]) -> Any:
        for item in body.get("calls", []):
            change(item)
        return body

    return each


def _secret_route(request: ApiRequest) -> bool:
    route = routes.match(request.method, request.path).route
    return route is not None and route.key == "secret"


def _public_route(request: ApiRequest) -> bool:
    route = routes.match(request.method, request.path).route
    return route is not None and route.key == "public"


def _reauthorize(test: Callable[[ApiRequest, DeviantFake], bool], key: Callable[[DeviantFake], str]) -> RequestHook:
    def hook(request: ApiRequest, fake: DeviantFake) -> ApiRequest:
        return replace(request, authorization=f"Bearer {key(fake)}") if test(request, fake) else request

    return hook


def _reproject(request: ApiRequest, fake: DeviantFake) -> ApiRequest:
    """Any project id works with a key: the key's project is used."""
    found = routes.match(request.method, request.path)
    owner = fake._world.key_owner.get(key_of(request))
    if found.route is not None and found.route.key == "secret" and owner is not None and found.params.get("projectId") != owner.id:
        segments = request.path.split("/")
        segments[4] = owner.id
        return replace(request, path="/".join(segments))
    return request


def _as_body(value: Any) -> RequestHook:
    def hook(request: ApiRequest, fake: DeviantFake) -> ApiRequest:
        return replace(request, body=value(request))

    return hook


def _rotate_repeats(request: ApiRequest, outcome: Outcome, fake: DeviantFake) -> Outcome:
    if endpoint(request) == "create_space" and outcome.status == 200 and outcome.body:
        fake.memory[outcome.body["space"]["id"]] = outcome.body["hostToken"]
    if endpoint(request) == "rotate_space_host_token" and outcome.status == 200 and outcome.body:
        old = fake.memory.get(routes.match(request.method, request.path).params["spaceId"])
        if old is not None:
            return replace(outcome, body={**outcome.body, "hostToken": old})
    return outcome


def _keep_space(request: ApiRequest, fake: DeviantFake) -> ApiRequest:
    """A DELETE that deletes nothing (its answer is still a success)."""
    if endpoint(request) == "delete_space":
        return replace(request, method="GET", path=request.path.rsplit("/", 1)[0])
    return request


def _deleted(request: ApiRequest, outcome: Outcome, fake: DeviantFake) -> Outcome:
    if request.method == "GET" and endpoint(request) == "list_spaces" and fake.memory.pop("faked delete", False):
        return Outcome(200, {"success": True})
    return outcome


def _mark_delete(request: ApiRequest, fake: DeviantFake) -> ApiRequest:
    if endpoint(request) == "delete_space":
        fake.memory["faked delete"] = True
    return _keep_space(request, fake)


def _oldest_first(body: dict[str, Any]) -> Any:
    body["calls"] = body["calls"][::-1]
    return body


def _uncleared(request: ApiRequest, outcome: Outcome, fake: DeviantFake) -> Outcome:
    return socket_refusal("cleared", 409, "full", "All peers are already connected.")(request, outcome, fake)


MUTANTS: list[Mutant] = [
    # -- §1: identifiers ---------------------------------------------------------------
    Mutant("call ids are not UUIDs", "doc", "§1", answer=change_body(on("create_call"), lambda b: {**b, "callId": "call_" + b["callId"].replace("-", "")})),
    Mutant("call tokens have another prefix", "doc", "§1", answer=change_body(on("create_call"), lambda b: {**b, "callTokens": ["tok_" + t[3:] for t in b["callTokens"]]})),
    Mutant("room ids are not UUIDs", "fake", "§1", answer=change_body(on("create_room"), lambda b: {**b, "roomId": "room_" + b["roomId"][:8]})),
    Mutant("times are in whole seconds", "fake", "§1", answer=_times(lambda s: s[:19] + "Z")),
    Mutant("times end with +00:00", "fake", "§1", answer=_times(lambda s: s[:-1] + "+00:00")),
    Mutant("listed times are epoch numbers", "doc", "§1", answer=change_body(on("list_calls"), _listed(lambda c: c.update(createdAt=1767225600)))),
    Mutant("host tokens have another prefix", "fake", "§1", answer=change_body(every, lambda b: strings(b, lambda s: "hk_" + s[3:] if s.startswith("ht_") else s))),
    Mutant("peer ids have another prefix", "doc", "§1", answer=welcome(lambda b: strings(b, lambda s: "p_" + s[5:] if s.startswith("peer_") else s))),
    Mutant("reconnect tokens have another prefix", "doc", "§1", answer=welcome(lambda b: {**b, "reconnectToken": "rc_" + b["reconnectToken"][3:]})),
    # -- §2: conventions -------------------------------------------------------------------
    Mutant("missing bearer: another message", "doc", "§2", answer=change_body(with_message("Missing bearer token."), answer_as(message="Unauthorized"))),
    Mutant("missing bearer: 403", "doc", "§2", answer=restatus(with_message("Missing bearer token."), 403)),
    Mutant("a bare key is accepted", "doc", "§2", request=lambda r, f: replace(r, authorization=f"Bearer {r.authorization}") if (r.authorization or "").startswith("rad_") else r),
    Mutant("another scheme reads as a bad key", "doc", "§2", answer=lambda r, o, f: Outcome(401, {"error": "Invalid project id or secret key."}) if (r.authorization or "").startswith("Basic") else o),
    Mutant("a lowercase bearer is refused", "fake", "§2", answer=lambda r, o, f: Outcome(401, {"error": "Missing bearer token."}) if (r.authorization or "").startswith("bearer ") else o),
    Mutant("spaces around the key are refused", "fake", "§2", answer=lambda r, o, f: Outcome(401, {"error": "Invalid project id or secret key."}) if "  " in (r.authorization or "") else o),
    Mutant("an unknown secret key: 403", "doc", "§2", answer=restatus(with_message("Invalid project id or secret key."), 403)),
    Mutant("an unknown secret key: another message", "fake", "§2", answer=change_body(with_message("Invalid project id or secret key."), answer_as(message="Invalid secret key."))),
    Mutant("a public key opens server endpoints", "doc", "§2", request=_reauthorize(lambda r, f: _secret_route(r) and key_of(r) == f.project.public_key, lambda f: f.project.secret_key)),
    Mutant("the project id is not checked", "doc", "§2", request=_reproject),
    Mutant("a secret key opens the client endpoint", "doc", "§2", request=_reauthorize(lambda r, f: _public_route(r) and key_of(r) == f.project.secret_key, lambda f: f.project.public_key)),
    Mutant("an unknown public key: another message", "fake", "§2", answer=change_body(with_message("Invalid public key."), answer_as(message="Invalid key."))),
    Mutant("an unknown route: another message", "fake", "§2", answer=change_body(with_message("Not found."), answer_as(message="No such route."))),
    Mutant("a wrong method is 404", "fake", "§2", answer=lambda r, o, f: Outcome(404, {"error": "Not found."}) if o.status == 405 else o),
    Mutant("a 405 has no Allow", "fake", "§2", answer=set_header(lambda r, o: o.status == 405, "Allow", None)),
    Mutant("invalid JSON reads as no body", "fake", "§2", request=lambda r, f: replace(r, body=NO_BODY) if r.body is INVALID_JSON else r),
    Mutant("a JSON body that is not an object reads as none", "fake", "§2", request=lambda r, f: replace(r, body=NO_BODY) if r.body is not NO_BODY and r.body is not INVALID_JSON and not isinstance(r.body, dict) else r),
    Mutant("errors carry an extra field", "doc", "§2", answer=change_body(is_error, lambda b: {**b, "code": "error"})),
    Mutant("answers are text/plain", "doc", "§2", answer=set_header(lambda r, o: o.status == 200 and not r.websocket, "Content-Type", "text/plain; charset=utf-8")),
    Mutant("an encoded slash splits the path", "doc", "§2", request=lambda r, f: replace(r, path=re.sub("%2[Ff]", "/", r.path))),
    Mutant("creates answer 201", "doc", "§2", answer=lambda r, o, f: replace(o, status=201) if o.status == 200 and endpoint(r) in ("create_call", "create_room", "create_space") else o),
    # -- §3: calls -------------------------------------------------------------------------
    Mutant("calls are public by default", "doc", "§3", request=lambda r, f: replace(r, body={**(r.body if isinstance(r.body, dict) else {}), "accessControl": "public"}) if endpoint(r) == "create_call" and (r.body is NO_BODY or (isinstance(r.body, dict) and "accessControl" not in r.body)) else r),
    Mutant("an empty object makes a public call", "doc", "§3", request=lambda r, f: replace(r, body={"accessControl": "public"}) if endpoint(r) == "create_call" and r.body == {} else r),
    Mutant("the secret-key mint refuses public calls", "doc", "§3", answer=lambda r, o, f: Outcome(403, {"error": "Call is public."}) if on("mint_call_token")(r, o) and f.calls[routes.match(r.method, r.path).params["callId"]].access_control == "public" else o),
    Mutant("create_call omits accessControl", "doc", "§3", answer=change_body(on("create_call"), lambda b: {k: v for k, v in b.items() if k != "accessControl"})),
    Mutant("create_call gives one token", "doc", "§3", answer=change_body(on("create_call"), lambda b: {**b, "callTokens": b["callTokens"][:1]})),
    Mutant("create_call gives one token twice", "doc", "§3", answer=change_body(on("create_call"), lambda b: {**b, "callTokens": b["callTokens"][:1] * 2})),
    Mutant("a bad accessControl makes a private call", "fake", "§3", request=lambda r, f: replace(r, body={}) if endpoint(r) == "create_call" and isinstance(r.body, dict) and r.body.get("accessControl") not in (None, "private", "public") else r),
    Mutant("the default limit is 10", "doc", "§3", request=lambda r, f: with_query(r, limit="10") if endpoint(r) == "list_calls" and query_param(r, "limit") is None else r),
    Mutant("the default page reads 0", "doc", "§3", answer=change_body(lambda r, o: on("list_calls")(r, o) and query_param(r, "page") is None, lambda b: {**b, "page": 0})),
    Mutant("a limit over 100 is not clamped", "fake", "§3", answer=change_body(lambda r, o: on("list_calls")(r, o) and (query_param(r, "limit") or "").isdigit() and int(query_param(r, "limit") or 0) > 100, lambda b: b | {"limit": 1000})),
    Mutant("the limit is ignored", "doc", "§3", request=lambda r, f: with_query(r, limit="100") if endpoint(r) == "list_calls" and (query_param(r, "limit") or "").isdigit() else r),
    Mutant("total counts the page", "doc", "§3", answer=change_body(on("list_calls"), lambda b: {**b, "total": len(b["calls"])})),
    Mutant("oldest first", "fake", "§3", answer=change_body(on("list_calls"), _oldest_first)),
    Mutant("tombstonedAt is absent while live", "fake", "§3", answer=change_body(on("list_calls"), _listed(lambda c: c.pop("tombstonedAt") if c.get("tombstonedAt") is None else None))),
    Mutant("a page past the end is 404", "fake", "§3", answer=lambda r, o, f: Outcome(404, {"error": "Page not found."}) if on("list_calls")(r, o) and o.body and not o.body["calls"] and o.body["total"] else o),
    Mutant("a page like 2abc reads as 2", "doc", "§3", request=lambda r, f: with_query(r, page=first_digits(query_param(r, "page") or "")) if endpoint(r) == "list_calls" and query_param(r, "page") else r),
    Mutant("page 0 reads as 1", "doc", "§3", request=lambda r, f: with_query(r, page="1") if endpoint(r) == "list_calls" and query_param(r, "page") == "0" else r),
    Mutant("a limit like abc is ignored", "fake", "§3", request=lambda r, f: with_query(r, limit=None) if endpoint(r) == "list_calls" and query_param(r, "limit") is not None and not (query_param(r, "limit") or "").isdigit() else r),
    Mutant("an invalid limit: another message", "fake", "§3", answer=change_body(with_message("Invalid limit query parameter."), answer_as(message="Invalid limit."))),
    Mutant("listed calls lack createdAt", "doc", "§3", answer=change_body(on("list_calls"), _listed(lambda c: c.pop("createdAt")))),
    Mutant("the secret-key mint repeats its first token", "doc", "§3", answer=repeat_token("mint_call_token")),
    Mutant("the public mint repeats its first token", "doc", "§3", answer=repeat_token("mint_call_token_public")),
    Mutant("the public mint of a private call: 404", "doc", "§3", answer=restatus(with_message("Call is private."), 404, "Call not found.")),
    Mutant("the public mint of a private call: another message", "fake", "§3", answer=change_body(with_message("Call is private."), answer_as(message="Forbidden."))),
    Mutant("the public mint, unknown call: 403", "doc", "§3", answer=restatus(lambda r, o: on("mint_call_token_public", 404)(r, o), 403, "Call is private.")),
    Mutant("the call is checked before the key", "fake", "§3", answer=lambda r, o, f: Outcome(404, {"error": "Call not found."}) if on("mint_call_token_public", 401)(r, o) and routes.match(r.method, r.path).params.get("callId") not in f.calls else o),
    Mutant("a full call still mints (public)", "doc", "§3", answer=mint_anyway("mint_call_token_public")),
    Mutant("an ended call still mints (public)", "doc", "§3", answer=lambda r, o, f: mint_anyway("mint_call_token_public")(r, o, f) if o.status == 410 else o),
    Mutant("a full call still mints (secret key)", "fake", "§3", answer=lambda r, o, f: mint_anyway("mint_call_token")(r, o, f) if o.status == 409 else o),
    Mutant("the secret-key mint, unknown call: another message", "fake", "§3", answer=change_body(lambda r, o: on("mint_call_token", 404)(r, o), answer_as(message="No such call."))),
    Mutant("a consumed token joins again", "doc", "§3", answer=join_anyway("consumed")),
    Mutant("cleared tokens are refused as full", "fake", "§3", answer=_uncleared),
    Mutant("tombstonedAt stays null after the end", "doc", "§3", answer=change_body(on("list_calls"), _listed(lambda c: c.update(tombstonedAt=None)))),
    Mutant("a call is not ended when its peers leave", "doc", "§3", setup=lambda f: setattr(f, "reconnect_grace", 10**6)),
    Mutant("the 429 carries Retry-After", "doc", "§7", answer=set_header(lambda r, o: o.status == 429, "Retry-After", "1")),
    Mutant("the 429: another message", "doc", "§3", answer=change_body(with_message("Connection limit reached."), answer_as(message="Too many calls."))),
    # -- §4: rooms ------------------------------------------------------------------------------
    Mutant("create_room gives one token", "doc", "§4", answer=change_body(on("create_room"), lambda b: {**b, "roomTokens": b["roomTokens"][:1]})),
    Mutant("room tokens have another prefix", "doc", "§4", answer=change_body(on("mint_room_token"), lambda b: {"roomToken": "rt_" + b["roomToken"][3:]})),
    Mutant("an unknown room: another message", "fake", "§4", answer=change_body(with_message("Room not found."), answer_as(message="No such room."))),
    Mutant("mint_room_token names it token", "doc", "§4", answer=change_body(on("mint_room_token"), lambda b: {"token": b["roomToken"]})),
    # -- §5: spaces --------------------------------------------------------------------------------
    Mutant("create_space returns the password", "doc", "§5", answer=lambda r, o, f: replace(o, body={**o.body, "space": {**o.body["space"], "password": r.body.get("password")}}) if on("create_space")(r, o) and isinstance(r.body, dict) and r.body.get("password") and o.body else o),
    Mutant("accessType updates are ignored", "doc", "§5", request=lambda r, f: replace(r, body={k: v for k, v in r.body.items() if k != "accessType"}) if endpoint(r) == "update_space" and isinstance(r.body, dict) and r.body.get("accessType") in ("public", "knock") else r),
    Mutant("update answers carry participantUrl", "doc", "§5", answer=change_body(on("update_space"), lambda b: {**b, "space": {**b["space"], "participantUrl": "http://x/s/" + b["space"]["slug"]}})),
    Mutant("rotation returns the old host token", "doc", "§5", answer=_rotate_repeats),
    Mutant("listed spaces lack participantUrl", "doc", "§5", answer=change_body(on("list_spaces"), lambda b: {"spaces": [{k: v for k, v in s.items() if k != "participantUrl"} for s in b["spaces"]]})),
    Mutant("slugs join words with _", "fake", "§5", answer=change_body(lambda r, o: on("create_space")(r, o), lambda b: strings(b, lambda s: s.replace(b["space"]["slug"], b["space"]["slug"].replace("-", "_"))))),
    Mutant("a slug clash gets -1", "fake", "§5", answer=change_body(on("create_space"), lambda b: strings(b, lambda s: re.sub(r"-2$", "-1", s) if s == b["space"]["slug"] else s))),
    Mutant("hostUrl lacks ?host=1", "doc", "§5", answer=change_body(lambda r, o: o.status == 200 and bool(o.body) and "hostUrl" in (o.body or {}), lambda b: {**b, "hostUrl": b["participantUrl"]})),
    Mutant("activeRoomId is absent", "doc", "§5", answer=change_body(lambda r, o: on("create_space")(r, o) or on("update_space")(r, o), lambda b: {**b, "space": {k: v for k, v in b["space"].items() if k != "activeRoomId"}})),
    Mutant("delete answers deleted: true", "doc", "§5", answer=change_body(on("delete_space"), lambda b: {"deleted": True})),
    Mutant("a deleted space stays", "doc", "§5", request=_mark_delete, answer=_deleted),
    Mutant("an invalid slug is accepted", "fake", "§5", request=lambda r, f: replace(r, body={**r.body, "slug": "verify-accepted"}) if endpoint(r) == "update_space" and isinstance(r.body, dict) and isinstance(r.body.get("slug"), str) and not re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", r.body["slug"]) else r),
    Mutant("a taken slug is 400", "fake", "§5", answer=restatus(with_message("Slug is already taken."), 400)),
    Mutant("no name: another message", "fake", "§5", answer=change_body(with_message("Name is required."), answer_as(message="Missing name."))),
    Mutant("spaces are listed with a total", "doc", "§5", answer=change_body(on("list_spaces"), lambda b: {**b, "total": len(b["spaces"])})),
    Mutant("update answers lack the space wrapper", "doc", "§5", answer=change_body(on("update_space"), lambda b: b["space"])),
    Mutant("a password that is not a string is taken as one", "fake", "§5", request=lambda r, f: replace(r, body={**r.body, "password": str(r.body["password"])}) if endpoint(r) == "create_space" and isinstance(r.body, dict) and r.body.get("password") is not None and not isinstance(r.body["password"], str) else r),
    Mutant("an unknown space: another message", "fake", "§5", answer=change_body(with_message("Space not found."), answer_as(message="No such space."))),
    # -- §6: sockets and CORS ----------------------------------------------------------------------
    Mutant("the public mint answers no CORS", "fake", "§6", setup=lambda f: setattr(f, "browser", BrowserPolicy.build(["http://elsewhere.example"]))),
    Mutant("secret-key endpoints answer CORS", "fake", "§6", setup=lambda f: setattr(f, "browser", BrowserPolicy.build(None, True))),
    Mutant("the welcome lacks the call", "doc", "§6", answer=welcome(lambda b: {k: v for k, v in b.items() if k != "call"})),
    Mutant("a consumed token closes with 4403", "fake", "§6", answer=socket_refusal("consumed", 403)),
    Mutant("refusals use other reason words", "fake", "§6", answer=lambda r, o, f: replace(o, body={**o.body, "reason": o.body["reason"].upper()}) if r.websocket and o.body and o.body.get("reason") else o),
    Mutant("a bad key closes with 4400", "fake", "§6", answer=socket_refusal("invalid_key", 400)),
    Mutant("missing parameters: another message", "fake", "§6", answer=socket_refusal("bad_request", 400, message="Bad request.")),
    Mutant("an unknown public key joins", "doc", "§6", request=lambda r, f: replace(r, query=re.sub(r"publicKey=[^&]*", f"publicKey={f.project.public_key}", r.query)) if r.websocket else r),
    Mutant("a reconnect is refused", "doc", "§6", answer=lambda r, o, f: Outcome(404, {"error": "Peer not found.", "reason": "unknown"}) if r.websocket and "reconnectToken=" in r.query else o),
    Mutant("the room welcome lacks the room", "fake", "§6", answer=welcome(lambda b: {k: v for k, v in b.items() if k != "room"})),
    Mutant("an ended call's late token is refused as expired", "fake", "§6", answer=socket_refusal("terminated", 410, "expired", "Token has expired.")),
]


def by_name(name: str) -> Mutant:
    return next(m for m in MUTANTS if m.name == name)


#: The mutants' project's connection limit, which verify is told (so its fake side has it too).
CONNECTION_LIMIT = 15


def verify(*mutants: Mutant) -> Any:
    """``radist-fake verify``'s report on a fake with these mutants, served
    on a loopback server of its own (with a connection limit, so that the
    opt-in check of the 429 runs too)."""
    from pytest_radist.live import LiveCredentials
    from pytest_radist.verify import run

    fake = DeviantFake(*mutants, seed=7, connection_limit=CONNECTION_LIMIT)
    try:
        credentials = LiveCredentials(fake.project.id, fake.project.secret_key, fake.project.public_key, fake.url)
        return run(credentials, timeout=10, connection_limit_calls=CONNECTION_LIMIT)
    finally:
        fake.close()


def sample() -> list[Mutant]:
    """What CI runs: the first mutant of each source in each section."""
    seen: set[tuple[str, str]] = set()
    chosen = []
    for mutant in MUTANTS:
        if (mutant.section, mutant.source) not in seen:
            seen.add((mutant.section, mutant.source))
            chosen.append(mutant)
    return chosen
