"""Every message pytest-radist gives, in one place (as fakeredis keeps all
of Redis's in one file).

Each message of the Radist API is reproduced byte for byte from
``radist-api.md``; the comment beside it says whether Radist documents it
([doc]) or whether it is an assumption of the fake ([fake]). The messages
of the fake's own tools (a refused join, the control plane, misuse of the
Python API) say what happened and what to do. The exceptions that carry
them are in :mod:`pytest_radist.errors`.
"""

from __future__ import annotations


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
# the rules at the edge (doors/http_rules.py, RFC 9110 and 9112), all [fake]
HOST_MISSING = "Missing Host header: an HTTP/1.1 request must carry exactly one."  # 400
HOST_REPEATED = "More than one Host header: send exactly one."  # 400
HOST_INVALID = "Invalid Host header: expected host[:port]."  # 400
BAD_HEADER_NAME = "Invalid header name: a header name is a token (RFC 9110 5.1)."  # 400
BAD_HEADER_VALUE = "Invalid value of header {name}: control characters are not allowed."  # 400
TRANSFER_ENCODING_UNSUPPORTED = "Unsupported Transfer-Encoding: only chunked is accepted."  # 400
REQUEST_TIMEOUT = "Request not received in time: send the whole request within {limit} seconds."  # 408 [fake]
SERVICE_RESTARTING = "Service restarting: try again shortly."  # 503 (a socket: 4503) [fake]: scenarios/server_restart
NO_FAKE_ATTACHED = "No fake is attached to this server."  # 503 [fake]: between tests, not bad input
#: The loopback server waited for the state's lock (``with fake.lock:`` around a request to the server): a 503.
STATE_LOCK_HELD = ("the state's lock (fake.lock) was held for over {seconds:g} s while the loopback server waited to "
                   "answer {method} {path}: the server answers on one thread, so release the lock before a request to it "
                   "(hold it only to read several views at once)")
#: An error answer that messages.answerable_errors (docs/rest.md, openapi.json) does not list: a bug of the fake.
UNLISTED_ERROR = ("the fake answered {endpoint} with {status} {error!r}, which docs/rest.md and openapi.json do not "
                  "list for it (a bug of pytest-radist: messages.answerable_errors is the one list)")
#: A bug of the loopback server's own code: the 500's error, and the problem a strict fake reports.
DOOR_INTERNAL_ERROR = "internal error in the HTTP front door: {kind}: {error}"

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
CONTROL_ORIGIN_REFUSED = ("A page at {origin} may not change the control plane's state: start radist-fake with "
                          "--control-origin {origin} to allow it.")  # 403 [fake]
CONTROL_TOKEN_NEEDED = "The control plane needs 'Authorization: Bearer <control token>' (radist-fake --control-token)."  # 401 [fake]
SECRET_CORS = "Secret-key endpoints answer no CORS: the secret key must stay on the backend."  # 403 [fake]

# Live mode (pytest --radist-live): the doors forward to a real Radist.
LIVE_NO_CONTROL_PLANE = "Live mode: the control plane (/_radist/) needs the fake."  # 404 [fake]
#: Live mode: a request target that is not a path (``OPTIONS *``) names nothing of the service's to forward to.
LIVE_NOT_A_PATH = "Not forwarded: the request target {target!r} is not a path of the Radist API (live mode forwards paths under /api/v1)."
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

#: Every other error an endpoint answers, beside the one per status above
#: that a fault fabricates. With that table, the one source of what the fake
#: may answer (:func:`answerable_errors`): the OpenAPI description, the REST
#: reference and Hypothesis's ``error_responses()`` are made from it, and the
#: fake reports an error answer it does not list as a problem of its own.
MORE_ERRORS: dict[str, dict[int, tuple[str, ...]]] = {
    "list_calls": {400: (INVALID_LIMIT,)},
    "create_space": {400: (INVALID_ACCESS_TYPE, PASSWORD_REQUIRED, INVALID_PASSWORD, INVALID_SLUG)},
    "update_space": {400: (NAME_REQUIRED, INVALID_ACCESS_TYPE, PASSWORD_REQUIRED, INVALID_PASSWORD)},
}


def answerable_errors(endpoint: str) -> dict[int, tuple[str, ...]]:
    """Every ``{"error": message}`` the fake answers on ``endpoint`` (a REST
    one), by status: what the docs list and the answers are checked against."""
    found: dict[int, list[str]] = {401: [MISSING_BEARER]}
    for status, message in DOCUMENTED_ERRORS.get(endpoint, {}).items():
        found.setdefault(status, []).append(message)
    found.setdefault(400, []).append(INVALID_JSON_BODY)  # any request may carry a body that is not a JSON object
    found.setdefault(503, []).append(SERVICE_RESTARTING)  # while a test restarts the service (server_restart)
    for status, messages in MORE_ERRORS.get(endpoint, {}).items():
        found.setdefault(status, []).extend(messages)
    return {status: tuple(dict.fromkeys(messages)) for status, messages in sorted(found.items())}


def documented_error(endpoint: str, status: int) -> str:
    """The body Radist gives for ``status`` on ``endpoint``, or a generic one."""
    specific = DOCUMENTED_ERRORS.get(endpoint, {})
    if status in specific:
        return specific[status]
    if status in DOCUMENTED_ERRORS["*"]:
        return DOCUMENTED_ERRORS["*"][status]
    return f"Simulated error {status}."

# -- why a request was refused: the journal's "why" and the test's report, never an answer --
WHY_NO_ROUTE = "no route of the Radist API matches {method} {path}"
WHY_METHOD = "{endpoint} takes {allowed}, not {method}"
WHY_NO_BEARER = "no 'Authorization: Bearer <key>' header"
WHY_BAD_SECRET_KEY = "key {key} is not a secret key of project {project!r}"
WHY_BAD_PUBLIC_KEY = "key {key} is not any project's public key"
WHY_NOT_AN_OBJECT = "the body is not a JSON object"
WHY_BAD_QUERY = "query parameter {name}={value!r} is not a whole number from 1"
WHY_ACCESS_CONTROL = "accessControl {value!r} is neither 'public' nor 'private'"
WHY_CONNECTION_LIMIT = "project {project!r} has {live} live call(s), its connection limit of {limit}"
WHY_ROOM_LIMIT = "project {project!r} has {count} room(s), its room limit of {limit}"
WHY_NO_CALL = "no call {call!r} in project {project!r}"
WHY_TOMBSTONED = "call {call} was tombstoned at {at} when its last peer left"
WHY_PRIVATE = "call {call} is private: the public-key mint refuses it (mint with the secret key)"
WHY_CALL_FULL = "call {call} has its two peers connected ({peers}): at most two"
WHY_NO_ROOM = "no room {room!r} in project {project!r}"
WHY_NO_SPACE = "no space {space!r} in project {project!r}"
WHY_BAD_SLUG = "slug {slug!r} must match ^[a-z0-9]+(-[a-z0-9]+)*$ and be at most 64 characters"
WHY_SLUG_TAKEN = "slug {slug!r} belongs to space {space} of project {project!r}"
WHY_NAME = "name {name!r} is missing, not a string, or blank"
WHY_ACCESS_TYPE = "accessType {value!r} is not 'public', 'password' or 'knock'"
WHY_PASSWORD_TYPE = "password is {kind}, not a string"
WHY_PASSWORD_NEEDED = "a password space needs a password, and this one has none"
WHY_RESTARTING = "the service is restarting (scenarios.server_restart) for {left:.1f} s more"
WHY_FAULT = "{id} ({description})"
WHY_SOCKET_PARAMETERS = "the socket sent {sent}: it needs {token} alone, or {session}, peerId and reconnectToken together"
WHY_SOCKET_UNKNOWN = "{token} is not a {kind} token this fake minted"
WHY_SOCKET_NO_PEER = "no peer {peer!r} in {kind} {session!r} of this project"
WHY_SOCKET_TERMINATED = "call {call} was tombstoned at {at}: a reconnect token only works while the call is live"

# -- a simulated participant turned away (JoinRefused): what happened, what to do --
JOIN_UNKNOWN_TOKEN = ("token {token!r} was never minted by this fake: pass a participant token (ct_...) "
                      "from create_call/create_room or a mint, not a call or room id")
JOIN_WRONG_PROJECT = ("token {token} belongs to project {project!r}, which public key {key}... does not open: "
                      "join with that project's public key")
JOIN_TERMINATED = "call {call} was tombstoned at {at} when its last peer left: create a new call"
JOIN_CONSUMED = "token {token} was consumed at {at} by {peer}: tokens are single-use, mint a new one"
JOIN_EXPIRED = "token {token} expired unused at {at:%Y-%m-%dT%H:%M:%SZ} (TTL {ttl} s): mint a replacement"
JOIN_CLEARED = ("token {token} was cleared when both peers of call {call} connected: at most two peers, "
                "mint again after one leaves")
JOIN_INVALID_KEY = "publicKey must be a project's public key (rad_pk_...); a secret key must never reach a browser"
JOIN_CALL_FULL = "call {call} already has two connected peers"
JOIN_ROOM_FULL = "room {room} is at its participant cap of {cap}"
RECONNECT_TERMINATED = "call {call} has been terminated: a reconnect token only works while the call is live"
RECONNECT_GONE = "{peer} left for good (it sent leave, or the test removed it): join with a new token"
RECONNECT_ROOM_CLOSED = "the room that backed space {slug!r} closed when its last participant left: join the space again"
RECONNECT_WRONG_TOKEN = "that reconnect token is not the current one of {peer}: it rotates on every reconnect"
RECONNECT_CONNECTED = "{peer} is still connected: call leave() before reconnect()"
SPACE_DELETED = "space {space} has been deleted"
SPACE_HOST_TOKEN = "host token {token!r} is not the current host token of space {slug!r}: it stops working when rotated"
SPACE_PASSWORD = "wrong password for space {slug!r}"
SPACE_KNOCK = "space {slug!r} is knock-only: a host must be in the space and approve (approved=True)"
SCENARIO_TTL_ZERO = ("{scenario}() joins the call's tokens, but the token TTL is {ttl} s: they expire as they are "
                     "minted. Set the token TTL above 0 (or to none) first.")

# -- misuse of the Python API (NotFound, InvalidValue, Conflict) -------------------------
NO_SUCH_PROJECT = "no project {project!r}; known: {known}"
NO_SUCH_TOKEN = "no token {token!r} was minted by this fake"
NO_SUCH_PEER = "no peer {peer!r}; peers are named peer_... (see fake.peers)"
NO_SUCH_SPACE = "no space with id or slug {space!r}"
NO_SUCH_SESSION = "no call or room {session!r}"
CONTROL_ANSWER_RENAMED = "the answer field {old!r} of {what} is deprecated and will be removed in 0.3.0: read {new!r}"
CONTROL_FIELD_RENAMED = "the field {old!r} is deprecated and will be removed in 0.3.0: use {new!r}"
NO_SUCH_FAULT = "no fault rule {id!r}; the rules are: {there} (fake.faults, GET /_radist/faults)"
PROJECT_ID_EMPTY = "project id must be a non-empty string, got {value!r}"
PROJECT_TAKEN = "project {project!r} already exists; pick another id"
KEY_FORMAT = "a key of this kind must look like {prefix}..., got {value!r}"
KEY_TAKEN = "key {key!r} already belongs to project {project!r}"
TOKEN_NOT_PENDING = "token {token} is {state}, only a pending token can expire"
MINTED_BY = "minted_by is 'create', 'server' or 'public', got {value!r}"
RESET_PROJECT_ALONE = "reset(project=...) resets that tenant alone: state= and seed= are for the whole fake"
DEFAULT_PROJECT_STAYS = "project {project!r} is the fake's default project: it cannot be removed (reset it with reset(project=...))"
RESET_SEED_NEEDS_STATE = "seed= restarts the ids of a state reset: pass state=True with it"
ROOMS_NEVER_END = "{room!r} is a room: rooms are never tombstoned"
ERROR_NEEDS_STATUS = "error= needs status=: say which status carries that message"
DISRUPT_MODE = "mode must be 'drop', 'freeze' or 'close', got {mode!r}"
DISRUPT_SECONDS = "a freeze needs seconds between 0 and {limit}, got {seconds!r}"
DISRUPT_ONLY_FREEZE = "seconds is for a freeze; {mode!r} takes none"
DISRUPT_CODE = "a close needs a code a server sends: {codes} or 4000-4999, got {code!r}"
DISRUPT_ONLY_CLOSE = "code is for a close; {mode!r} takes none"
DISRUPT_NOT_CONNECTED = "{peer} is not connected: only a connected peer can be disrupted"
DISRUPT_NO_SOCKET = "{peer} is a simulated peer with no socket to freeze (drop or close disconnect it)"
RESTART_SECONDS = "a restart refuses for seconds between 0 and {limit}, got {seconds!r}"
SEQUENCE_NEEDS_ANSWERS = "sequence() needs at least one answer: a status (429), a dict of add()'s arguments, or None (the real answer)"
SEQUENCE_BAD_ANSWER = "answer {place} of the sequence, {answer!r}, is not one fault.add() takes: {reason}"

# -- snapshots and state files (model/snapshot.py, state_file.py), in JSON terms -------------
SNAPSHOT_NOT_OBJECT = "a snapshot is a JSON object (as fake.snapshot() and GET /_radist/snapshot give it), got {got}"
SNAPSHOT_NO_FORMAT = 'a snapshot starts with its "format", a whole number >= 1, got {got!r}: is this a snapshot?'
SNAPSHOT_TOO_NEW = ("this snapshot is format {found}, written by a newer pytest-radist; this one reads formats 1 to "
                    "{newest}: upgrade pytest-radist to read it")
SNAPSHOT_MISSING = "the snapshot is damaged: {where} is missing"
SNAPSHOT_BAD_TABLE = '{where} of the snapshot is damaged: a table is {{"columns": [...], "defaults": {{...}}, "rows": [...]}}'
SNAPSHOT_COLUMNS = "{where} of the snapshot has the columns {got}; format 1 has {wanted}"
SNAPSHOT_BAD_ROW = "the snapshot is damaged: {where} is not a list of at most {columns} values"
SNAPSHOT_BAD_VALUE = "the snapshot is damaged: {where} must be {wanted}, got {got}"
SNAPSHOT_DUPLICATE = 'the snapshot is damaged: {where} repeats the {column} "{value}"'
SNAPSHOT_TOKEN_TARGET = 'the snapshot is damaged: {where} names neither a call nor a room, or both (one of "call" and "room")'
SNAPSHOT_PEER_SESSION = 'the snapshot is damaged: {where} is in neither a call nor a room, or in both (one of "call" and "room")'
SNAPSHOT_PROJECT = "the snapshot is damaged: {where}: {reason}"
SNAPSHOT_GRACE = "grace is the seconds a restored peer has to reconnect, a number >= 0, got {grace!r}"
STATE_FILE_UNREADABLE = "cannot read the state file {path}: {reason}"
STATE_FILE_NOT_JSON = "the state file {path} is not JSON (line {line}, column {column}: {reason}); it was left as it is"
STATE_FILE_REFUSED = "the state file {path} was not loaded, and was left as it is: {reason}"
STATE_FILE_UNWRITABLE = "cannot save the state to {path}: {reason}"
STATE_SAVE_STUCK = "a save of the state to {path} took over {seconds} s and was stopped; the last save stays, the next one follows"
STATE_FILE_IN_USE = ("the state file {path} is in use by another radist-fake (still so after {seconds} s): "
                     "stop it, or give this one another --state")

# -- media peers (media/), the optional extra ------------------------------------------------
EXTRA_INSTALL = "pip install 'pytest-radist[{extra}]'"
MEDIA_EXTRA_MISSING = "media peers need the media extra (aiortc, PyAV), and {missing} is missing: " + EXTRA_INSTALL.format(extra="media")
MEDIA_REFUSED = "the media peer's socket was refused: {reason} ({error})"
CONTROL_EXTRA_MISSING = "This route needs the {extra} extra, not installed where radist-fake runs: " + EXTRA_INSTALL + "."
CONTROL_NO_MEDIA_PEER = 'No media peer "{id}"; the media peers are: {known}.'

# -- the control plane (/_radist/), in HTTP terms: fields and values ------------------------
CONTROL_NOT_FOUND = "Not found. The control plane has: {listing}."
CONTROL_METHOD = "Method not allowed: {path} takes {allowed}."
CONTROL_NOT_AN_OBJECT = "Invalid JSON body: send a JSON object."
CONTROL_FIELD_TYPE = '"{field}" must be {wanted}, got {got}.'
CONTROL_FIELD_PATTERN = '"{field}" must match {pattern}, got {got}.'
CONTROL_UNKNOWN_FIELD = 'Unknown field "{field}".{hint} {route} takes: {accepted}.'
CONTROL_FIELD_REQUIRED = '"{field}" is required: {doc}.'
CONTROL_NO_PROJECT = 'No project "{project}"; the projects are: {known}.'
CONTROL_RESET_PROJECT_ALONE = '"project" resets that tenant alone: leave out "state" and "seed".'
CONTROL_SEED_NEEDS_STATE = '"seed" restarts the ids of a state reset: send "state": true with it.'
CONTROL_NO_SPACE = 'No space with id or slug "{space}".'
CONTROL_NO_PEER = 'No peer "{peer}": peers are named peer_... (GET /_radist/state lists them).'
CONTROL_NO_TOKEN = 'No token "{token}" was minted by this fake.'
CONTROL_CLOCK_ONE_OF = 'Send either "advance" (seconds) or "set" (an ISO 8601 time such as "2026-01-01T00:00:00Z").'
CONTROL_CLOCK_PAST_END = '"advance" would move the clock past 9999-12-31T23:59:59Z; it is {now}.'
CONTROL_CLOCK_NOT_ISO = '"set" must be an ISO 8601 time such as "2026-01-01T00:00:00Z", got "{got}".'
CONTROL_CLOCK_NO_ZONE = '"set" needs a time zone: end it with "Z" (UTC) or an offset such as "+02:00".'
CONTROL_CLOCK_RANGE = '"set" must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.'
CONTROL_BAD_FAULT = "Invalid fault: {reason}."
CONTROL_REFUSED = "{reason}."
CONTROL_SNAPSHOT = '"snapshot" was not restored, and nothing changed: {reason}.'
