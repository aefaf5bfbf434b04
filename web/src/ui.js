// Small building blocks shared by the pages: the html tag, data loading, tables, errors.

import { h } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

// Loads `load(signal)` when `deps` change; `reload()` runs it again. With `everyMs`, polls.
// Returns {data, error, loading, reload}.
export function useLoad(load, deps = [], everyMs = 0) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    const controller = new AbortController();
    let timer = null;
    const run = async () => {
      try {
        const data = await load(controller.signal);
        if (!controller.signal.aborted) setState({ data, error: null, loading: false });
      } catch (error) {
        if (error.name === 'AbortError') return;
        if (!controller.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
      }
      if (everyMs > 0 && !controller.signal.aborted) timer = setTimeout(run, everyMs);
    };
    setState((s) => ({ ...s, loading: true }));
    run();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { ...state, reload };
}

// The page's heading; it takes the focus when the page opens so screen readers announce it.
export function Page({ title, intro, children, actions }) {
  const heading = useRef(null);
  useLayoutEffect(() => {
    if (heading.current) heading.current.focus();
  }, [title]);
  return html`<section class="page" aria-labelledby="page-title">
    <header class="page-header">
      <h1 id="page-title" tabindex="-1" ref=${heading}>${title}</h1>
      ${actions ? html`<div class="page-actions">${actions}</div>` : null}
    </header>
    ${intro ? html`<p class="intro">${intro}</p>` : null}
    ${children}
  </section>`;
}

export function ErrorBox({ error, what }) {
  if (!error) return null;
  const details = (error.errors || []).slice(0, 10);
  return html`<div class="error" role="alert">
    <strong>${what ? `${what}: ` : ''}</strong>${error.message}
    ${details.length
      ? html`<ul>${details.map((e) => html`<li>${e.path || (e.index !== undefined ? `#${e.index}` : '')} ${e.message}</li>`)}</ul>`
      : null}
  </div>`;
}

export function Loading({ what }) {
  return html`<p class="muted" role="status">Loading ${what || ''}…</p>`;
}

export function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}

// A key figure with a label; `hint` says where the number comes from.
export function Stat({ label, value, hint, id }) {
  return html`<div class="stat" id=${id}>
    <div class="stat-label">${label}</div>
    <div class="stat-value" aria-live="polite">${value}</div>
    ${hint ? html`<div class="stat-hint">${hint}</div>` : null}
  </div>`;
}

// columns: [{key, label, render?, numeric?}]
export function Table({ caption, columns, rows, rowKey, empty }) {
  if (!rows || rows.length === 0) return html`<${Empty}>${empty || 'Nothing to show.'}<//>`;
  return html`<div class="table-wrap"><table>
    ${caption ? html`<caption>${caption}</caption>` : null}
    <thead><tr>${columns.map((c) => html`<th scope="col" class=${c.numeric ? 'num' : ''}>${c.label}</th>`)}</tr></thead>
    <tbody>
      ${rows.map((row, i) => html`<tr key=${rowKey ? rowKey(row) : i}>
        ${columns.map((c) => html`<td class=${c.numeric ? 'num' : ''}>${c.render ? c.render(row) : row[c.key]}</td>`)}
      </tr>`)}
    </tbody>
  </table></div>`;
}

// A labelled definition list of [label, value] pairs.
export function Facts({ items }) {
  return html`<dl class="facts">${items.map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`)}</dl>`;
}
