"""The mutation harness, sampled: ``radist-fake verify`` against a fake
that changes one documented behaviour at a time (``tests/mutants.py``)
must notice each change, and must agree with the unchanged fake.
``bench/mutation.py`` runs every mutant and reports the score."""

from __future__ import annotations

import pytest

from .mutants import MUTANTS, Mutant, sample, verify


def test_there_are_enough_mutants_across_every_section() -> None:
    assert len(MUTANTS) >= 60 and len({m.name for m in MUTANTS}) == len(MUTANTS)
    assert {m.section for m in MUTANTS} >= {"§1", "§2", "§3", "§4", "§5", "§6"}
    assert {m.source for m in MUTANTS} == {"doc", "fake"}


def test_verify_agrees_with_the_unchanged_fake() -> None:
    report = verify()
    assert [r.check.name for r in report.results if not r.agree] == []


@pytest.mark.parametrize("mutant", sample(), ids=lambda m: f"[{m.source}] {m.section} {m.name}")
def test_verify_catches_the_mutant(mutant: Mutant) -> None:
    report = verify(mutant)
    caught = [r for r in report.results if not r.agree]
    assert caught, f"verify did not notice: {mutant.name}"
    if mutant.source == "doc":  # a documented change is a documented disagreement: exit status 1
        assert report.exit_status == 1, [r.check.name for r in caught]
