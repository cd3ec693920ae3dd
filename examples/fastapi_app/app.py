"""A FastAPI backend that calls Radist's REST API with httpx.AsyncClient
(no SDK). Its tests are beside it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import Depends, FastAPI, HTTPException

app = FastAPI()
ATTEMPTS = 3


async def radist() -> AsyncIterator[httpx.AsyncClient]:
    """The Radist client; tests override it with the fake's transport."""
    async with httpx.AsyncClient(
        base_url=os.environ.get("RADIST_API_BASE_URL", "https://radist.tech"),
        headers={"Authorization": f"Bearer {os.environ.get('RADIST_KEY', '')}"},
    ) as client:
        yield client


def _project() -> str:
    return os.environ.get("RADIST_PROJECT_ID", "")


@app.post("/consultations", status_code=201)
async def start(client: httpx.AsyncClient = Depends(radist)) -> dict[str, Any]:
    for _ in range(ATTEMPTS):
        try:
            response = await client.post(f"/api/v1/projects/{_project()}/calls", json={"accessControl": "private"})
        except httpx.TransportError:
            continue  # dropped or timed out: worth another try
        if response.status_code == 429:  # capacity, not rate: retrying will not help
            raise HTTPException(503, "All rooms are busy, try again in a few minutes.")
        if response.status_code >= 500:
            continue
        body = response.json()
        return {"callId": body["callId"], "patientToken": body["callTokens"][1]}
    raise HTTPException(502, "Radist did not answer.")


@app.post("/consultations/{call_id}/invitations", status_code=201)
async def invite(call_id: str, client: httpx.AsyncClient = Depends(radist)) -> dict[str, str]:
    response = await client.post(f"/api/v1/projects/{_project()}/p2p/calls/{call_id}/token")
    if response.status_code != 200:
        raise HTTPException(response.status_code, response.json()["error"])
    return {"token": response.json()["callToken"]}
