"""The command line of ``radist-fake`` and ``radist-fake verify``: flags
made from the settings table, read from the environment too, and refused in
one line that names the flag and what it takes."""

from __future__ import annotations

import argparse
import difflib
import re
from typing import Any, Mapping, NoReturn, Sequence

from .errors import InvalidValue
from .settings import Setting


class OneLineParser(argparse.ArgumentParser):
    """Refuses bad arguments in one line, not the usage block, and names the
    closest flag when one is unknown."""

    def error(self, message: str) -> NoReturn:
        """One line on stderr (``<prog>: <message>``) and exit status 2."""
        unknown = re.match(r"unrecognized arguments: (\S+)", message)
        if unknown:
            flags = [flag for action in self._actions for flag in action.option_strings]
            close = difflib.get_close_matches(unknown.group(1).split("=")[0], flags, n=1)
            if close:
                message += f" (did you mean {close[0]}?)"
        self.exit(2, f"{self.prog}: {message}\n")


def _typed(setting: Setting) -> Any:
    """An argparse ``type`` that reads a value as ``setting`` takes it."""
    def parse(text: str) -> Any:
        try:
            return setting.check([text])[0] if setting.repeat else setting.parse(text)
        except InvalidValue:
            raise argparse.ArgumentTypeError(f"must be {setting.describe()}, got {text!r}") from None

    parse.__name__ = setting.flag
    return parse


def add_settings(parser: OneLineParser, settings: Sequence[Setting], environ: Mapping[str, str]) -> None:
    """A flag for each setting (``--token-ttl``), its default read from the
    environment (``RADIST_FAKE_TOKEN_TTL``) when set there; the command line
    wins. A repeated flag takes one value each time; its variable a
    comma-separated list."""
    for setting in settings:
        default = setting.default_for_cli
        raw = environ.get(setting.env)
        if raw is not None:
            try:
                default = setting.parse(raw)
            except InvalidValue:
                parser.error(f"{setting.env}={raw!r}: must be {setting.describe()}")
        shown = "none" if default is None else ", ".join(default) if isinstance(default, tuple) else default
        help_text = f"{setting.help} (default: {shown}; env: {setting.env})"
        if setting.kind == "bool" and default is False:
            parser.add_argument(setting.flag, dest=setting.name, action="store_true", default=default, help=help_text)
        elif setting.repeat:
            parser.add_argument(setting.flag, dest=setting.name, action="append", type=_typed(setting), default=None,
                                metavar="VALUE", help=help_text)
            parser.set_defaults(**{f"{setting.name}_default": default})
        else:
            parser.add_argument(setting.flag, dest=setting.name, type=_typed(setting), default=default, metavar="VALUE",
                                help=help_text)


def read_settings(args: argparse.Namespace, settings: Sequence[Setting]) -> dict[str, Any]:
    """The values of ``settings`` in parsed ``args`` (a repeated flag's
    values together, or its default when never given)."""
    values: dict[str, Any] = {}
    for setting in settings:
        value = getattr(args, setting.name)
        if setting.repeat:
            value = tuple(value) if value else getattr(args, f"{setting.name}_default")
        values[setting.name] = value
    return values


__all__ = ["OneLineParser", "add_settings", "read_settings"]
