"""Confusion matrices of a binary verdict against a label, with precision, recall and F1."""

from __future__ import annotations

import pytest

from ringfence.labels import binary_agreement


def test_counts_and_scores() -> None:
    pairs = [(True, True)] * 6 + [(True, False)] * 2 + [(False, True)] * 3 + [(False, False)] * 9

    matrix = binary_agreement(pairs, {"model": "m"})

    assert matrix.group == {"model": "m"}
    counts = (
        matrix.true_positive,
        matrix.false_positive,
        matrix.false_negative,
        matrix.true_negative,
    )
    assert counts == (6, 2, 3, 9)
    assert matrix.precision == pytest.approx(6 / 8)
    assert matrix.recall == pytest.approx(6 / 9)
    assert matrix.f1 == pytest.approx(2 * 0.75 * (6 / 9) / (0.75 + 6 / 9))
    assert matrix.accuracy == pytest.approx(15 / 20)


def test_undefined_scores_are_none() -> None:
    negatives = binary_agreement([(False, False)] * 4)

    assert negatives.precision is None
    assert negatives.recall is None
    assert negatives.f1 is None
    assert negatives.accuracy == 1.0


def test_all_wrong_has_no_f1() -> None:
    matrix = binary_agreement([(True, False), (False, True)])

    assert matrix.precision == 0.0
    assert matrix.recall == 0.0
    assert matrix.f1 is None


def test_empty() -> None:
    matrix = binary_agreement([])

    assert matrix.total == 0
    assert matrix.accuracy is None
