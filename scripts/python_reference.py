"""Write docs/reference.md, the Python API reference, from the package's
signatures and docstrings: a page that reads the same on GitHub, in an
editor and on the site.

    python scripts/python_reference.py > docs/reference.md

tests/test_public_api.py holds the page to this output.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest_radist
from pytest_radist.shortcuts import Shortcut

SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("The fake and its targets", "", ("RadistFake", "RadistTarget", "RadistLive", "LiveCredentials")),
    ("What the fake holds", "", ("Project", "Call", "Room", "Space", "Token", "Peer", "PresenceEvent", "Clock")),
    ("Test controls", "", ("Faults", "FaultRule", "FaultSequence", "Journal", "RecordedRequest", "OmittedBody", "BrowserPolicy")),
    ("Doors", "", ("LoopbackServer", "ServerLimits", "InProcessTransport", "RadistAdapter", "RadistHttpxTransport",
                   "ApiRequest", "Outcome")),
    ("Errors", "", ("RadistFakeError", "ApiError", "JoinRefused", "ControlError", "NotFound", "InvalidValue", "SnapshotError", "WrongKind",
                    "Conflict", "FakeOnly", "RadistFakeProblem", "MissingCredentials", "VerifyError", "Unreachable")),
    ("Endpoint names", "The names that `assert_called`, `journal.find`, fault rules and the journal use.",
     ("ENDPOINTS", "SOCKET_ENDPOINTS")),
)
#: RadistFake's groups of controls, each listed under it.
GROUPS = ("faults", "journal", "state", "scenarios", "people", "media", "aio")

INTRO = """# Python API reference

Every public name of `pytest_radist`, with its signature and docstring, as
the installed package has them. [api.md](api.md) walks through the same API
by task. This page is generated (`python scripts/python_reference.py >
docs/reference.md`); a test keeps it equal to the code.
"""


def markdown(text: str) -> str:
    """A docstring's reStructuredText roles and literals, as Markdown."""
    text = re.sub(r":\w+:`~?([\w.]+)`", lambda m: f"`{m.group(1).split('.')[-1] if m.group(0).count('~') else m.group(1)}`", text)
    return re.sub(r"``(.+?)``", r"`\1`", text, flags=re.S)


def doc(obj: Any) -> str:
    return markdown(inspect.getdoc(obj) or "")


def first_paragraph(obj: Any) -> str:
    return " ".join(doc(obj).split("\n\n")[0].split())


def signature(obj: Any) -> str:
    """The signature with its annotations as written (postponed, they print quoted)."""
    try:
        text = str(inspect.signature(obj))
    except (TypeError, ValueError):
        return ""
    return re.sub(r"(: |-> )(?:'([^']*)'|\"([^\"]*)\")", lambda m: m.group(1) + (m.group(2) or m.group(3) or ""), text)


def members(cls: type) -> list[str]:
    """``name(signature)``: what it does, for each public member its own classes define."""
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("pytest_radist"):
            found.update({n: v for n, v in vars(klass).items() if not n.startswith("_")})
    lines = []
    for name, value in sorted(found.items()):
        if isinstance(value, Shortcut):
            lines.append(f"- `{name}`: the same as `.{value.group}.{value.method.__name__}`.")
            continue
        if isinstance(value, (classmethod, staticmethod)):
            value = value.__func__
        if isinstance(value, property):
            lines.append(f"- `{name}` (property): {first_paragraph(value)}".rstrip(": "))
        elif inspect.isfunction(value):
            lines.append(f"- `{name}{signature(value)}`: {first_paragraph(value)}".rstrip(": "))
        elif not callable(value) and not isinstance(value, type):
            lines.append(f"- `{name}` = `{value!r}`")
    return lines


def entry(name: str) -> str:
    obj = getattr(pytest_radist, name)
    if not inspect.isclass(obj) and not callable(obj):
        return f"### `{name}`\n\n```text\n{name} = {obj!r}\n```\n"
    kind = "class" if inspect.isclass(obj) else "def"
    parts = [f"### `{name}`", f"```text\n{kind} {name}{signature(obj)}\n```", doc(obj)]
    if inspect.isclass(obj):
        listed = members(obj)
        if listed:
            parts.append("\n".join(listed))
        if obj is pytest_radist.RadistFake:
            with pytest_radist.RadistFake(seed=0) as fake:
                for group in GROUPS:
                    its = type(getattr(fake, group))
                    parts.append(f"#### `fake.{group}` ({its.__name__})\n\n{first_paragraph(its)}\n\n" + "\n".join(members(its)))
    return "\n\n".join(p for p in parts if p) + "\n"


def reference() -> str:
    listed = [name for _, _, names in SECTIONS for name in names]
    missing = sorted(set(pytest_radist.__all__) - set(listed))
    unknown = sorted(set(listed) - set(pytest_radist.__all__))
    if missing or unknown:
        raise SystemExit(f"SECTIONS and pytest_radist.__all__ differ: not listed {missing}, not exported {unknown}")
    out = [INTRO]
    for title, intro, names in SECTIONS:
        out.append(f"## {title}\n")
        if intro:
            out.append(intro + "\n")
        out.extend(entry(name) for name in names)
    return "\n".join(out)


if __name__ == "__main__":
    print(reference(), end="")
