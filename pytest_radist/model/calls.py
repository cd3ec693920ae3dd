"""P2P calls and SFU rooms: creating them, listing calls, minting tokens."""

from __future__ import annotations

from typing import Any

from .. import errors as E
from .clock import iso
from .entities import ACCESS_CONTROLS, Call, Project, Room, Token
from .state import MAX_PEERS_PER_CALL, WorldState


class CallRules(WorldState):
    """The rules of calls and rooms (radist-api.md 3 and 4)."""

    # -- P2P calls ----------------------------------------------------------

    def create_call(self, project: Project, access_control: Any = "private") -> Call:
        if access_control not in ACCESS_CONTROLS or not isinstance(access_control, str):
            raise E.ApiError(400, E.INVALID_ACCESS_CONTROL, why=E.WHY_ACCESS_CONTROL.format(value=access_control))
        with self.lock:
            self.settle()
            limit = project.connection_limit
            if limit is not None and project.live_calls >= limit:
                raise E.ApiError(429, E.CONNECTION_LIMIT, why=E.WHY_CONNECTION_LIMIT.format(
                    project=project.id, live=project.live_calls, limit=limit))
            now = project.clock.time()
            call = Call(self, self.ids.uuid(), project, access_control, now)  # type: ignore[arg-type]
            self.calls[call.id] = call
            project.call_list.append(call)
            project.live_calls += 1
            self._mint("call", call, "create", now)
            self._mint("call", call, "create", now)
            return call

    def list_calls(self, project: Project, page: int, limit: int) -> list[Call]:
        """Newest first; O(limit) whatever the number of calls."""
        with self.lock:
            self.settle()
            calls = project.call_list
            end = len(calls) - (page - 1) * limit
            if end <= 0:
                return []
            return calls[max(0, end - limit):end][::-1]

    def mint_call_token(self, project: Project, call_id: str, *, public: bool) -> Token:
        with self.lock:
            self.settle()
            call = self.calls.get(call_id)
            if call is None or call.project is not project:
                raise E.ApiError(404, E.CALL_NOT_FOUND, why=E.WHY_NO_CALL.format(call=call_id, project=project.id))
            if call._tombstoned is not None:
                raise E.ApiError(410, E.CALL_TERMINATED, why=E.WHY_TOMBSTONED.format(call=call.id, at=iso(call._tombstoned)))
            if public and call.access_control == "private":
                raise E.ApiError(403, E.CALL_PRIVATE, why=E.WHY_PRIVATE.format(call=call.id))
            if len(call.connected_peers) >= MAX_PEERS_PER_CALL:
                raise E.ApiError(409, E.CALL_FULL, why=E.WHY_CALL_FULL.format(
                    call=call.id, peers=", ".join(p.id for p in call.connected_peers)))
            return self._mint("call", call, "public" if public else "server")

    # -- SFU rooms ----------------------------------------------------------

    def create_room(self, project: Project) -> Room:
        with self.lock:
            if project.room_limit is not None and project.room_count >= project.room_limit:
                raise E.ApiError(429, E.CONNECTION_LIMIT, why=E.WHY_ROOM_LIMIT.format(
                    project=project.id, count=project.room_count, limit=project.room_limit))
            room = self._new_room(project)
            project.room_count += 1
            self._mint("room", room, "create")
            self._mint("room", room, "create")
            return room

    def mint_room_token(self, project: Project, room_id: str) -> Token:
        with self.lock:
            room = self.rooms.get(room_id)
            if room is None or room.project is not project:
                raise E.ApiError(404, E.ROOM_NOT_FOUND, why=E.WHY_NO_ROOM.format(room=room_id, project=project.id))
            return self._mint("room", room, "server")

