"""Codes for what happened to each detection and each ground-truth object."""

from __future__ import annotations

from enum import IntEnum


class DetectionOutcome(IntEnum):
    """A detection's fate at one IoU threshold (area range ``'all'``).

    ``DUPLICATE``, ``LOCALISATION``, ``CONFUSION`` and ``BACKGROUND`` are the reasons of a
    false positive; see :mod:`cocowidget.evaluation.detections_table` for the rules.
    """

    TRUE_POSITIVE = 0
    DUPLICATE = 1
    LOCALISATION = 2
    CONFUSION = 3
    BACKGROUND = 4
    IGNORED = 5
    NOT_EVALUATED = 6

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")

    @property
    def text(self) -> str:
        """What a person reads (the preview's object list, legends)."""
        return _OUTCOME_TEXT.get(self, self.label)


_OUTCOME_TEXT = {
    DetectionOutcome.LOCALISATION: "localisation error",
    DetectionOutcome.CONFUSION: "class confusion",
}


class GroundTruthStatus(IntEnum):
    """A ground-truth object's fate at one IoU threshold (area range ``'all'``)."""

    MATCHED = 0
    MISSED = 1
    IGNORED = 2
    NOT_EVALUATED = 3

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


FALSE_POSITIVE_REASONS = (
    DetectionOutcome.DUPLICATE,
    DetectionOutcome.LOCALISATION,
    DetectionOutcome.CONFUSION,
    DetectionOutcome.BACKGROUND,
)
