"""``radist-fake verify``: is the fake faithful to a given Radist?

:func:`run` performs every check in :data:`CHECKS` against a target base URL
and an in-process fake and returns a :class:`Report`; the command line
(:mod:`.command`) prints it as a table and writes it as JSON.
"""

from __future__ import annotations

from .checks import CHECKS, Check
from ..errors import VerifyError
from .run import REPORT_FORMAT, Report, Result, run

__all__ = ["CHECKS", "Check", "REPORT_FORMAT", "Report", "Result", "VerifyError", "run"]
