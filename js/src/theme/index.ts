// Tells Python whether the page shows a dark theme (widgets/theme.py's PageTheme), for
// charts whose colours bqplot interpolates itself and so cannot be CSS variables.
import type { RenderProps } from "@anywidget/types";

/** The traits of widgets/theme.py's PageTheme. */
interface PageThemeModel {
  dark: boolean;
}

/** JupyterLab and Notebook 7 mark the theme on the body; VS Code marks it with a class. */
function pageIsDark(): boolean {
  const body = document.body;
  const light = body.dataset.jpThemeLight;
  if (light !== undefined) return light === "false";
  return body.classList.contains("vscode-dark") || body.classList.contains("vscode-high-contrast");
}

function render({ model, el }: RenderProps<PageThemeModel>): () => void {
  el.hidden = true;
  const report = (): void => {
    const dark = pageIsDark();
    if (model.get("dark") === dark) return;
    model.set("dark", dark);
    model.save_changes();
  };
  report();
  // A theme switched while the widget is shown (Settings > Theme) recolours at once.
  const observer = new MutationObserver(report);
  observer.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "class"] });
  return () => observer.disconnect();
}

export default { render };
