"""Project-wide test setup.

Random order comes from pytest-randomly (a test dependency): every run prints
``Using --randomly-seed=N``, which replays it, the fakes' seeds included.

Every Python code block of the docs (``docs/*.md``, ``README.md``) runs as a
test, through Sybil: the blocks of a page share one namespace, each block
gets a fresh ``radist_fake`` and ``radist_client``, and the ``test_*``
functions and ``Test*`` test cases a block defines are then run with their
fixtures (a ``@pytest.mark.radist`` marker applied), so the docs cannot rot.
"""

from __future__ import annotations

import inspect
import unittest
from typing import Any, Callable

import pytest
from sybil import Example, Sybil
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.markdown import PythonCodeBlockParser

pytest_plugins = ["pytester"]

_python = PythonEvaluator()


def _run_test_function(function: Callable[..., Any], request: pytest.FixtureRequest) -> None:
    marker = next((m for m in getattr(function, "pytestmark", []) if m.name == "radist"), None)
    wanted = list(inspect.signature(function).parameters)
    if marker is None:
        function(**{name: request.getfixturevalue(name) for name in wanted})
        return
    with request.getfixturevalue("radist_fake_factory")(**marker.kwargs) as fake:
        given = {"radist_fake": fake, "radist_client": fake.client()}
        function(**{name: given[name] if name in given else request.getfixturevalue(name) for name in wanted})


def _evaluate(example: Example) -> None:
    namespace = example.namespace
    before = dict(namespace)
    _python(example)
    for name, value in list(namespace.items()):
        if before.get(name) is value:
            continue
        if name.startswith("test_") and callable(value):
            _run_test_function(value, namespace["request"])
        elif name.startswith("Test") and isinstance(value, type) and issubclass(value, unittest.TestCase):
            result = unittest.TextTestRunner(verbosity=0, stream=open("/dev/null", "w")).run(
                unittest.defaultTestLoader.loadTestsFromTestCase(value))
            assert result.wasSuccessful(), result.failures + result.errors


class _Blocks(PythonCodeBlockParser):
    """Python blocks, evaluated by :func:`_evaluate` (which runs the tests a
    block defines). Sybil's code-block parser takes its evaluator when it is
    made, not from a method of this class: it is given here."""

    def __init__(self) -> None:
        super().__init__()
        self.codeblock_parser = self.codeblock_parser_class("python", _evaluate)


pytest_collect_file = Sybil(
    parsers=[_Blocks()],
    patterns=["*.md"],
    fixtures=["radist_fake", "radist_client", "request"],
).pytest()
