"""Secrets never leave: what the journal, live mode and ``radist-fake
verify`` redact before anything is kept, printed or written.

- a secret key (``rad_sk_...``) anywhere in a string becomes its hint
  (``rad_sk_...AbCd``), wherever a client put it (path, query, body);
- a key the tool was given (live mode's and verify's, secret or public)
  anywhere in a string becomes its hint, so a target that echoes it leaks
  nothing;
- a password field, at any depth and in any case (``password``,
  ``Password``, ``newPassword``), becomes ``***``;
- a space host token (``hostToken``) becomes its hint.

Participant tokens, ids and public keys a client sends stay readable:
tests need them.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional
from urllib.parse import parse_qsl, urlencode

from ..model.ids import PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX

#: What a redacted password reads as.
REDACTED = "***"
#: A secret key as the fake mints them, and as Radist documents them.
_SECRET_KEY = re.compile(re.escape(SECRET_KEY_PREFIX) + r"[A-Za-z0-9_\-.~%]+")


def key_hint(key: Optional[str]) -> Optional[str]:
    """A key as it may be shown: its prefix and last four characters."""
    if not key:
        return None
    prefix = next((p for p in (SECRET_KEY_PREFIX, PUBLIC_KEY_PREFIX) if key.startswith(p)), "")
    return f"{prefix}...{key[-4:]}"


def _token_hint(token: str) -> str:
    return token[:3] + "..." + token[-4:]


def _is_password(name: str) -> bool:
    return "password" in name.lower()


class Redactor:
    """Redacts secret keys, the ``known`` keys and (unless ``fields=False``:
    JSON of one's own, such as a report) password fields and host tokens
    from text and JSON."""

    def __init__(self, known: Iterable[Optional[str]] = (), *, fields: bool = True) -> None:
        # the longest first, so that a key that contains another is hidden whole
        self.known = tuple(sorted({k for k in known if k}, key=len, reverse=True))
        self.fields = fields

    def text(self, text: str) -> str:
        """``text`` with every secret key and known key replaced by its hint."""
        for key in self.known:
            if key in text:
                text = text.replace(key, key_hint(key) or "")
        if SECRET_KEY_PREFIX in text:
            text = _SECRET_KEY.sub(lambda found: key_hint(found.group()) or "", text)
        return text

    def _plainly_clean(self, query: str) -> bool:
        """Whether a query has nothing to hide, seen without parsing it: no
        escape that could spell a name, no password or ``publicKey`` name, no key."""
        if "%" in query or "+" in query or SECRET_KEY_PREFIX in query:
            return False
        lowered = query.lower()
        return "password" not in lowered and "publickey" not in lowered and not any(key in query for key in self.known)

    def json(self, value: Any) -> Any:
        """A JSON value with secrets redacted at any depth; the same object
        when there is nothing to hide (the journal keeps it as it is)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            items = [self.json(item) for item in value]
            return value if all(new is old for new, old in zip(items, value)) else items
        if isinstance(value, dict):
            redacted = {}
            changed = False
            for name, item in value.items():
                if self.fields and isinstance(name, str) and _is_password(name) and item is not None:
                    new: Any = REDACTED
                elif self.fields and name == "hostToken" and isinstance(item, str):
                    new = _token_hint(item)
                else:
                    new = self.json(item)
                changed = changed or new is not item
                redacted[name] = new
            return redacted if changed else value
        return value

    def query(self, query: str) -> str:
        """A query string with secret and known keys (a socket's
        ``publicKey`` included) and password parameters redacted."""
        if not query or self._plainly_clean(query):
            return query
        pairs = parse_qsl(query, keep_blank_values=True)
        redacted = [
            (name, REDACTED if _is_password(name) else key_hint(value) or "" if name == "publicKey" else self.text(value))
            for name, value in pairs
        ]
        return query if redacted == pairs else urlencode(redacted, safe=".")


#: The fake's own redactor: it holds no key of its own to hide beyond the
#: secret keys a client may send (the fake's answers never echo them).
DEFAULT = Redactor()
