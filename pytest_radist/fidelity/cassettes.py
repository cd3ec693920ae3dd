"""Cassettes: record once against a real Radist, check the fake in every run.

A cassette is one test's exchanges with the service, in order: each request
(method, path, query, the headers the spec names, body) and what came back
(status, the headers the spec names, body), and each signaling socket it
opened (its first frame, and its close when the service closed it) or
closed. It is a JSON text file (format :data:`FORMAT`), sorted and
indented, so that a new recording reads as a diff.

Nothing secret or made up by the service stays as it was: the project id
and keys become ``<project>``, ``<secret key>``, ``<public key>``; every id
and token the service made becomes a name that follows its first
appearance (``<id 1>``, ``<ct 2>``, ``<peer 1>``); times become their format
(``<time (ms, Z)>``); the service's own base URL becomes ``<base>``;
passwords become ``<password 1>``. Values the client chose (a space's name,
an unknown id) stay as they were.

Replaying a cassette sends its requests, in order, to a fresh fake, with
each name turned into the value the fake gave at the same point, names the
fake's answers the same way, and compares: any difference is a place where
the fake no longer answers as the service did.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence
from urllib.parse import parse_qsl, quote, unquote, urlencode

from ..errors import InvalidValue
from .answers import ALL_FORMATS, ISO_UTC, UUID, kind, methods

FORMAT = "pytest-radist-cassette/1"
#: How ``--radist-record`` treats a test's cassette (VCR.py's modes).
MODES = ("once", "new_episodes", "all", "none")
#: The request headers a cassette keeps (what a page sends for CORS).
REQUEST_HEADERS = ("origin", "access-control-request-method", "access-control-request-headers")
#: The answer headers it keeps: those radist-api.md names.
ANSWER_HEADERS = ("content-type", "allow", "retry-after", "vary", "access-control-allow-origin",
                  "access-control-allow-methods", "access-control-allow-headers", "access-control-max-age")
#: Named by role, in order of first appearance: (prefix or ``uuid``, name).
_ROLES = (("rad_sk_", "secret key"), ("rad_pk_", "public key"), ("peer_", "peer"), ("ct_", "ct"), ("rt_", "rt"), ("ht_", "ht"))
_NAME = re.compile(r"<[a-z_ ]+(?: \d+)?>|<time \([^)]*\)>")
_BASE = re.compile(r"^(https?|wss?)://[^/\s]+")
_SECRET_KEY = re.compile(r"rad_sk_[A-Za-z0-9_\-.~]+")


_NAMED_ROLE = re.compile(r"^<(id|peer|ct|rt|ht|secret key|public key|password)(?: \d+)?>$")


def _role(name: str) -> Optional[str]:
    """The role of a name that stands for a generated value (``<ct 2>``: ``ct``)."""
    found = _NAMED_ROLE.match(name)
    return None if found is None or name in ("<secret key>", "<public key>") else found.group(1)


def _role_of_value(value: str) -> Optional[str]:
    if UUID.match(value):
        return "id"
    return next((name for prefix, name in _ROLES if value.startswith(prefix) and len(value) > len(prefix)), None)


def _generated(value: str) -> bool:
    return bool(UUID.match(value)) or any(value.startswith(prefix) for prefix, _ in _ROLES)


class Namer:
    """Turns concrete values into names and back, for one recording or one
    replay. ``known`` are the values named from the start: the project id
    and keys."""

    def __init__(self, known: Mapping[str, str], base_urls: Iterable[str] = ()) -> None:
        self.names: dict[str, str] = {v: k for v, k in known.items() if v}
        self.values: dict[str, str] = {k: v for v, k in known.items() if v}
        self.bases = tuple(b.rstrip("/") for b in base_urls if b)
        self._counts: dict[str, int] = {}

    def _new(self, role: str, value: str) -> str:
        self._counts[role] = self._counts.get(role, 0) + 1
        name = f"<{role} {self._counts[role]}>"
        self.names[value], self.values[name] = name, value
        return name

    # -- what a service made: named at first sight ---------------------------------

    def answer(self, value: Any) -> Any:
        """An answer (or a frame) with every id, token, time and base URL
        named; new ones get the next name of their role. Object fields are
        visited in sorted order, so the names do not depend on field order."""
        if isinstance(value, dict):
            return {key: self._field(key, value[key]) for key in sorted(value)}
        if isinstance(value, list):
            return [self.answer(item) for item in value]
        if not isinstance(value, str):
            return value
        if value in self.names:
            return self.names[value]
        if UUID.match(value):
            return self._new("id", value)
        role = next((name for prefix, name in _ROLES if value.startswith(prefix) and len(value) > len(prefix)), None)
        if role is not None:
            return self._new(role, value)
        if ISO_UTC.match(value):
            return f"<{kind(value, ALL_FORMATS)}>"
        for base in self.bases:  # the service's own URLs (a space's) read the same on any host
            value = "<base>" + value[len(base):] if value.startswith(base) else value
        return self.text(_BASE.sub("<base>", value) if value.startswith(("http://", "https://")) else value)

    def _field(self, key: str, value: Any) -> Any:
        if "password" in key.lower() and isinstance(value, str):
            return self.names.get(value) or self._new("password", value)
        return self.answer(value)

    # -- what a client sent: names for what is known, the rest as it was -----------

    def text(self, text: str) -> str:
        """``text`` with every known value put as its name, and any other
        secret key named too: a cassette never holds one. A value is found
        inside a longer text only if it is a generated one (an id, a token,
        a key): a project id such as ``proj`` is named only where it is the
        whole text (a path segment, a field)."""
        if text in self.names:
            return self.names[text]
        for value in sorted(self.names, key=len, reverse=True):
            if value in text and _generated(value):
                text = text.replace(value, self.names[value])
        if "rad_sk_" in text:
            text = _SECRET_KEY.sub(lambda found: self.names.get(found.group()) or self._new("secret key", found.group()), text)
        return text

    def request(self, value: Any) -> Any:
        """A request body with known values named; passwords named as they come."""
        if isinstance(value, dict):
            return {key: (self._field(key, item) if "password" in key.lower() else self.request(item)) for key, item in value.items()}
        if isinstance(value, list):
            return [self.request(item) for item in value]
        return self.text(value) if isinstance(value, str) else value

    def query(self, query: str) -> str:
        """A query string with known values named (names stay readable)."""
        pairs = [(name, self.text(value)) for name, value in parse_qsl(query, keep_blank_values=True)]
        return urlencode(pairs, safe="<> ()", quote_via=quote)

    def path(self, path: str) -> str:
        """A raw path with known values named in each segment (names stay readable)."""
        return "/".join(quote(self.text(unquote(segment)), safe="<> ()") if segment else segment for segment in path.split("/"))

    # -- a replay: the fake's answer against the recorded one -------------------------

    def match(self, recorded: Any, actual: Any, path: str = "") -> list[tuple[str, Any, Any]]:
        """Every place where ``actual`` (a side's answer, concrete) differs
        from ``recorded`` (named): ``(field, recorded, actual as shown)``. A
        name met for the first time is bound to the value at its place, so a
        difference never shifts the names after it."""
        if isinstance(recorded, dict) and isinstance(actual, dict):
            found = []
            for key in sorted(set(recorded) | set(actual)):
                where = f"{path}.{key}" if path else key
                if key not in recorded or key not in actual:
                    found.append((where, recorded.get(key, "<absent>") if key in recorded else "<absent>",
                                  self.shown(actual[key]) if key in actual else "<absent>"))
                else:
                    found += self.match(recorded[key], actual[key], where)
            return found
        if isinstance(recorded, list) and isinstance(actual, list) and len(recorded) == len(actual):
            return [d for i, (r, a) in enumerate(zip(recorded, actual)) for d in self.match(r, a, f"{path}[{i}]")]
        return [] if self._same(recorded, actual) else [(path or "answer", recorded, self.shown(actual))]

    def _same(self, recorded: Any, actual: Any) -> bool:
        if not isinstance(recorded, str) or not isinstance(actual, str):
            return bool(recorded == actual and type(recorded) is type(actual))
        role = _role(recorded)
        if role is None:  # a literal, or a form (a time, a base URL): the same as is, or once named
            return recorded == actual or bool(recorded == self.answer(actual))
        bound = self.values.get(recorded)
        if bound is not None:
            return bound == actual
        if actual in self.names or _role_of_value(actual) != role:
            return False
        self.names[actual], self.values[recorded] = recorded, actual
        return True

    def shown(self, value: Any) -> Any:
        """A side's value as a difference shows it: known values by name,
        new generated ones by their role (``<new ct>``), the rest as they are."""
        if isinstance(value, dict):
            return {k: self.shown(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.shown(v) for v in value]
        if not isinstance(value, str):
            return value
        if value in self.names:
            return self.names[value]
        role = _role_of_value(value)
        if role is not None:
            return f"<new {role}>"
        if ISO_UTC.match(value):
            return f"<{kind(value, ALL_FORMATS)}>"
        return value

    # -- and back: names into this side's values -----------------------------------

    def concrete(self, value: Any) -> Any:
        """A recorded value with every name turned into this side's value
        (a name it has not seen stays a name: the request goes as it is)."""
        if isinstance(value, dict):
            return {key: self.concrete(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.concrete(item) for item in value]
        if not isinstance(value, str):
            return value
        return _NAME.sub(lambda found: self._value(found.group()), value)

    def _value(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        if name.startswith("<password"):  # a password the cassette hid: any one, the same each time
            return self.values.setdefault(name, "password-" + name.strip("<>").split()[-1])
        return name


@dataclass
class Step:
    """One step of a cassette, concrete (as it happened) until it is named."""

    #: ``http``, ``socket`` (a socket opened), ``close`` (a socket closed by
    #: the client), ``wait`` (time passed: the replay moves the fake's clock).
    kind: str
    method: str = "GET"
    path: str = ""
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    #: The answer: ``status``, ``headers``, ``body``; for a socket: ``frame`` (the first), ``close``, ``refused``.
    answer: dict[str, Any] = field(default_factory=dict)
    #: For ``close``: which socket, counted from 0 in the order they were opened.
    socket: int = 0
    #: For ``wait``: how many seconds.
    seconds: float = 0.0
    #: What the step belongs to (verify: its check), shown with its differences.
    label: Optional[str] = None


def http_step(method: str, path: str, query: str, headers: Mapping[str, str], body: Optional[bytes],
              status: int, answer_headers: Sequence[tuple[str, str]], answer_body: bytes) -> Step:
    """A step of an HTTP exchange, keeping what the spec names."""
    sent = {name.lower(): value for name, value in headers.items() if name.lower() in REQUEST_HEADERS or name.lower() == "authorization"}
    got = {}
    for name, value in answer_headers:
        lowered = name.lower()
        if lowered in ANSWER_HEADERS:
            got[lowered] = value
    return Step("http", method, path, query, sent, _json_or_text(body), {"status": status, "headers": got, "body": _json_or_text(answer_body)})


def _json_or_text(raw: Optional[bytes]) -> Any:
    if not raw:
        return None
    try:
        return {"json": json.loads(raw)}
    except ValueError:
        return {"text": raw.decode("utf-8", "replace")[:2000]}


def answer_headers(headers: Mapping[str, str]) -> dict[str, Any]:
    """The headers the spec names, as two answers must share them."""
    shown: dict[str, Any] = {}
    for name, value in headers.items():
        if name == "content-type":
            shown[name] = media_type_of(value)
        elif name in ("allow", "access-control-allow-methods"):
            shown[name] = methods(value)
        elif name == "vary":
            shown[name] = "origin" in value.lower()
        else:
            shown[name] = value
    return shown


def media_type_of(value: str) -> str:
    return value.split(";")[0].strip().lower()


def name_steps(steps: Sequence[Step], namer: Namer) -> list[dict[str, Any]]:
    """The steps as a cassette holds them: every value named, in order."""
    named: list[dict[str, Any]] = []
    for step in steps:
        label = {} if step.label is None else {"check": step.label}
        if step.kind == "close":
            named.append({"close": step.socket, **label})
            continue
        if step.kind == "wait":
            named.append({"wait": step.seconds, **label})
            continue
        request: dict[str, Any] = {"method": step.method, "path": namer.path(step.path)}
        if step.query:
            request["query"] = namer.query(step.query)
        if step.headers:
            request["headers"] = {k: namer.text(v) for k, v in sorted(step.headers.items())}
        if step.body is not None:
            request["body"] = namer.request(step.body)
        if step.kind == "socket":
            answer = {"frame": namer.answer(step.answer.get("frame")), "close": step.answer.get("close"),
                      "refused": step.answer.get("refused")}
            named.append({"socket": request, "answer": answer, **label})
        else:
            answer = {"status": step.answer["status"], "headers": answer_headers(step.answer.get("headers", {})),
                      "body": namer.answer(step.answer.get("body"))}
            named.append({"request": request, "answer": answer, **label})
    return named


#: Settings a cassette may ask of the fake it is replayed on: what the
#: recorded service's project had (its limits, its token TTL).
FAKE_SETTINGS = ("connection_limit", "room_limit", "room_participant_cap", "token_ttl", "reconnect_grace")


@dataclass
class Cassette:
    """One test's recorded steps, named."""

    test: str
    target: str
    steps: list[dict[str, Any]]
    recorded: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"))
    #: Settings of the fake to replay on (:data:`FAKE_SETTINGS`), when the
    #: recording depends on them; a cassette file may be given them by hand.
    fake: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = {"format": FORMAT, "test": self.test, "target": self.target, "recorded": self.recorded, "steps": self.steps}
        return {**data, "fake": self.fake} if self.fake else data

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Cassette:
        """Read a cassette; ``ValueError`` says what is wrong with a file that is not one."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidValue(f"{path} is not a readable cassette: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("steps"), list):
            raise InvalidValue(f"{path} is not a cassette: its format is not {FORMAT!r}")
        fake = data.get("fake") or {}
        unknown = sorted(set(fake) - set(FAKE_SETTINGS)) if isinstance(fake, dict) else ["(not an object)"]
        if unknown:
            raise InvalidValue(f"{path}: \"fake\" takes {', '.join(FAKE_SETTINGS)}; not {', '.join(unknown)}")
        return cls(str(data.get("test", path.stem)), str(data.get("target", "")), data["steps"], str(data.get("recorded", "")), dict(fake))


def file_name(test: str) -> str:
    """A cassette's file name for a test (its node id, made safe for a file system)."""
    return re.sub(r"[^\w.\-\[\]]+", "_", test.replace("::", "__")).strip("_")[:200] + ".json"


class Recorder:
    """Collects one test's steps as they happen (live mode, verify) and
    writes its cassette, as ``mode`` says."""

    def __init__(self, test: str, target: str, known: Mapping[str, str], fake: Optional[Mapping[str, Any]] = None) -> None:
        self.test = test
        self.target = target
        self.known = dict(known)
        self.fake = dict(fake or {})
        self.steps: list[Step] = []
        self._sockets = 0

    def http(self, step: Step) -> None:
        self.steps.append(step)

    def socket(self, path: str, query: str, headers: Mapping[str, str], answer: dict[str, Any]) -> int:
        """A socket opened: ``answer`` (its ``frame``, ``close``,
        ``refused``) may still be filled in as it happens. Returns its index."""
        sent = {k.lower(): v for k, v in headers.items() if k.lower() in REQUEST_HEADERS}
        self.steps.append(Step("socket", "GET", path, query, sent, None, answer))
        self._sockets += 1
        return self._sockets - 1

    def closed(self, index: int) -> None:
        self.steps.append(Step("close", socket=index))

    def waited(self, seconds: float) -> None:
        self.steps.append(Step("wait", seconds=seconds))

    def cassette(self) -> Cassette:
        namer = Namer(self.known, [self.target])
        return Cassette(self.test, self.target, name_steps(self.steps, namer), fake=self.fake)

    def save(self, directory: Path, mode: str = "once") -> Optional[Path]:
        """Write the cassette as ``mode`` says: ``once`` when there is none
        yet, ``new_episodes`` adding the steps whose requests it does not
        hold, ``all`` always, ``none`` never. Returns the file written."""
        if mode not in MODES:
            raise InvalidValue(f"record mode must be one of {', '.join(MODES)}, got {mode!r}")
        path = directory / file_name(self.test)
        if mode == "none" or not self.steps or (mode == "once" and path.exists()):
            return None
        cassette = self.cassette()
        if mode == "new_episodes" and path.exists():
            old = Cassette.load(path)
            held = [json.dumps(s.get("request") or s.get("socket") or s, sort_keys=True) for s in old.steps]
            new = [s for s in cassette.steps if json.dumps(s.get("request") or s.get("socket") or s, sort_keys=True) not in held]
            if not new:
                return None
            cassette = Cassette(old.test, old.target, old.steps + new, fake=old.fake)
        cassette.save(path)
        return path


def cassettes_in(directory: Path) -> list[Path]:
    """The cassette files of a directory (and its subdirectories), sorted."""
    return sorted(p for p in directory.rglob("*.json") if p.is_file())
