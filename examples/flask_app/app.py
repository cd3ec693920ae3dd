"""A Flask backend on the radist-server SDK: it starts consultations (private
P2P calls) and invites people to them. Its tests are beside it."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from radist_server import RadistApiError, RadistServerClient

from examples.app import AtCapacity, ConsultationService


def create_app(radist: RadistServerClient) -> Flask:
    app = Flask(__name__)
    service = ConsultationService(radist)

    @app.post("/consultations")
    def start() -> Any:
        try:
            consultation = service.start()
        except AtCapacity:
            return jsonify(error="All rooms are busy, try again in a few minutes."), 503
        return jsonify(callId=consultation.call_id, patientToken=consultation.patient_token), 201

    @app.post("/consultations/<call_id>/invitations")
    def invite(call_id: str) -> Any:
        try:
            return jsonify(token=service.invite(call_id)), 201
        except RadistApiError as exc:
            return jsonify(error=str(exc)), 404 if exc.status_code == 404 else 502

    return app
