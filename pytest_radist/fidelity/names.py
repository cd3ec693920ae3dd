"""Names for what a service made: ids, tokens and keys by their role and
first appearance (``<id 1>``, ``<ct 2>``), times by their format, the
service's base URL as ``<base>``; and back, a name into a side's value.
How cassettes hold an answer, and how a replay binds the fake's answer to
the recorded one (:mod:`.cassettes`, :mod:`.replay`)."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional
from urllib.parse import parse_qsl, quote, unquote, urlencode

from .answers import ALL_FORMATS, ISO_UTC, UUID, kind

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
