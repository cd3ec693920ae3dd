"""Live mode: the fake's front doors, forwarding to a real Radist
(:class:`RadistLive`), with the credentials it reads (:mod:`.credentials`)."""

from .credentials import CREDENTIAL_VARIABLES, DEFAULT_BASE_URL, LiveCredentials, MissingCredentials
from .target import LiveProject, RadistLive, fake_only_controls
from .wire import HOP_BY_HOP, end_to_end

__all__ = ["CREDENTIAL_VARIABLES", "DEFAULT_BASE_URL", "HOP_BY_HOP", "LiveCredentials", "LiveProject", "MissingCredentials",
           "RadistLive", "end_to_end", "fake_only_controls"]
