"""Views: what a widget shows (filter, order, selection), computed from the data layer."""

from cocowidget.views.ordering import ImageOrder

__all__ = ["ImageOrder"]
