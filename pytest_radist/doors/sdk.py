"""Building ``radist_server`` clients (imported only when asked for)."""

from __future__ import annotations

import inspect
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .contract import ClientTarget

INSTALL_HINT = (
    "the radist-server SDK is not installed: `pip install radist-server` "
    "(or `pip install 'pytest-radist[sdk]'`) to use radist_fake.client() / the radist_client fixture"
)


def import_sdk() -> Any:
    try:
        import radist_server
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return radist_server


@lru_cache(maxsize=None)
def transport_keyword(client_class: type) -> str:
    """``transport`` on SDK 0.7.0, ``_transport`` on 0.6.0."""
    parameters = inspect.signature(client_class).parameters
    return "transport" if "transport" in parameters else "_transport"


def make_client(fake: ClientTarget, *, sdk: Any = None, **overrides: Any) -> Any:
    """A ``RadistServerClient`` for the fake's default project, in process
    unless ``api_base_url`` is overridden (then over HTTP, the SDK's own
    transport). ``sdk`` picks another copy of the module (tests use it)."""
    from .contract import IN_PROCESS_BASE_URL

    client_class = (sdk or import_sdk()).RadistServerClient
    options: dict[str, Any] = {
        "secret_token": fake.project.secret_key,
        "project_id": fake.project.id,
        "api_base_url": IN_PROCESS_BASE_URL,
    }
    over_http = "api_base_url" in overrides
    options.update(overrides)
    keyword = transport_keyword(client_class)
    if "transport" in options and keyword != "transport":
        options[keyword] = options.pop("transport")
    if not over_http and keyword not in options:
        options[keyword] = fake.transport
    return client_class(**options)
