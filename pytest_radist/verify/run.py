"""One conformance run: preflight, every check on both sides, clean-up, report."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional, Sequence

from .. import __version__
from ..doors.forward import DEFAULT_TIMEOUT, Unreachable
from ..live import LiveCredentials
from .checks import CHECKS, UNKNOWN_ID, Check, Facts, error_of, new_nonce
from .sides import FakeSide, Session, TargetSide, field as field_of

#: The ``format`` of the JSON report; bumped when a field changes meaning.
REPORT_FORMAT = "pytest-radist-verify/1"


#: What a side shows for a fact it did not give.
_ABSENT = "<absent>"


class VerifyError(Exception):
    """The run cannot give a trustworthy report: one line says why."""


@dataclass(frozen=True)
class Result:
    check: Check
    target: Facts
    fake: Facts

    @property
    def agree(self) -> bool:
        return self.target == self.fake

    def differing(self) -> list[str]:
        """The names of the facts that differ, in the order the target gave them."""
        names = list(self.target) + [n for n in self.fake if n not in self.target]
        return [name for name in names if self.target.get(name, _ABSENT) != self.fake.get(name, _ABSENT)]

    def differences(self) -> list[str]:
        """``name: target X, fake Y`` for each fact that differs."""
        return [
            f"{name}: target {_shown(self.target.get(name, _ABSENT))}, fake {_shown(self.fake.get(name, _ABSENT))}"
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

    def to_json(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "pytest_radist": __version__,
            "target": self.target,
            "project": self.project_id,
            "started_at": self.started_at,
            "seconds": round(self.seconds, 3),
            "summary": self.summary(),
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
            "made_on_target": self.made,
            "requests_to_target": self.requests,
            "spaces_left_on_target": self.spaces_left,
        }


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def run(
    credentials: LiveCredentials,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    checks: Sequence[Check] = CHECKS,
    progress: Optional[Callable[[Result], None]] = None,
) -> Report:
    """Run ``checks`` against the target and a fresh in-process fake.
    Raises :class:`VerifyError` when the target cannot be used or stops
    answering; the spaces made are deleted either way."""
    started, clock = datetime.now(timezone.utc), time.monotonic()
    nonce = new_nonce()
    target = Session(TargetSide(credentials.base_url, timeout), credentials, nonce)
    fake = Session(FakeSide(credentials), credentials, nonce)
    results: list[Result] = []
    try:
        _preflight(target)
        for check in checks:
            result = Result(check, _facts(check, target), _facts(check, fake))
            results.append(result)
            if progress is not None:
                progress(result)
    finally:
        left = target.clean_up()
    return Report(
        target=credentials.base_url, project_id=credentials.project_id,
        started_at=started.isoformat(timespec="seconds").replace("+00:00", "Z"), seconds=time.monotonic() - clock,
        results=results, made=target.made, requests=target.requests, spaces_left=left,
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
