"""``radist-fake verify --record DIR`` and ``--cassettes DIR``: a verify run
kept as a cassette, and cassettes replayed against the fake, from the
command line."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..fidelity.cassettes import Cassette, Recorder, cassettes_in, http_step
from ..fidelity.replay import Difference, replay
from ..live import LiveCredentials
from .run import Report


def record_run(report: Report, credentials: LiveCredentials, directory: Path) -> Path:
    """Write what the run sent the target and what came back, every check's
    steps labelled with its name, as one cassette: replayed later against
    the fake, it checks every release offline."""
    # the fake side of the run assumed these of the target: so does the replay
    assumed = {"connection_limit": report.options.get("connection_limit_calls"), "token_ttl": report.options.get("token_ttl")}
    recorder = Recorder("radist-fake verify", credentials.base_url, {
        credentials.project_id: "<project>", credentials.secret_key: "<secret key>", credentials.public_key: "<public key>"},
        fake={k: v for k, v in assumed.items() if v is not None})
    for result in report.results:
        first = len(recorder.steps)
        for exchange in result.exchanges:
            if exchange.waited is not None:
                recorder.waited(exchange.waited)
            elif exchange.closed is not None:
                recorder.closed(exchange.closed)
            elif exchange.socket is not None:
                record = exchange.socket
                recorder.socket(exchange.path, exchange.query, exchange.headers, {
                    "frame": record["frames"][0] if record["frames"] else None,
                    "close": None if record["close"] is None else list(record["close"]), "refused": record["refused"]})
            elif exchange.reply is not None:
                reply = exchange.reply
                recorder.http(http_step(exchange.method, exchange.path, exchange.query, exchange.headers, exchange.body,
                                        reply.status, reply.headers, reply.raw))
        for step in recorder.steps[first:]:
            step.label = result.check.name
    path = recorder.save(directory, mode="all")
    assert path is not None
    return path


@dataclass
class Replayed:
    """One cassette replayed against the fake."""

    path: Path
    cassette: Cassette
    differences: list[Difference] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return not self.differences


def replay_all(directory: Path, timeout: float) -> tuple[list[Replayed], float]:
    """Every cassette of ``directory`` replayed; raises ``ValueError`` naming
    a file that is not a cassette, or an empty directory."""
    started = time.monotonic()
    paths = cassettes_in(directory)
    if not paths:
        raise ValueError(f"{directory} holds no cassette (*.json)")
    replayed = []
    for path in paths:
        cassette = Cassette.load(path)
        replayed.append(Replayed(path, cassette, replay(cassette, timeout=timeout)))
    return replayed, time.monotonic() - started


def replay_table(replayed: list[Replayed]) -> str:
    rows = [("cassette", "test", "steps", "differences", "agree")]
    rows += [(r.path.name, r.cassette.test, str(len(r.cassette.steps)), str(len(r.differences)), "yes" if r.agree else "NO")
             for r in replayed]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    for r in replayed:
        if r.differences:
            lines += ["", f"{r.path.name} ({r.cassette.test}, recorded {r.cassette.recorded} against {r.cassette.target}):"]
            lines += [f"  {d}" for d in r.differences]
    return "\n".join(lines)


def replay_report(replayed: list[Replayed], seconds: float) -> dict[str, Any]:
    return {
        "format": "pytest-radist-replay/1",
        "seconds": round(seconds, 3),
        "summary": {"cassettes": len(replayed), "agree": sum(r.agree for r in replayed)},
        "cassettes": [
            {"file": r.path.name, "test": r.cassette.test, "target": r.cassette.target, "recorded": r.cassette.recorded,
             "steps": len(r.cassette.steps), "agree": r.agree,
             "differences": [{"step": d.step, "request": d.request, "field": d.field, "recorded": d.recorded, "fake": d.fake}
                             for d in r.differences]}
            for r in replayed
        ],
    }
