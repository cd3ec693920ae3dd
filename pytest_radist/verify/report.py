"""How a conformance run reads: the table, the closing lists, the upstream issue."""

from __future__ import annotations

import json
from typing import Optional

from .. import __version__
from ..fidelity.answers import Facts
from .run import REPORT_FORMAT, Report, Result

#: Widest a target or fake cell gets in the table.
CELL = 34


def brief(facts: Facts, only: Optional[list[str]] = None) -> str:
    """A side's facts in a cell: ``401 Missing bearer token.`` or ``limit=100``."""
    shown = {k: v for k, v in facts.items() if only is None or k in only}
    if set(shown) == {"status", "error"}:
        text = f"{shown['status']} {shown['error']}"
    elif set(shown) == {"status"}:
        text = str(shown["status"])
    else:
        text = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False, separators=(',', ':'))}" for k, v in shown.items())
    return text if len(text) <= CELL else text[: CELL - 3] + "..."


def row(result: Result) -> tuple[str, str, str, str, str]:
    differing = None if result.agree else result.differing()
    return (
        result.check.name, f"[{result.check.source}]", brief(result.target, differing), brief(result.fake, differing),
        "yes" if result.agree else "NO",
    )


def table(report: Report) -> str:
    rows = [("check", "source", "target", "fake", "agree")] + [row(r) for r in report.results]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(r, widths)).rstrip() for r in rows)


def closing(report: Report, report_path: str) -> str:
    """The lines after the table: totals, what disagreed and why it matters."""
    summary = report.summary()
    made = ", ".join(f"{n} {kind if n != 1 else kind[:-1]}" for kind, n in report.made.items())
    lines = [
        "",
        f"{summary['agree']} of {summary['checks']} checks agree with {report.target} "
        f"({report.requests} requests, {report.seconds:.1f} s; made on the target: {made}; spaces deleted).",
    ]
    coverage = ", ".join(f"{section} {row['agree']}/{row['checks']}" for section, row in report.coverage().items())
    lines.append(f"By section of radist-api.md (agree/checks): {coverage}.")
    if report.not_run:
        lines.append("Not run: " + ", ".join(f"{c.name} (needs --{(c.needs or '').replace('_', '-')})" for c in report.not_run) + ".")
    if report.spaces_left:
        lines.append(f"Could not delete these spaces on the target: {', '.join(report.spaces_left)}.")
    for title, results in (
        ("Documented behaviour the target does not follow (exit status 1)", report.doc_disagreements),
        ("Assumptions of the fake the target refuted", report.refuted_assumptions),
    ):
        if results:
            lines += ["", f"{title}:"]
            for result in results:
                lines.append(f"  {result.check.name} (radist-api.md {result.check.spec}): {result.check.rule}")
                lines += [f"    {difference}" for difference in result.differences()]
    if report.refuted_assumptions:
        lines += ["", "Please tell pytest-radist's maintainers: radist-fake verify --upstream FILE writes the issue text "
                      "(see 'Sending a report upstream' in the docs)."]
    lines.append(f"Report: {report_path}")
    return "\n".join(lines)


def upstream_issue(report: Report) -> str:
    """A Markdown issue body for the refuted assumptions (no keys, no ids)."""
    lines = [
        f"## Radist answered differently from {len(report.refuted_assumptions) + len(report.doc_disagreements)} rule(s) of pytest-radist",
        "",
        f"`radist-fake verify` (pytest-radist {__version__}, report format "
        f"`{REPORT_FORMAT}`) ran {len(report.results)} checks on {report.started_at} "
        f"against `{report.target}`.",
        "",
        "| check | source | rule | target | fake |",
        "|---|---|---|---|---|",
    ]
    for result in report.doc_disagreements + report.refuted_assumptions:
        differing = sorted(result.differing())
        target = json.dumps({k: result.target.get(k) for k in differing}, ensure_ascii=False)
        fake = json.dumps({k: result.fake.get(k) for k in differing}, ensure_ascii=False)
        rule = result.check.rule.replace("|", "\\|")
        lines.append(f"| `{result.check.name}` | [{result.check.source}] radist-api.md {result.check.spec} | {rule} | `{target}` | `{fake}` |")
    lines += ["", "The whole JSON report is attached (it holds no keys, tokens or ids)."]
    return "\n".join(lines) + "\n"


def checks_table(source: Optional[str] = None) -> str:
    """Every check (or those of one ``source``) as a Markdown table, by
    section of radist-api.md: what docs/live.md and docs/assumptions.md
    show, and a test holds them to."""
    from .checks import CHECKS, SECTIONS

    rows = ["| section | check | source | rule | runs |", "|---|---|---|---|---|"]
    chosen = [c for c in CHECKS if source is None or c.source == source]
    for check in sorted(chosen, key=lambda c: (int(c.section[1:]), CHECKS.index(c))):
        rule = check.rule.replace("|", "\\|")
        runs = "always" if check.needs is None else f"with `--{check.needs.replace('_', '-')}`"
        rows.append(f"| {check.spec} ({SECTIONS[check.section]}) | `{check.name}` | [{check.source}] | {rule} | {runs} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python -m pytest_radist.verify.report [doc|fake]: the table, for the docs
    import sys

    print(checks_table(sys.argv[1] if len(sys.argv) > 1 else None))
