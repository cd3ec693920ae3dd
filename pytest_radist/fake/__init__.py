"""``RadistFake``: one stateful fake of Radist (:mod:`.core`), its parts."""

from ..doors.contract import IN_PROCESS_BASE_URL
from ..target import CONTROL_PREFIX, Outcome, RadistFakeProblem
from .core import DEFAULT_PROJECT_ID, RadistFake

__all__ = ["CONTROL_PREFIX", "DEFAULT_PROJECT_ID", "IN_PROCESS_BASE_URL", "Outcome", "RadistFake", "RadistFakeProblem"]
