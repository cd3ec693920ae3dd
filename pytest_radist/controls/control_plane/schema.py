"""How a control route is declared, and how its input is checked.

Every route names its fields with their JSON type and bounds, so a Go or
Node user gets errors in HTTP terms (which field, which values), unknown
fields are refused with the closest known name, and the route table can be
read by the docs and an OpenAPI description instead of copied into them.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence
from urllib.parse import parse_qsl

from ... import messages as M
from ...errors import ControlError
from ...settings import URL_PATTERN, Setting

if TYPE_CHECKING:
    from .target import ControlTarget

Answer = tuple[int, dict[str, Any]]


JSON_TYPES: dict[str, Any] = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "object": dict, "array": list}


@dataclass(frozen=True)
class Field:
    """One field of a control request's JSON body (or query string)."""

    name: str
    type: str  # a JSON type: string, integer, number, boolean, object, array
    doc: str
    required: bool = False
    nullable: bool = False
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    choices: Sequence[Any] = ()
    #: a regular expression a string must contain a match of (JSON Schema ``pattern``)
    pattern: Optional[str] = None
    #: a JSON Schema ``format`` (``date-time``), checked by the handler
    format: Optional[str] = None
    #: More JSON Schema for the value (an object's ``propertyNames``...),
    #: which the handler enforces and the OpenAPI description states.
    schema: Optional[Mapping[str, Any]] = None
    #: Former names, still accepted for a release; the answer then carries
    #: a ``deprecated`` note naming this one.
    was: tuple[str, ...] = ()

    @classmethod
    def of(cls, setting: Setting) -> Field:
        """The field of a setting (:mod:`pytest_radist.settings`), in camelCase."""
        json_type = {"whole": "integer", "seconds": "number", "bool": "boolean"}.get(setting.kind, "string")
        pattern = {"url": URL_PATTERN, "secret key": "^rad_sk_.", "public key": "^rad_pk_.", "token": "^.{8}"}.get(setting.kind)
        return cls(setting.camel, json_type, setting.help, nullable=setting.none is not None,
                   minimum=setting.minimum, maximum=setting.maximum, pattern=pattern)

    def describe(self) -> str:
        kind = {"integer": "a whole number", "number": "a number", "string": "a string", "boolean": "true or false",
                "object": "a JSON object", "array": "a JSON array"}[self.type]
        if self.choices:
            kind = "one of " + ", ".join(f'"{c}"' if isinstance(c, str) else str(c) for c in self.choices)
        bounds = []
        if self.minimum is not None:
            bounds.append(f">= {self.minimum:g}")
        if self.maximum is not None:
            bounds.append(f"<= {self.maximum:g}")
        return kind + (f" ({' and '.join(bounds)})" if bounds else "") + (" or null" if self.nullable else "")

    def check(self, value: Any) -> Any:
        if value is None and self.nullable:
            return None
        if self.type == "integer" and isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON has one number type: 3.0 is the integer 3
        expected = JSON_TYPES[self.type]
        wrong_type = not isinstance(value, expected) or (self.type != "boolean" and isinstance(value, bool))
        not_finite = isinstance(value, float) and not math.isfinite(value)
        out_of_range = (not wrong_type and not not_finite and self.type in ("integer", "number") and (
            (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum)))
        if wrong_type or not_finite or out_of_range or (self.choices and value not in self.choices):
            raise ControlError(400, M.CONTROL_FIELD_TYPE.format(field=self.name, wanted=self.describe(), got=_shown(value)))
        if self.pattern is not None and isinstance(value, str) and not re.search(self.pattern, value):
            raise ControlError(400, M.CONTROL_FIELD_PATTERN.format(field=self.name, pattern=self.pattern, got=_shown(value)))
        return value


def _shown(value: Any) -> str:
    import json

    try:
        text = json.dumps(value)
    except ValueError:  # NaN and infinities, which strict JSON cannot carry
        text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


Handler = Callable[["ControlTarget", dict[str, Any]], Answer]


@dataclass(frozen=True)
class ControlRoute:
    """``method /_radist/<path>``: what it does, what it takes, who answers."""

    method: str
    path: str  # relative to /_radist/, with {parameters}
    summary: str
    handler: Handler
    fields: tuple[Field, ...] = ()
    #: ``body`` (JSON object) or ``query`` (query string)
    source: str = "body"
    changes_state: bool = field(default=True)
    #: Rules across fields, as JSON Schema (oneOf, dependentSchemas, ...):
    #: the handler enforces them, the OpenAPI description states them.
    rules: Any = field(default_factory=dict)
    #: The optional extra it needs (``pytest-radist[NAME]``): without it, a 501 naming it.
    needs: Optional[str] = None

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))

    def renamed(self, given: dict[str, Any]) -> list[str]:
        """A deprecation note for each former field name in ``given``."""
        return [M.CONTROL_FIELD_RENAMED.format(old=old, new=f.name) for f in self.fields for old in f.was if old in given]

    def read(self, body: Any, query: str, params: dict[str, str]) -> dict[str, Any]:
        """The checked input: path parameters, then the declared fields
        (given by their names, or by a former one)."""
        if self.source == "query":
            given: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
            given = {k: _from_query(self._field(k), v) for k, v in given.items() if self._field(k) is not None} | {
                k: v for k, v in given.items() if self._field(k) is None}
        else:
            given = body
        former = {old: f.name for f in self.fields for old in f.was}
        if former:
            given = {former.get(name, name): value for name, value in given.items()}
        known = {f.name: f for f in self.fields}
        for name in given:
            if name not in known:
                close = difflib.get_close_matches(name, list(known), n=1)
                hint = f' Did you mean "{close[0]}"?' if close else ""
                accepted = ", ".join(f'"{n}"' for n in known) or "none"
                raise ControlError(400, M.CONTROL_UNKNOWN_FIELD.format(field=name, hint=hint, route=f"{self.method} /_radist/{self.path}", accepted=accepted))
        checked: dict[str, Any] = dict(params)
        for f in self.fields:
            if f.name in given:
                checked[f.name] = f.check(given[f.name])
            elif f.required:
                raise ControlError(400, M.CONTROL_FIELD_REQUIRED.format(field=f.name, doc=f.doc))
        return checked

    def _field(self, name: str) -> Optional[Field]:
        return next((f for f in self.fields if f.name == name), None)


def _from_query(field_: Optional[Field], text: str) -> Any:
    """A query-string value as the field's JSON type (it stays text if it is not one)."""
    if field_ is None or field_.type == "string":
        return text
    try:
        return int(text) if field_.type == "integer" and len(text) <= 100 else float(text) if field_.type == "number" else text
    except ValueError:
        return text
