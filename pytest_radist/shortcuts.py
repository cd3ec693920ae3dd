"""Flat names of a facade for the methods of its groups.

``RadistFake`` groups its controls (``fake.faults``, ``fake.journal``,
``fake.state``, ...) and keeps the flat names of 0.x as shortcuts:
``fake.fail(...)`` is ``fake.faults.add(...)``. A :class:`Shortcut` is that
flat name, written once: the group's method is the one implementation, its
signature (for type checkers too) and its docstring are the shortcut's.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Concatenate, Generic, ParamSpec, TypeVar, overload

P = ParamSpec("P")
R = TypeVar("R")
G = TypeVar("G")


class Shortcut(Generic[G, P, R]):
    """``name = Shortcut("group", Group.method)``: on an instance,
    ``obj.name`` is ``obj.group.method``, bound."""

    def __init__(self, group: str, method: Callable[Concatenate[G, P], R]) -> None:
        self.group = group
        self.method = method
        functools.update_wrapper(self, method)  # type: ignore[arg-type]  # its name, docstring and signature (``__wrapped__``)

    @overload
    def __get__(self, obj: None, owner: type) -> Shortcut[G, P, R]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> Callable[P, R]: ...

    def __get__(self, obj: object, owner: type) -> Any:
        if obj is None:
            return self
        return getattr(getattr(obj, self.group), self.method.__name__)

    def __repr__(self) -> str:
        return f"<shortcut to .{self.group}.{self.method.__name__}>"

