"""The docs hold to the code: snippets in other languages run where their
tool is present (Node is on CI's machines), and the generated reference is
what the routes say."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_radist import RadistFake

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_the_node_control_plane_snippet_runs(radist_fake: RadistFake) -> None:
    env = {**os.environ, "RADIST_API_BASE_URL": radist_fake.url, "RADIST_PROJECT_ID": radist_fake.project.id,
           "RADIST_KEY": radist_fake.project.secret_key}
    done = subprocess.run([str(NODE), str(ROOT / "docs" / "snippets" / "control.mjs")], env=env, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["journaled"] == [200]  # the fault was removed by its id before the call
    assert radist_fake.faults == [] and printed["call"] in radist_fake.calls


def test_the_http_page_shows_the_snippet_ci_runs_as_it_is() -> None:
    """Written out, not included: the page reads the same on GitHub and in an editor."""
    page = (ROOT / "docs" / "http.md").read_text()
    snippet = (ROOT / "docs" / "snippets" / "control.mjs").read_text()
    assert "```js\n" + snippet.rstrip("\n") + "\n```" in page and 'wait "$fake"' in page


def test_the_cookbook_shows_the_restored_world_conftest_ci_runs() -> None:
    page = (ROOT / "docs" / "cookbook.md").read_text()
    conftest = (ROOT / "examples" / "restored_world" / "conftest.py").read_text()
    assert "```py\n" + conftest + "```" in page


def test_no_page_holds_an_include_or_a_directive_a_reader_would_see_raw() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text()
        assert "--8<--" not in text, page.name
        assert not [line for line in text.splitlines() if line.startswith(":::")], page.name


def test_the_rest_reference_is_what_the_routes_say() -> None:
    import runpy

    generated = runpy.run_path(str(ROOT / "scripts" / "rest_reference.py"))["reference"]()
    assert (ROOT / "docs" / "rest.md").read_text() == generated, "regenerate: python scripts/rest_reference.py > docs/rest.md"
    assert "| `limit` | query | integer (>= 1) | `20` |" in generated  # the default a Node user had to guess
    assert "| 400 | Invalid limit query parameter. | fake |" in generated


def test_a_test_function_a_docs_block_defines_is_run(pytester: pytest.Pytester) -> None:
    """The docs' conftest runs the tests a block defines (it once only
    defined them: Sybil took its own evaluator, not the conftest's)."""
    from .helpers import UNRELATED_PLUGINS

    pytester.makeconftest((ROOT / "conftest.py").read_text().replace('pytest_plugins = ["pytester"]', ""))
    pytester.makefile(".md", page="# A page\n\n```python\ndef test_it_runs(radist_fake):\n    assert radist_fake.calls == {1: 1}\n```\n")
    result = pytester.runpytest(*UNRELATED_PLUGINS, "page.md")
    result.assert_outcomes(failed=1)
    assert "AssertionError" in result.stdout.str()  # the block's test ran, with its fixture, and failed
