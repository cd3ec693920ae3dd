"""One conformance run: preflight, every check on both sides, clean-up, report."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional, Sequence

from .. import __version__
from ..errors import VerifyError as VerifyError  # re-exported: it lived here
from ..remote import DEFAULT_TIMEOUT, Unreachable
from ..live import LiveCredentials
from .checks import CHECKS, SECTIONS, UNKNOWN_ID, Check, new_nonce
from ..fidelity.answers import ABSENT, Facts, error_of, field as field_of
from .sides import Exchange, FakeSide, Session, Side

#: The ``format`` of the JSON report; bumped when a field changes meaning.
REPORT_FORMAT = "pytest-radist-verify/1"


@dataclass(frozen=True)
class Result:
    check: Check
    target: Facts
    fake: Facts
    #: What the check sent the target and what came back (``--record``).
    exchanges: tuple[Exchange, ...] = ()

    @property
    def agree(self) -> bool:
        return self.target == self.fake

    def differing(self) -> list[str]:
        """The names of the facts that differ, in the order the target gave them."""
        names = list(self.target) + [n for n in self.fake if n not in self.target]
        return [name for name in names if self.target.get(name, ABSENT) != self.fake.get(name, ABSENT)]

    def differences(self) -> list[str]:
        """``name: target X, fake Y`` for each fact that differs."""
        return [
            f"{name}: target {_shown(self.target.get(name, ABSENT))}, fake {_shown(self.fake.get(name, ABSENT))}"
            for name in self.differing()
        ]


@dataclass
class Report:
    target: str
    project_id: str
    started_at: str
    seconds: float
    results: list[Result]
    #: Objects made on the target: calls, rooms, spaces.
    made: dict[str, int]
    requests: int
    #: Ids of spaces the run made on the target and could not delete.
    spaces_left: list[str] = field(default_factory=list)
    #: Checks not run, with the option each needs.
    not_run: list[Check] = field(default_factory=list)
    #: What the run was asked for beyond the defaults (``connection_limit_calls``, ``token_ttl``).
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def doc_disagreements(self) -> list[Result]:
        return [r for r in self.results if not r.agree and r.check.source == "doc"]

    @property
    def refuted_assumptions(self) -> list[Result]:
        return [r for r in self.results if not r.agree and r.check.source == "fake"]

    @property
    def exit_status(self) -> int:
        """1 when the target disagrees with documented behaviour, else 0."""
        return 1 if self.doc_disagreements else 0

    def summary(self) -> dict[str, int]:
        return {
            "checks": len(self.results),
            "agree": sum(r.agree for r in self.results),
            "doc_disagreements": len(self.doc_disagreements),
            "refuted_assumptions": len(self.refuted_assumptions),
        }

    def coverage(self) -> dict[str, dict[str, Any]]:
        """Checks run, by section of radist-api.md: how many, of which
        source, how many agree."""
        sections: dict[str, dict[str, Any]] = {}
        for result in self.results:
            row = sections.setdefault(result.check.section, {
                "title": SECTIONS.get(result.check.section, ""), "checks": 0, "doc": 0, "fake": 0, "agree": 0})
            row["checks"] += 1
            row[result.check.source] += 1
            row["agree"] += result.agree
        return dict(sorted(sections.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "pytest_radist": __version__,
            "target": self.target,
            "project": self.project_id,
            "started_at": self.started_at,
            "seconds": round(self.seconds, 3),
            "summary": self.summary(),
            "coverage": self.coverage(),
            "checks": [
                {
                    "name": r.check.name, "source": r.check.source, "spec": f"radist-api.md {r.check.spec}",
                    "rule": r.check.rule, "agree": r.agree, "target": r.target, "fake": r.fake,
                    "differences": r.differences(),
                }
                for r in self.results
            ],
            "doc_disagreements": [r.check.name for r in self.doc_disagreements],
            "refuted_assumptions": [r.check.name for r in self.refuted_assumptions],
            "not_run": {c.name: f"needs --{c.needs.replace('_', '-')}" for c in self.not_run if c.needs},
            "made_on_target": self.made,
            "requests_to_target": self.requests,
            "spaces_left_on_target": self.spaces_left,
        }


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def run(
    credentials: LiveCredentials,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    checks: Sequence[Check] = CHECKS,
    progress: Optional[Callable[[Result], None]] = None,
    connection_limit_calls: Optional[int] = None,
    token_ttl: Optional[float] = None,
) -> Report:
    """Run ``checks`` against the target and a fresh fake. The checks that
    cost calls or time run only when asked: ``connection_limit_calls``
    (create up to that many calls to reach the project's connection limit)
    and ``token_ttl`` (the target's token TTL in seconds, waited out).
    Raises :class:`VerifyError` when the target cannot be used or stops
    answering; the spaces made are deleted either way."""
    started, clock = datetime.now(timezone.utc), time.monotonic()
    options: dict[str, Any] = {k: v for k, v in (("connection_limit_calls", connection_limit_calls), ("token_ttl", token_ttl)) if v is not None}
    nonce = new_nonce()
    chosen = [c for c in checks if c.needs is None or c.needs in options]
    target = Session(Side(credentials.base_url, timeout), credentials, nonce, options)
    fake_side = FakeSide(credentials, timeout, connection_limit=connection_limit_calls,
                         token_ttl=token_ttl if token_ttl is not None else 3600.0)
    fake = Session(fake_side, credentials, nonce, options)
    results: list[Result] = []
    try:
        _preflight(target)
        for check in chosen:
            target.exchanges, fake.exchanges = [], []
            result = Result(check, _facts(check, target), _facts(check, fake), tuple(target.exchanges))
            results.append(result)
            if progress is not None:
                progress(result)
    finally:
        left = target.clean_up()
        fake.clean_up()
        fake_side.close()
    return Report(
        target=credentials.base_url, project_id=credentials.project_id,
        started_at=started.isoformat(timespec="seconds").replace("+00:00", "Z"), seconds=time.monotonic() - clock,
        results=results, made=target.made, requests=target.requests, spaces_left=left,
        not_run=[c for c in checks if c not in chosen], options=options,
    )


def _facts(check: Check, session: Session) -> Facts:
    try:
        return check.run(session)
    except Unreachable as exc:
        raise VerifyError(f"the target failed during check {check.name}: {exc}; no report written") from None
    except Exception as exc:  # an answer the check could not read: a fact of its own
        return {"check_failed": f"{type(exc).__name__}: {exc}"}


def _preflight(target: Session) -> None:
    """The target answers like a Radist API and takes the credentials."""
    url = target.credentials.base_url
    try:
        listed = target.send("GET", target.project_path("/calls"), query="limit=1")
    except Unreachable as exc:
        raise VerifyError(f"cannot talk to {url}: {exc}") from None
    if not listed.is_json:
        raise VerifyError(
            f"{url} answered {listed.status} with {listed.content_type or 'no content type'}, not JSON: "
            "is it the base URL of a Radist API (without /api/v1)?"
        )
    if listed.status == 401:
        raise VerifyError(
            f"{url} refused the secret key for project {target.credentials.project_id!r} "
            f"(401 {error_of(listed)}): check RADIST_KEY and RADIST_PROJECT_ID"
        )
    if listed.status != 200 or not isinstance(field_of(listed, "calls"), list):
        raise VerifyError(
            f"{url} answered {listed.status} {error_of(listed) if listed.status != 200 else 'without a calls list'} "
            "to list_calls with your credentials: is it the base URL of a Radist API (without /api/v1)?"
        )
    try:
        minted = target.send("POST", f"/p2p/calls/{UNKNOWN_ID}/token", auth="public")
    except Unreachable as exc:
        raise VerifyError(f"cannot talk to {url}: {exc}") from None
    if minted.status == 401:
        raise VerifyError(f"{url} refused the public key (401 {error_of(minted)}): check RADIST_PUBLIC_KEY")
