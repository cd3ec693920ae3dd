"""RFC 9110's grammar of a header field, written once: the door checks the
headers it receives with it (:mod:`pytest_radist.doors.http_rules`), the
fault rules the headers they add to an answer (:mod:`pytest_radist.controls.faults`)."""

from __future__ import annotations

import re

#: RFC 9110 5.1: field-name = token, a run of these characters.
TOKEN_CHARS = "-!#$%&'*+.^_`|~0-9a-zA-Z"
TOKEN = re.compile(f"[{TOKEN_CHARS}]+".encode())
# RFC 9110 5.5: a field value holds no control byte but HTAB (h11 lets
# others but NUL through: stricter here, since values reach URLs and logs)
CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def is_field_name(name: bytes) -> bool:
    return TOKEN.fullmatch(name) is not None


def is_field_value(value: bytes) -> bool:
    return CONTROL.search(value) is None
