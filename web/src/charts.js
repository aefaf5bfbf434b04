// Charts: time series with uPlot, and plain SVG/HTML for the scatter, heatmap and funnel (each
// with its numbers in text as well, so the figures are readable without seeing the colours).

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { html } from './ui.js';
import { fmtInt, fmtNum, fmtPct } from './format.js';

// Colour-blind-safe palette (Okabe-Ito), then greys.
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00',
  '#F0E442', '#000000', '#7f7f7f', '#b0b0b0'];

export function colourOf(index) {
  if (index < 0) return '#9a9a9a';  // noise
  return PALETTE[index % PALETTE.length];
}

// x: unix seconds; series: [{label, values, colour?}]
export function LineChart({ x, series, height = 220, label, yLabel }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const width = Math.max(300, box.current.clientWidth || 600);
    const options = {
      width,
      height,
      scales: { x: { time: true } },
      axes: [{}, { label: yLabel, size: 60 }],
      series: [{}, ...series.map((s, i) => ({
        label: s.label,
        stroke: s.colour || PALETTE[i],
        width: 2,
        points: { show: false },
      }))],
      legend: { show: true },
    };
    plot.current = new uPlot(options, [x, ...series.map((s) => s.values)], box.current);
    const observer = new ResizeObserver(() => {
      if (plot.current && box.current) {
        plot.current.setSize({ width: Math.max(300, box.current.clientWidth), height });
      }
    });
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      plot.current.destroy();
      plot.current = null;
    };
  }, [series.length, height]);
  useEffect(() => {
    if (plot.current) plot.current.setData([x, ...series.map((s) => s.values)]);
  });
  return html`<figure class="chart">
    <div ref=${box} role="img" aria-label=${label}></div>
    <figcaption class="sr-only">${label}</figcaption>
  </figure>`;
}

// points: [[x, y, cluster], ...]
export function Scatter({ points, label, width = 640, height = 420, xLabel = 'x', yLabel = 'y' }) {
  if (!points || points.length === 0) return null;
  const pad = 36;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const [px, py] of points) {
    minX = Math.min(minX, px); maxX = Math.max(maxX, px);
    minY = Math.min(minY, py); maxY = Math.max(maxY, py);
  }
  const spanX = maxX - minX || 1;
  const spanY = maxY - minY || 1;
  const sx = (v) => pad + ((v - minX) / spanX) * (width - 2 * pad);
  const sy = (v) => height - pad - ((v - minY) / spanY) * (height - 2 * pad);
  return html`<figure class="chart">
    <svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label=${label}
         class="scatter">
      <rect x=${pad} y=${pad / 2} width=${width - 2 * pad} height=${height - 1.5 * pad}
            fill="none" stroke="#d0d4da" />
      ${points.map(([px, py, c]) => html`<circle cx=${sx(px).toFixed(1)} cy=${sy(py).toFixed(1)}
          r="3" fill=${colourOf(c)} fill-opacity="0.7" />`)}
      <text x=${width / 2} y=${height - 6} text-anchor="middle" class="axis-label">${xLabel}</text>
      <text x="12" y=${height / 2} text-anchor="middle" class="axis-label"
            transform="rotate(-90 12 ${height / 2})">${yLabel}</text>
    </svg>
  </figure>`;
}

// A matrix as a table whose cells are shaded by value (0..max); `format` renders a cell.
export function Heatmap({ caption, rowLabels, columnLabels, values, format = fmtPct, max }) {
  let top = max;
  if (top === undefined) {
    top = 0;
    for (const row of values) for (let i = 1; i < row.length; i++) top = Math.max(top, row[i] ?? 0);
    if (top <= 0) top = 1;
  }
  const shade = (v) => {
    if (v === null || v === undefined) return 'transparent';
    const t = Math.max(0, Math.min(1, v / top));
    // white -> #1f4e8c
    const r = Math.round(255 - t * (255 - 31));
    const g = Math.round(255 - t * (255 - 78));
    const b = Math.round(255 - t * (255 - 140));
    return `rgb(${r}, ${g}, ${b})`;
  };
  return html`<div class="table-wrap"><table class="heatmap">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">Cohort</th>${columnLabels.map((c) => html`<th scope="col" class="num">${c}</th>`)}</tr></thead>
    <tbody>${values.map((row, r) => html`<tr>
      <th scope="row">${rowLabels[r]}</th>
      ${columnLabels.map((_, c) => {
        const v = row[c];
        const dark = v !== undefined && v !== null && v / top > 0.55;
        return html`<td class="num" style=${`background:${shade(v)};color:${dark ? '#fff' : '#1b1f24'}`}>
          ${v === undefined || v === null ? '' : format(v)}</td>`;
      })}
    </tr>`)}</tbody>
  </table></div>`;
}

// Horizontal bars: items [{label, value, note?}], widths relative to the largest value.
export function Bars({ items, label, format = fmtInt }) {
  const top = Math.max(1, ...items.map((i) => i.value || 0));
  return html`<ul class="bars" aria-label=${label}>
    ${items.map((item, i) => html`<li>
      <span class="bar-label">${item.label}</span>
      <span class="bar-track"><span class="bar" style=${`width:${((item.value || 0) / top) * 100}%;background:${item.colour || PALETTE[0]}`}></span></span>
      <span class="bar-value">${format(item.value)}${item.note ? html` <span class="muted">${item.note}</span>` : null}</span>
    </li>`)}
  </ul>`;
}

export { fmtNum };
