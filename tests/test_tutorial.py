"""docs/tutorial.md's files, written to an empty folder and run as a
newcomer would: the tests it shows pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"


def tutorial_files() -> dict[str, str]:
    """Each ```python title="name"``` block of the tutorial, by file name."""
    return dict(re.findall(r'```python title="([\w.]+)"\n(.*?)```', TUTORIAL.read_text(), re.S))


def test_the_tutorial_goes_green_from_an_empty_folder(pytester: pytest.Pytester) -> None:
    files = tutorial_files()
    assert set(files) == {"invites.py", "test_invites.py"}
    for name, text in files.items():
        pytester.path.joinpath(name).write_text(text)
    result = pytester.runpytest_subprocess("-q", "-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    promised = re.search(r"```text\n.*?\n(\d+) passed", TUTORIAL.read_text(), re.S)
    assert promised is not None and int(promised.group(1)) == 3
