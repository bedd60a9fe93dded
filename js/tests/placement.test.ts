// Where the hover preview goes: never over the hovered cell, inside the viewport, clear of
// the cell's neighbours when that still leaves a good-sized image.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { contains, corridor, MARGIN, placePreview, type PlacementInput, type Rect } from "../src/grid/placement";

const overlaps = (a: Rect, b: Rect) =>
  a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;

function input(viewport: [number, number], cell: [number, number], image: [number, number], size = 160): PlacementInput {
  return {
    viewport: { width: viewport[0], height: viewport[1] },
    cell: { left: cell[0], top: cell[1], width: size, height: size + 18 },
    neighbour: { width: size + 20, height: size + 22 },
    image: { width: image[0], height: image[1] },
    chrome: { width: 18, height: 120 },
    minTextWidth: 320,
  };
}

test("the preview is never over its cell and always inside the viewport", () => {
  for (const [vw, vh] of [[800, 900], [1400, 1000], [1024, 600], [640, 480]]) {
    for (const image of [[640, 480], [480, 640], [1000, 200], [200, 1000], [100, 80]] as [number, number][]) {
      for (let x = 0; x + 160 <= vw; x += 97) {
        for (let y = 0; y + 178 <= vh; y += 89) {
          const place = input([vw, vh], [x, y], image);
          const placement = placePreview(place);
          if (!placement) continue; // no room at all
          const { box } = placement;
          const where = `${vw}x${vh}, cell at ${x},${y}, image ${image}: ${JSON.stringify(box)}`;
          assert.ok(!overlaps(box, place.cell), `over the cell: ${where}`);
          assert.ok(box.left >= MARGIN - 0.5 && box.top >= MARGIN - 0.5, `off the top left: ${where}`);
          assert.ok(box.left + box.width <= vw - MARGIN + 0.5, `off the right: ${where}`);
          assert.ok(box.top + box.height <= vh - MARGIN + 0.5, `off the bottom: ${where}`);
          assert.ok(placement.shownWidth <= image[0] && placement.shownHeight <= image[1], `upscaled: ${where}`);
        }
      }
    }
  }
});

test("it goes to the side with more room", () => {
  // A cell near the left edge of a wide window: the room is on its right.
  assert.equal(placePreview(input([1400, 1000], [300, 400], [640, 480]))?.side, "right");
  assert.equal(placePreview(input([1400, 1000], [1000, 400], [640, 480]))?.side, "left");
  // A wide image over a cell in the top rows of a tall, narrow window: below.
  assert.equal(placePreview(input([800, 1200], [320, 60], [640, 360]))?.side, "below");
});

test("it keeps the next column clear when the image still shows large, else it sits beside", () => {
  const wide = placePreview(input([1400, 1000], [968, 300], [640, 427]))!;
  assert.equal(wide.side, "left");
  assert.ok(wide.clearsNeighbour);
  assert.ok(wide.box.left + wide.box.width <= 968 - 180, "the neighbour column is covered");
  assert.equal(wide.shownWidth, 640); // the image at its own size, all the same
  // No room for that in a narrow window: beside the cell, over its neighbours.
  const narrow = placePreview(input([800, 700], [568, 260], [640, 480]))!;
  assert.equal(narrow.clearsNeighbour, false);
});

test("the way from the cell to its preview is its corridor", () => {
  const place = input([1400, 1000], [968, 300], [640, 427]);
  const placement = placePreview(place)!;
  const strip = corridor(place.cell, placement);
  const midway = (placement.box.left + placement.box.width + place.cell.left) / 2;
  assert.ok(contains(strip, midway, place.cell.top + 80));
  assert.ok(!contains(strip, place.cell.left + 80, place.cell.top + 80), "the cell itself is not in it");
  assert.ok(!contains(strip, place.cell.left + 400, place.cell.top + 80), "nor the other side");
});
