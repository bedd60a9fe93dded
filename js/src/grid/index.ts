// Entry point of the CocoGrid front end (bundled to static/grid.js).
import type { AnyModel, RenderProps } from "@anywidget/types";
import { GridView } from "./grid";
import type { GridModel } from "./model";
import "./grid.css";

function render({ model, el }: RenderProps<GridModel>): () => void {
  const view = new GridView(model as AnyModel<GridModel>, el);
  return () => view.dispose();
}

export default { render };
