"""Which run an evaluation was made of: the run itself, not its name or its arrays.

``ds.evaluate(run)`` keeps the :class:`~cocowidget.data.runs.Run` of ``ds.runs`` it
evaluated. A renamed run is the same object under its new name, so the evaluation
follows it; a removed or replaced run leaves the registry (a replacement is a new Run
with a new number), so the evaluation is then of detections the dataset no longer has,
and saying so beats guessing from arrays. A subset has runs of its own (new objects,
holding other rows), so an evaluation of the whole dataset is of none of them.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData
    from cocowidget.data.runs import Run, RunRegistry


class RunOrigin:
    """The run an evaluation was made of and the registry (dataset) that held it then.

    The registry is held weakly: an evaluation kept after its dataset is gone must not
    keep every other run's detections alive.
    """

    def __init__(self, registry: RunRegistry, name: str, dataset: CocoData | None = None) -> None:
        self.run: Run = registry[name]
        self._registry = weakref.ref(registry)
        self._dataset = None if dataset is None else weakref.ref(dataset)

    @property
    def dataset(self) -> CocoData | None:
        """The dataset evaluated, while it lives: where ``ev.by_metric`` finds columns by
        name and ``ev.by_slice`` the slices (held weakly, as the registry)."""
        return None if self._dataset is None else self._dataset()

    @property
    def name(self) -> str:
        """The run's name now (a rename changes it)."""
        return self.run.name

    def name_in(self, registry: RunRegistry) -> str:
        """The run's name in ``registry``; a ``ValueError`` saying why it is not there."""
        run = self.run
        if registry.holds(run):
            return run.name
        if self._registry() is not registry:
            raise ValueError(
                f"the evaluation is of run {run.name!r} of another dataset (a subset has "
                "runs of its own: evaluate the subset's run)"
            )
        now = (
            f"; the run named {run.name!r} now is another (evaluate it: ds.evaluate({run.name!r}))"
            if run.name in registry
            else ""
        )
        raise ValueError(
            f"the run {run.name!r} this evaluation was made of was removed from the dataset "
            f"or replaced{now}"
        )

    def __repr__(self) -> str:
        return f"RunOrigin({self.run.name!r}, number {self.run.number})"
