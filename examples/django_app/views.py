"""Django views on the radist-server SDK, configured from settings."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from radist_server import RadistApiError, RadistServerClient

from examples.app import AtCapacity, ConsultationService


def service() -> ConsultationService:
    """Built per request from settings, as many Django apps do."""
    client = RadistServerClient(settings.RADIST_KEY, project_id=settings.RADIST_PROJECT_ID,
                                api_base_url=settings.RADIST_API_BASE_URL)
    return ConsultationService(client)


@csrf_exempt
@require_POST
def start(request: HttpRequest) -> JsonResponse:
    try:
        consultation = service().start()
    except AtCapacity:
        return JsonResponse({"error": "All rooms are busy, try again in a few minutes."}, status=503)
    return JsonResponse({"callId": consultation.call_id, "patientToken": consultation.patient_token}, status=201)


@csrf_exempt
@require_POST
def invite(request: HttpRequest, call_id: str) -> JsonResponse:
    try:
        return JsonResponse({"token": service().invite(call_id)}, status=201)
    except RadistApiError as exc:
        return JsonResponse({"error": str(exc)}, status=404 if exc.status_code == 404 else 502)
