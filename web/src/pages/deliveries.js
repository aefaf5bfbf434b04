// Deliveries: message outcomes summed over every journey (GET /v1/deliveries/summary), this
// node's delivery counters since it started (/metrics) and the dead letters, newest keys first
// page by page (GET /v1/deliveries/dead-letters).

import { useState } from 'preact/hooks';
import { api, fetchMetrics } from '../api.js';
import { Bars, PALETTE } from '../charts.js';
import { fmtInt, fmtTime } from '../format.js';
import { ErrorBox, Facts, Loading, Page, Table, html, useLoad } from '../ui.js';

const OUTCOME_LABELS = { alreadyFinished: 'already finished elsewhere', inDoubt: 'in doubt' };
const OUTCOME_COLOURS = { delivered: PALETTE[2], retried: PALETTE[1], dead: PALETTE[5], inDoubt: PALETTE[3],
  skipped: PALETTE[8], alreadyFinished: PALETTE[4] };

function DeadLetters() {
  const [cursor, setCursor] = useState('');
  const page = useLoad((signal) => api.get(`/v1/deliveries/dead-letters?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { signal }), [cursor]);
  if (page.loading && !page.data) return html`<${Loading} what="dead letters" />`;
  if (page.error) return html`<${ErrorBox} error=${page.error} what="Dead letters" />`;
  return html`<div>
    <${Table} caption="Dead letters: messages given up on, with the reason" rows=${page.data.deadLetters} rowKey=${(d) => d.key}
      empty="No dead letters."
      columns=${[
        { key: 'at', label: 'When', render: (d) => fmtTime(d.at || d.deadAt || d.failedAt) },
        { key: 'journey', label: 'Journey', render: (d) => (d.journey ? html`<a href=${`#/journeys/${encodeURIComponent(d.journey)}`}>${d.journey}</a>` : '–') },
        { key: 'step', label: 'Step', render: (d) => d.step || '–' },
        { key: 'channel', label: 'Channel', render: (d) => d.channel || '–' },
        { key: 'customerId', label: 'Customer', render: (d) => (d.customerId ? html`<a href=${`#/customers/${encodeURIComponent(d.customerId)}`}>${d.customerId}</a>` : '–') },
        { key: 'reason', label: 'Reason', render: (d) => d.reason || d.error || '–' },
      ]} />
    <div class="pager">
      ${cursor ? html`<button type="button" onClick=${() => setCursor('')}>First page</button>` : null}
      ${page.data.nextCursor ? html`<button type="button" onClick=${() => setCursor(page.data.nextCursor)}>Next page</button>` : null}
    </div>
  </div>`;
}

export function Deliveries() {
  const summary = useLoad((signal) => api.get('/v1/deliveries/summary', { signal }), [], 5000);
  const metrics = useLoad((signal) => fetchMetrics({ signal }), [], 5000);
  const outcomes = summary.data ? Object.entries(summary.data.outcomes || {}) : [];
  const since = metrics.data
    ? metrics.data.filter((s) => s.name === 'mercato_delivery_messages_total').map((s) => [s.labels.outcome, fmtInt(s.value)])
    : [];
  const inDoubt = metrics.data ? metrics.data.find((s) => s.name === 'mercato_delivery_in_doubt_total') : null;
  return html`<${Page} title="Deliveries" intro="What happened to the messages journeys sent: delivered, retried, skipped by a guard (consent, quiet hours, frequency caps) or dead.">
    <${ErrorBox} error=${summary.error} what="Outcomes" />
    ${summary.data ? html`
      <h2>Outcomes over all journeys</h2>
      <${Bars} label="Messages by outcome" items=${outcomes.map(([k, v]) => ({ label: OUTCOME_LABELS[k] || k, value: v, colour: OUTCOME_COLOURS[k] || PALETTE[0] }))} />
      <${Facts} items=${[
        ['dead letters stored', html`<strong id="dead-letter-count">${fmtInt(summary.data.deadLetters)}</strong>`],
        ['waiting in the outbox', fmtInt(summary.data.queued)],
        ...Object.entries(summary.data.skippedBy || {}).map(([guard, n]) => [`skipped by ${guard}`, fmtInt(n)]),
      ]} />` : html`<${Loading} what="outcomes" />`}
    <h2>This node since it started</h2>
    <${ErrorBox} error=${metrics.error} what="Metrics" />
    <${Facts} items=${[...since, ['in doubt (crash between send and confirmation)', inDoubt ? fmtInt(inDoubt.value) : '0']]} />
    <h2>Dead letters</h2>
    <${DeadLetters} />
  <//>`;
}
