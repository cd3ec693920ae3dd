"""Project-wide test setup. Random order comes from pytest-randomly (a test
dependency): every run prints ``Using --randomly-seed=N``, which replays it,
the fakes' seeds included."""

from __future__ import annotations

pytest_plugins = ["pytester"]
