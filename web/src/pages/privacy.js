// Privacy: erasure requests and their progress, a form to request one, and consent totals per
// purpose over every customer.

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { fmtInt, fmtPct, fmtTime } from '../format.js';
import { ErrorBox, Loading, Page, Table, html, useLoad } from '../ui.js';

function RequestErasure({ onRequested }) {
  const [subject, setSubject] = useState('');
  const [state, setState] = useState({ busy: false, error: null, done: null });
  const submit = async (event) => {
    event.preventDefault();
    if (!window.confirm(`Erase every piece of data about “${subject.trim()}”? This cannot be undone.`)) return;
    setState({ busy: true, error: null, done: null });
    try {
      const job = await api.post('/v1/privacy/erasure', { subject: subject.trim() });
      setState({ busy: false, error: null, done: job });
      setSubject('');
      onRequested();
    } catch (error) {
      setState({ busy: false, error, done: null });
    }
  };
  return html`<form class="inline-form" onSubmit=${submit}>
    <label for="erasure-subject">Erase customer</label>
    <input id="erasure-subject" value=${subject} onInput=${(e) => setSubject(e.currentTarget.value)}
           placeholder="userId, anonymousId, e-mail or customer id" required />
    <button type="submit" class="danger" disabled=${state.busy || !subject.trim()}>Request erasure</button>
    ${state.done ? html`<span class="ok" role="status">Request ${state.done.id} accepted.</span>` : null}
    <${ErrorBox} error=${state.error} what="Not requested" />
  </form>`;
}

// What applies while a customer has not decided (docs/privacy.md, "Consent").
const DEFAULT_GRANTED = { email_marketing: false, advertising: false, profiling: true, personalisation: true };

export function Privacy() {
  const requests = useLoad((signal) => api.get('/v1/privacy/erasure?limit=50', { signal }), [], 5000);
  const stats = useLoad((signal) => api.get('/v1/stats', { signal }), []);
  const consent = stats.data && stats.data.consent ? Object.entries(stats.data.consent).map(([purpose, c]) => ({ purpose, ...c })) : [];
  const customers = stats.data ? stats.data.customers : 0;
  return html`<${Page} title="Privacy" intro="Erasure requests and their status, and what customers have consented to.">
    <h2>Consent</h2>
    <${ErrorBox} error=${stats.error} what="Consent totals" />
    ${stats.loading && !stats.data ? html`<${Loading} what="consent totals" />` : html`<${Table}
      caption=${`Consent by purpose over ${fmtInt(customers)} customers`} rows=${consent} rowKey=${(c) => c.purpose}
      empty="No consent totals."
      columns=${[
        { key: 'purpose', label: 'Purpose' },
        { key: 'granted', label: 'Granted', numeric: true, render: (c) => `${fmtInt(c.granted)} (${fmtPct(customers ? c.granted / customers : null)})` },
        { key: 'denied', label: 'Denied', numeric: true, render: (c) => fmtInt(c.denied) },
        { key: 'undecided', label: 'Not decided', numeric: true, render: (c) => fmtInt(c.undecided) },
        { key: 'default', label: 'Default', render: (c) => (c.purpose in DEFAULT_GRANTED ? (DEFAULT_GRANTED[c.purpose] ? 'granted (opt-out)' : 'denied (opt-in)') : '–') },
        { key: 'effective', label: 'In effect', numeric: true, render: (c) => {
          const n = c.granted + (DEFAULT_GRANTED[c.purpose] ? c.undecided : 0);
          return `${fmtInt(n)} (${fmtPct(customers ? n / customers : null)})`;
        } },
      ]} />`}
    <h2>Erasure requests</h2>
    <${RequestErasure} onRequested=${() => requests.reload()} />
    <${ErrorBox} error=${requests.error} what="Erasure requests" />
    ${requests.loading && !requests.data ? html`<${Loading} what="erasure requests" />` : null}
    ${requests.data ? html`<${Table} caption="Erasure requests, newest first" rows=${requests.data.requests} rowKey=${(r) => r.id}
      empty="No erasure requested."
      columns=${[
        { key: 'id', label: 'Request' },
        { key: 'customerId', label: 'Customer' },
        { key: 'state', label: 'State', render: (r) => html`<span class=${`badge ${r.state}`}>${r.state}</span>` },
        { key: 'requestedAt', label: 'Requested', render: (r) => fmtTime(r.requestedAt) },
        { key: 'completedAt', label: 'Completed', render: (r) => fmtTime(r.completedAt) },
        { key: 'removed', label: 'Removed', render: (r) => (r.removed ? Object.entries(r.removed).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ') : '–') },
        { key: 'error', label: 'Error', render: (r) => r.error || '' },
      ]} />` : null}
  <//>`;
}
