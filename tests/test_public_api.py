"""The public surface holds still: every documented name is importable, the
names and signatures are pinned (tests/public_api.txt), and deprecated forms
keep working with a warning naming their replacement.

A deliberate change regenerates the snapshot with
``RADIST_UPDATE_API=1 pytest tests/test_public_api.py`` and says so in
CHANGELOG.md.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import warnings
from importlib.metadata import version
from pathlib import Path

import pytest

import pytest_radist
from pytest_radist.shortcuts import Shortcut

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).with_name("public_api.txt")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: Capitalised names the API page mentions that belong to other packages or Python.
FOREIGN = {"RadistServerClient", "Authorization", "AssertionError", "TimeoutError", "ReadTimeout", "ConnectionError", "KeyError",
           "ValueError", "TypeError", "DeprecationWarning", "Session", "True", "False", "None", "JSON", "UTC",
           "HTTP", "CORS", "SDK", "OSError", "HTML"}


def documented_imports() -> set[tuple[str, str]]:
    """(module, name) for every ``from pytest_radist... import name`` in the docs."""
    found = set()
    for page in DOCS:
        for module, names in re.findall(r"^\s*from (pytest_radist[\w.]*) import ([\w, ]+)$", page.read_text(), re.M):
            found |= {(module, name.strip().split(" as ")[0]) for name in names.split(",") if name.strip()}
    return found


def documented_qualified() -> set[str]:
    """Every `pytest_radist.x.Y` the docs write in code spans."""
    found = set()
    for page in DOCS:
        found |= set(re.findall(r"`(pytest_radist(?:\.\w+)+)", page.read_text()))
    return found


def api_page_names() -> set[str]:
    """Capitalised names written alone in a code span of docs/api.md (``RadistFake``,
    ``JoinRefused(status, message, reason)``): the page says all import from pytest_radist."""
    text = (ROOT / "docs" / "api.md").read_text()
    return {name for name in re.findall(r"`([A-Z][a-z][A-Za-z_]*)\b[^`]*`", text) if name not in FOREIGN}


@pytest.mark.parametrize(("module", "name"), sorted(documented_imports()))
def test_every_import_the_docs_show_works(module: str, name: str) -> None:
    found = importlib.import_module(module)
    if not hasattr(found, name):
        importlib.import_module(f"{module}.{name}")  # a submodule: `from pytest_radist import strategies`


@pytest.mark.parametrize("dotted", sorted(documented_qualified()))
def test_every_qualified_name_the_docs_write_resolves(dotted: str) -> None:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            assert hasattr(obj, attribute), f"the docs name {dotted}, which does not exist"
            obj = getattr(obj, attribute)
        return
    pytest.fail(f"the docs name {dotted}, which does not exist")


def test_every_name_of_the_api_page_is_exported() -> None:
    names = api_page_names()
    assert "RadistFake" in names and "FakeOnly" in names  # the page was read
    missing = sorted(n for n in names if n not in pytest_radist.__all__)
    assert not missing, f"docs/api.md names these, which pytest_radist does not export: {missing}"


def test_the_api_page_shows_radist_fake_s_signature_as_it_is() -> None:
    page = (ROOT / "docs" / "api.md").read_text()
    shown = re.search(r"```text\n(RadistFake\(.*?\))\n```", page, re.S)
    assert shown, "docs/api.md lost its RadistFake(...) block"
    documented = dict(re.findall(r"(\w+)=([^,)]+)", shown.group(1)))
    actual = {name: repr(p.default) for name, p in inspect.signature(pytest_radist.RadistFake).parameters.items()}
    assert list(documented) == list(actual), "docs/api.md shows other parameters than RadistFake takes"
    differing = {n: (documented[n], actual[n]) for n in actual if documented[n].strip('"') != actual[n].strip("'")}
    assert not differing, f"docs/api.md shows other defaults (shown, actual): {differing}"


def test_the_reference_page_is_what_the_package_says() -> None:
    import runpy

    generated = runpy.run_path(str(ROOT / "scripts" / "python_reference.py"))["reference"]()  # exits if a name is not listed
    assert (ROOT / "docs" / "reference.md").read_text() == generated, (
        "regenerate: python scripts/python_reference.py > docs/reference.md")
    for name in pytest_radist.__all__:
        assert f"### `{name}`" in generated


def test_every_export_resolves_and_all_is_what_dir_shows() -> None:
    for name in pytest_radist.__all__:
        assert getattr(pytest_radist, name) is not None
    assert set(pytest_radist.__all__) <= set(dir(pytest_radist))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        pytest_radist.Nope  # noqa: B018


def test_the_version_is_the_installed_package_s() -> None:
    assert pytest_radist.__version__ == version("pytest-radist")
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{pytest_radist.__version__}]" in changelog, "every release has its changelog section"


def surface() -> str:
    """One line per public name, function signature and public member (with
    its signature) of every export and of the fixtures."""
    lines = [f"__all__ {' '.join(sorted(pytest_radist.__all__))}"]
    for name in sorted(pytest_radist.__all__):
        obj = getattr(pytest_radist, name)
        if inspect.isclass(obj):
            lines.append(f"{name}{signature(obj)}")
            for member, value in sorted(vars_of(obj).items()):
                lines.append(f"{name}.{member}{signature(value)}")
            if obj is pytest_radist.RadistFake:  # and its groups' members (fake.state.calls ...)
                with pytest_radist.RadistFake(seed=1) as fake:
                    for group in GROUPS:
                        for member, value in sorted(vars_of(type(getattr(fake, group))).items()):
                            lines.append(f"{name}.{group}.{member}{signature(value)}")
        elif callable(obj):
            lines.append(f"{name}{signature(obj)}")
        else:
            lines.append(f"{name} = {obj!r}")
    from pytest_radist import plugin

    for fixture in ("radist_fake", "radist_fake_factory", "radist_server", "radist_client", "radist_faker", "radist_env", "radist_fake_process",
                    "radist_project"):
        function = getattr(plugin, fixture)
        wrapped = getattr(function, "__wrapped__", None) or getattr(function, "_get_wrapped_function", lambda: function)()
        lines.append(f"fixture {fixture}{signature(wrapped)}")
    return "\n".join(lines) + "\n"


#: The groups of RadistFake's controls (``fake.faults`` ...), pinned with it.
GROUPS = ("faults", "state", "scenarios", "people", "aio")


def vars_of(cls: type) -> dict[str, object]:
    found: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("pytest_radist"):
            found.update({n: v for n, v in vars(klass).items() if not n.startswith("_")})
    return found


def signature(obj: object) -> str:
    if isinstance(obj, property):
        return " (property)"
    if isinstance(obj, Shortcut):
        return f" (shortcut to .{obj.group}.{obj.method.__name__})"
    if isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    if not callable(obj):
        return ""
    try:
        return str(inspect.signature(obj))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""


def test_the_public_surface_is_what_the_snapshot_pins() -> None:
    now = surface()
    if os.environ.get("RADIST_UPDATE_API"):
        SNAPSHOT.write_text(now)
    pinned = SNAPSHOT.read_text()
    if now != pinned:
        gone = sorted(set(pinned.splitlines()) - set(now.splitlines()))
        new = sorted(set(now.splitlines()) - set(pinned.splitlines()))
        pytest.fail("the public API changed (say so in CHANGELOG.md, keep old names working with a DeprecationWarning, "
                    f"then RADIST_UPDATE_API=1):\n- gone or changed: {gone}\n- new or changed: {new}")


def test_join_refused_in_its_0_1_order_still_works_and_names_the_new_one() -> None:
    with pytest.warns(DeprecationWarning, match=r"JoinRefused\(status, message, reason\)"):
        refused = pytest_radist.JoinRefused("consumed", "This token was already used.")
    assert (refused.status, refused.reason, refused.message) == (409, "consumed", "This token was already used.")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pytest_radist.JoinRefused(403, "x", "consumed").reason == "consumed"


def test_names_moved_in_0_2_still_import_from_where_they_were() -> None:
    from pytest_radist.fake import Outcome, RadistFakeProblem
    from pytest_radist.model.world import PresenceEvent

    assert Outcome is pytest_radist.Outcome
    assert RadistFakeProblem is pytest_radist.RadistFakeProblem
    assert PresenceEvent is pytest_radist.PresenceEvent


def test_every_exception_is_a_radist_fake_error() -> None:
    for name in pytest_radist.__all__:
        obj = getattr(pytest_radist, name)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            assert issubclass(obj, pytest_radist.RadistFakeError), name


def api_sections() -> dict[str, str]:
    """docs/api.md's ``###`` sections by title."""
    text = (ROOT / "docs" / "api.md").read_text()
    parts = re.split(r"^### (.+)$", text, flags=re.M)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


def test_the_api_page_lists_every_member_once_in_its_group() -> None:
    sections = api_sections()
    with pytest_radist.RadistFake(seed=1) as fake:
        groups = {group: type(getattr(fake, group)) for group in GROUPS + ("journal",)}
    for group, cls in groups.items():
        (title,) = [t for t in sections if t.startswith(f"`fake.{group}`")]
        for member in vars_of(cls):
            rows = re.findall(rf"^\| `\.{member}\b", sections[title], re.M) + re.findall(rf"`\.{member}\b", sections[title])
            assert rows, f"docs/api.md's {title} section does not list .{member}"
    own = {n for n, v in vars_of(pytest_radist.RadistFake).items() if not isinstance(v, Shortcut)}
    at_home = sections["On the fake itself"] + sections["Front doors"] + sections["`fake.journal`"] + sections["The groups"]
    missing = sorted(n for n in own if f"`.{n}" not in at_home)
    assert not missing, f"docs/api.md does not list these members of RadistFake: {missing}"
    table = sections["The groups"]
    for name, value in vars(pytest_radist.RadistFake).items():
        if isinstance(value, Shortcut):
            assert table.count(f"`.{name}`") == 1, f"the groups table lists the shortcut .{name} once, in its group's row"
            (row,) = [line for line in table.splitlines() if f"`.{name}`" in line]
            assert row.startswith(f"| `fake.{value.group}`"), (name, row)


def test_the_api_page_names_every_export() -> None:
    text = (ROOT / "docs" / "api.md").read_text()
    missing = sorted(n for n in pytest_radist.__all__ if f"`{n}" not in text)
    assert not missing, f"docs/api.md does not name {missing}"
