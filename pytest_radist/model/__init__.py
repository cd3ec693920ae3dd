"""The model layer: Radist's objects and rules, with no HTTP in sight."""

from .clock import Clock
from .entities import Call, Peer, Project, Room, Space, Token
from .world import World

__all__ = ["Call", "Clock", "Peer", "Project", "Room", "Space", "Token", "World"]
