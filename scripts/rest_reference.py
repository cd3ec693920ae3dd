"""Write docs/rest.md, the REST and socket reference, from the OpenAPI
description (itself made from the route tables) and the socket refusals.

    python scripts/rest_reference.py > docs/rest.md

tests/test_docs_reference.py holds the page to this output.
"""

from __future__ import annotations

import json
from typing import Any

from pytest_radist import messages as M
from pytest_radist.openapi import build

INTRO = """# REST and socket reference

Every endpoint the fake serves, as the route table and the
[OpenAPI description](http.md#the-control-plane-_radist) (`GET /_radist/openapi.json`)
state it. *source* says whether Radist documents the behaviour (`doc`) or this
project chose it ([fake], listed in [assumptions.md](assumptions.md)).
This page is generated (`python scripts/rest_reference.py > docs/rest.md`);
a test keeps it equal to the code.

Keys go in `Authorization: Bearer <key>`: the project's secret key
(`rad_sk_...`, with the project id in the path) or its public key
(`rad_pk_...`). Bodies are JSON objects; every error is `{"error": "<message>"}`.
"""


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " \\| ".join(kind)
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    bounds = [f">= {schema['minimum']}" for _ in [0] if "minimum" in schema and schema["minimum"] < 10**17]
    bounds += [f"<= {schema['maximum']}" for _ in [0] if "maximum" in schema and schema["maximum"] < 10**17]
    if "minLength" in schema or "maxLength" in schema:
        bounds.append(f"length {schema.get('minLength', 0)} to {schema['maxLength']}" if "maxLength" in schema
                      else f"length >= {schema['minLength']}")
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


def _fields(schema: dict[str, Any], prefix: str = "") -> list[str]:
    """Rows for an object schema's properties (and those of the objects in
    its arrays and objects, as ``calls[].callId``)."""
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        rows.append(f"| `{prefix}{name}` | {_type(prop)} | {'yes' if name in required else 'no'} | {prop.get('description', '')} |")
        inner = prop.get("items", {}) if prop.get("type") == "array" else prop
        if inner.get("properties"):
            rows += _fields(inner, f"{prefix}{name}{'[]' if inner is not prop else ''}.")
    return rows


def _source(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _operation(method: str, path: str, op: dict[str, Any]) -> list[str]:
    lines = [f"### `{op['operationId']}`", "", f"`{method.upper()} {path}`", ""]
    security = [name for item in op.get("security", []) for name in item]
    key = {"secretKey": "secret key", "publicKey": "public key"}.get(security[0], "none") if security else "none"
    lines += [f"Key: {key}. Source: {_source(op.get('x-radist-source'))}.", ""]
    if op.get("summary"):
        lines[-2:-1] = [f"{op['summary'].rstrip('.')}. Key: {key}. Source: {_source(op.get('x-radist-source'))}."]
    parameters = op.get("parameters", [])
    if parameters:
        lines += ["| parameter | in | type | default | notes |", "|---|---|---|---|---|"]
        for p in parameters:
            schema = p.get("schema", {})
            default = f"`{schema['default']}`" if "default" in schema else ""
            lines.append(f"| `{p['name']}` | {p['in']} | {_type(schema)} | {default} | {p.get('description', '')} |")
        lines.append("")
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body and body.get("properties"):
        lines += ["Request body:", "", "| field | type | required | notes |", "|---|---|---|---|", *_fields(body), ""]
    ok = op["responses"].get("200") or op["responses"].get("101")
    answer = (ok or {}).get("content", {}).get("application/json", {}).get("schema")
    if answer and answer.get("properties"):
        lines += ["Answer (200):", "", "| field | type | always | notes |", "|---|---|---|---|", *_fields(answer), ""]
    errors = [(status, r) for status, r in op["responses"].items() if status not in ("200", "101")]
    if errors:
        lines += ["| status | message | source |", "|---|---|---|"]
        for status, response in errors:
            sources = response.get("x-radist-source")
            if isinstance(sources, dict):
                lines += [f"| {status} | {message} | {source} |" for message, source in sources.items()]
            else:
                lines.append(f"| {status} | {response['description']} | {_source(sources)} |")
        lines.append("")
    return lines


def _sockets() -> list[str]:
    lines = ["## Signaling sockets", "",
             "A refused socket is accepted, sent one frame `{\"type\": \"error\", \"reason\": ..., \"error\": ...}` "
             "and closed with `4000 + status` ([browser.md](browser.md#the-protocol-version-1)).", "",
             "| refusal | status | close code | reason | message |", "|---|---|---|---|---|"]
    for name, (status, reason, message) in M.SOCKET_REFUSALS.items():
        lines.append(f"| {name} | {status} | {4000 + status} | `{reason}` | {message} |")
    return lines + [""]


def reference() -> str:
    spec = build()
    lines = [INTRO, "## REST API", ""]
    control: list[tuple[str, str, dict[str, Any]]] = []
    sockets: list[tuple[str, str, dict[str, Any]]] = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method == "parameters":
                continue
            if path.startswith("/_radist/"):
                control.append((method, path, op))
            elif path.endswith("/signaling/ws"):
                sockets.append((method, path, op))
            else:
                lines += _operation(method, path, op)
    for method, path, op in sockets:
        lines += _operation(method, path, op)
    lines += _sockets()
    lines += ["## Control plane (`/_radist/`, the fake's own)", "",
              "| method and path | what |", "|---|---|"]
    lines += [f"| `{method.upper()} {path}` | {op.get('summary', '')} |" for method, path, op in control]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(reference(), end="")
