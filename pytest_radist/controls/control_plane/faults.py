"""``/_radist/faults``: the fault rules, as ``fake.faults.add()`` takes them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...api.routes import ENDPOINTS, FRAME_ENDPOINTS, SOCKET_ENDPOINTS
from ..faults import HEADERS_SCHEMA, MAX_LATENCY
from ... import messages as M
from ...errors import ControlError
from .schema import Answer, ControlRoute, Field

if TYPE_CHECKING:
    from .target import ControlTarget

FIELDS = (
    Field("endpoint", "string", "the endpoint to fail, or * for every one", choices=("*",) + ENDPOINTS + SOCKET_ENDPOINTS + FRAME_ENDPOINTS),
    Field("status", "integer", "answer this error status with the documented body", minimum=400, maximum=599, nullable=True),
    Field("error", "string", "the error message to send with status", nullable=True),
    Field("headers", "object", "headers the answer carries beside its own (Retry-After with a 429), names to text values",
          schema=HEADERS_SCHEMA),
    Field("latency", "number", "seconds of real time to wait before answering", minimum=0, maximum=MAX_LATENCY),
    Field("drop", "boolean", "close the connection without an answer"),
    Field("malformed", "string", "send this text as the body instead of JSON", nullable=True),
    Field("lostResponse", "boolean", "do the operation, then drop the answer", was=("lost_response",)),
    Field("jitter", "number", "signal: up to this many seconds more than latency, drawn from the seed", minimum=0,
          maximum=MAX_LATENCY),
    Field("duplicate", "boolean", "signal: deliver the frame twice"),
    Field("project", "string", "only this project's requests and sockets (an id); default: every project's"),
    Field("times", "integer", "how many matching requests fail; null for every one", minimum=1, nullable=True),
    Field("probability", "number", "chance that a matching request fails", minimum=0.000001, maximum=1),
    Field("seed", "integer", "seed of the probability draws", nullable=True),
)


def list_faults(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    rules = fake.faults
    # "faults": the rules described (as in 0.1); "rules": each with its id and fields
    return 200, {"faults": [rule.describe() for rule in rules], "rules": [rule.to_json() for rule in rules]}


def add_fault(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    arguments = {("lost_response" if name == "lostResponse" else name): value for name, value in given.items()}
    try:
        rule = fake.faults.add(**arguments)
    except KeyError as exc:  # a project that is not there
        raise ControlError(404, M.CONTROL_NO_PROJECT.format(project=given.get("project"), known=", ".join(fake.state.projects))) from None
    except ValueError as exc:  # the combination is wrong (say, error without status)
        raise ControlError(400, M.CONTROL_BAD_FAULT.format(reason=exc)) from None
    return 200, {"fault": rule.describe(), "id": rule.id, "rule": rule.to_json()}


def remove_fault(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    try:
        rule = fake.faults.remove(given["faultId"])
    except KeyError as exc:
        raise ControlError(404, exc.args[0]) from None
    return 200, {"removed": rule.to_json()}


def clear_faults(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    fake.faults.clear()
    return 200, {"faults": []}


ROUTES = (
    ControlRoute("GET", "faults", "the fault rules, in order, with their counts", list_faults, changes_state=False),
    ControlRoute("POST", "faults", "add a fault rule (the arguments of fake.fail)", add_fault, FIELDS, rules={
        "anyOf": [  # a fault needs an effect
            {"required": ["status"], "properties": {"status": {"type": "integer"}}},
            {"required": ["latency"], "properties": {"latency": {"exclusiveMinimum": 0}}},
            {"required": ["drop"], "properties": {"drop": {"const": True}}},
            {"required": ["malformed"], "properties": {"malformed": {"type": "string"}}},
            {"required": ["lostResponse"], "properties": {"lostResponse": {"const": True}}},
            {"required": ["jitter"], "properties": {"jitter": {"exclusiveMinimum": 0}}},
            {"required": ["duplicate"], "properties": {"duplicate": {"const": True}}},
        ],
        # a signal rule drops, delays or duplicates a frame; the others shape answers
        "if": {"required": ["endpoint"], "properties": {"endpoint": {"enum": list(FRAME_ENDPOINTS)}}},
        "then": {
            "properties": {"status": {"type": "null"}, "malformed": {"type": "null"}, "lostResponse": {"const": False},
                           "headers": {"maxProperties": 0}},
            "not": {"required": ["drop"], "properties": {"drop": {"const": True}}, "anyOf": [
                {"required": ["latency"], "properties": {"latency": {"exclusiveMinimum": 0}}},
                {"required": ["jitter"], "properties": {"jitter": {"exclusiveMinimum": 0}}},
                {"required": ["duplicate"], "properties": {"duplicate": {"const": True}}},
            ]},
        },
        "else": {"properties": {"jitter": {"const": 0}, "duplicate": {"const": False}}},
        "dependentSchemas": {"error": {"required": ["status"], "properties": {"status": {"type": "integer"}}}},
        "not": {"required": ["drop", "malformed"], "properties": {"drop": {"const": True}, "malformed": {"type": "string"}}},
    }),
    ControlRoute("DELETE", "faults", "remove every fault rule", clear_faults),
    ControlRoute("DELETE", "faults/{faultId}", "remove one fault rule, by the id its creation answered", remove_fault),
)
