"""Command-line parsing shared by ``radist-fake`` and ``radist-fake verify``."""

from __future__ import annotations

import argparse
from typing import NoReturn


class OneLineParser(argparse.ArgumentParser):
    """Refuses bad arguments in one line, not the usage block."""

    def error(self, message: str) -> NoReturn:
        """One line on stderr (``<prog>: <message>``) and exit status 2."""
        self.exit(2, f"{self.prog}: {message}\n")
