// The grid's model: the traits of widgets/grid.py's ThumbnailGrid as the front end reads
// them (the grid and its toolbar both use it; neither imports the other for it).
import type { GridAction, ThumbnailBatch } from "../generated/protocol";
import type { Category } from "../overlay/types";

/** The synced traits of widgets/grid.py (ThumbnailGrid). */
export interface GridModel {
  _item_kind: "image" | "object";
  // Item ids (image or object ids) as int64, by row: only shown (data-item-id), never
  // computed with. The browser selects rows; Python maps them to ids.
  _image_ids: DataView;
  _order: DataView; // int32 dataset rows, in shown order
  _render_version: number;
  _categories: Category[];
  _runs: string[]; // prediction runs by name, in the dataset's order
  _run_numbers: number[]; // each run's number: an overlay object's `source` (0: ground truth)
  _sortable_columns: string[];
  _emphasis: Record<string, string[]>; // image row -> "source:row" of the objects to emphasise
  _initial_batch: { result?: ThumbnailBatch; buffers?: DataView[] }; // cached first screen
  _thumbnail_side: number; // the long side thumbnails are rendered at; twice that for large cells
  _selected_rows: number[]; // rows of the selected items (Python's `selected` holds ids)
  sort_by: string | null;
  thumbnail_size: number;
  height: number;
  show_ground_truth: boolean;
  visible_runs: string[];
  score_threshold: number;
  show_masks: boolean;
  show_boxes: boolean;
  color_by: "category" | "match";
  iou_threshold: number;
  evaluation_counts: { tp?: number; fp?: number; fn?: number };
  count_category: number | null; // the class evaluation_counts counts (null: every class)
  _iou_thresholds: number[];
  _evaluated_run: string;
  _tag_table: "" | "images" | "annotations"; // what the items are, as tags name tables ("": untaggable)
  _tag_names: string[]; // the tags that table has
  tag_filter: string | null; // only items with this tag (null: all)
  tag_filter_negate: boolean; // only those without it
  _slice_names: string[]; // the dataset's slices (ds.slices)
  slice_filter: string | null; // only the items of this slice's images (null: all)
  slice_filter_negate: boolean; // only those of the other images
  _actions: GridAction[]; // what a widget built on the grid adds (toolbar buttons, keys)
}
