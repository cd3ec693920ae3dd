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
from typing import Any, Mapping, Optional, Sequence

from ..errors import InvalidValue
from .answers import methods
from .names import Namer

FORMAT = "pytest-radist-cassette/1"
#: How ``--radist-record`` treats a test's cassette (VCR.py's modes).
MODES = ("once", "new_episodes", "all", "none")
#: The request headers a cassette keeps (what a page sends for CORS).
REQUEST_HEADERS = ("origin", "access-control-request-method", "access-control-request-headers")
#: The answer headers it keeps: those radist-api.md names.
ANSWER_HEADERS = ("content-type", "allow", "retry-after", "vary", "access-control-allow-origin",
                  "access-control-allow-methods", "access-control-allow-headers", "access-control-max-age")
#: Named by role, in order of first appearance: (prefix or ``uuid``, name).
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
