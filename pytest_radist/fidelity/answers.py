"""What "the same answer" means, written once: facts of an answer that two
Radists must share, whatever ids, keys, tokens and times each one made.

- a value's **kind**: its JSON type, and for a string its format, the role
  it plays (a UUID, a ``ct_`` token, an ISO 8601 UTC time, a URL) rather
  than its value;
- a body's **shape**: every field's name and kind, at any depth (a field
  absent is not a field that is ``null``); a list by the distinct shapes of
  its items;
- an **answer**: its status, its media type, and its body (an error body
  word for word, or with the message set aside where the message is a guess);
- the **headers the spec names**: ``Allow`` on a 405, CORS on the public
  mint, ``Retry-After`` on a 429.

Facts never hold ids, keys or tokens: the two sides make different ones.
Checks (:mod:`pytest_radist.verify.checks`) and cassettes (:mod:`.cassettes`) read
answers through this module.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ..remote import Reply

Facts = dict[str, Any]

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: ISO 8601 in UTC, any precision: what Radist documents [doc].
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]00:?00)$")
#: Milliseconds and a ``Z``: the precision the fake guesses [fake].
MILLISECONDS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
#: Opaque values by their documented prefix (radist-api.md 1).
PREFIXES = ("rad_sk_", "rad_pk_", "peer_", "ct_", "rt_", "ht_")
URL = re.compile(r"^https?://[^/\s]+(/\S*)?$")
#: What a side shows for a fact it did not give.
ABSENT = "<absent>"


#: The formats Radist documents: participant, reconnect and peer prefixes,
#: keys, ISO 8601 UTC times, URLs. A ``[doc]`` check sees these only.
DOC_FORMATS = frozenset({"ct_", "rt_", "peer_", "rad_sk_", "rad_pk_", "time", "url"})
#: ...and the fake's guesses: UUIDs for room and space ids, ``ht_`` host
#: tokens, millisecond times with a ``Z``. Call ids are UUIDs by the docs:
#: a check of calls adds ``uuid`` to the documented formats.
ALL_FORMATS = DOC_FORMATS | {"uuid", "ht_", "precise time"}


def kind(value: Any, formats: frozenset[str] = DOC_FORMATS) -> str:
    """A JSON value's kind: ``null``, ``boolean``, ``integer``, ``number``,
    ``object``, ``array``, or for a string its format among ``formats``:
    ``uuid``, ``ct_...`` (a prefixed opaque value), ``time`` (ISO 8601 UTC;
    with ``precise time``: ``time (ms, Z)`` or ``time (other precision)``),
    ``url``; else ``string``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if "uuid" in formats and UUID.match(value):
        return "uuid"
    prefix = next((p for p in PREFIXES if p in formats and value.startswith(p) and len(value) > len(p)), None)
    if prefix is not None:
        return f"{prefix}..."
    if "time" in formats and ISO_UTC.match(value):
        if "precise time" in formats:
            return "time (ms, Z)" if MILLISECONDS_Z.match(value) else "time (other precision)"
        return "time"
    if "url" in formats and URL.match(value):
        return "url"
    return "string"


def shape(value: Any, formats: frozenset[str] = DOC_FORMATS) -> Any:
    """A JSON value's shape: its kind, with an object's fields by name (sorted)
    and an array by the distinct shapes of its items."""
    if isinstance(value, dict):
        return {key: shape(item, formats) for key, item in sorted(value.items())}
    if isinstance(value, list):
        shapes: list[Any] = []
        for item in value:
            found = shape(item, formats)
            if found not in shapes:
                shapes.append(found)
        return shapes
    return kind(value, formats)


def media_type(reply: Reply) -> str:
    """The answer's media type, lowercased, without its parameters."""
    return reply.content_type.split(";")[0].strip().lower() or "<none>"


def body_facts(reply: Reply, *, message: bool = True, formats: frozenset[str] = DOC_FORMATS) -> Any:
    """The body, as two Radists must agree on it: an error body field by
    field (``error`` word for word, or only its kind when ``message`` is
    a guess), any other body by its shape; what is not JSON, by its type."""
    if not reply.is_json:
        return f"<not JSON: {media_type(reply)}>"
    body = reply.json
    if isinstance(body, dict) and "error" in body:
        return {key: (value if message or not isinstance(value, str) else kind(value)) if key == "error" else shape(value, formats)
                for key, value in sorted(body.items())}
    return shape(body, formats)


def answer(reply: Reply, *, message: bool = True, formats: frozenset[str] = DOC_FORMATS) -> Facts:
    """Status, media type and body of an answer (see :func:`body_facts`)."""
    return {"status": reply.status, "content_type": media_type(reply),
            "body": body_facts(reply, message=message, formats=formats)}


def status_only(reply: Reply) -> Facts:
    """The status, and that the body is a JSON error object (any message)."""
    body = reply.json
    return {"status": reply.status, "error_object": isinstance(body, dict) and isinstance(body.get("error"), str)}


def error_of(reply: Reply) -> Any:
    """The error message, or what the body is instead."""
    body = reply.json
    if not reply.is_json:
        return f"<not JSON: {media_type(reply)}>"
    if isinstance(body, dict) and "error" in body:
        return body["error"]
    return "<no error field>"


def header(reply: Reply, name: str) -> Optional[str]:
    """A header's value (``None`` when absent)."""
    return reply.header(name)


def methods(value: Optional[str]) -> Any:
    """An ``Allow`` header as the sorted set of its methods (``None`` if absent)."""
    return None if value is None else sorted({m.strip().upper() for m in value.split(",") if m.strip()})


def field(reply: Reply, *path: Any) -> Any:
    """A value inside a reply's JSON body, or ``None`` if it is not there."""
    value: Any = reply.json
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and -len(value) <= step < len(value) else None
        else:
            value = value.get(step) if isinstance(value, dict) else None
    return value


def present(reply: Reply, *path: Any) -> Any:
    """Whether a field is there (``null`` counts as there), by the last step."""
    *parent, last = path
    holder = field(reply, *parent) if parent else reply.json
    return isinstance(holder, dict) and last in holder
