"""Fault injection: rules, as data, that sit in front of the API.

A rule names an endpoint (or ``"*"``) and an effect. Every front door asks
the same :class:`Faults` (``fake.faults``), so a rule acts alike in process
and over HTTP.
"""

from __future__ import annotations

import difflib
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterator, Mapping, Optional, Sequence, Union, overload

from .. import messages as M
from ..api.grammar import TOKEN_CHARS, is_field_name, is_field_value
from ..api.routes import ENDPOINTS, FRAME_ENDPOINTS, SOCKET_ENDPOINTS
from ..errors import InvalidValue, NotFound


#: Longest fault latency, in seconds: a test waits for it in real time.
MAX_LATENCY = 3600.0


@dataclass
class FaultRule:
    """One fault. ``times=None`` means every matching request.

    A rule is also a scope: ``with fake.fail("create_call", status=429):``
    removes it when the block ends (if it is still there)."""

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
    #: :meth:`Faults.remove` and ``DELETE /_radist/faults/{id}`` take.
    id: str = ""
    #: Headers the answer carries beside its own (``{"Retry-After": "2"}``).
    headers: dict[str, str] = field(default_factory=dict)
    #: A step of a :meth:`Faults.sequence` that lets the real answer through.
    real_answer: bool = False
    #: ``signal`` rules: up to this many seconds more than ``latency``, drawn from the rule's seed.
    jitter: float = 0.0
    #: ``signal`` rules: the frame is delivered twice.
    duplicate: bool = False
    #: Only requests (and frames) of this project; ``None``: every project's.
    project: Optional[str] = None
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    _faults: Optional[Faults] = field(default=None, repr=False, compare=False)

    @property
    def applies_operation(self) -> bool:
        """Whether the request still reaches the API (the operation happens)."""
        return self.lost_response or (self.status is None and not self.drop and self.malformed is None)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def describe(self) -> str:
        parts = []
        if self.real_answer:
            parts.append("the real answer")
        if self.latency:
            parts.append(f"latency {self.latency}s")
        if self.lost_response:
            parts.append("lost response")
        if self.status is not None:
            parts.append(f"status {self.status}")
        if self.headers:
            parts.append("headers " + ", ".join(f"{n}: {v}" for n, v in self.headers.items()))
        if self.jitter:
            parts.append(f"jitter {self.jitter}s")
        if self.duplicate:
            parts.append("duplicated")
        if self.drop:
            parts.append("dropped frame" if self.endpoint in FRAME_ENDPOINTS else "dropped connection")
        if self.malformed is not None:
            parts.append(f"malformed body {self.malformed[:20]!r}")
        if self.project is not None:
            parts.append(f"project {self.project}")
        count = "always" if self.times is None else f"{self.fired}/{self.times} fired"
        chance = "" if self.probability >= 1 else f", p={self.probability} seed={self.seed}"
        return f"{self.endpoint}: {', '.join(parts)} ({count}{chance})"

    def to_json(self) -> dict[str, Any]:
        """The rule as the control plane shows it (camelCase, as it takes it)."""
        return {
            "id": self.id, "endpoint": self.endpoint, "status": self.status, "error": self.error,
            "headers": dict(self.headers), "latency": self.latency, "drop": self.drop,
            "malformed": None if self.malformed is None else self.malformed.decode("utf-8", "replace"),
            "lostResponse": self.lost_response, "jitter": self.jitter, "duplicate": self.duplicate, "project": self.project, "times": self.times, "probability": self.probability,
            "seed": self.seed, "fired": self.fired, "description": self.describe(),
        }

    def frame_delay(self) -> float:
        """Seconds a ``signal`` frame waits: the latency and a draw of the jitter."""
        return self.latency + (self._rng.uniform(0.0, self.jitter) if self.jitter else 0.0)

    def __enter__(self) -> FaultRule:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._faults is not None:
            self._faults.discard(self)


class FaultSequence(tuple[FaultRule, ...]):
    """The rules of :meth:`Faults.sequence`, one per answer, in order; as a
    scope (``with fake.faults.sequence(...):``) it removes those still there."""

    def __enter__(self) -> FaultSequence:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for rule in self:
            rule.__exit__()


def check_endpoint(endpoint: str) -> str:
    known = ENDPOINTS + SOCKET_ENDPOINTS + FRAME_ENDPOINTS
    if endpoint == "*" or endpoint in known:
        return endpoint
    hint = difflib.get_close_matches(str(endpoint), known, n=1)
    suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
    raise InvalidValue(
        f"unknown endpoint {endpoint!r}.{suggestion} Use '*' or one of: {', '.join(known)}"
    )


#: Headers a rule may not set: the server frames the answer itself.
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)  # letters and "-": no escape


#: What :func:`check_headers` accepts, as JSON Schema (the control plane's description states it).
HEADERS_SCHEMA = {
    "propertyNames": {"pattern": f"^(?!(?:{'|'.join(_any_case(n) for n in sorted(FRAMING_HEADERS))})$)[{TOKEN_CHARS}]+$"},
    "additionalProperties": {"type": "string", "pattern": "^[\\t\\x20-\\x7e]*$"},
}


def check_headers(headers: Any) -> dict[str, str]:
    """A rule's answer headers, as names and values HTTP can carry."""
    if not isinstance(headers, Mapping):
        raise InvalidValue(f"headers must map header names to values, got {headers!r}")
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not name.isascii() or not is_field_name(name.encode()):
            raise InvalidValue(f"header name {name!r} is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)")
        if name.lower() in FRAMING_HEADERS:
            raise InvalidValue(f"header {name!r} frames the answer, which the server does itself; leave it out")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = f"{value:g}" if isinstance(value, float) else str(value)
        if not isinstance(value, str) or not value.isascii() or not is_field_value(value.encode()):
            raise InvalidValue(f"header {name!r} needs a printable ASCII value, got {value!r}")
        checked[name] = value
    return checked


#: One answer of :meth:`Faults.sequence`: a status, the arguments of
#: :meth:`Faults.add` as a dict, or ``None`` for the real answer.
Answer = Union[int, Mapping[str, Any], None]


class Faults(Sequence[FaultRule]):
    """The fault rules of a fake (``fake.faults``): add, list, remove, clear.

    An ordered list: the first active rule that matches a request fires.
    Iterating, indexing and ``len()`` read the rules as they are now
    (``fake.faults == []`` still reads as it did when this was a list)."""

    def __init__(self, seed: Optional[Callable[[], int]] = None,
                 projects: Optional[Callable[[], Collection[str]]] = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._added = 0  # ids are never reused, even after clear()
        self._seed = seed or (lambda: 0)  # the fake's seed, the default of a rule's draws
        self._projects = projects  # the ids a rule's project may name

    # -- adding ---------------------------------------------------------------

    def add(
        self,
        endpoint: str = "*",
        *,
        status: Optional[int] = None,
        error: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        latency: float = 0.0,
        drop: bool = False,
        malformed: Union[bytes, str, None] = None,
        lost_response: bool = False,
        times: Optional[int] = 1,
        probability: float = 1.0,
        seed: Optional[int] = None,
        jitter: float = 0.0,
        duplicate: bool = False,
        project: Optional[str] = None,
    ) -> FaultRule:
        """Make requests to ``endpoint`` (a canonical name or ``"*"``) fail.

        Effects: ``status`` (with the documented body for that endpoint, or
        ``error``, and any ``headers``, say ``{"Retry-After": "2"}``),
        ``latency`` seconds of real delay, ``drop`` the connection, a
        ``malformed`` 2xx body, or ``lost_response`` (the operation happens,
        then the client sees a dropped connection, or ``status`` if given).
        ``times=None`` fires on every match; ``probability`` with ``seed``
        gives reproducible chaos. The rule is a scope too:
        ``with fake.faults.add(...):`` removes it at the end of the block.

        On ``"signal"`` (the frames peers relay, which ``"*"`` leaves
        alone): ``drop`` the frame, delay it by ``latency`` plus up to
        ``jitter`` seconds (a sender's frames keep their order), or
        ``duplicate`` it; each disturbed frame is journaled.

        ``project`` (an id) scopes the rule to that project's requests and
        sockets: a tenant's faults leave the others alone.
        """
        return self.add_rule(self._rule(endpoint, status=status, error=error, headers=headers, latency=latency, drop=drop,
                                        malformed=malformed, lost_response=lost_response, times=times,
                                        probability=probability, seed=seed, jitter=jitter, duplicate=duplicate,
                                        project=project))

    def _rule(self, endpoint: str, *, status: Optional[int] = None, error: Optional[str] = None,
              headers: Optional[Mapping[str, str]] = None, malformed: Union[bytes, str, None] = None,
              seed: Optional[int] = None, **effects: Any) -> FaultRule:
        if error is not None and status is None:
            raise InvalidValue(M.ERROR_NEEDS_STATUS)
        if isinstance(malformed, str):
            malformed = malformed.encode()
        return FaultRule(endpoint, status=status, error=error, malformed=malformed,
                         headers=check_headers(headers or {}), seed=self._seed() if seed is None else seed, **effects)

    def slow_backend(self, seconds: float, endpoint: str = "*", *, times: Optional[int] = None) -> FaultRule:
        """Delay answers by ``seconds`` of real time (every request by default)."""
        return self.add(endpoint, latency=seconds, times=times)

    def sequence(self, endpoint: str, *answers: Answer) -> FaultSequence:
        """The next requests to ``endpoint`` get these answers in order, then
        the real ones: ``fake.faults.sequence("create_call", 429, 429)``. An
        answer is a status, the arguments of :meth:`add` as a dict
        (``{"status": 429, "headers": {"Retry-After": "1"}}``), or ``None``
        for the real answer at that place. Each is a rule firing once (a
        dict's ``times`` repeats it), added after the rules there are."""
        if not answers:
            raise InvalidValue(M.SEQUENCE_NEEDS_ANSWERS)
        rules = []
        for place, answer in enumerate(answers, 1):
            if answer is None:
                rule = self._rule(endpoint, real_answer=True)
            elif isinstance(answer, int) and not isinstance(answer, bool):
                rule = self._rule(endpoint, status=answer)
            elif isinstance(answer, Mapping):
                try:
                    rule = self._rule(endpoint, **answer)
                except TypeError as exc:
                    raise InvalidValue(M.SEQUENCE_BAD_ANSWER.format(place=place, answer=dict(answer), reason=exc)) from None
            else:
                raise InvalidValue(M.SEQUENCE_BAD_ANSWER.format(place=place, answer=answer, reason="not a status, a dict or None"))
            rules.append(rule)
        for rule in rules:
            self._check(rule)  # all of them, before any is added
        return FaultSequence(self.add_rule(rule) for rule in rules)

    def add_rule(self, rule: FaultRule) -> FaultRule:
        """Add a :class:`FaultRule` made by hand (checked as :meth:`add` checks it)."""
        self._check(rule)
        rule._rng = random.Random(rule.seed)
        rule._faults = self
        with self._lock:
            self._added += 1
            rule.id = f"fault-{self._added}"
            self._rules.append(rule)
        return rule

    def _check(self, rule: FaultRule) -> None:
        check_endpoint(rule.endpoint)
        if rule.project is not None:
            known = self._projects() if self._projects is not None else None
            if not isinstance(rule.project, str) or (known is not None and rule.project not in known):
                raise NotFound(M.NO_SUCH_PROJECT.format(project=rule.project, known=sorted(known or ())))
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
        if not isinstance(rule.jitter, (int, float)) or isinstance(rule.jitter, bool) or not 0 <= rule.jitter <= MAX_LATENCY:
            raise InvalidValue(f"jitter must be between 0 and {MAX_LATENCY:g} seconds, got {rule.jitter!r}")
        if not isinstance(rule.duplicate, bool):
            raise InvalidValue("duplicate is True or False")
        if rule.endpoint in FRAME_ENDPOINTS:
            if rule.status is not None or rule.malformed is not None or rule.lost_response or rule.headers or rule.real_answer:
                raise InvalidValue("a signal rule drops, delays (latency, jitter) or duplicates a frame: "
                                   "status, error, headers, malformed and lost_response are for requests")
            if rule.drop and (rule.latency or rule.jitter or rule.duplicate):
                raise InvalidValue("a dropped frame is not delivered: it cannot also be delayed or duplicated")
        elif rule.jitter or rule.duplicate:
            raise InvalidValue("jitter and duplicate are for the endpoint 'signal' (the frames peers relay)")
        effect = (rule.status is not None or rule.latency or rule.drop or rule.malformed is not None or rule.lost_response
                  or rule.jitter or rule.duplicate)
        if rule.real_answer and (effect or rule.headers):
            raise InvalidValue("a real_answer step lets the real answer through: it takes no effect")
        if not (effect or rule.real_answer):
            raise InvalidValue("a fault needs an effect: status=, latency=, drop=True, malformed=, lost_response=True "
                               "(or, on 'signal', jitter= or duplicate=True)")

    # -- reading and removing -------------------------------------------------

    @property
    def rules(self) -> list[FaultRule]:
        """The rules, in the order they were added, with their counts (a copy)."""
        with self._lock:
            return list(self._rules)

    def remove(self, rule: Union[FaultRule, str]) -> FaultRule:
        """Remove one rule, by object or id; the others stay. Raises
        :class:`~pytest_radist.NotFound` (a ``KeyError``) naming the ids there are."""
        wanted = rule.id if isinstance(rule, FaultRule) else rule
        with self._lock:
            for kept in self._rules:
                if kept.id == wanted:
                    self._rules.remove(kept)
                    return kept
            there = ", ".join(kept.id for kept in self._rules) or "none"
        raise NotFound(M.NO_SUCH_FAULT.format(id=wanted, there=there))

    def discard(self, rule: FaultRule) -> None:
        """Remove ``rule`` if it is still there (the end of its scope)."""
        with self._lock:
            if any(kept is rule for kept in self._rules):
                self._rules.remove(rule)

    def clear(self, *, project: Optional[str] = None) -> None:
        """Remove every rule (with ``project``: that project's only)."""
        with self._lock:
            if project is None:
                self._rules.clear()
            else:
                self._rules[:] = [rule for rule in self._rules if rule.project != project]

    def pick(self, endpoint: Optional[str], project: Optional[str] = None) -> Optional[FaultRule]:
        """The rule that fires for this request of ``project`` (an id, if it
        names one), counting it; ``None`` if none (what every door asks)."""
        if not self._rules or endpoint is None:
            return None
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or (rule.endpoint != endpoint and (rule.endpoint != "*" or endpoint in FRAME_ENDPOINTS)):
                    continue
                if rule.project is not None and rule.project != project:
                    continue
                if rule.probability < 1.0 and rule._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
        return None

    # -- the list it was ------------------------------------------------------

    @overload
    def __getitem__(self, index: int) -> FaultRule: ...
    @overload
    def __getitem__(self, index: slice) -> list[FaultRule]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[FaultRule, list[FaultRule]]:
        return self.rules[index]

    def __len__(self) -> int:
        return len(self._rules)

    def __iter__(self) -> Iterator[FaultRule]:
        return iter(self.rules)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Faults, list, tuple)):
            return self.rules == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Faults {[rule.describe() for rule in self.rules]}>"


#: The name of 0.x, for importers.
FaultPlan = Faults
