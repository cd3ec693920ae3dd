"""``/_radist/faults``: the fault rules, as ``fake.fail()`` takes them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...api.routes import ENDPOINTS, SOCKET_ENDPOINTS
from ..faults import MAX_LATENCY
from ... import messages as M
from ...errors import ControlError
from .schema import Answer, ControlRoute, Field

if TYPE_CHECKING:
    from .target import ControlTarget

FIELDS = (
    Field("endpoint", "string", "the endpoint to fail, or * for every one", choices=("*",) + ENDPOINTS + SOCKET_ENDPOINTS),
    Field("status", "integer", "answer this error status with the documented body", minimum=400, maximum=599, nullable=True),
    Field("error", "string", "the error message to send with status", nullable=True),
    Field("latency", "number", "seconds of real time to wait before answering", minimum=0, maximum=MAX_LATENCY),
    Field("drop", "boolean", "close the connection without an answer"),
    Field("malformed", "string", "send this text as the body instead of JSON", nullable=True),
    Field("lost_response", "boolean", "do the operation, then drop the answer"),
    Field("times", "integer", "how many matching requests fail; null for every one", minimum=1, nullable=True),
    Field("probability", "number", "chance that a matching request fails", minimum=0.000001, maximum=1),
    Field("seed", "integer", "seed of the probability draws", nullable=True),
)


def list_faults(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    return 200, {"faults": [rule.describe() for rule in fake.faults]}


def add_fault(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    try:
        rule = fake.fail(**given)
    except ValueError as exc:  # the combination is wrong (say, error without status)
        raise ControlError(400, M.CONTROL_BAD_FAULT.format(reason=exc)) from None
    return 200, {"fault": rule.describe()}


def clear_faults(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    fake.clear_faults()
    return 200, {"faults": []}


ROUTES = (
    ControlRoute("GET", "faults", "the fault rules, in order, with their counts", list_faults, changes_state=False),
    ControlRoute("POST", "faults", "add a fault rule (the arguments of fake.fail)", add_fault, FIELDS, rules={
        "anyOf": [  # a fault needs an effect
            {"required": ["status"], "properties": {"status": {"type": "integer"}}},
            {"required": ["latency"], "properties": {"latency": {"exclusiveMinimum": 0}}},
            {"required": ["drop"], "properties": {"drop": {"const": True}}},
            {"required": ["malformed"], "properties": {"malformed": {"type": "string"}}},
            {"required": ["lost_response"], "properties": {"lost_response": {"const": True}}},
        ],
        "dependentSchemas": {"error": {"required": ["status"], "properties": {"status": {"type": "integer"}}}},
        "not": {"required": ["drop", "malformed"], "properties": {"drop": {"const": True}, "malformed": {"type": "string"}}},
    }),
    ControlRoute("DELETE", "faults", "remove every fault rule", clear_faults),
)
