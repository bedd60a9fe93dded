"""CocoDataset: a COCO dataset and the analyses built on it.

It is longer than 400 lines because it is the user's API: most of its lines are the
docstrings of methods that delegate (mask folders included).

The data itself (tables, runs, derived columns, quality, export, tags) is
:class:`~cocowidget.data.tagged.TaggedData` (:class:`~cocowidget.data.dataset.CocoData`
with tags), in the data layer; this class adds the analyses, which live above it
(evaluation, label issues and their fixes), so that data never imports them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from cocowidget._arguments import checked_methods
from cocowidget.analysis import label_issues as find_label_issues
from cocowidget.analysis.fixes import apply_fixes, carry_runs, changes_table
from cocowidget.data.assembly import source_label
from cocowidget.data.lvis import lvis_fields
from cocowidget.data.runs import Run
from cocowidget.data.table import Table
from cocowidget.data.tagged import TaggedData
from cocowidget.evaluation import evaluate_dataset
from cocowidget.evaluation.columns import attach_columns
from cocowidget.evaluation.lvis_rules import LVIS_IOU_TYPES, LvisEvaluation, evaluate_lvis_dataset
from cocowidget.evaluation.mask_scores import (
    attach_mask_scores,
    attach_picked_scores,
    image_scores,
    sweep_thresholds,
)
from cocowidget.evaluation.mask_scores import threshold_sweep as sweep_counts
from cocowidget.evaluation.panoptic import evaluate_panoptic
from cocowidget.evaluation.panoptic_result import PanopticEvaluation, attach_panoptic_columns
from cocowidget.evaluation.params import IOU_TYPES, EvalParams
from cocowidget.evaluation.result import Evaluation
from cocowidget.formats.mask_folders import make_layout, read_mask_folder_parts
from cocowidget.formats.mask_png import ClassMap, MaskLayout, read_classes
from cocowidget.formats.mask_run import KINDS as MASK_KINDS
from cocowidget.formats.mask_run import PixelCounts, read_mask_run
from cocowidget.formats.panoptic import read_panoptic_parts
from cocowidget.formats.panoptic_png import PngTrouble
from cocowidget.formats.panoptic_run import read_panoptic_run
from cocowidget.progress import stages

if TYPE_CHECKING:
    from typing_extensions import Self


@checked_methods
class CocoDataset(TaggedData):
    """A COCO dataset (and any number of prediction runs) as columnar tables, with its
    evaluation and label issues. See :class:`~cocowidget.data.dataset.CocoData` for the
    tables, runs, derived columns, quality checks and export, and
    :class:`~cocowidget.data.tagged.TaggedData` for tags; build one with
    :meth:`from_coco` (or :meth:`from_coco_panoptic`)."""

    def __init__(self, **parts: Any) -> None:
        super().__init__(**parts)
        self._changes = changes_table()
        #: How the mask files say a pixel's class (a dataset of :meth:`from_mask_folders`).
        self._mask_layout: MaskLayout | None = None

    def subset(self, image_ids: Any) -> Self:
        subset = super().subset(image_ids)
        subset._mask_layout = self._mask_layout
        return subset

    @property
    def changes(self) -> Table:
        """What :meth:`apply_fixes` changed to make this dataset, one row per change
        (columns: :func:`cocowidget.analysis.fixes.changes_table`); empty for a dataset
        loaded as it is."""
        return self._changes

    def apply_fixes(
        self, accepted: Any, *, on_conflict: Literal["raise", "skip"] = "raise"
    ) -> Self:
        """A new dataset with the suggested fixes of ``accepted`` applied: rows of a
        :meth:`label_issues` table (all of it, or filtered; a ``to_pandas()`` frame of it
        too). This dataset is left as it is.

        A missing label is added from the detection's box and class (``area = w * h``
        and the box's polygon as ``COCO.loadRes`` makes them; a new id above the
        largest), a wrong class changed, a badly located box replaced (area likewise;
        a segmentation becomes the box's polygon), a duplicate or spurious label
        removed (:mod:`cocowidget.analysis.fixes`). The new dataset has the same runs
        and images, the tags of what remains (in memory: no sidecar file) and
        :attr:`changes`, the record of each change; ``to_coco`` writes it, and
        ``evaluate(run)`` on it shows what the fixes do to the run's AP. A fix that
        contradicts one before it (a change to an annotation removed, both of a
        duplicate pair removed, two classes for one) is an error naming the rows;
        ``on_conflict="skip"`` leaves it out instead (the table is most likely first).
        """
        document, changes = apply_fixes(self, accepted, on_conflict)
        fixed = type(self).from_coco(
            document,
            self.image_dir,
            allow_outside_image_dir=self._files.allow_outside,
            sidecar=False,
        )
        carry_runs(self, fixed)
        listing = self.tags
        removed = [c["annotation_id"] for c in changes if c["change"] == "remove_label"]
        for tables in listing.values():
            if "annotations" in tables:
                tables["annotations"] = [i for i in tables["annotations"] if i not in removed]
        fixed._tags.restore(listing)
        fixed._changes = changes_table(changes)
        return fixed

    @classmethod
    def from_coco_panoptic(
        cls,
        source: Any,
        png_dir: str | os.PathLike[str],
        image_dir: str | os.PathLike[str] | None = None,
        strict: bool = False,
        *,
        allow_outside_image_dir: bool = False,
    ) -> Self:
        """Load COCO panoptic annotations: the JSON (path, bytes or dict) and the folder
        of its PNGs (``png_dir``), with the images in ``image_dir``.

        Each segment of ``segments_info`` is an annotation row with its mask read from
        the PNG (segment id = ``R + 256·G + 256²·B``), so grids draw things and stuff like
        instance masks; ``ds.annotations`` adds ``segment_id`` and ``thing_or_stuff``,
        ``ds.categories`` ``isthing`` and ``color``, ``ds.images`` ``panoptic_png`` and
        ``void_fraction``. Problems (a segment missing from its PNG or the reverse, an
        area or box that disagrees with the PNG, an unknown category, a PNG missing, not
        8-bit RGB or of another size than its image) are listed with their places in
        :meth:`quality`; the rest loads. ``strict`` and ``allow_outside_image_dir`` as
        in :meth:`from_coco`. Evaluate predictions with :meth:`add_panoptic_predictions`
        and ``evaluate(run, iou_type="panoptic")``.
        """
        parts = read_panoptic_parts(
            source,
            png_dir,
            Path(image_dir) if image_dir is not None else None,
            strict=strict,
            allow_outside_image_dir=allow_outside_image_dir,
        )
        return cls._from_parts(parts, strict=strict)

    @classmethod
    def from_mask_folders(
        cls,
        image_dir: str | os.PathLike[str],
        mask_dir: str | os.PathLike[str],
        classes: Sequence[str] | dict[int, str],
        *,
        palette: dict[tuple[int, int, int], str] | None = None,
        ignore: int | tuple[int, int, int] | None = None,
        mask_suffix: str = "",
        connectivity: int = 4,
        coverage_bins: int = 10,
        strict: bool = False,
    ) -> Self:
        """Load a folder of images and a folder of their masks (semantic or binary
        segmentation), paired by file stem (``abc.jpg`` with ``abc{mask_suffix}.png``).

        ``classes``: the class names of mask values 1, 2, ... (a list) or ``{value:
        name}``; 0 is the background, and in a one-class dataset 255 is the class too
        (binary 0/255 masks). ``ignore``: a value (e.g. 255) whose pixels count for
        nothing. ``palette``: ``{(r, g, b): class name}`` for colour masks (then
        ``ignore`` is a colour). Category ids are the mask values (palette: 1, 2, ... in
        ``classes`` order).

        Each class's connected components (``connectivity`` 4 or 8) become annotations
        with RLE masks, so grids, the explorer and :meth:`evaluate` work as for
        instances; :meth:`class_mask` gives an image's class mask. Images gain
        ``coverage.<class>`` (share of the image's pixels), ``coverage``,
        ``coverage_class`` (0 empty, ``i`` for coverage in ``((i-1)/bins, i/bins]``),
        ``empty_mask``, ``ignored_fraction``, ``has_mask`` and ``mask_file``. A mask
        without an image and the reverse, a mask of another size, mode (RGB without a
        palette, ...) or depth (16-bit), and values outside the classes or palette
        (counted as ignored) are problems with the file named (:meth:`quality`); the
        rest loads. Needs scipy (the ``masks`` extra) for the components.
        """
        layout = make_layout(classes, palette, ignore, connectivity)
        if coverage_bins < 1:
            raise ValueError(f"coverage_bins must be at least 1, not {coverage_bins}")
        parts = read_mask_folder_parts(
            Path(image_dir),
            Path(mask_dir),
            layout,
            mask_suffix=mask_suffix,
            coverage_bins=coverage_bins,
            strict=strict,
        )
        dataset = cls._from_parts(parts, strict=strict)
        dataset._mask_layout = layout
        return dataset

    def class_mask(self, image_id: Any) -> ClassMap:
        """The ``(height, width)`` int16 class mask of an image of :meth:`from_mask_folders`:
        the category id of each pixel, 0 background, -1 ignored (the ignore value and
        values the classes do not know)."""
        layout = self._layout()
        path = self.images["mask_file"][self.image_row(image_id)]
        if path is None:
            raise ValueError(f"image {image_id} has no mask (see ds.quality())")
        read = read_classes(Path(path), layout)
        if isinstance(read, PngTrouble):
            raise ValueError(f"image {image_id}: {read.reason}")
        return read.classes

    def add_mask_predictions(
        self,
        folder: str | os.PathLike[str],
        name: str,
        kind: Literal["binary", "probability"] = "probability",
        *,
        threshold: float = 0.5,
        replace: bool = False,
        strict: bool | None = None,
    ) -> Table:
        """Add a run of predicted masks for a dataset of :meth:`from_mask_folders`: files
        paired with the images by stem. ``kind="binary"``: PNGs in the ground truth's
        layout; ``"probability"``: one-class probability maps, 8-bit greyscale PNGs
        (value / 255) or ``.npy`` 2-D float arrays.

        A pixel is predicted where its probability is ≥ ``threshold``; each predicted
        component is a detection of ``ds.predictions[name]`` (score: its mean
        probability), so grids draw it and ``evaluate(name, "segm")`` evaluates it. Per
        image IoU, Dice and the salt competition's hit rate
        (:mod:`cocowidget.evaluation.mask_scores`) are attached as ``"<name>.iou"``,
        ``"<name>.dice"``, ``"<name>.hit_rate"``; :meth:`threshold_sweep` and
        :meth:`mask_scores` give them at other thresholds. A prediction without an image
        and the reverse, or of another size or mode, are problems; the rest loads.
        """
        layout = self._layout()
        if kind not in MASK_KINDS:
            raise ValueError(f"kind must be one of {MASK_KINDS}, not {kind!r}")
        if kind == "probability" and len(layout.names) != 1:
            raise ValueError(
                f"probability maps need a one-class dataset; this one has "
                f"{len(layout.names)} classes (use kind='binary' with index PNGs)"
            )
        if name in self.runs and not replace:
            raise ValueError(
                f"a prediction run {name!r} exists already: pass replace=True to replace it, "
                "or choose another name"
            )
        directory = Path(folder)
        if not directory.is_dir():
            raise NotADirectoryError(f"no folder of predicted masks at {directory}")
        strict = self._strict if strict is None else strict
        with stages(f"Adding {name}", ("reading", "grouping", "checks")) as stage:
            objects, problems, parameters = read_mask_run(
                directory,
                name,
                kind,
                self.images,
                self.categories,
                layout,
                self._truth_or_none,
                threshold=float(threshold),
                strict=strict,
                stage=stage,
            )
            stage("checks")
            self._checks.check_run(objects, name, problems, strict=strict)
        run = Run(name, "masks", objects, str(directory), parameters, problems)
        self.runs.add(run, replace=replace)
        attach_mask_scores(self, name, self.mask_scores(name))
        return objects.table

    def mask_scores(
        self, run: str, threshold: float | None = None, *, attach: bool = False
    ) -> Table:
        """Per image (row-aligned with ``ds.images``) of mask run ``run`` at ``threshold``
        (``None``: the run's): ``image_id, iou, dice, hit_rate, truth_pixels,
        predicted_pixels, intersection`` (NaN / -1 where the image has no truth mask or
        no prediction). ``ds.derived`` columns stay at the run's threshold; ``attach``
        adds these as ``"<run>.picked.iou"``, ... too (grids sort by them)."""
        counts, run_threshold = self._mask_counts(run)
        scores = image_scores(self, counts, run_threshold if threshold is None else threshold)
        if attach:
            attach_picked_scores(self, run, scores)
        return scores

    def threshold_sweep(self, run: str, thresholds: int | Sequence[float] = 50) -> Table:
        """Mean IoU, mean Dice and the salt competition's score (the mean over images of
        the hit rate over IoU thresholds 0.5:0.95) per probability threshold of mask run
        ``run``: ``threshold, mean_iou, mean_dice, hit_rate, images, best, best_iou``
        (``best``: the highest hit rate; ``best_iou``: the highest mean IoU). An int
        ``n`` sweeps ``n`` evenly spaced thresholds inside (0, 1)."""
        counts, _ = self._mask_counts(run)
        if self.runs[run].parameters["kind"] != "probability":
            raise ValueError(f"run {run!r} holds binary masks: a sweep needs probability maps")
        return sweep_counts(counts, sweep_thresholds(thresholds))

    def _layout(self) -> MaskLayout:
        if self._mask_layout is None:
            raise ValueError(
                "this dataset has no mask folders: load one with CocoDataset.from_mask_folders"
            )
        return self._mask_layout

    def _truth_or_none(self, image_id: int) -> ClassMap | None:
        try:
            return self.class_mask(image_id)
        except ValueError:
            return None

    def _mask_counts(self, run: str) -> tuple[PixelCounts, float]:
        found = self.runs[run]
        if found.kind != "masks":
            raise ValueError(f"run {run!r} holds {found.kind}, not masks (add_mask_predictions)")
        return found.parameters["counts"], float(found.parameters["threshold"])

    def add_panoptic_predictions(
        self,
        source: Any,
        png_dir: str | os.PathLike[str],
        name: str,
        *,
        replace: bool = False,
        strict: bool | None = None,
    ) -> Table:
        """Add a run of panoptic predictions: a panoptic JSON (path, bytes or dict) whose
        ``annotations`` give each image's PNG and ``segments_info``, and the folder of
        those PNGs. Each predicted segment is a row of ``ds.predictions[name]`` with its
        mask, area and box from the PNG (as panopticapi reads predictions) and its
        ``segment_id``; evaluate it with ``ds.evaluate(name, iou_type="panoptic")``.
        Segments missing from their PNG and unreadable PNGs are left out with a problem;
        ``replace`` and ``strict`` as in :meth:`add_predictions`."""
        if name in self.runs and not replace:
            raise ValueError(
                f"a prediction run {name!r} exists already: pass replace=True to replace it "
                "(its evaluation columns are dropped), or choose another name"
            )
        strict = self._strict if strict is None else strict
        with stages(f"Adding {name}", ("reading", "grouping", "checks")) as stage:
            objects, problems, parameters = read_panoptic_run(
                source, png_dir, name, self.images, self.categories, strict=strict, stage=stage
            )
            stage("checks")
            self._checks.check_run(objects, name, problems, strict=strict)
        run = Run(name, "panoptic", objects, source_label(source), parameters, problems)
        self.runs.add(run, replace=replace)
        return objects.table

    # "panoptic" is also a str: the first overload wins for it (as typeshed's open()).
    @overload
    def evaluate(  # type: ignore[overload-overlap]
        self, run: str, iou_type: Literal["panoptic"]
    ) -> PanopticEvaluation: ...

    @overload
    def evaluate(
        self,
        run: str,
        iou_type: Literal["bbox", "segm"] = "bbox",
        *,
        rules: Literal["lvis"],
        iou_threshold: float | None = None,
        score_threshold: float = 0.5,
        background_iou: float = 0.1,
    ) -> LvisEvaluation: ...

    @overload
    def evaluate(
        self,
        run: str,
        iou_type: str = "bbox",
        *,
        rules: Literal["coco"] = "coco",
        iouThrs: Sequence[float] | None = None,  # noqa: N803
        recThrs: Sequence[float] | None = None,  # noqa: N803
        maxDets: Sequence[int] = (1, 10, 100),  # noqa: N803
        areaRng: Sequence[Sequence[float]] = ...,  # noqa: N803
        areaRngLbl: Sequence[str] = ...,  # noqa: N803
        useCats: bool | int = 1,  # noqa: N803
        imgIds: Sequence[int] | None = None,  # noqa: N803
        catIds: Sequence[int] | None = None,  # noqa: N803
        params: EvalParams | None = None,
        iou_threshold: float | None = None,
        score_threshold: float = 0.5,
        background_iou: float = 0.1,
    ) -> Evaluation: ...

    def evaluate(
        self,
        run: str,
        iou_type: str = "bbox",
        *,
        rules: str = "coco",
        iouThrs: Sequence[float] | None = None,  # noqa: N803 (pycocotools' Params names)
        recThrs: Sequence[float] | None = None,  # noqa: N803
        maxDets: Sequence[int] | None = None,  # noqa: N803
        areaRng: Sequence[Sequence[float]] | None = None,  # noqa: N803
        areaRngLbl: Sequence[str] | None = None,  # noqa: N803
        useCats: bool | int = 1,  # noqa: N803
        imgIds: Sequence[int] | None = None,  # noqa: N803
        catIds: Sequence[int] | None = None,  # noqa: N803
        kpt_oks_sigmas: Sequence[float] | None = None,
        params: EvalParams | None = None,
        iou_threshold: float | None = None,
        score_threshold: float = 0.5,
        background_iou: float = 0.1,
    ) -> Evaluation | LvisEvaluation | PanopticEvaluation:
        """Evaluate prediction run ``run`` exactly as pycocotools' COCOeval does (or, with
        ``iou_type="panoptic"``, as panopticapi's ``pq_compute`` does).

        Returns an :class:`~cocowidget.evaluation.Evaluation` (stats, per-class, per-image,
        per-detection and per-object tables) and adds its per-image results as image
        columns named ``"<run>.ap"``, ``"<run>.fp"``, ... (``"<run>.segm.ap"`` for masks,
        ``"<run>.keypoints.ap"`` for keypoints), so grids sort by them and explorers chart
        them.

        ``iou_type="panoptic"`` evaluates a run of :meth:`add_panoptic_predictions`
        against panoptic ground truth (:meth:`from_coco_panoptic`) and returns a
        :class:`~cocowidget.evaluation.panoptic_result.PanopticEvaluation` whose
        ``summary`` is ``pq_compute``'s result; per-image PQ, SQ, RQ, TP, FP and FN are
        attached as ``"<run>.panoptic.pq"``, ..., so grids sort images worst first.

        ``iou_type``: ``"bbox"``, ``"segm"`` or ``"keypoints"`` (OKS; ``stats`` are then
        COCOeval's 10 keypoint numbers, and only categories with keypoints are evaluated
        unless ``catIds`` says otherwise). The options are those of
        :func:`cocowidget.evaluation.evaluate`: the ``pycocotools.cocoeval.Params``
        fields with COCOeval's defaults for ``iou_type`` (``None``: ``iouThrs``
        .50:.05:.95, ``recThrs`` 0:.01:1, ``maxDets`` ``[1, 10, 100]`` or ``[20]``,
        ``areaRng`` / ``areaRngLbl``, ``useCats``, ``imgIds`` / ``catIds`` all,
        ``kpt_oks_sigmas`` COCO's 17), or ``params`` for all of them; ``iou_threshold``
        (``None``: the evaluated one closest to 0.5) and ``score_threshold``, the operating
        point of the TP/FP/FN columns; ``background_iou``, the overlap below which a false
        positive is "background".

        ``rules="lvis"`` evaluates ``"bbox"`` or ``"segm"`` as the ``lvis`` package's
        ``LVISEval`` does, on a file with LVIS's fields (each image's
        ``neg_category_ids`` and ``not_exhaustive_category_ids``, each category's
        ``frequency``; a file without them is a ``ValueError`` naming what is missing):
        federated (detections of categories neither in the image nor verified absent
        are left out; unmatched ones of categories not exhaustively labelled are
        ignored), 300 detections per image across categories, no crowds, and APr / APc /
        APf by frequency (:mod:`cocowidget.evaluation.lvis_rules`). It returns a
        :class:`~cocowidget.evaluation.lvis_rules.LvisEvaluation` whose ``results`` is
        ``LVISEval.get_results()``; its parameters are LVIS's own, so the COCOeval
        options are refused (the operating point's are taken). Columns are named
        ``"<run>.lvis.ap"`` (``"<run>.segm.lvis.ap"``), beside the COCO evaluation's;
        ``annotations.frequency`` / ``categories.frequency`` hold the groups.
        """
        if rules not in ("coco", "lvis"):
            raise ValueError(
                f"rules must be 'coco' (COCOeval's) or 'lvis' (LVISEval's), not {rules!r}"
            )
        coco_options = {
            "iouThrs": iouThrs,
            "recThrs": recThrs,
            "maxDets": maxDets,
            "areaRng": areaRng,
            "areaRngLbl": areaRngLbl,
            "useCats": None if useCats == 1 else useCats,
            "imgIds": imgIds,
            "catIds": catIds,
            "kpt_oks_sigmas": kpt_oks_sigmas,
            "params": params,
        }
        if rules == "lvis":
            return self._evaluate_lvis(
                run,
                iou_type,
                coco_options,
                iou_threshold=iou_threshold,
                score_threshold=score_threshold,
                background_iou=background_iou,
            )
        if iou_type == "panoptic":
            return self._evaluate_panoptic(run)
        if iou_type not in IOU_TYPES:
            raise ValueError(
                f"iou_type must be one of {(*IOU_TYPES, 'panoptic')}, not {iou_type!r}"
            )
        self._objects(run)  # a clear KeyError for an unknown run
        evaluation = evaluate_dataset(
            self,
            run,
            iou_type,
            iouThrs=iouThrs,
            recThrs=recThrs,
            maxDets=maxDets,
            areaRng=areaRng,
            areaRngLbl=areaRngLbl,
            useCats=useCats,
            imgIds=imgIds,
            catIds=catIds,
            kpt_oks_sigmas=kpt_oks_sigmas,
            params=params,
            iou_threshold=iou_threshold,
            score_threshold=score_threshold,
            background_iou=background_iou,
        )
        attach_columns(self, run, evaluation)
        return evaluation

    def label_issues(
        self,
        run: str,
        iou_type: str = "bbox",
        *,
        min_score: float | None = None,
        missing_iou: float | None = None,
        class_iou: float | None = None,
        location_iou: tuple[float, float] | None = None,
        duplicate_iou: float | None = None,
        spurious_iou: float | None = None,
        kinds: Sequence[str] | None = None,
    ) -> Table:
        """Candidate label mistakes that run ``run``'s detections point at, most likely
        first: missing labels, wrong classes, badly located boxes, duplicate labels and
        spurious labels, each with its score and suggested fix (one row per candidate;
        the columns: :func:`cocowidget.analysis.label_issues`).

        Also attaches each annotation's best candidate (and each detection's, for
        missing labels) as derived columns ``"<run>.issues.score"`` and
        ``"<run>.issues.kind"`` (``"<run>.segm.issues.*"`` for masks), so grids sort by
        them and explorers chart them.

        ``iou_type``: ``"bbox"`` or ``"segm"``. ``min_score``: the score from which a
        detection counts as confident; the IoU thresholds decide each kind
        (:mod:`cocowidget.analysis.issue_kinds`); ``None`` takes the default measured for
        the IoU type. ``kinds`` limits the kinds looked for.
        """
        if iou_type not in ("bbox", "segm"):
            raise ValueError(f"iou_type must be 'bbox' or 'segm', not {iou_type!r}")
        return find_label_issues(
            self,
            run,
            iou_type,  # type: ignore[arg-type]
            min_score=min_score,
            missing_iou=missing_iou,
            class_iou=class_iou,
            location_iou=location_iou,
            duplicate_iou=duplicate_iou,
            spurious_iou=spurious_iou,
            kinds=kinds,
        )

    def _evaluate_lvis(
        self,
        run: str,
        iou_type: str,
        coco_options: dict[str, Any],
        **operating_point: Any,
    ) -> LvisEvaluation:
        if iou_type not in LVIS_IOU_TYPES:
            raise ValueError(f"rules='lvis' evaluates 'bbox' or 'segm', not {iou_type!r}")
        given = [name for name, value in coco_options.items() if value is not None]
        if given:
            raise TypeError(
                f"rules='lvis' evaluates with LVISEval's own parameters (300 detections "
                f"per image, COCO's thresholds and area ranges): leave out {', '.join(given)}"
            )
        annotations = self._objects(None)
        self._objects(run)  # a clear KeyError for an unknown run
        fields = lvis_fields(
            self.images, self._image_extras, self.categories, annotations, self.source_name
        )
        evaluation = evaluate_lvis_dataset(
            self,
            run,
            iou_type,  # type: ignore[arg-type]
            fields,
            **operating_point,
        )
        attach_columns(self, run, evaluation)
        return evaluation

    def _evaluate_panoptic(self, run: str) -> PanopticEvaluation:
        self._objects(run)  # a clear KeyError for an unknown run
        evaluation = evaluate_panoptic(self, run)
        attach_panoptic_columns(self, evaluation)
        return evaluation
