"""JSON answers as bytes, by the stdlib's C encoder made once.

``json.dumps`` builds its encoder anew on every call: for an answer as small
as a created call, that is half the cost of encoding it. The output is the
same as ``json.dumps(value).encode()``.
"""

from __future__ import annotations

import json
from json import encoder as _encoder
from typing import Any, Callable

_make: Any = getattr(_encoder, "c_make_encoder", None)  # None where the C accelerator is missing

if _make is not None:
    # json.dumps' defaults: no indent, ", " and ": ", keys as given, non-finite numbers allowed
    _encode: Callable[[Any, int], Any] = _make(None, json.JSONEncoder().default, _encoder.encode_basestring_ascii,
                                              None, ": ", ", ", False, False, True)

    def json_bytes(value: Any) -> bytes:
        """``json.dumps(value).encode()``, faster."""
        return "".join(_encode(value, 0)).encode()
else:  # pragma: no cover - CPython always has it
    def json_bytes(value: Any) -> bytes:
        """``json.dumps(value).encode()``."""
        return json.dumps(value).encode()
