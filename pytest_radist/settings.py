"""Every setting of pytest-radist, in one table, with one parser and one
validator.

A :class:`Setting` says its name (the Python keyword of ``RadistFake(...)``,
``ServerLimits(...)`` and ``@pytest.mark.radist(...)``), its kind, default,
bounds and one-line help, and where it is offered: ``radist-fake --flag``
(and ``RADIST_FAKE_FLAG`` in the environment), ``pytest --radist-name``
(and the ini option ``radist_name``), the marker, the control plane's
``PATCH /_radist/settings`` (in camelCase). The command line, the plugin's
options and marker help, the control plane, the OpenAPI description and the
docs' tables are all derived from :data:`SETTINGS`, so a setting added here
appears everywhere, and every surface accepts the same words.

Pure Python: the plugin imports it at start-up, so it imports nothing heavy.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping, Optional

from .errors import InvalidValue

#: A base URL: http(s)://, then a host of printable ASCII. Written with an
#: explicit class, not ``\s``: JSON Schema's (ECMA 262) and Python's ``\s``
#: differ (Python's takes \x1c-\x1f), and the control plane's schema states it.
URL_PATTERN = r"^https?://[!-.0-~]+"

Kind = Literal["whole", "seconds", "bool", "text", "secret key", "public key", "origins", "hosts", "url", "token", "path"]

#: Words that mean "no value" (``None``) where a setting allows it.
NONE_WORDS = ("none", "never", "unlimited", "any")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
#: Below a day: a longer timeout is a mistake, not a setting.
DAY = 86400.0


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    default: Any
    help: str
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    #: What ``None`` means for this setting (``"unlimited"``, ``"forever"``), or
    #: ``None`` if it cannot be ``None``.
    none: Optional[str] = None
    #: Offered by ``RadistFake(...)`` (``fake``), ``ServerLimits(...)`` (``server``), or neither (``plugin``).
    owner: Literal["fake", "server", "plugin", "cli"] = "fake"
    marker: bool = True
    #: ``pytest --radist-NAME`` and the ini option ``radist_NAME``.
    option: bool = False
    #: ``radist-fake --FLAG`` (its flag, when another than the name's).
    cli: bool = True
    cli_flag: Optional[str] = None
    #: ``radist-fake`` repeats the flag for a list (``--allow-origin A --allow-origin B``).
    repeat: bool = False
    #: ``radist-fake``'s own default, where it differs (a long-running server).
    cli_default: Any = "same"
    #: ``PATCH /_radist/settings`` takes it.
    control: bool = False
    #: Still means something in live mode (a test that sets another is skipped there).
    live: bool = False

    # -- its names on each surface ----------------------------------------------

    @property
    def flag(self) -> str:
        return "--" + (self.cli_flag or self.name.replace("_", "-"))

    @property
    def env(self) -> str:
        return "RADIST_FAKE_" + self.flag[2:].replace("-", "_").upper()

    @property
    def option_flag(self) -> str:
        return "--radist-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "radist_" + self.name

    @property
    def camel(self) -> str:
        head, *rest = self.name.split("_")
        return head + "".join(word.capitalize() for word in rest)

    @property
    def default_for_cli(self) -> Any:
        return self.default if self.cli_default == "same" else self.cli_default

    # -- what it takes --------------------------------------------------------------

    def describe(self) -> str:
        """What the setting takes, in words (for every error message)."""
        kind = {
            "whole": "a whole number", "seconds": "a number of seconds", "bool": "true or false", "text": "a text",
            "secret key": "a secret key (rad_sk_...)", "public key": "a public key (rad_pk_...)",
            "origins": "origins such as http://localhost:3000", "hosts": "host names such as app.local",
            "url": "an http:// or https:// URL", "token": "a text of at least 8 characters", "path": "a file's path",
        }[self.kind]
        bounds = []
        if self.minimum is not None:
            bounds.append(f">= {self.minimum:g}")
        if self.maximum is not None:
            bounds.append(f"<= {self.maximum:g}")
        shown = kind + (f" {' and '.join(bounds)}" if bounds else "")
        return shown + (f", or none ({self.none})" if self.none is not None else "")

    def check(self, value: Any, given_as: Optional[str] = None) -> Any:
        """``value`` if this setting takes it (lists as tuples), else
        :class:`~pytest_radist.errors.InvalidValue` naming ``given_as`` (the
        flag, field or keyword it came as) and what it takes."""
        if value is None:  # where the setting has a "none", or nothing by default
            if self.none is not None or self.default is None or self.default == ():
                return self.default if self.default == () else None
            raise self.refuse(value, given_as)
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise self.refuse(value, given_as)
        if self.kind in ("whole", "seconds"):
            wrong = isinstance(value, bool) or not isinstance(value, int if self.kind == "whole" else (int, float))
            if wrong or not math.isfinite(value) or (self.minimum is not None and value < self.minimum) or (
                    self.maximum is not None and value > self.maximum):
                raise self.refuse(value, given_as)
            return value
        if self.kind in ("origins", "hosts"):
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, (list, tuple, set, frozenset)) or not all(isinstance(v, str) and v for v in items):
                raise self.refuse(value, given_as)
            if self.kind == "origins" and not all(v.startswith(("http://", "https://")) for v in items):
                raise self.refuse(value, given_as)
            return tuple(v.rstrip("/") for v in items) if self.kind == "origins" else tuple(v.lower() for v in items)
        if not isinstance(value, str) or not value:
            raise self.refuse(value, given_as)
        prefix = {"secret key": "rad_sk_", "public key": "rad_pk_"}.get(self.kind)
        if prefix is not None and (not value.startswith(prefix) or value == prefix):
            raise self.refuse(value, given_as)
        if self.kind == "url" and not re.match(URL_PATTERN, value):
            raise self.refuse(value, given_as)
        if self.kind == "token" and len(value) < 8:
            raise self.refuse(value, given_as)
        return value

    def parse(self, text: str, given_as: Optional[str] = None) -> Any:
        """A value given as text (the command line, the environment, an ini
        file), in the words every surface accepts; checked."""
        words = text.strip()
        lowered = words.lower()
        if self.none is not None and lowered in NONE_WORDS + ("",):
            return None
        if self.kind == "bool":
            if lowered in TRUE_WORDS or lowered in FALSE_WORDS:
                return lowered in TRUE_WORDS
            raise self.refuse(text, given_as)
        if self.kind in ("whole", "seconds"):
            try:
                value: Any = int(words) if self.kind == "whole" or re.fullmatch(r"[+-]?\d+", words) else float(words)
            except ValueError:
                raise self.refuse(text, given_as) from None
            return self.check(value, given_as)
        if self.kind in ("origins", "hosts"):
            if self.kind == "origins" and lowered in ("*", "any"):
                return None
            return self.check([part.strip() for part in words.split(",") if part.strip()], given_as)
        return self.check(words, given_as)

    def refuse(self, value: Any, given_as: Optional[str]) -> InvalidValue:
        return InvalidValue(f"{given_as or self.name} must be {self.describe()}, got {value!r}")


SETTINGS: tuple[Setting, ...] = (
    # -- the fake: RadistFake(...), the marker, radist-fake ------------------------------
    Setting("seed", "whole", None, "seed of every id, key and token (default: random, printed; on a test's failure too)",
            minimum=0, none="random", option=True, live=True),
    Setting("project_id", "text", "test-project", "id of the default project", option=True),
    Setting("secret_key", "secret key", None, "secret key of the default project (default: generated from the seed)"),
    Setting("public_key", "public key", None, "public key of the default project (default: generated from the seed)"),
    Setting("connection_limit", "whole", None, "live calls a project may hold at once", minimum=0, none="unlimited", option=True),
    Setting("room_limit", "whole", None, "rooms a project may create", minimum=0, none="unlimited"),
    Setting("room_participant_cap", "whole", None, "participants at once in a room created from now on", minimum=0,
            none="any number", control=True),
    Setting("token_ttl", "seconds", 3600.0, "seconds an unused participant token lives", minimum=0, none="forever",
            option=True, control=True),
    Setting("reconnect_grace", "seconds", 0.0, "seconds an empty call waits for a reconnect before it ends",
            minimum=0, maximum=DAY, option=True, control=True),
    Setting("public_base_url", "url", None, "base of space URLs", none="the URL the client used", control=True),
    Setting("realtime", "bool", False, "run the fake's clock on wall time (default: frozen)"),
    Setting("strict", "bool", True, "report unroutable requests and the fake's own errors (a test fails at teardown)",
            option=True, control=True, cli_default=False, live=True),
    Setting("journal_limit", "whole", None, "journal entries kept, the newest", minimum=1, none="all",
            cli_default=10_000, live=True),
    Setting("journal_bytes", "whole", None, "bytes the journal's entries may hold, estimated; the newest are kept",
            minimum=1, none="any size", cli_default=64 * 1024 * 1024, live=True),
    Setting("journal_body_limit", "whole", 64 * 1024, "largest request body the journal keeps (larger: OmittedBody)",
            minimum=1, none="any size", live=True),
    Setting("allowed_origins", "origins", None, "origins that may call the public-key mint and open signaling sockets",
            none="any origin", option=True, cli_flag="allow-origin", repeat=True),
    Setting("secret_cors", "bool", False, "answer CORS on secret-key endpoints too (a page holding the secret key is a bug)"),
    Setting("control_origins", "origins", (), "origins whose pages may call /_radist/", cli_flag="control-origin", repeat=True),
    Setting("allowed_hosts", "hosts", (), "Host names beyond loopback and the bind address that may reach /_radist/",
            cli_flag="allow-host", repeat=True),
    Setting("control_token", "token", None, "require 'Authorization: Bearer TOKEN' on /_radist/ (advised on every interface)",
            none="no token"),
    # -- the pytest plugin only -----------------------------------------------------------------
    Setting("guard", "bool", True, "refuse requests to the real Radist (radist.tech) while a test uses the fake",
            owner="plugin", option=True, cli=False, live=True),
    # -- radist-fake only -------------------------------------------------------------------------
    Setting("host", "text", "127.0.0.1", "address to bind; 0.0.0.0 or :: listen on every interface (with a warning)",
            owner="cli", marker=False),
    Setting("port", "whole", 8765, "port to bind; 0 picks a free one, printed in RADIST_API_BASE_URL",
            minimum=0, maximum=65535, owner="cli", marker=False),
    Setting("state", "path", None, "file of the state: loaded at start when it exists, saved on exit and every "
            "--save-every seconds (atomically: a kill leaves the last complete save)", none="in memory only",
            owner="cli", marker=False),
    Setting("save_every", "seconds", 5.0, "seconds between saves of --state", minimum=0.01, maximum=DAY,
            none="only on exit", owner="cli", marker=False),
    # -- the loopback server: ServerLimits(...) -------------------------------------------------
    Setting("max_body_bytes", "whole", 1024 * 1024, "largest request body; more is 413", minimum=1, owner="server", marker=False),
    Setting("max_url_bytes", "whole", 8 * 1024, "longest path and query; more is 414", minimum=1, owner="server", marker=False),
    Setting("max_head_bytes", "whole", 32 * 1024, "largest request line and headers; more is 431", minimum=1,
            owner="server", marker=False),
    Setting("max_headers", "whole", 100, "most header fields; more is 431", minimum=1, owner="server", marker=False),
    Setting("read_timeout", "seconds", 10.0, "seconds a client has to send a whole request; then 408", minimum=0.001,
            maximum=DAY, owner="server", marker=False),
    Setting("keep_alive_timeout", "seconds", 5.0, "seconds an idle keep-alive connection stays open", minimum=0.001,
            maximum=DAY, owner="server", marker=False),
    Setting("write_timeout", "seconds", 10.0, "seconds a client may leave an answer unread; then it is closed",
            minimum=0.001, maximum=DAY, owner="server", marker=False),
    Setting("socket_send_budget", "whole", 1024 * 1024,
            "bytes that may wait to be sent on one signaling socket; a client over it is closed with 1008",
            minimum=1, owner="server", marker=False),
    Setting("socket_idle_timeout", "seconds", None,
            "seconds a signaling socket may go without a frame from its client, then closed with 4408",
            minimum=0.001, maximum=DAY, none="never", owner="server", marker=False),
)

BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}
#: The marker's keywords (``@pytest.mark.radist(...)``).
MARKER: tuple[str, ...] = tuple(s.name for s in SETTINGS if s.marker)
#: The settings ``pytest --radist-NAME`` and the ini option ``radist_NAME`` take.
OPTIONS: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.option)
#: The marker settings that still mean something in live mode.
LIVE: tuple[str, ...] = tuple(s.name for s in SETTINGS if s.live)


def setting(name: str) -> Setting:
    return BY_NAME[name]


def check(name: str, value: Any, given_as: Optional[str] = None) -> Any:
    """``value`` checked as setting ``name`` takes it (see :meth:`Setting.check`)."""
    return BY_NAME[name].check(value, given_as)


def unknown(names: Iterable[str], known: Iterable[str], given_as: str) -> Optional[str]:
    """A message for names that are not settings (with the closest known one), or ``None``."""
    known = list(known)
    wrong = sorted(set(names) - set(known))
    if not wrong:
        return None
    hints = []
    for name in wrong:
        close = difflib.get_close_matches(name, known, n=1)
        hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return f"{given_as} got unknown setting(s) {', '.join(hints)}; known: {', '.join(sorted(known))}"


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):
        return ", ".join(f"`{v}`" for v in value)
    return f"`{value}`"


def cli_table() -> str:
    """``radist-fake``'s flags, as docs/http.md shows them (a test holds it to this)."""
    rows = ["| option | environment | default | what |", "|---|---|---|---|"]
    for s in SETTINGS:
        if s.cli and s.owner != "plugin":
            takes = s.describe() + ("; repeat for more" if s.repeat else "")
            rows.append(f"| `{s.flag}` | `{s.env}` | {_shown(s.default_for_cli)} | {s.help} ({takes}) |")
    return "\n".join(rows)


def pytest_table() -> str:
    """The marker's keywords, the options and the ini options, as
    docs/fixtures.md shows them (a test holds it to this)."""
    rows = ["| marker keyword | command line / ini | default | what |", "|---|---|---|---|"]
    for s in SETTINGS:
        if s.marker:
            option = f"`{s.option_flag}` / `{s.ini}`" if s.option else ""
            default = _shown(s.default) or (f"none ({s.none})" if s.none else "")
            rows.append(f"| `{s.name}=` | {option} | {default} | {s.help} ({s.describe()}) |")
    return "\n".join(rows)
