import numpy as np
import pytest

from cocowidget.views.ordering import ImageOrder, sort_rows


def test_rows_of_keeps_the_requested_order() -> None:
    order = ImageOrder([139, 5, 285, 42])
    assert order.rows_of([285, 139]).tolist() == [2, 0]
    assert order.ids_of([3, 1]) == [42, 5]


def test_unknown_ids_are_named() -> None:
    order = ImageOrder([1, 2, 3])
    with pytest.raises(KeyError, match=r"\[7\]"):
        order.rows_of([2, 7])


def test_non_integer_ids_are_refused() -> None:
    with pytest.raises(TypeError):
        ImageOrder([1, 2]).rows_of(np.array([1.5]))


def test_sort_numeric_with_nan_last_both_directions() -> None:
    values = np.array([3.0, np.nan, 1.0, 3.0, 2.0])
    rows = np.arange(5)
    assert sort_rows(rows, values, descending=False).tolist() == [2, 4, 0, 3, 1]
    assert sort_rows(rows, values, descending=True).tolist() == [0, 3, 4, 2, 1]


def test_sort_text_is_stable_descending() -> None:
    values = np.array(["b", "a", "b", "c"], dtype=object)
    rows = np.arange(4)
    assert sort_rows(rows, values, descending=False).tolist() == [1, 0, 2, 3]
    assert sort_rows(rows, values, descending=True).tolist() == [3, 0, 2, 1]


def test_sort_only_the_given_rows() -> None:
    values = np.array([5, 4, 3, 2, 1])
    assert sort_rows(np.array([0, 2, 4]), values, descending=False).tolist() == [4, 2, 0]
