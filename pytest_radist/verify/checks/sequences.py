"""Rules over a whole run: every token minted is new; and the two rules a
run can reach only when asked, because they cost calls or time (the
connection limit's 429, token expiry)."""

from __future__ import annotations

from ...fidelity.answers import Facts, answer, field, header
from ..sides import Session
from . import check
from .sockets import joined, refusal


@check("tokens.fresh", "doc", "§3 lifecycle", "every token minted in the run (create, both mints, rooms, host tokens) is new: none comes twice")
def _fresh(s: Session) -> Facts:
    seen = s.tokens_seen
    return {"every_token_new": len(set(seen)) == len(seen), "tokens_seen": len(seen) > 0}


@check("create_call.connection_limit", "doc", "§3 create_call", "calls past the project's connection limit: 429 "
       "`Connection limit reached.`, without `Retry-After` (§7: capacity, not rate)", needs="connection_limit_calls")
def _connection_limit(s: Session) -> Facts:
    for _ in range(int(s.options["connection_limit_calls"])):
        reply = s.new_call()
        if reply.status != 200:
            return {"reached": True, **answer(reply), "retry_after": header(reply, "Retry-After")}
    return {"reached": False}


def _expired(s: Session) -> object:
    def wait_out() -> object:
        token = field(s.new_call("public"), "callTokens", 0)
        s.wait(float(s.options["token_ttl"]) + 1)
        return s.connect(callToken=str(token))

    return s.once("a token waited out", wait_out)


@check("tokens.expiry", "doc", "§3 lifecycle", "a token unused for longer than the project's token TTL does not join",
       needs="token_ttl")
def _expiry(s: Session) -> Facts:
    return joined(_expired(s))  # type: ignore[arg-type]


@check("tokens.expiry.refusal", "fake", "§6.2", "...refused with `error` `expired`, close 4410 `Token has expired.`", needs="token_ttl")
def _expiry_refusal(s: Session) -> Facts:
    return refusal(_expired(s))  # type: ignore[arg-type]
