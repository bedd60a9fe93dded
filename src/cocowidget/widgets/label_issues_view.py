"""LabelIssuesView: review candidate label mistakes one crop at a time, accept or reject.

A grid of the candidates (views/issue_items.py: the label and the detection drawn
together, kind, score and fix as the caption), most likely first; keys ``a`` / ``r`` /
``u`` (or the toolbar's buttons) accept, reject or return to review the picked
candidates, and those decided leave the "to review" list so the next comes up under the
keyboard focus. ``view.accepted`` is what :meth:`~cocowidget.dataset.CocoDataset.apply_fixes`
takes. The widget decides nothing itself: it shows, and records the user's decisions.
"""

from __future__ import annotations

import html
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np
import numpy.typing as npt
import traitlets

from cocowidget._arguments import checked_keywords, checked_methods
from cocowidget.analysis.issue_kinds import KINDS
from cocowidget.analysis.label_issues import COLUMNS
from cocowidget.data.table import Table
from cocowidget.views.issue_items import STATUSES, IssueItems
from cocowidget.widgets.snapshot import Described, Snapshot
from cocowidget.widgets.thumbnail_grid import ThumbnailGrid

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset
    from cocowidget.media import ThumbnailService

#: What the status filter offers: one status, or every candidate.
SHOWN = (*STATUSES, "all")
LEGEND = (
    "Each crop: the label (solid line) and the model's detection (dashed) a candidate "
    "is about, in their classes' colours; caption: kind, score (how likely a real "
    "mistake), suggested fix. Keys: a accept · r reject · u back to review · "
    "t tag the candidates' images · arrows move · hover for the whole image."
)


@checked_methods
class LabelIssuesView(Described, widgets.VBox):  # type: ignore[misc]
    """Review the candidates of ``ds.label_issues(run)``: accept or reject each.

    ``issues`` is the table :meth:`~cocowidget.dataset.CocoDataset.label_issues`
    returned (or rows of it); ``run`` is the run it was found with (``None``: the run
    whose detections the table names). ``show`` picks the candidates listed by their
    decision (``"to review"``, ``"accepted"``, ``"rejected"`` or ``"all"``), ``kind``
    by their kind (``None``: all). ``accept(candidates)``, ``reject(...)`` and
    ``undo(...)`` take candidates by their row in ``issues``; ``accepted`` is the
    table of those accepted, for ``ds.apply_fixes(view.accepted)``.
    """

    show = traitlets.Enum(SHOWN, "to review")
    kind = traitlets.Unicode(None, allow_none=True)

    @checked_keywords
    def __init__(
        self,
        dataset: CocoDataset,
        issues: Table,
        run: str | None = None,
        *,
        show: str = "to review",
        kind: str | None = None,
        thumbnail_size: int = 176,
        height: int = 560,
        thumbnails: ThumbnailService | None = None,
        executor: Executor | None = None,
    ) -> None:
        missing = [name for name in COLUMNS if name not in issues]
        if missing:
            raise ValueError(
                f"issues must be a table from ds.label_issues(run); it lacks {missing}"
            )
        self.dataset = dataset
        self.issues = issues
        self.run = _run_of(dataset, issues, run)
        self._items = IssueItems(dataset, self.run, issues)
        self.grid = ThumbnailGrid(
            self._items,
            evaluation=None,
            visible_runs=[self.run],
            score_threshold=0.0,  # the candidate's detection is drawn whatever its score
            iou_threshold=None,
            color_by="category",
            thumbnails=thumbnails,
            executor=executor,
            layout=None,
            traits={"thumbnail_size": thumbnail_size, "height": height, "caption": "caption"},
        )
        self.grid.add_action(
            "accept", "accept", lambda rows: self._decide(rows, "accepted"), key="a"
        )
        self.grid.add_action(
            "reject", "reject", lambda rows: self._decide(rows, "rejected"), key="r"
        )
        self.grid.add_action(
            "undo", "back to review", lambda rows: self._decide(rows, "to review"), key="u"
        )
        self._updating = False
        self._title = widgets.Label()
        self._kind_choice = widgets.Dropdown(description="kind", layout={"width": "260px"})
        self._show_choice = widgets.ToggleButtons(
            options=list(SHOWN), style={"button_width": "86px"}
        )
        self._summary = widgets.Label()
        # Our own words (no dataset text), in an HTML widget only so that they wrap.
        self._legend = widgets.HTML(
            f"<div style='font-size:11px;line-height:1.3;color:var(--jp-ui-font-color2)'>"
            f"{html.escape(LEGEND)}</div>"
        )
        super().__init__(
            [
                self._title,
                widgets.HBox([self._kind_choice, self._show_choice, self._summary]),
                self._legend,
                self.grid,
            ]
        )
        self._kind_choice.observe(self._on_kind_choice, "value")
        self._show_choice.observe(self._on_show_choice, "value")
        self.show = show
        self.kind = kind
        self._refresh()

    # -- decisions ---------------------------------------------------------------------------
    @property
    def status(self) -> np.ndarray:
        """Each candidate's decision (``"to review"``, ``"accepted"``, ``"rejected"``),
        by row of ``issues`` (a copy)."""
        return self._items.table["status"].copy()

    @property
    def accepted(self) -> Table:
        """The accepted candidates (rows of ``issues``, in its order): what
        ``ds.apply_fixes`` applies."""
        return self.issues.take(np.flatnonzero(self._items.table["status"] == "accepted"))

    @property
    def rejected(self) -> Table:
        return self.issues.take(np.flatnonzero(self._items.table["status"] == "rejected"))

    def accept(self, candidates: npt.ArrayLike) -> None:
        """Accept the candidates at these rows of ``issues``."""
        self._set(candidates, "accepted")

    def reject(self, candidates: npt.ArrayLike) -> None:
        self._set(candidates, "rejected")

    def undo(self, candidates: npt.ArrayLike) -> None:
        """Put the candidates back to review."""
        self._set(candidates, "to review")

    @property
    def selected(self) -> list[int]:
        """The candidates selected in the grid, as rows of ``issues``."""
        return [int(row) for row in self.grid.selected]

    def _set(self, candidates: npt.ArrayLike, status: str) -> None:
        rows = np.asarray(candidates, dtype=np.int64).reshape(-1)
        if np.any((rows < 0) | (rows >= len(self.issues))):
            raise IndexError(f"candidates are rows of issues (0 to {len(self.issues) - 1})")
        self._items.set_status(rows, status)
        self.grid.selected = []
        self._refresh()

    def _decide(self, rows: list[int], status: str) -> str:
        """An action from the grid: ``rows`` are the grid's items, i.e. candidates."""
        self._set(rows, status)
        verb = {"accepted": "accepted", "rejected": "rejected"}.get(status, "back to review:")
        return f"{verb} {len(rows)} candidate{'s' if len(rows) != 1 else ''}"

    # -- what is listed ----------------------------------------------------------------------
    @traitlets.validate("kind")
    def _check_kind(self, proposal: dict[str, Any]) -> str | None:
        value = proposal["value"]
        if value is not None and value not in KINDS:
            raise traitlets.TraitError(f"kind must be one of {list(KINDS)} or None, not {value!r}")
        return value  # type: ignore[no-any-return]

    @traitlets.observe("show", "kind")
    def _on_filter(self, _change: dict[str, Any]) -> None:
        if hasattr(self, "_summary"):
            self._refresh()

    def _on_kind_choice(self, change: dict[str, Any]) -> None:
        if not self._updating:
            self.kind = change["new"] or None

    def _on_show_choice(self, change: dict[str, Any]) -> None:
        if not self._updating and change["new"] is not None:
            self.show = change["new"]

    def _refresh(self) -> None:
        table = self._items.table
        status, kinds = table["status"], table["kind"]
        listed = np.ones(len(table), dtype=bool)
        if self.show != "all":
            listed &= status == self.show
        if self.kind is not None:
            listed &= kinds == self.kind
        self.grid.show(np.flatnonzero(listed).tolist())
        self.grid.redraw()  # the captions carry the decisions
        counts = {s: int(np.count_nonzero(status == s)) for s in STATUSES}
        self._summary.value = " · ".join(f"{counts[s]:,} {s}" for s in STATUSES)
        self._title.value = (
            f"Label issues found with run “{self.run}”: {len(table):,} candidates, "
            f"{int(listed.sum()):,} listed"
        )
        options = [(f"all ({len(table):,})", "")]
        for kind in KINDS:
            n = int(np.count_nonzero(kinds == kind))
            if n:
                options.append((f"{kind} ({n:,})", kind))
        self._updating = True  # the choices follow the traits: no echo back
        try:
            if list(self._kind_choice.options) != options:
                self._kind_choice.options = options
            self._kind_choice.value = self.kind or ""
            self._show_choice.value = self.show
        finally:
            self._updating = False

    def snapshot(self) -> Snapshot:
        """What the review lists, as text and cached crops (repr and saved snapshot)."""
        return self.grid.snapshot_as("LabelIssuesView", "candidate", self.run)


def _run_of(dataset: CocoDataset, issues: Table, run: str | None) -> str:
    """The run whose detections ``issues`` names: ``run`` if given (checked), else the
    one run whose detection ids are at the table's detection rows."""
    rows, ids = issues["detection_row"], issues["detection_id"]
    named = rows >= 0

    def fits(name: str) -> bool:
        detections = dataset.predictions[name]
        if np.any(rows[named] >= len(detections)):
            return False
        return bool(np.all(detections["id"][rows[named]] == ids[named]))

    if run is not None:
        if run not in dataset.predictions:
            known = ", ".join(map(repr, dataset.predictions)) or "none"
            raise KeyError(f"no prediction run {run!r}; runs are: {known}")
        if not fits(run):
            raise ValueError(f"these label issues were not found with run {run!r}")
        return run
    fitting = [name for name in dataset.predictions if fits(name)]
    if len(fitting) == 1 or (fitting and not named.any()):
        return fitting[0]
    if not fitting:
        raise ValueError(
            "these label issues name detections that no run of the dataset has: were they "
            "found on another dataset, or was the run replaced since?"
        )
    raise ValueError(f"these label issues fit runs {fitting}: pass run=... to say which")
