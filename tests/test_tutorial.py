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


def test_the_tutorial_s_install_command_works_from_a_checkout(tmp_path: Path) -> None:
    """Section 1's commands, with the checkout this test runs from: pip
    resolves the package with its sdk extra (a dry run, no index name)."""
    import subprocess
    import sys

    block = re.search(r"## 1\..*?```sh\n(.*?)```", TUTORIAL.read_text(), re.S)
    assert block is not None
    lines = block.group(1).splitlines()
    checkout = next(line for line in lines if line.startswith("PYTEST_RADIST="))
    (install,) = [line for line in lines if line.startswith("pip install")]
    assert install == 'pip install "$PYTEST_RADIST[sdk]"' and checkout.split("=")[0] == "PYTEST_RADIST"
    root = TUTORIAL.parent.parent
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--dry-run", "--no-deps", "--report", str(report), f"{root}[sdk]"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    import json

    (installed,) = json.loads(report.read_text())["install"]
    assert (installed["metadata"]["name"], installed["requested_extras"]) == ("pytest-radist", ["sdk"])
