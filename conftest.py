"""Project-wide test options: ``--shuffle`` runs the suite in random order.

The controller draws one seed and hands it to every xdist worker, because
workers must collect the tests in the same order.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

pytest_plugins = ["pytester"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--shuffle", action="store_true", help="run tests in a random order")
    parser.addoption("--shuffle-seed", type=int, default=None, help="seed of --shuffle (default: random, printed)")


def _shuffle_seed(config: pytest.Config) -> int:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "shuffle_seed" in workerinput:
        return int(workerinput["shuffle_seed"])
    if not hasattr(config, "_shuffle_seed"):
        given = config.getoption("shuffle_seed")
        config._shuffle_seed = given if given is not None else random.SystemRandom().randrange(10**6)  # type: ignore[attr-defined]
    return int(config._shuffle_seed)  # type: ignore[attr-defined]


class _HandSeedToWorkers:
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["shuffle_seed"] = _shuffle_seed(node.config)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_HandSeedToWorkers())


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.getoption("shuffle"):
        return f"shuffle: random order, replay with --shuffle --shuffle-seed={_shuffle_seed(config)}"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("shuffle"):
        random.Random(_shuffle_seed(config)).shuffle(items)
