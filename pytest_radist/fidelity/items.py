"""``pytest --radist-replay DIR``: each cassette of DIR as a test, replayed
against a fresh fake, failing with every difference. Loaded by the plugin
only when the option is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Union

import pytest

from ..errors import RadistFakeError
from .cassettes import Cassette, cassettes_in
from .replay import Difference, replay


class CassetteDiffers(RadistFakeError, AssertionError):
    """The fake answered otherwise than the cassette recorded."""

    def __init__(self, cassette: Cassette, differences: list[Difference]) -> None:
        self.cassette = cassette
        self.differences = differences
        super().__init__(f"{len(differences)} difference(s)")


class CassetteItem(pytest.Item):
    """One cassette, replayed."""

    def __init__(self, *, cassette_path: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cassette_path = cassette_path

    def runtest(self) -> None:
        try:
            cassette = Cassette.load(self.cassette_path)
        except ValueError as exc:
            raise pytest.fail.Exception(str(exc), pytrace=False) from None
        differences = replay(cassette)
        if differences:
            raise CassetteDiffers(cassette, differences)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Optional[str] = None) -> Union[str, Any]:
        if isinstance(excinfo.value, CassetteDiffers):
            cassette, differences = excinfo.value.cassette, excinfo.value.differences
            return "\n".join([
                f"the fake answers {len(differences)} step(s) of cassette {self.cassette_path.name} otherwise than "
                f"{cassette.target or 'the service'} did ({cassette.test}, recorded {cassette.recorded}):",
                *(f"  {difference}" for difference in differences),
            ])
        return super().repr_failure(excinfo, style=style)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Path, Optional[int], str]:
        return self.cassette_path, None, f"replay {self.cassette_path.name}"


def cassette_items(session: pytest.Session, directory: Path) -> list[CassetteItem]:
    """One item per cassette file, named after it."""
    root = Path(str(session.config.rootpath))
    items = []
    for path in cassettes_in(directory):
        try:
            shown = path.resolve().relative_to(root)
        except ValueError:
            shown = path
        items.append(CassetteItem.from_parent(session, name=f"replay[{path.name}]", nodeid=f"{shown}::replay",
                                              path=path, cassette_path=path))
    return items
