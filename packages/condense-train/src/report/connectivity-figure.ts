import type { LayerConnectivity } from '@condensenet/core';
import { GLYPH_HEIGHT, textWidth } from './font.js';
import { Raster, type Rgb } from './raster.js';

const INK: Rgb = [40, 40, 40];
const MUTED: Rgb = [120, 120, 120];
/** A source that is not among the layer's inputs (it comes later). */
const ABSENT: Rgb = [244, 244, 244];
const MARGIN = 24;
const TITLE_SCALE = 2;
const GAP = 30;

/** White (none of the source's channels read) to dark blue (all of them). */
function shade(fraction: number): Rgb {
  const low: Rgb = [255, 255, 255];
  const high: Rgb = [8, 48, 107];
  return low.map((l, i) => Math.round(l + (high[i] - l) * fraction)) as unknown as Rgb;
}

/**
 * The learned connectivity as the paper draws it: one heatmap per dense block (and one for the
 * condensing classifier), a row per group of each layer, a column per source layer (the stem and
 * every earlier dense layer), shaded by the share of that source's output channels the group
 * reads, with the count written in the cell while cells are wide enough to hold it.
 */
export function renderConnectivity(layers: readonly LayerConnectivity[], title: string): Buffer {
  const sources = layers.reduce((a, l) => (l.sources.length > a.length ? l.sources : a), layers[0]?.sources ?? []);
  // Large models get small cells: a row label per layer instead of per group, no numbers.
  const large = sources.length > 40;
  const cellWidth = large ? 14 : 34;
  const cellHeight = large ? 7 : 16;
  const rowLabel = (l: LayerConnectivity, g: number) => (large ? (g === 0 ? l.label : '') : l.groups > 1 ? `${l.label} group ${g + 1}` : l.label);
  const panels = [...new Set(layers.map((l) => l.block))].map((block) => layers.filter((l) => l.block === block));
  const labelWidth = Math.max(...layers.flatMap((l) => Array.from({ length: l.groups }, (_, g) => textWidth(rowLabel(l, g), 1)))) + 10;
  // Column labels spread over as many lines as it takes for each to have room.
  const labelLines = Math.ceil((Math.max(...sources.map((s) => textWidth(s.label, 1))) + 4) / cellWidth);
  const header = labelLines * (GLYPH_HEIGHT + 3) + 6;
  const panelHeight = (rows: number) => 2 * GLYPH_HEIGHT + 8 + header + rows * cellHeight;
  const rowsOf = (panel: LayerConnectivity[]) => panel.reduce((n, l) => n + l.groups, 0);
  const legend = 40;
  const width = Math.max(MARGIN * 2 + labelWidth + sources.length * cellWidth, textWidth(title, TITLE_SCALE) + 2 * MARGIN, 420);
  const top = MARGIN + 2 * GLYPH_HEIGHT * TITLE_SCALE + 12;
  const height = top + legend + panels.reduce((h, p) => h + panelHeight(rowsOf(p)) + GAP, 0) + MARGIN;
  const raster = new Raster(width, height);

  raster.text(MARGIN, MARGIN, title, INK, TITLE_SCALE);
  raster.text(MARGIN, MARGIN + GLYPH_HEIGHT * TITLE_SCALE + 8, 'cell: of the output channels of a source layer, how many the group reads (shade: what share)', MUTED);
  drawLegend(raster, MARGIN, top);

  let y = top + legend;
  for (const panel of panels) {
    const classifier = panel[0].name === 'classifier';
    raster.text(MARGIN, y, classifier ? 'condensing classifier: features kept' : `dense block ${panel[0].block + 1}`, INK, TITLE_SCALE);
    y += 2 * GLYPH_HEIGHT + 8;
    const columns = panel[panel.length - 1].sources;
    const left = MARGIN + labelWidth;
    columns.forEach((s, c) => {
      const x = left + c * cellWidth + cellWidth / 2 - textWidth(s.label, 1) / 2;
      raster.text(x, y + (c % labelLines) * (GLYPH_HEIGHT + 3), s.label, INK);
    });
    raster.text(left - textWidth('source:', 1) - 10, y, 'source:', MUTED);
    y += header;
    for (const layer of panel) {
      for (let g = 0; g < layer.groups; g++) {
        const label = rowLabel(layer, g);
        raster.text(left - 10 - textWidth(label, 1), y + (cellHeight - GLYPH_HEIGHT) / 2, label, INK);
        columns.forEach((s, c) => {
          const x = left + c * cellWidth;
          if (c >= layer.sources.length) {
            raster.fillRect(x, y, cellWidth - 1, cellHeight - 1, ABSENT);
            return;
          }
          const kept = layer.kept[g * layer.sources.length + c];
          const fraction = kept / s.width;
          raster.fillRect(x, y, cellWidth - 1, cellHeight - 1, shade(fraction));
          if (!large) {
            const text = String(kept);
            raster.text(x + (cellWidth - textWidth(text, 1)) / 2, y + (cellHeight - GLYPH_HEIGHT) / 2, text, fraction > 0.5 ? [255, 255, 255] : INK);
          }
        });
        y += cellHeight;
      }
      // A thin line between layers keeps their groups together.
      raster.line(left, y - 1, left + columns.length * cellWidth - 2, y - 1, [255, 255, 255]);
    }
    y += GAP;
  }
  return raster.toPng();
}

function drawLegend(raster: Raster, x: number, y: number): void {
  const steps = 100;
  const barWidth = 200;
  raster.text(x, y + 2, '0%', INK);
  const left = x + textWidth('0%', 1) + 6;
  for (let i = 0; i < steps; i++) raster.fillRect(left + (i * barWidth) / steps, y, barWidth / steps + 1, 12, shade(i / (steps - 1)));
  const end = 'all of the source layer';
  raster.text(left + barWidth + 6, y + 2, end, INK);
  const absent = left + barWidth + 6 + textWidth(end, 1) + 24;
  raster.fillRect(absent, y, 24, 12, ABSENT);
  raster.text(absent + 30, y + 2, 'not an input of the layer', INK);
}
