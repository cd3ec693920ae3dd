"""The conformance checks, one module per section of radist-api.md.

Each check runs the same steps on a side (the target, or the fake) and
returns its *facts* (:mod:`..facts`): statuses, media types, bodies by
shape, error messages, headers the spec names, and the values rules fix. A
run compares the two sides' facts; equal facts agree.

A check is ``doc`` when it tests what Radist documents (radist-api.md says
[doc]), ``fake`` when it tests one of this project's guesses ([fake]).
Where the spec documents part of a rule and guesses the rest (a documented
status with a guessed message, a documented refusal in the fake's socket
protocol), two checks split it, and a ``doc`` check never depends on a
guess: where an order of checks is a guess, it uses inputs that make the
order irrelevant, and a ``fake`` check records the order.

Some checks need something a run does not have by default: ``needs`` names
the option that enables them (a number of calls to reach the connection
limit, a token TTL to wait out).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ...fidelity.answers import Facts
from ..sides import Session

#: Ids no target holds: fixed, so the two sides ask the same thing.
UNKNOWN_ID = "00000000-0000-4000-8000-00000000abcd"
UNKNOWN_SECRET_KEY = "rad_sk_pytestRadistVerifyUnknownKey0000"
UNKNOWN_PUBLIC_KEY = "rad_pk_pytestRadistVerifyUnknownKey0000"


@dataclass(frozen=True)
class Check:
    name: str
    #: ``"doc"`` or ``"fake"``: documented behaviour, or an assumption of the fake.
    source: str
    #: Where radist-api.md states the rule (``§3 list_calls``).
    spec: str
    #: The rule, in a line.
    rule: str
    run: Callable[[Session], Facts]
    #: The run option this check needs (``connection_limit_calls``,
    #: ``token_ttl``), or ``None``: it always runs.
    needs: Optional[str] = None

    @property
    def section(self) -> str:
        """``§3``: the section of radist-api.md, for the coverage summary."""
        return self.spec.split()[0].split(".")[0]


CHECKS: list[Check] = []


def check(name: str, source: str, spec: str, rule: str, *, needs: Optional[str] = None) -> Callable[[Callable[[Session], Facts]], Callable[[Session], Facts]]:
    """Register a check (in the order the run makes them)."""
    def register(run: Callable[[Session], Facts]) -> Callable[[Session], Facts]:
        assert source in ("doc", "fake") and spec.startswith("§"), (name, source, spec)
        assert all(c.name != name for c in CHECKS), f"two checks named {name}"
        CHECKS.append(Check(name, source, spec, rule, run, needs))
        return run

    return register


def new_nonce() -> str:
    """Six hex digits naming one run's spaces (a new run never clashes with an old one)."""
    return uuid.uuid4().hex[:6]


def values(*pairs: tuple[str, Any]) -> Facts:
    return dict(pairs)


# registration order is run order: conventions first, the socket lifecycle
# (which ends calls) and freshness over the whole run last
from . import conventions, calls, rooms, spaces, sockets, sequences  # noqa: E402,F401

#: The sections of radist-api.md, for the coverage summary.
SECTIONS = {
    "§1": "credentials and identifiers", "§2": "conventions of the HTTP API", "§3": "P2P calls",
    "§4": "SFU rooms", "§5": "spaces", "§6": "signaling sockets", "§7": "what nobody documents",
}

__all__ = ["CHECKS", "Check", "SECTIONS", "UNKNOWN_ID", "UNKNOWN_PUBLIC_KEY", "UNKNOWN_SECRET_KEY", "check", "new_nonce"]
