"""Binning and cross-filtered distributions."""

from __future__ import annotations

import numpy as np
import pytest

from cocowidget.dataset import CocoDataset
from cocowidget.views.binning import choose_bins
from cocowidget.views.columns import ColumnCatalog
from cocowidget.views.distributions import Distributions
from cocowidget.views.filters import FilterSet

from .test_filters import small_dataset


# -- binning ---------------------------------------------------------------------------------
def test_small_integers_get_one_bin_each() -> None:
    bins = choose_bins(np.array([0, 1, 1, 2, 7], dtype=float))
    assert bins.integer and bins.scale == "linear"
    assert bins.centers.tolist() == list(range(8))


def test_a_constant_column_still_has_neighbours() -> None:
    bins = choose_bins(np.array([3.0, 3.0]))
    assert bins.count == 3 and bins.centers.tolist() == [2.0, 3.0, 4.0]


def test_long_tails_get_log_bins() -> None:
    rng = np.random.default_rng(0)
    areas = np.exp(rng.uniform(np.log(10), np.log(300_000), 5000))
    bins = choose_bins(areas)
    assert bins.scale == "log"
    assert bins.edges[0] == pytest.approx(areas.min()) and bins.edges[-1] == areas.max()
    widths = np.diff(np.log(bins.edges))
    assert np.allclose(widths, widths[0])


def test_one_outlier_does_not_make_a_log_axis() -> None:
    widths = np.r_[np.full(999, 640.0) - np.arange(999) % 300, 100_000.0]
    assert choose_bins(widths).scale == "linear"


def test_zeros_keep_a_linear_axis() -> None:
    # Half the values at zero would vanish from a log axis.
    values = np.r_[np.zeros(500), np.geomspace(1e-4, 1, 500)]
    assert choose_bins(values).scale == "linear"


def test_wide_integer_columns_get_integer_wide_bins() -> None:
    bins = choose_bins(np.arange(100, 1000, dtype=float), integral=True)
    widths = np.diff(bins.edges)
    assert np.all(widths == widths[0]) and widths[0] == round(widths[0])
    assert bins.edges[0] == 99.5


def test_bin_index_puts_the_top_edge_in_the_last_bin_and_nan_nowhere() -> None:
    bins = choose_bins(np.linspace(0.0, 1.0, 101))
    index = bins.index(np.array([0.0, 1.0, np.nan, -5.0, np.inf]))
    n = bins.count
    assert index.tolist() == [0, n - 1, n, n, n]


def test_bin_counts_equal_numpy_histogram() -> None:
    rng = np.random.default_rng(1)
    values = rng.gamma(2.0, 50.0, 10_000)
    bins = choose_bins(values)
    counts = np.bincount(bins.index(values), minlength=bins.count + 1)[: bins.count]
    assert counts.tolist() == np.histogram(values, bins.edges)[0].tolist()


# -- distributions ---------------------------------------------------------------------------
@pytest.fixture
def ds() -> CocoDataset:
    return small_dataset()


@pytest.fixture
def distributions(ds: CocoDataset) -> Distributions:
    return Distributions(FilterSet(ColumnCatalog.of(ds)))


def test_a_chart_ignores_its_own_filter(distributions: Distributions) -> None:
    before = distributions.histogram("width")
    distributions.filters.assign({"width": (600, 700)})
    after = distributions.histogram("width")
    assert after.filtered.tolist() == before.full.tolist()
    # ...while another chart shows it.
    height = distributions.histogram("height")
    assert height.filtered.sum() == 1 and height.full.sum() == 4


def test_object_chart_counts_objects_of_matching_images(distributions: Distributions) -> None:
    distributions.filters.assign({"width": (300, 700), "annotations.area": (None, 1024)})
    classes = distributions.categories("annotations.category_name")
    assert classes.labels == ("person", "car")
    assert classes.full.tolist() == [3, 2]
    # Small objects in images 300-700 px wide: the person of image 1, the car of image 2.
    assert classes.filtered.tolist() == [1, 1]
    # The area chart drops its own filter: every object of images 300-700 px wide.
    area = distributions.histogram("annotations.area")
    assert area.filtered.sum() == 4 and area.full.sum() == 5


def test_values_without_a_bin_are_counted_apart(ds: CocoDataset) -> None:
    ds.images["brightness"][:] = [10.0, np.nan, 200.0, np.nan]
    distributions = Distributions(FilterSet(ColumnCatalog.of(ds)))
    histogram = distributions.histogram("brightness")
    assert histogram.full.sum() == 2 and histogram.unbinned_full == 2
    distributions.filters.assign({"width": (300, 700)})  # images 1 (10) and 2 (NaN)
    assert distributions.histogram("brightness").unbinned_filtered == 1


def test_kinds_are_checked(distributions: Distributions) -> None:
    with pytest.raises(TypeError, match="bars"):
        distributions.histogram("annotations.category_name")
    with pytest.raises(TypeError, match="histogram"):
        distributions.categories("width")


def test_a_replaced_column_is_rebinned(ds: CocoDataset, distributions: Distributions) -> None:
    assert distributions.histogram("width").full.sum() == 4
    ds.images["width"] = np.array([1, 1, 1, 2])
    histogram = distributions.histogram("width")
    assert histogram.bins.integer and histogram.full[histogram.bins.centers == 1][0] == 3
