"""Fault injection: rules, as data, that sit in front of the API.

A rule names an endpoint (or ``"*"``) and an effect. Every front door asks
the same :class:`FaultPlan`, so a rule acts alike in process and over HTTP.
"""

from __future__ import annotations

import difflib
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from .. import messages as M
from ..api.routes import ENDPOINTS, SOCKET_ENDPOINTS
from ..errors import InvalidValue, NotFound


#: Longest fault latency, in seconds: a test waits for it in real time.
MAX_LATENCY = 3600.0


@dataclass
class FaultRule:
    """One fault. ``times=None`` means every matching request."""

    endpoint: str
    status: Optional[int] = None
    error: Optional[str] = None
    latency: float = 0.0
    drop: bool = False
    malformed: Optional[bytes] = None
    lost_response: bool = False
    times: Optional[int] = 1
    probability: float = 1.0
    seed: Optional[int] = None
    fired: int = 0
    #: Given when the rule is added (``fault-1``, ``fault-2``, ...): what
    #: :meth:`~pytest_radist.RadistFake.remove_fault` and
    #: ``DELETE /_radist/faults/{id}`` take.
    id: str = ""
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    @property
    def applies_operation(self) -> bool:
        """Whether the request still reaches the API (the operation happens)."""
        return self.lost_response or (self.status is None and not self.drop and self.malformed is None)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def describe(self) -> str:
        parts = []
        if self.latency:
            parts.append(f"latency {self.latency}s")
        if self.lost_response:
            parts.append("lost response")
        if self.status is not None:
            parts.append(f"status {self.status}")
        if self.drop:
            parts.append("dropped connection")
        if self.malformed is not None:
            parts.append(f"malformed body {self.malformed[:20]!r}")
        count = "always" if self.times is None else f"{self.fired}/{self.times} fired"
        chance = "" if self.probability >= 1 else f", p={self.probability} seed={self.seed}"
        return f"{self.endpoint}: {', '.join(parts)} ({count}{chance})"

    def to_json(self) -> dict[str, Any]:
        """The rule as the control plane shows it (camelCase, as it takes it)."""
        return {
            "id": self.id, "endpoint": self.endpoint, "status": self.status, "error": self.error,
            "latency": self.latency, "drop": self.drop,
            "malformed": None if self.malformed is None else self.malformed.decode("utf-8", "replace"),
            "lostResponse": self.lost_response, "times": self.times, "probability": self.probability,
            "seed": self.seed, "fired": self.fired, "description": self.describe(),
        }


def check_endpoint(endpoint: str) -> str:
    known = ENDPOINTS + SOCKET_ENDPOINTS
    if endpoint == "*" or endpoint in known:
        return endpoint
    hint = difflib.get_close_matches(str(endpoint), known, n=1)
    suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
    raise InvalidValue(
        f"unknown endpoint {endpoint!r}.{suggestion} Use '*' or one of: {', '.join(known)}"
    )


class FaultPlan:
    """The ordered list of rules; the first active rule that matches fires."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self._added = 0  # ids are never reused, even after clear()

    def add(self, rule: FaultRule) -> FaultRule:
        check_endpoint(rule.endpoint)
        if rule.status is not None and (not isinstance(rule.status, int) or isinstance(rule.status, bool) or not 400 <= rule.status <= 599):
            raise InvalidValue(f"status must be an error status between 400 and 599, got {rule.status!r}")
        if rule.error is not None and not isinstance(rule.error, str):
            raise InvalidValue(f"error must be a message string, got {rule.error!r}")
        if rule.malformed is not None and not isinstance(rule.malformed, bytes):
            raise InvalidValue(f"malformed must be bytes or str, got {rule.malformed!r}")
        if rule.times is not None and (not isinstance(rule.times, int) or rule.times < 1):
            raise InvalidValue(f"times must be a positive int or None (every request), got {rule.times!r}")
        if not isinstance(rule.probability, (int, float)) or not 0.0 < rule.probability <= 1.0:
            raise InvalidValue(f"probability must be in (0, 1], got {rule.probability!r}")
        if not isinstance(rule.latency, (int, float)) or not 0 <= rule.latency <= MAX_LATENCY:  # also NaN
            raise InvalidValue(f"latency must be between 0 and {MAX_LATENCY:g} seconds, got {rule.latency!r}")
        if not all(isinstance(flag, bool) for flag in (rule.drop, rule.lost_response)):
            raise InvalidValue("drop and lost_response are True or False")
        if rule.drop and rule.malformed is not None:
            raise InvalidValue("a rule either drops the connection or sends a malformed body, not both")
        if not (rule.status is not None or rule.latency or rule.drop or rule.malformed is not None or rule.lost_response):
            raise InvalidValue("a fault needs an effect: status=, latency=, drop=True, malformed=, or lost_response=True")
        rule._rng = random.Random(rule.seed)
        with self._lock:
            self._added += 1
            rule.id = f"fault-{self._added}"
            self.rules.append(rule)
        return rule

    def remove(self, rule_or_id: Union[FaultRule, str]) -> FaultRule:
        """Remove one rule, by object or id; :class:`NotFound` names the ids there are."""
        wanted = rule_or_id.id if isinstance(rule_or_id, FaultRule) else rule_or_id
        with self._lock:
            for rule in self.rules:
                if rule.id == wanted:
                    self.rules.remove(rule)
                    return rule
            there = ", ".join(rule.id for rule in self.rules) or "none"
        raise NotFound(M.NO_SUCH_FAULT.format(id=wanted, there=there))

    def pick(self, endpoint: Optional[str]) -> Optional[FaultRule]:
        """The rule that fires for this request, counting it; ``None`` if none."""
        if not self.rules or endpoint is None:
            return None
        with self._lock:
            for rule in self.rules:
                if rule.exhausted or (rule.endpoint != "*" and rule.endpoint != endpoint):
                    continue
                if rule.probability < 1.0 and rule._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
        return None

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
