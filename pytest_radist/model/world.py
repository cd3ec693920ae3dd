"""``World``: all the state of one fake, and every rule of Radist on it,
brought together from the modules of each aggregate."""

from __future__ import annotations

from .calls import CallRules
from .participants import Participants
from .spaces import SLUG_MAX_LENGTH, SLUG_PATTERN, SpaceRules, slugify
from .entities import check_limit
from .state import MAX_PEERS_PER_CALL, LeaveReason, PresenceEvent


class World(CallRules, Participants, SpaceRules):
    """All the state of one fake, and every operation on it."""


__all__ = ["MAX_PEERS_PER_CALL", "SLUG_MAX_LENGTH", "SLUG_PATTERN", "LeaveReason", "PresenceEvent", "World", "check_limit", "slugify"]
