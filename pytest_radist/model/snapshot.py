"""A world as a plain JSON value, and back: what ``fake.snapshot()`` gives,
``fake.restore()`` takes, and ``radist-fake --state`` keeps in its file.

The value is versioned (:data:`FORMAT`) and self-describing: each table
(projects, calls, rooms, spaces, tokens, peers) names its columns, and its
rows are JSON arrays in that order, in the order the state holds them (a
100,000-call state is a file of about 180 bytes per call, which objects
with their keys repeated could not be). A row may stop early: the columns
it leaves out take the table's ``defaults``. A reference to another row
(a token's call, a peer's room, a space's active room) is that row's number
in its table, counting from 0.

Reading is strict: every value is checked, and anything wrong is a
:class:`~pytest_radist.errors.SnapshotError` naming where (``calls row 12,
column "created"``) and what, so a damaged file is refused, never half
loaded. No HTTP here, and nothing of the fake's test controls (journal,
faults): they are not state.
"""

from __future__ import annotations

import gc
import math
import random
import re
from contextlib import contextmanager
from itertools import repeat, zip_longest
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Optional, Sequence

from .. import messages as M
from ..errors import SnapshotError
from ..settings import URL_PATTERN
from .clock import MAX_EPOCH, MIN_EPOCH, Clock
from .entities import ACCESS_CONTROLS, ACCESS_TYPES, Call, Peer, Project, Room, Space, Token
from .ids import IdFactory
from .world import World

#: The format this version writes (and the newest it reads).
FORMAT = 1
#: Seconds of its project's clock a peer restored while connected has to
#: come back with its reconnect token (it is *away*: its seat held) [fake].
RESTORE_GRACE = 60.0

_NONE = object()  # a column without a default: every row gives it
#: A token's expiry when its row leaves it out: its creation plus the snapshot's ``tokenTtl``.
TOKEN_EXPIRY = "created+tokenTtl"

Check = Callable[[Any], bool]
ColumnCheck = Callable[[Sequence[Any]], bool]


class Column(NamedTuple):
    name: str
    #: What a value must be: a key of :data:`KINDS`, ``ref:<table>``, ``prefix:<text>`` or ``choice:<a>|<b>``.
    kind: str
    default: Any = _NONE
    nullable: bool = False


def _texts(values: Sequence[Any]) -> bool:
    return set(map(type, values)) <= {str} and "" not in values


def _numbers(values: Sequence[Any]) -> bool:
    return set(map(type, values)) <= {float, int} and all(map(math.isfinite, values))


def _times(values: Sequence[Any]) -> bool:  # NaN fails too: min and max of finite numbers only
    return _numbers(values) and (not values or (min(values) >= MIN_EPOCH and max(values) <= MAX_EPOCH))


def _wholes(values: Sequence[Any]) -> bool:
    return set(map(type, values)) <= {int} and (not values or min(values) >= 0)


def _bools(values: Sequence[Any]) -> bool:
    return set(map(type, values)) <= {bool}


def _secret_keys(values: Sequence[Any]) -> bool:
    return set(map(type, values)) <= {list} and all(values) and all(
        type(k) is str and k.startswith("rad_sk_") and len(k) > 7 for keys in values for k in keys)


#: Each kind of value: the check of a column of them, and what one is in words (for the refusal).
KINDS: dict[str, tuple[ColumnCheck, str]] = {
    "text": (_texts, "a non-empty string"),
    "time": (_times, "a time in seconds since 1970, between the years 1 and 9999"),
    "number": (_numbers, "a finite number"),
    "whole": (_wholes, "a whole number >= 0"),
    "bool": (_bools, "true or false"),
    "secret keys": (_secret_keys, "a non-empty list of secret keys (rad_sk_...)"),
}


def _is_time(v: Any) -> bool:
    return _times([v])


def _is_number(v: Any) -> bool:
    return _numbers([v])


def _is_whole(v: Any) -> bool:
    return _wholes([v])


def _is_text(v: Any) -> bool:
    return _texts([v])


#: Each table's columns, in row order.
TABLES: dict[str, tuple[Column, ...]] = {
    "projects": (Column("id", "text"), Column("secretKeys", "secret keys"), Column("publicKey", "prefix:rad_pk_"),
                 Column("connectionLimit", "whole", None, True), Column("roomLimit", "whole", None, True),
                 Column("clockShift", "number", 0), Column("roomCount", "whole", 0),
                 Column("closedParticipantSeconds", "whole", 0)),
    "calls": (Column("id", "text"), Column("created", "time"), Column("project", "ref:projects", 0),
              Column("accessControl", "choice:" + "|".join(ACCESS_CONTROLS), "private"),
              Column("tombstoned", "time", None, True), Column("tombstoneDue", "time", None, True)),
    "spaces": (Column("id", "text"), Column("slug", "text"), Column("name", "text"),
               Column("accessType", "choice:" + "|".join(ACCESS_TYPES)), Column("hostToken", "prefix:ht_"),
               Column("created", "time"), Column("updated", "time"), Column("project", "ref:projects", 0),
               Column("password", "text", None, True), Column("activeRoom", "ref:rooms", None, True),
               Column("deleted", "bool", False)),
    "rooms": (Column("id", "text"), Column("created", "time"), Column("project", "ref:projects", 0),
              Column("participantCap", "whole", None, True), Column("space", "ref:spaces", None, True)),
    # created: null for its call's or room's own creation time (most tokens are minted with it)
    "tokens": (Column("value", "prefix:ct_"), Column("call", "ref:calls", None, True),
               Column("expires", "time", TOKEN_EXPIRY, True), Column("room", "ref:rooms", None, True),
               Column("mintedBy", "choice:create|server|public", "create"), Column("created", "time", None, True),
               Column("state", "choice:pending|consumed|cleared", "pending"), Column("consumed", "time", None, True),
               Column("peer", "prefix:peer_", None, True)),
    "peers": (Column("id", "prefix:peer_"), Column("call", "ref:calls", None, True), Column("room", "ref:rooms", None, True),
              Column("token", "ref:tokens", None, True), Column("reconnectToken", "prefix:rt_"),
              Column("connectedSince", "time"), Column("joined", "time"), Column("left", "time", None, True),
              Column("connected", "bool", True), Column("host", "bool", False), Column("gone", "bool", False)),
}


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: building or reading 100,000s of
    objects at once would set it off again and again, for nothing to collect
    (it halves a large restore)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _table(name: str, rows: Iterable[list[Any]]) -> dict[str, Any]:
    """A table of ``rows``, each cut after its last value that is not its
    column's default (the columns of a table hold one type each, so
    equality is enough)."""
    columns = TABLES[name]
    defaults = [c.default for c in columns]
    required = max((i + 1 for i, c in enumerate(columns) if c.default is _NONE), default=0)
    width = len(columns)
    out = []
    for row in rows:
        for end in range(required, width + 1):
            if row[end:] == defaults[end:]:
                break
        out.append(row[:end] if end < width else row)
    return {"columns": [c.name for c in columns],
            "defaults": {c.name: c.default for c in columns if c.default is not _NONE},
            "rows": out}


# -- writing -------------------------------------------------------------------


def snapshot(world: World, *, default_project: str, seed: int, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The whole state of ``world`` as a JSON value (taken under its lock):
    its projects with their keys, limits, clocks and meters, its calls,
    rooms, spaces (and deleted spaces a room still belongs to), tokens in
    mint order, peers, the clock, the id generator's position, and
    ``settings`` (the fake's, by their JSON names)."""
    with world.lock, _no_gc():
        projects = list(world.projects.values())
        project_index = {p.id: i for i, p in enumerate(projects)}
        rooms = list(world.rooms.values())
        spaces = list(world.spaces.values())
        listed = {id(s) for s in spaces}
        for room in rooms:  # a room outlives its space's deletion: keep what it belongs to
            if room.space is not None and id(room.space) not in listed:
                listed.add(id(room.space))
                spaces.append(room.space)
        call_index = {call_id: i for i, call_id in enumerate(world.calls)}
        room_index = {room.id: i for i, room in enumerate(rooms)}
        space_index = {id(s): i for i, s in enumerate(spaces)}
        tokens = world.tokens
        token_index = {value: i for i, value in enumerate(tokens)}
        ttl = world.token_ttl
        version, internal, gauss = world.ids._rng.getstate()
        return {
            "format": FORMAT,
            "seed": seed,
            "random": [version, list(internal), gauss],
            "clock": world.clock.reading(),
            "defaultProject": default_project,
            "settings": dict(settings),
            "projects": _table("projects", (
                [p.id, list(p.secret_keys), p.public_key, p.connection_limit, p.room_limit, p.clock.shift,
                 p.room_count, p.closed_participant_seconds] for p in projects)),
            "calls": _table("calls", (
                [c.id, c.created, project_index[c.project.id], c.access_control, c._tombstoned, c.tombstone_due]
                for c in world.calls.values())),
            "spaces": _table("spaces", (
                [s.id, s.slug, s.name, s.access_type, s.host_token, s.created, s.updated, project_index[s.project.id],
                 s.password, None if s.active_room is None else room_index[s.active_room.id],
                 world.spaces.get(s.id) is not s] for s in spaces)),
            "rooms": _table("rooms", (
                [r.id, r.created, project_index[r.project.id], r.participant_cap,
                 None if r.space is None else space_index[id(r.space)]] for r in rooms)),
            "tokens": _table("tokens", (
                [t.value, call_index[t.target_id], _expiry(t.created, t.expires, ttl), None, t.minted_by,
                 None if t.created == world.calls[t.target_id].created else t.created, t._state, t.consumed, t.peer_id]
                if t.kind == "call" else
                [t.value, None, _expiry(t.created, t.expires, ttl), room_index[t.target_id], t.minted_by,
                 None if t.created == world.rooms[t.target_id].created else t.created, t._state, t.consumed, t.peer_id]
                for t in tokens.values())),
            "peers": _table("peers", (
                [p.id, call_index.get(p.session.id) if isinstance(p.session, Call) else None,
                 room_index[p.session.id] if isinstance(p.session, Room) else None,
                 None if p.token is None else token_index[p.token.value], p.reconnect_token, p.connected_since,
                 p.joined, p.left, p.connected, p.is_host, p.gone] for p in world.peers.values())),
        }


def _expiry(created: float, expires: Optional[float], ttl: Optional[float]) -> Any:
    """A token's expiry as its row holds it: left to the default when it is
    its creation plus the TTL (computed as the mint computed it)."""
    if expires is None:
        return TOKEN_EXPIRY if ttl is None else None
    return TOKEN_EXPIRY if ttl is not None and created + ttl == expires else expires


# -- reading -------------------------------------------------------------------


class _Reader:
    """Reads one snapshot's header fields and tables, checking every value."""

    def __init__(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise SnapshotError(M.SNAPSHOT_NOT_OBJECT.format(got=type(data).__name__))
        self.data = data
        self.sizes: dict[str, int] = {}

    def field(self, name: str, check: Callable[[Any, str], Any]) -> Any:
        if name not in self.data:
            raise SnapshotError(M.SNAPSHOT_MISSING.format(where=f'field "{name}"'))
        return check(self.data[name], f'field "{name}"')

    def table(self, name: str) -> Iterator[tuple[Any, ...]]:
        """The rows of table ``name``, each as wide as the table (its
        defaults filled in), every value checked, column by column."""
        table = self.data.get(name)
        where = f'table "{name}"'
        if not isinstance(table, dict) or not isinstance(table.get("columns"), list) or not isinstance(table.get("rows"), list) \
                or not isinstance(table.get("defaults", {}), dict):
            raise SnapshotError(M.SNAPSHOT_BAD_TABLE.format(where=where))
        columns = TABLES[name]
        wanted = [c.name for c in columns]
        if table["columns"] != wanted:
            raise SnapshotError(M.SNAPSHOT_COLUMNS.format(where=where, got=table["columns"], wanted=wanted))
        given = table.get("defaults", {})
        width = len(columns)
        rows = table["rows"]
        if not set(map(type, rows)) <= {list} or (rows and max(map(len, rows)) > width):
            n = next(i for i, row in enumerate(rows) if type(row) is not list or len(row) > width)
            raise SnapshotError(M.SNAPSHOT_BAD_ROW.format(where=f"{name} row {n}", columns=width))
        # column by column: the checks run over whole columns (in C, mostly)
        values: list[Any] = list(zip_longest(*rows, fillvalue=_NONE)) if rows else [()] * width
        values += [(_NONE,) * len(rows)] * (width - len(values))
        for i, column in enumerate(columns):
            if _NONE in values[i]:  # the rows that stop before this column take its default
                default = given.get(column.name, _NONE)
                values[i] = [default if v is _NONE else v for v in values[i]]
            check = self._check(column)
            if not check(values[i]):
                n = next(n for n, value in enumerate(values[i]) if not check([value]))
                at = f'{name} row {n}, column "{column.name}"'
                if values[i][n] is _NONE:
                    raise SnapshotError(M.SNAPSHOT_MISSING.format(where=at))
                raise _bad(at, self._describe(column), values[i][n])
        key = values[0]
        if len(set(key)) != len(key):
            seen: set[Any] = set()
            n = next(n for n, value in enumerate(key) if value in seen or seen.add(value))  # type: ignore[func-returns-value]
            raise SnapshotError(M.SNAPSHOT_DUPLICATE.format(where=f"{name} row {n}", column=columns[0].name, value=key[n]))
        self.sizes[name] = len(rows)
        return zip(*values)

    def _size(self, name: str) -> int:
        """Rows of table ``name`` (read, or still to be read)."""
        if name in self.sizes:
            return self.sizes[name]
        table = self.data.get(name)
        return len(table["rows"]) if isinstance(table, dict) and isinstance(table.get("rows"), list) else 0

    def _check(self, column: Column) -> ColumnCheck:
        """The check of a whole column's values (one rule, whether it
        looks at a column or, to find the bad one, at a single value)."""
        kind, _, arg = column.kind.partition(":")
        check: ColumnCheck
        if kind == "ref":
            size = self._size(arg)

            def check(values: Sequence[Any]) -> bool:
                return set(map(type, values)) <= {int} and (not values or (min(values) >= 0 and max(values) < size))
        elif kind == "prefix":
            def check(values: Sequence[Any]) -> bool:
                return set(map(type, values)) <= {str} and all(map(str.startswith, values, repeat(arg))) \
                    and all(map(len(arg).__lt__, map(len, values)))
        elif kind == "choice":
            allowed = set(arg.split("|"))

            def check(values: Sequence[Any]) -> bool:
                return set(map(type, values)) <= {str} and set(values) <= allowed
        else:
            check = KINDS[kind][0]
        if column.name == "expires":
            times = check

            def check(values: Sequence[Any]) -> bool:
                return times([v for v in values if v != TOKEN_EXPIRY])
        if column.nullable:
            strict = check

            def check(values: Sequence[Any]) -> bool:
                return strict([v for v in values if v is not None] if None in values else values)
        return check

    def _describe(self, column: Column) -> str:
        kind, _, arg = column.kind.partition(":")
        if kind == "ref":
            size = self._size(arg)
            shown = f"the number of a row of {arg} (0 to {size - 1})" if size else f"a row of {arg}, which is empty"
        elif kind == "prefix":
            shown = f"a string starting {arg}"
        elif kind == "choice":
            shown = "one of " + ", ".join(f'"{c}"' for c in arg.split("|"))
        else:
            shown = KINDS[kind][1]
        if column.name == "expires":
            shown += f' or "{TOKEN_EXPIRY}"'
        return shown + (" or null" if column.nullable else "")


def _bad(where: str, wanted: str, got: Any) -> SnapshotError:
    shown = "(missing)" if got is _NONE else repr(got)
    return SnapshotError(M.SNAPSHOT_BAD_VALUE.format(where=where, wanted=wanted, got=shown if len(shown) <= 60 else shown[:57] + "..."))


def _text(value: Any, where: str) -> str:
    if not _is_text(value):
        raise _bad(where, "a non-empty string", value)
    return value  # type: ignore[no-any-return]


def _whole(value: Any, where: str) -> int:
    if not _is_whole(value):
        raise _bad(where, "a whole number >= 0", value)
    return value  # type: ignore[no-any-return]


def json_schema() -> dict[str, Any]:
    """What a snapshot is, as JSON Schema states it (the OpenAPI description
    of ``POST /_radist/restore``): its header fields and tables. What it
    cannot state (a row's references, ids unique) the reader checks."""
    table = {"type": "object", "required": ["columns", "rows"], "properties": {
        "columns": {"type": "array", "items": {"type": "string"}},
        "defaults": {"type": "object"},
        "rows": {"type": "array", "items": {"type": "array"}}}}
    return {"required": ["format", "seed", "random", "clock", "defaultProject", "settings", *TABLES],
            "properties": {"format": {"type": "integer", "minimum": 1}, "seed": {"type": "integer", "minimum": 0},
                           "random": {"type": "array"}, "clock": {"type": "object"},
                           "defaultProject": {"type": "string", "minLength": 1}, "settings": {"type": "object"},
                           **{name: table for name in TABLES}}}


def check_format(data: Any) -> int:
    """The format of a snapshot, refused when it is not one this version reads."""
    if not isinstance(data, dict):
        raise SnapshotError(M.SNAPSHOT_NOT_OBJECT.format(got=type(data).__name__))
    found = data.get("format")
    if isinstance(found, bool) or not isinstance(found, int) or found < 1:
        raise SnapshotError(M.SNAPSHOT_NO_FORMAT.format(got=found))
    if found > FORMAT:
        raise SnapshotError(M.SNAPSHOT_TOO_NEW.format(found=found, newest=FORMAT))
    return found


#: How a snapshot of an older format becomes one of the next (none yet: 1 is the first).
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def upgrade(data: Any) -> dict[str, Any]:
    """``data`` in the current format (an older one upgraded step by step)."""
    found = check_format(data)
    while found < FORMAT:
        data = UPGRADES[found](data)
        found += 1
    return data  # type: ignore[no-any-return]


def restore(data: Any, *, grace: float = RESTORE_GRACE,
            settings: Mapping[str, Any] = {}) -> tuple[World, dict[str, Any]]:
    """A new world holding the state ``data`` describes, on a clock of its
    own at the snapshot's time (:meth:`~.state.WorldState.adopt_clock` moves
    it onto another), and the header values the fake keeps itself
    (``seed``, ``defaultProject``, ``settings``: the snapshot's over the
    given ``settings``). Peers connected in the snapshot come back *away*
    for ``grace`` seconds of their project's clock. Raises
    :class:`~pytest_radist.errors.SnapshotError` for anything wrong, having
    changed nothing."""
    if isinstance(grace, bool) or not isinstance(grace, (int, float)) or not 0 <= grace <= MAX_EPOCH:
        raise SnapshotError(M.SNAPSHOT_GRACE.format(grace=grace))
    data = upgrade(data)
    read = _Reader(data)
    seed = read.field("seed", _whole)
    rng_state = read.field("random", _random_state)
    clock_reading = read.field("clock", _clock_state)
    settings = {**settings, **read.field("settings", _settings)}
    default_project = read.field("defaultProject", _text)

    ids = IdFactory(seed)
    ids._rng.setstate(rng_state)
    clock = Clock()
    clock.load(clock_reading)
    world = World(seed=seed, clock=clock, token_ttl=settings.get("tokenTtl", 3600.0),
                  reconnect_grace=settings.get("reconnectGrace", 0.0),
                  room_participant_cap=settings.get("roomParticipantCap"), ids=ids)
    with _no_gc():
        _fill(world, read)
    if default_project not in world.projects:
        raise _bad('field "defaultProject"', "the id of a project of the snapshot", default_project)
    _away(world, grace)
    return world, {"seed": seed, "defaultProject": default_project, "settings": settings}


def _random_state(value: Any, where: str) -> tuple[Any, ...]:
    if (type(value) is not list or len(value) != 3 or value[0] != 3 or type(value[1]) is not list
            or len(value[1]) != 625 or not all(type(n) is int and 0 <= n < 2**32 for n in value[1])
            or not (value[2] is None or type(value[2]) is float)):
        raise _bad(where, "the id generator's state as a snapshot gives it ([3, 625 whole numbers, null])", value)
    state = (3, tuple(value[1]), value[2])
    try:
        random.Random().setstate(state)
    except (ValueError, TypeError):
        raise _bad(where, "the id generator's state as a snapshot gives it", "(not a generator's state)") from None
    return state


def _clock_state(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, dict) and value.get("realtime") is False and set(value) == {"realtime", "time"} \
            and _is_time(value["time"]):
        return value
    if isinstance(value, dict) and value.get("realtime") is True and set(value) == {"realtime", "offset"} \
            and _is_number(value["offset"]):
        return value
    raise _bad(where, '{"realtime": false, "time": seconds since 1970} or {"realtime": true, "offset": seconds}', value)


def _is_url(v: Any) -> bool:
    return type(v) is str and re.match(URL_PATTERN, v) is not None


#: The settings a snapshot may carry: each one's check, and what it takes.
SETTING_CHECKS: dict[str, tuple[Check, str]] = {
    "tokenTtl": (lambda v: v is None or (_is_number(v) and v >= 0), "seconds >= 0, or null (forever)"),
    "reconnectGrace": (lambda v: _is_number(v) and 0 <= v <= 86400, "seconds between 0 and 86400"),
    "roomParticipantCap": (lambda v: v is None or _is_whole(v), "a whole number >= 0, or null (any number)"),
    "publicBaseUrl": (lambda v: v is None or _is_url(v), "an http:// or https:// URL, or null"),
}


def _settings(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(where, "a JSON object", value)
    for name, setting in value.items():
        if name not in SETTING_CHECKS:
            raise _bad(where, "settings among " + ", ".join(SETTING_CHECKS), name)
        check, wanted = SETTING_CHECKS[name]
        if not check(setting):
            raise _bad(f'{where}, "{name}"', wanted, setting)
    return value


def _fill(world: World, read: _Reader) -> None:
    """The tables into ``world`` (each value checked by :meth:`_Reader.table`)."""
    projects: list[Project] = []
    for n, (project_id, secrets, public_key, connection_limit, room_limit, shift, room_count, closed) in enumerate(
            read.table("projects")):
        try:
            project = world.add_project(project_id, secret_key=secrets[0], public_key=public_key,
                                        connection_limit=connection_limit, room_limit=room_limit)
            for key in secrets[1:]:
                world.add_secret_key(project, key)
        except ValueError as exc:  # an id or a key taken twice
            raise SnapshotError(M.SNAPSHOT_PROJECT.format(where=f"projects row {n}", reason=exc)) from None
        project.clock.shift = shift
        project.room_count = room_count
        project.closed_participant_seconds = closed
        projects.append(project)

    calls: list[Call] = []
    world_calls = world.calls
    for call_id, created, of_project, access, tombstoned, due in read.table("calls"):
        project = projects[of_project]
        call = Call(world, call_id, project, access, created)
        if tombstoned is None:
            project.live_calls += 1
        else:
            call._tombstoned = tombstoned
        if due is not None:
            call.tombstone_due = due
            world._schedule(due, call)
        world_calls[call_id] = call
        project.call_list.append(call)
        calls.append(call)

    space_rows = list(read.table("spaces"))
    spaces: list[Space] = []
    for n, (space_id, slug, name, access_type, host_token, created, updated, of_project, password, _, deleted) in enumerate(space_rows):
        project = projects[of_project]
        space = Space(world, space_id, project, slug, name, access_type, password, host_token, created)
        space.updated = updated
        if not deleted:
            if slug in project.spaces_by_slug:
                raise SnapshotError(M.SNAPSHOT_DUPLICATE.format(where=f"spaces row {n}", column="slug", value=slug))
            world.spaces[space_id] = space
            project.spaces_by_slug[slug] = space
        spaces.append(space)

    rooms: list[Room] = []
    for room_id, created, of_project, cap, of_space in read.table("rooms"):
        room = Room(world, room_id, projects[of_project], created, cap, None if of_space is None else spaces[of_space])
        world.rooms[room_id] = room
        rooms.append(room)
    for space, row in zip(spaces, space_rows):
        space.active_room = None if row[9] is None else rooms[row[9]]

    tokens: list[Token] = []
    world_tokens = world.tokens
    ttl = world.token_ttl
    for n, (value, of_call, expires, of_room, minted_by, created, state, consumed, peer_id) in enumerate(read.table("tokens")):
        if (of_call is None) == (of_room is None):
            raise SnapshotError(M.SNAPSHOT_TOKEN_TARGET.format(where=f"tokens row {n}"))
        session: Call | Room = calls[of_call] if of_call is not None else rooms[of_room]
        if created is None:
            created = session.created
        if expires == TOKEN_EXPIRY:
            expires = None if ttl is None else created + ttl
        token = Token(world, value, "call" if of_call is not None else "room", session.id, session.project.id,
                      minted_by, created, expires)
        token._state = state
        token.consumed = consumed
        token.peer_id = peer_id
        session.tokens.append(token)
        world_tokens[value] = token
        tokens.append(token)

    for n, (peer_id, of_call, of_room, of_token, reconnect_token, since, joined, left, connected, host, gone) in enumerate(
            read.table("peers")):
        if (of_call is None) == (of_room is None):
            raise SnapshotError(M.SNAPSHOT_PEER_SESSION.format(where=f"peers row {n}"))
        session = calls[of_call] if of_call is not None else rooms[of_room]
        peer = Peer(world, peer_id, session, None if of_token is None else tokens[of_token], reconnect_token)
        peer.connected = connected
        peer.connected_since = since
        peer.joined = joined
        peer.left = left
        peer.is_host = host
        peer.gone = gone
        session.peers[peer_id] = peer
        world.peers[peer_id] = peer


def _away(world: World, grace: float) -> None:
    """Every peer connected in the snapshot is away: its seat held, no
    socket, until it reconnects or ``grace`` seconds of its project's clock pass."""
    for peer in world.peers.values():
        if peer.connected:
            peer.away_until = due = peer.project.clock.time() + grace
            world._schedule(due, peer)
