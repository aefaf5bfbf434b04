// Cohorts: acquisition-month cohorts as a retention (or revenue) heatmap, from the latest cohorts
// run (GET /v1/analytics/cohorts).

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Heatmap } from '../charts.js';
import { fmtInt, fmtMoney, fmtPct } from '../format.js';
import { RunButton } from '../runs.js';
import { Empty, ErrorBox, Loading, Page, html, useLoad } from '../ui.js';

export function Cohorts() {
  const [metric, setMetric] = useState('retention');
  const data = useLoad(async (signal) => {
    try {
      return await api.get('/v1/analytics/cohorts?format=json', { signal });
    } catch (error) {
      if (error.status === 404) return null;
      throw error;
    }
  }, []);
  const d = data.data;
  const cohorts = d && d.cohorts ? d.cohorts.cohorts || [] : [];
  const maxAge = d && d.cohorts ? d.cohorts.max_age : 0;
  const ages = Array.from({ length: maxAge + 1 }, (_, i) => `month ${i}`);
  return html`<${Page} title="Cohorts"
      intro="Customers grouped by the month of their first purchase; each cell is the share of the cohort buying again that many months later (or the cohort's revenue in that month)."
      actions=${html`<${RunButton} kind="cohorts" label="Recompute cohorts" onDone=${() => data.reload()} />`}>
    <${ErrorBox} error=${data.error} what="Cohorts" />
    ${data.loading && !d ? html`<${Loading} what="cohorts" />` : null}
    ${!data.loading && !d && !data.error ? html`<${Empty}>No cohorts run yet: recompute them.<//>` : null}
    ${cohorts.length ? html`
      <fieldset class="toggle"><legend>Show</legend>
        <label><input type="radio" name="metric" value="retention" checked=${metric === 'retention'} onChange=${() => setMetric('retention')} /> retention</label>
        <label><input type="radio" name="metric" value="revenue" checked=${metric === 'revenue'} onChange=${() => setMetric('revenue')} /> revenue</label>
      </fieldset>
      <${Heatmap} caption=${`${metric === 'retention' ? 'Retention' : 'Revenue'} by acquisition month (run ${d.run})`}
        rowLabels=${cohorts.map((c) => `${c.cohort} (${fmtInt(c.size)})`)} columnLabels=${ages}
        values=${cohorts.map((c) => (metric === 'retention' ? c.retention : c.revenue))}
        format=${metric === 'retention' ? fmtPct : fmtMoney} />
      <p class="muted">Month 0 is always 100 %; the shading scales from 0 to the largest value after month 0. The latest month may be incomplete.</p>` : null}
  <//>`;
}
