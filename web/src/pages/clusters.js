// Clusters: the latest clustering run, its customers projected on two principal components and
// coloured by cluster, each cluster's summary in original units, and "save as segment".

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Scatter, colourOf } from '../charts.js';
import { fmtInt, fmtMoney, fmtNum, fmtPct, fmtTime } from '../format.js';
import { RunButton, latestRun } from '../runs.js';
import { Empty, ErrorBox, Facts, Loading, Page, Table, html, useLoad } from '../ui.js';

function SaveAsSegment({ cluster, run }) {
  const [state, setState] = useState({ busy: false, error: null, saved: null });
  const save = async () => {
    setState({ busy: true, error: null, saved: null });
    try {
      const name = `Cluster ${cluster} (${run.id})`;
      const segment = await api.post('/v1/segments', {
        name,
        rule: `cluster = ${cluster}`,
        description: `Customers of cluster ${cluster} of clustering run ${run.id} (${fmtTime(run.finishedAt)}).`,
      });
      setState({ busy: false, error: null, saved: segment });
    } catch (error) {
      setState({ busy: false, error, saved: null });
    }
  };
  if (state.saved) {
    return html`<a href=${`#/segments/${encodeURIComponent(state.saved.id)}`}>saved as ${state.saved.id}</a>`;
  }
  return html`<span>
    <button type="button" onClick=${save} disabled=${state.busy} aria-label=${`Save cluster ${cluster} as a segment`}>Save as segment</button>
    ${state.error ? html`<span class="error" role="alert">${state.error.message}</span>` : null}
  </span>`;
}

function Summary({ run }) {
  const r = run.result;
  const features = r.features || [];
  const projection = r.projection;
  const labels = [...new Set((r.clusters || []).map((c) => c.cluster))];
  return html`<div>
    <${Facts} items=${[
      ['run', `${run.id}, ${fmtTime(run.finishedAt)}`],
      ['algorithm', r.algorithm === 'kmeans' ? `k-means, k = ${r.k}` : `DBSCAN (eps ${r.eps}, min samples ${r.min_samples})`],
      ['customers', fmtInt(r.customers)],
      ['silhouette', r.silhouette !== undefined ? fmtNum(r.silhouette, 3) : '–'],
      ['features', features.join(', ')],
    ]} />
    ${projection && projection.points && projection.points.length
      ? html`<h2>Customers on the first two principal components</h2>
        <p class="muted">${fmtInt(projection.points.length)} customers shown${projection.explainedVariance ? `; the axes explain ${fmtPct(projection.explainedVariance[0])} and ${fmtPct(projection.explainedVariance[1])} of the variance of the prepared features` : ''}.</p>
        <ul class="legend" aria-label="Cluster colours">${labels.map((c) => html`<li><span class="swatch" style=${`background:${colourOf(c)}`}></span>cluster ${c}</li>`)}
          ${projection.points.some((p) => p[2] < 0) ? html`<li><span class="swatch" style=${`background:${colourOf(-1)}`}></span>noise</li>` : null}</ul>
        <${Scatter} points=${projection.points} xLabel="PC 1" yLabel="PC 2"
          label=${`Scatter plot of ${projection.points.length} customers coloured by cluster; the table below lists each cluster's size and centre`} />`
      : html`<${Empty}>This run has no projection; run the clustering again to draw one.<//>`}
    <h2>Clusters</h2>
    <${Table} caption="Cluster summaries (centres in original units)" rows=${r.clusters} rowKey=${(c) => c.cluster}
      columns=${[
        { key: 'cluster', label: 'Cluster', render: (c) => html`<span class="swatch" style=${`background:${colourOf(c.cluster)}`}></span>${c.cluster}` },
        { key: 'size', label: 'Customers', numeric: true, render: (c) => fmtInt(c.size) },
        { key: 'share', label: 'Share', numeric: true, render: (c) => fmtPct(c.share) },
        ...features.map((f) => ({ key: f, label: f, numeric: true,
          render: (c) => fmtNum(c.columns && c.columns[f] ? (c.columns[f].centre ?? c.columns[f].mean) : null) })),
        { key: 'revenue', label: 'Revenue', numeric: true, render: (c) => fmtMoney(c.revenue) },
        { key: 'revenue_share', label: 'Revenue share', numeric: true, render: (c) => fmtPct(c.revenue_share) },
        { key: 'save', label: 'Segment', render: (c) => (c.cluster >= 0 ? html`<${SaveAsSegment} cluster=${c.cluster} run=${run} />` : '–') },
      ]} />
  </div>`;
}

export function Clusters() {
  const run = useLoad((signal) => latestRun('cluster', signal), []);
  return html`<${Page} title="Clusters"
      intro="Groups the purchase data reveals by itself (k-means with k chosen by silhouette, or DBSCAN), over recency, frequency, monetary value and tenure."
      actions=${html`<${RunButton} kind="cluster" label="Run clustering" onDone=${() => run.reload()} />`}>
    <${ErrorBox} error=${run.error} what="Clustering" />
    ${run.loading && !run.data ? html`<${Loading} what="the latest clustering" />` : null}
    ${!run.loading && !run.data && !run.error ? html`<${Empty}>No clustering has run yet.<//>` : null}
    ${run.data ? html`<${Summary} run=${run.data} />` : null}
  <//>`;
}
