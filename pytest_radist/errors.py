"""Every error the fake can produce, in one place.

Each HTTP message is reproduced byte for byte from ``radist-api.md``; the
comment beside it says whether Radist documents it ([doc]) or whether it is an
assumption of the fake ([fake]). The model raises :class:`ApiError` with one of
these; the API layer turns it into ``{"error": message}`` with its status.
"""

from __future__ import annotations

from typing import Optional

# -- section 2: every endpoint ----------------------------------------------
MISSING_BEARER = "Missing bearer token."  # 401 [doc]
INVALID_SECRET_KEY = "Invalid project id or secret key."  # 401 [doc: status; fake: message]
INVALID_PUBLIC_KEY = "Invalid public key."  # 401 [doc: status; fake: message]
INVALID_JSON_BODY = "Invalid JSON body."  # 400 [fake]
NOT_FOUND = "Not found."  # 404 [fake]
METHOD_NOT_ALLOWED = "Method not allowed."  # 405 [fake]

# -- the loopback server's own limits: no Radist counterpart, all [fake] -----
BODY_TOO_LARGE = "Request body too large: at most {limit} bytes."  # 413 [fake]
URL_TOO_LONG = "Request URL too long: at most {limit} bytes."  # 414 [fake]
HEADERS_TOO_LARGE = "Request header fields too large."  # 431 [fake]
TOO_MANY_HEADERS = "Too many request header fields: at most {limit}."  # 431 [fake]
MALFORMED_REQUEST = "Malformed HTTP request."  # 400 [fake]: framing the HTTP parser refuses
UNSUPPORTED_HTTP_VERSION = "Unsupported HTTP version: use HTTP/1.1."  # 400 [fake]
REQUEST_TIMEOUT = "Request not received in time: send the whole request within {limit} seconds."  # 408 [fake]
NO_FAKE_ATTACHED = "No fake is attached to this server."  # 503 [fake]: between tests, not bad input

# -- section 3: P2P calls ---------------------------------------------------
INVALID_ACCESS_CONTROL = "Invalid accessControl value."  # 400 [fake]
CONNECTION_LIMIT = "Connection limit reached."  # 429 [doc]
INVALID_PAGE = "Invalid page query parameter."  # 400 [doc]
INVALID_LIMIT = "Invalid limit query parameter."  # 400 [fake]
CALL_NOT_FOUND = "Call not found."  # 404 [doc]
CALL_TERMINATED = "Call has been terminated."  # 410 [doc]
CALL_PRIVATE = "Call is private."  # 403 [doc: status; fake: message]
CALL_FULL = "All peers are already connected."  # 409 [doc]

# -- section 4: rooms -------------------------------------------------------
ROOM_NOT_FOUND = "Room not found."  # 404 [fake: message]

# -- section 5: spaces ------------------------------------------------------
INVALID_SLUG = "Invalid slug."  # 400 [fake]
SLUG_TAKEN = "Slug is already taken."  # 409 [fake]
NAME_REQUIRED = "Name is required."  # 400 [fake]
INVALID_ACCESS_TYPE = "Invalid accessType value."  # 400 [fake]
PASSWORD_REQUIRED = "Password is required for password spaces."  # 400 [fake]
INVALID_PASSWORD = "Invalid password value."  # 400 [fake]: a password that is not a string
SPACE_NOT_FOUND = "Space not found."  # 404 [fake]

# -- section 6: signaling sockets, all [fake] ---------------------------------
BAD_UPGRADE = "Invalid WebSocket handshake."  # 400 [fake]
NOT_A_SOCKET = "This is a WebSocket endpoint: open it with a WebSocket client (ws://...)."  # 426 [fake]
ORIGIN_NOT_ALLOWED = "Origin not allowed."  # 4403 [fake]
REPLACED = "Replaced by a new connection."  # 4409 [fake]
REMOVED = "Removed from the call."  # 4403 [fake]
BAD_MESSAGE = "Invalid message: send a JSON object with a known type."  # error frame [fake]
MISSING_PARAMETERS = "Missing connection parameters."  # 4400 [fake]
TOKEN_NOT_FOUND = "Token not found."  # 4404 [fake]
TOKEN_USED = "Token has already been used."  # 4409 [fake]
TOKEN_EXPIRED = "Token has expired."  # 4410 [fake]
TOKEN_CLEARED = "Token is no longer valid."  # 4409 [fake]
ROOM_FULL = "Room is full."  # 4409 [fake]
INVALID_RECONNECT_TOKEN = "Invalid reconnect token."  # 4401 [fake]
PEER_NOT_FOUND = "Peer not found."  # 4404 / error frame [fake]
SEND_BUDGET_EXCEEDED = "Send budget exceeded: the client left {limit} bytes unread."  # 1008 [fake]
SOCKET_IDLE = "Idle for {limit} s: send a frame (a ping) to keep the socket open."  # 4408 [fake]
BAD_NUMBER = "Invalid message: NaN and Infinity are not JSON."  # error frame [fake]
DISCONNECTED_BY_TEST = "Disconnected by the test."  # 4000 [fake]: a test called peer.leave()
SERVER_DETACHED = "The fake this socket belonged to is gone."  # 1001 [fake]: the next test began

HOST_NOT_ALLOWED = "Host not allowed: the control plane answers loopback names and the address it was started on."  # 403 [fake]
CONTROL_NEEDS_JSON = "Control requests that change state must be sent with Content-Type: application/json."  # 415 [fake]
CONTROL_TOKEN_NEEDED = "The control plane needs 'Authorization: Bearer <control token>' (radist-fake --control-token)."  # 401 [fake]
SECRET_CORS = "Secret-key endpoints answer no CORS: the secret key must stay on the backend."  # 403 [fake]

# Live mode (pytest --radist-live): the doors forward to a real Radist.
LIVE_NO_CONTROL_PLANE = "Live mode: the control plane (/_radist/) needs the fake."  # 404 [fake]
LIVE_UNREACHABLE = "Live mode: could not reach {url}: {reason}"  # 502 [fake]
LIVE_ANSWER_TOO_LARGE = "Live mode: {url} answered too much: {reason}"  # 502 [fake]
FAKE_ONLY = "live mode: {control} needs the fake"  # the skip reason of a test

#: Refusals of a signaling connect, in the order they are checked
#: (radist-api.md 6.2): the model's reason -> (status, reason word, message).
#: The socket is closed with code ``4000 + status``.
SOCKET_REFUSALS: dict[str, tuple[int, str, str]] = {
    "invalid_key": (401, "invalid_key", INVALID_PUBLIC_KEY),
    "bad_request": (400, "bad_request", MISSING_PARAMETERS),
    "unknown": (404, "unknown", TOKEN_NOT_FOUND),
    "wrong_project": (404, "unknown", TOKEN_NOT_FOUND),
    "terminated": (410, "terminated", CALL_TERMINATED),
    "consumed": (409, "consumed", TOKEN_USED),
    "expired": (410, "expired", TOKEN_EXPIRED),
    "cleared": (409, "cleared", TOKEN_CLEARED),
    "full": (409, "full", CALL_FULL),
    "room_full": (409, "full", ROOM_FULL),
    "peer_unknown": (404, "unknown", PEER_NOT_FOUND),
    "gone": (404, "unknown", PEER_NOT_FOUND),
    "reconnect_token": (401, "reconnect_token", INVALID_RECONNECT_TOKEN),
}


def socket_reason(status: int) -> str:
    """The ``reason`` word of an error frame for a status (a fault's)."""
    return next((word for code, word, _ in SOCKET_REFUSALS.values() if code == status), "error")


_SOCKET_FAULTS = {400: MISSING_PARAMETERS, 401: INVALID_PUBLIC_KEY, 404: TOKEN_NOT_FOUND, 409: TOKEN_USED}

#: The documented body for each (endpoint, status) pair that Radist can
#: answer with, used by fault injection to fabricate a faithful error. The
#: ``"*"`` row holds the errors every endpoint can give.
DOCUMENTED_ERRORS: dict[str, dict[int, str]] = {
    "*": {401: MISSING_BEARER, 400: INVALID_JSON_BODY, 404: NOT_FOUND, 405: METHOD_NOT_ALLOWED},
    "create_call": {400: INVALID_ACCESS_CONTROL, 401: INVALID_SECRET_KEY, 429: CONNECTION_LIMIT},
    "list_calls": {400: INVALID_PAGE, 401: INVALID_SECRET_KEY},
    "mint_call_token": {401: INVALID_SECRET_KEY, 404: CALL_NOT_FOUND, 409: CALL_FULL, 410: CALL_TERMINATED},
    "mint_call_token_public": {
        401: INVALID_PUBLIC_KEY,
        403: CALL_PRIVATE,
        404: CALL_NOT_FOUND,
        409: CALL_FULL,
        410: CALL_TERMINATED,
    },
    "create_room": {401: INVALID_SECRET_KEY, 429: CONNECTION_LIMIT},
    "mint_room_token": {401: INVALID_SECRET_KEY, 404: ROOM_NOT_FOUND},
    "create_space": {400: NAME_REQUIRED, 401: INVALID_SECRET_KEY, 409: SLUG_TAKEN},
    "list_spaces": {401: INVALID_SECRET_KEY},
    "update_space": {400: INVALID_SLUG, 401: INVALID_SECRET_KEY, 404: SPACE_NOT_FOUND, 409: SLUG_TAKEN},
    "delete_space": {401: INVALID_SECRET_KEY, 404: SPACE_NOT_FOUND},
    "rotate_space_host_token": {401: INVALID_SECRET_KEY, 404: SPACE_NOT_FOUND},
    # what a fault with that status makes a signaling socket say [fake]
    "p2p_signaling": {**_SOCKET_FAULTS, 410: CALL_TERMINATED},
    "room_signaling": {**_SOCKET_FAULTS, 410: TOKEN_EXPIRED},
}


def documented_error(endpoint: str, status: int) -> str:
    """The body Radist gives for ``status`` on ``endpoint``, or a generic one."""
    specific = DOCUMENTED_ERRORS.get(endpoint, {})
    if status in specific:
        return specific[status]
    if status in DOCUMENTED_ERRORS["*"]:
        return DOCUMENTED_ERRORS["*"][status]
    return f"Simulated error {status}."


class RadistFakeError(Exception):
    """Base class of every exception pytest-radist raises."""


class ApiError(RadistFakeError):
    """An error answer of the Radist API: an HTTP status and its message
    (and, for a refused signaling socket, the ``reason`` word of its frame)."""

    def __init__(self, status: int, message: str, reason: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.message!r})"


class FakeOnly(RadistFakeError):
    """A control that only the fake has (faults, the clock, simulated peers,
    scenarios, state views, limits) was used in live mode."""


class JoinRefused(RadistFakeError):
    """A simulated participant could not join (or rejoin) a call, room or space.

    ``reason`` is a short machine-readable word (``unknown``, ``consumed``,
    ``expired``, ``cleared``, ``terminated``, ``wrong_project``, ``full``,
    ``reconnect_token``, ``connected``, ``password``, ``knock``,
    ``host_token``); the message says what happened and what to do.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
