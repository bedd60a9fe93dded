"""What a grid does to the items the user picked: tag them, and the actions a widget
built on the grid adds (accept and reject, in the label-issues review).

Both act on rows of the grid's items (the selection, or the focused item when nothing
is selected, as the browser decides) and answer with a line for the grid's status. The
grid keeps no tags of its own: they are the dataset's (``ds.tag``), so a tag given in a
grid is in ``ds.tags``, in the sidecar file and in every other grid and explorer at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import traitlets

from cocowidget.data.tags import check_tag_name
from cocowidget.protocol.messages import ActionParams, ActionResult, GridAction, TagParams, encode
from cocowidget.widgets.rpc import Reply, RpcWidget

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset

#: An action's handler: the items' rows in, the status line out.
ActionHandler = Callable[[list[int]], str]


class ActionGrid(RpcWidget):
    """The tagging and action part of a thumbnail grid.

    ``tag_filter`` shows only the items tagged with that name (with
    ``tag_filter_negate``: only those without it); ``slice_filter`` only the items of
    that slice's images (``ds.slices``; ``slice_filter_negate``: of the others); ``None``
    shows all. They combine with each other, with ``show(ids)`` and with ``sort_by``, and
    follow the dataset: a tag given or a slice replaced elsewhere refilters.
    """

    # "images" or "annotations": what the grid's items are, as tags name tables;
    # "": items that cannot be tagged (detections).
    _tag_table = traitlets.Unicode("").tag(sync=True)
    _tag_names = traitlets.List(traitlets.Unicode()).tag(sync=True)  # the table's tags
    _actions = traitlets.List(traitlets.Dict()).tag(sync=True)  # GridAction records
    tag_filter = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    tag_filter_negate = traitlets.Bool(False).tag(sync=True)
    _slice_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    slice_filter = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    slice_filter_negate = traitlets.Bool(False).tag(sync=True)

    dataset: CocoDataset

    def _init_actions(self, tag_table: str | None) -> None:
        """Call once the dataset is set: serves ``tag`` and ``act``, lists the tags."""
        self._handlers_by_action: dict[str, ActionHandler] = {}
        self._tag_table = tag_table or ""
        self._update_names()
        self.serve("tag", TagParams, self._serve_tag)
        self.serve("act", ActionParams, self._serve_act)

    # -- for subclasses --------------------------------------------------------------------
    def _tag_ids(self) -> np.ndarray:
        """Per row of the grid's items, the id its tags are kept under (in the tag
        table: an image grid's images, a review's candidates' images, ...)."""
        raise NotImplementedError

    def _item_image_ids(self) -> np.ndarray:
        """Per row of the grid's items, the id of its image (what slices hold)."""
        raise NotImplementedError

    def _on_filter_changed(self) -> None:
        """The rows the tag filter lets through changed: show them."""
        raise NotImplementedError

    def add_action(self, name: str, label: str, handler: ActionHandler, *, key: str = "") -> None:
        """A toolbar button reading ``label`` (and key ``key``, one character) that calls
        ``handler(rows)`` with the picked items' rows; its return is the status line."""
        if len(key) > 1:
            raise ValueError(f"an action's key is one character, not {key!r}")
        self._handlers_by_action[name] = handler
        actions = [a for a in self._actions if a["name"] != name]
        self._actions = [*actions, encode(GridAction(name=name, label=label, key=key))]

    # -- the tag and slice filters ---------------------------------------------------------
    def filter_mask(self) -> np.ndarray | None:
        """Which rows the tag and slice filters let through (``None``: no filter)."""
        mask = None
        if self.tag_filter is not None and self._tag_table:
            ids = self.dataset.tags.get(self.tag_filter, {}).get(self._tag_table, [])
            tagged = np.isin(self._tag_ids(), np.asarray(ids, dtype=np.int64))
            mask = ~tagged if self.tag_filter_negate else tagged
        if self.slice_filter is not None:
            members = self.dataset.slices.get(self.slice_filter)
            inside = np.isin(self._item_image_ids(), members)
            inside = ~inside if self.slice_filter_negate else inside
            mask = inside if mask is None else mask & inside
        return mask

    @traitlets.validate("slice_filter")
    def _check_slice_filter(self, proposal: dict[str, Any]) -> str | None:
        name = proposal["value"]
        if name is not None and name not in self.dataset.slices:
            known = ", ".join(map(repr, self.dataset.slices)) or "none"
            raise traitlets.TraitError(f"no slice {name!r}; slices are: {known}")
        return name  # type: ignore[no-any-return]

    @traitlets.validate("tag_filter")
    def _check_tag_filter(self, proposal: dict[str, Any]) -> str | None:
        name = proposal["value"]
        if name is None:
            return None
        if not self._tag_table:
            raise traitlets.TraitError("these items cannot be tagged, so not filtered by tag")
        check_tag_name(name)
        return str(name)

    @traitlets.observe("tag_filter", "tag_filter_negate", "slice_filter", "slice_filter_negate")
    def _on_tag_filter(self, _change: dict[str, Any]) -> None:
        self._on_filter_changed()

    def _on_marks_changed(self) -> None:
        """The dataset's tags or slices changed (its derived columns tell the grid):
        list them, and refilter if a filter is on (the change may come from anywhere)."""
        self._update_names()
        if self.slice_filter is not None and self.slice_filter not in self.dataset.slices:
            self.slice_filter = None  # removed or renamed: there is nothing to filter by
        elif self.tag_filter is not None or self.slice_filter is not None:
            self._on_filter_changed()

    def _update_names(self) -> None:
        table = self._tag_table
        names = [n for n, tables in self.dataset.tags.items() if tables.get(table)]
        if table and self.tag_filter and self.tag_filter not in names:
            names.append(self.tag_filter)  # filtered on from Python: the list shows it
        self._tag_names = names if table else []
        self._slice_names = list(self.dataset.slices)

    # -- requests --------------------------------------------------------------------------
    def _serve_tag(self, params: TagParams) -> Reply:
        if not self._tag_table:
            raise ValueError("these items cannot be tagged")
        name = check_tag_name(params.name.strip())
        ids = _at_rows(self._tag_ids(), params.rows)
        noun = "image" if self._tag_table == "images" else "annotation"
        if params.remove:
            if name not in self.dataset.tags:
                return ActionResult(message=f"no tag “{name}”"), []
            count = self.dataset.untag(ids, name, self._tag_table)
            message = f"untagged {count} {noun}{'' if count == 1 else 's'}: {name}"
        else:
            count = self.dataset.tag(ids, name, self._tag_table)
            message = f"tagged {count} {noun}{'' if count == 1 else 's'}: {name}"
        return ActionResult(message=message), []

    def _serve_act(self, params: ActionParams) -> Reply:
        handler = self._handlers_by_action.get(params.action)
        if handler is None:
            raise ValueError(f"no action {params.action!r}")
        return ActionResult(message=handler(list(params.rows))), []


def _at_rows(values: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """``values`` at ``rows`` (from the browser: checked), each once."""
    picked = np.asarray([int(row) for row in rows], dtype=np.int64)
    if np.any((picked < 0) | (picked >= len(values))):
        raise ValueError("row out of range")
    return np.unique(values[picked])
