// Models: recommendation model versions with their validation metrics, and the prediction runs
// (BG/NBD, Gamma-Gamma, churn) with their fits, holdout AUCs and drift.

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { fmtInt, fmtMoney, fmtNum, fmtTime } from '../format.js';
import { RunButton } from '../runs.js';
import { ErrorBox, Facts, Loading, Page, Table, html, useLoad } from '../ui.js';

function Recommendation() {
  const models = useLoad((signal) => api.get('/v1/models/recommendations', { signal }), [], 5000);
  const [training, setTraining] = useState({ busy: false, error: null });
  const train = async () => {
    setTraining({ busy: true, error: null });
    try {
      await api.post('/v1/models/recommendations', { neural: false });
      setTraining({ busy: false, error: null });
      models.reload();
    } catch (error) {
      setTraining({ busy: false, error });
    }
  };
  if (models.loading && !models.data) return html`<${Loading} what="recommendation models" />`;
  if (models.error) return html`<${ErrorBox} error=${models.error} what="Recommendation models" />`;
  const m = models.data;
  const current = m.current;
  const strategies = current ? Object.entries(current.validation.strategies).map(([name, v]) => ({ name, ...v })) : [];
  return html`<section aria-labelledby="h-rec">
    <h2 id="h-rec">Recommendations</h2>
    <p>Training: ${m.training.state}${m.training.error ? ` (${m.training.error})` : ''}
      <button type="button" onClick=${train} disabled=${training.busy || m.training.state === 'running'}>Train a new version</button></p>
    <${ErrorBox} error=${training.error} what="Training" />
    ${current ? html`
      <${Facts} items=${[['served version', current.version], ['created', fmtTime(current.createdAt)],
        ['default strategy', current.strategy], ['sessions', fmtInt(current.sessions)], ['items', fmtInt(current.items)],
        ['customers', fmtInt(current.customers)], ['neural (GRU4Rec)', current.neural ? 'yes' : 'no']]} />
      <${Table} caption=${`Validation of ${current.version} on ${fmtInt(current.validation.sessions)} held-out sessions (click by click)`}
        rows=${strategies} rowKey=${(s) => s.name}
        columns=${[
          { key: 'name', label: 'Strategy', render: (s) => (s.name === current.strategy ? html`<strong>${s.name} (served)</strong>` : s.name) },
          { key: 'hr', label: 'HR@20', numeric: true, render: (s) => fmtNum(s['hr@20'], 4) },
          { key: 'mrr', label: 'MRR@20', numeric: true, render: (s) => fmtNum(s['mrr@20'], 4) },
          { key: 'cov', label: 'Coverage@20', numeric: true, render: (s) => fmtNum(s['coverage@20'], 3) },
          { key: 'events', label: 'Cases', numeric: true, render: (s) => fmtInt(s.events) },
        ]} />` : html`<p class="muted">No version trained yet.</p>`}
    <${Table} caption="Versions, newest first" rows=${m.versions} rowKey=${(v) => v.version}
      columns=${[
        { key: 'version', label: 'Version' },
        { key: 'createdAt', label: 'Created', render: (v) => fmtTime(v.createdAt) },
        { key: 'strategy', label: 'Strategy' },
        { key: 'hr', label: 'HR@20 of its strategy', numeric: true, render: (v) => fmtNum(v.validation.strategies[v.strategy] ? v.validation.strategies[v.strategy]['hr@20'] : null, 4) },
        { key: 'sessions', label: 'Sessions', numeric: true, render: (v) => fmtInt(v.sessions) },
      ]} />
  </section>`;
}

function Predictions() {
  const runs = useLoad((signal) => api.get('/v1/analytics/runs?kind=predict&limit=10', { signal }), []);
  if (runs.loading && !runs.data) return html`<${Loading} what="prediction runs" />`;
  if (runs.error) return html`<${ErrorBox} error=${runs.error} what="Prediction runs" />`;
  const list = runs.data.runs;
  const latest = list.find((r) => r.status === 'done');
  const r = latest && latest.result;
  const holdout = r && r.churn && r.churn.holdout;
  return html`<section aria-labelledby="h-pred">
    <h2 id="h-pred">Predictions</h2>
    <p><${RunButton} kind="predict" label="Run predictions now" onDone=${() => runs.reload()} /></p>
    ${r ? html`
      <${Facts} items=${[
        ['run', `${latest.id}, as of ${fmtTime(r.as_of)}`],
        ['customers / repeat buyers', `${fmtInt(r.customers)} / ${fmtInt(r.repeat_buyers)}`],
        ['BG/NBD r, α, a, b', r.bgnbd ? [r.bgnbd.r, r.bgnbd.alpha, r.bgnbd.a, r.bgnbd.b].map((x) => fmtNum(x, 4)).join(', ') : '–'],
        ['BG/NBD log-likelihood', r.bgnbd ? fmtNum(r.bgnbd.fit.log_likelihood, 1) : '–'],
        ['Gamma-Gamma p, q, γ', r.gamma_gamma ? [r.gamma_gamma.p, r.gamma_gamma.q, r.gamma_gamma.gamma].map((x) => fmtNum(x, 4)).join(', ') : '–'],
        ['CLV total / mean', r.clv ? `${fmtMoney(r.clv.total)} / ${fmtMoney(r.clv.mean)} (${r.clv.months} months)` : '–'],
        ['churn model: training rows, churn rate', r.churn ? `${fmtInt(r.churn.train_rows)}, ${fmtNum(r.churn.train_churn_rate * 100, 1)} %` : '–'],
        ['churn holdout AUC (model / 1 − P(alive) / recency)', holdout && holdout.model_auc !== undefined
          ? `${fmtNum(holdout.model_auc, 3)} / ${fmtNum(holdout.p_alive_auc, 3)} / ${fmtNum(holdout.recency_auc, 3)}`
          : holdout && holdout.error ? `not measured: ${holdout.error}` : '–'],
        ['drift (PSI against the previous run)', r.drift ? Object.entries(r.drift).filter(([k]) => k !== 'against').map(([k, v]) => `${k} ${fmtNum(v, 3)}`).join(', ') : 'no previous run'],
      ]} />` : html`<p class="muted">No finished prediction run.</p>`}
    <${Table} caption="Prediction runs, newest first" rows=${list} rowKey=${(x) => x.id}
      columns=${[
        { key: 'id', label: 'Run' },
        { key: 'status', label: 'Status' },
        { key: 'startedAt', label: 'Started', render: (x) => fmtTime(x.startedAt) },
        { key: 'auc', label: 'Holdout AUC', numeric: true, render: (x) => (x.result && x.result.churn && x.result.churn.holdout && x.result.churn.holdout.model_auc !== undefined ? fmtNum(x.result.churn.holdout.model_auc, 3) : '–') },
        { key: 'error', label: 'Error', render: (x) => x.error || '' },
      ]} />
  </section>`;
}

export function Models() {
  return html`<${Page} title="Models" intro="The models behind recommendations and predictions, with how well each did on data it had not seen.">
    <${Recommendation} />
    <${Predictions} />
  <//>`;
}
