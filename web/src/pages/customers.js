// Customer lookup: a customer by userId, anonymousId, e-mail or customer id, with their profile,
// predictions, segments, consent, recommendations (with the reason for each) and timeline.

import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { fmtInt, fmtMoney, fmtNum, fmtPct, fmtTime } from '../format.js';
import { Empty, ErrorBox, Facts, Loading, Page, Table, html, useLoad } from '../ui.js';

function Search({ initial }) {
  const [value, setValue] = useState(initial || '');
  const submit = (event) => {
    event.preventDefault();
    const id = value.trim();
    if (id) window.location.hash = `#/customers/${encodeURIComponent(id)}`;
  };
  return html`<form class="inline-form" role="search" onSubmit=${submit}>
    <label for="customer-search">Customer</label>
    <input id="customer-search" type="search" value=${value} placeholder="userId, anonymousId, e-mail or customer id"
           onInput=${(e) => setValue(e.currentTarget.value)} />
    <button type="submit">Find</button>
  </form>`;
}

function Predictions({ predictions }) {
  if (!predictions) return html`<${Empty}>No predictions yet.<//>`;
  return html`<${Facts} items=${[
    ['churn probability', fmtPct(predictions.churn_probability)],
    ['P(alive)', fmtPct(predictions.p_alive)],
    ['expected purchases, 90 days', fmtNum(predictions.expected_purchases_90d)],
    ['lifetime value', fmtMoney(predictions.clv)],
    ['RFM', predictions.rfm_segment ? `${predictions.rfm_segment} (${predictions.rfm_score})` : '–'],
    ['cluster', predictions.cluster ?? '–'],
    ['scored', fmtTime(predictions.scoredAt)],
  ]} />`;
}

function Consent({ consent }) {
  const rows = Object.entries(consent || {}).map(([purpose, c]) => ({ purpose, ...c }));
  return html`<${Table} caption="Consent by purpose" rows=${rows} empty="No consent recorded."
    columns=${[
      { key: 'purpose', label: 'Purpose' },
      { key: 'granted', label: 'Granted', render: (r) => (r.decided === false ? 'not decided' : r.granted ? 'yes' : 'no') },
      { key: 'at', label: 'When', render: (r) => fmtTime(r.at) },
      { key: 'source', label: 'Source', render: (r) => r.source || '–' },
    ]} />`;
}

function Recommendations({ id }) {
  const recs = useLoad((signal) => api.get(`/v1/recommendations/${seg(id)}?n=8`, { signal }), [id]);
  if (recs.loading && !recs.data) return html`<${Loading} what="recommendations" />`;
  if (recs.error) {
    if (recs.error.status === 409) return html`<${Empty}>No recommendation model is trained yet (Models page).<//>`;
    return html`<${ErrorBox} error=${recs.error} what="Recommendations" />`;
  }
  const r = recs.data;
  return html`<div id="recommendations">
    <p class="muted">${r.personalised ? 'Personalised' : 'Trending (not personalised)'} · strategy ${r.strategy} ·
      model ${r.modelVersion}${r.session && r.session.length ? ` · live session: ${r.session.join(', ')}` : ''}</p>
    <${Table} caption="Recommended next products" rows=${r.items} rowKey=${(i) => i.id}
      columns=${[
        { key: 'id', label: 'Product' },
        { key: 'name', label: 'Name', render: (i) => (i.product && i.product.name) || '–' },
        { key: 'price', label: 'Price', numeric: true, render: (i) => (i.product && i.product.price !== null ? fmtMoney(i.product.price) : '–') },
        { key: 'score', label: 'Score', numeric: true, render: (i) => fmtNum(i.score, 3) },
        { key: 'reason', label: 'Why' },
      ]} />
  </div>`;
}

function Memberships({ id }) {
  const list = useLoad((signal) => api.get(`/v1/profiles/${seg(id)}/segments`, { signal }), [id]);
  if (list.loading && !list.data) return html`<${Loading} what="segments" />`;
  if (list.error) return html`<${ErrorBox} error=${list.error} what="Segments" />`;
  const segments = list.data.segments;
  if (!segments.length) return html`<${Empty}>In no segment.<//>`;
  return html`<ul class="tags" id="customer-segments">${segments.map((s) => html`<li>
    <a href=${`#/segments/${encodeURIComponent(s.id)}`}>${s.name}</a></li>`)}</ul>`;
}

function describe(event) {
  if (event.type === 'track') return event.event;
  if (event.type === 'page') return `page ${event.name || (event.properties && event.properties.path) || ''}`;
  if (event.type === 'identify') return 'identify';
  return event.type;
}

function detail(event) {
  const p = event.properties || {};
  const parts = [];
  for (const key of ['product_id', 'category', 'price', 'revenue', 'total', 'order_id', 'path']) {
    if (p[key] !== undefined && p[key] !== null) parts.push(`${key} ${p[key]}`);
  }
  if (Array.isArray(p.products)) parts.push(`${p.products.length} products`);
  return parts.join(' · ');
}

function Timeline({ id }) {
  const [pages, setPages] = useState([]);
  const [cursor, setCursor] = useState(null);
  const first = useLoad(async (signal) => {
    const page = await api.get(`/v1/profiles/${seg(id)}/events?limit=50&order=newest`, { signal });
    setPages([page.events]);
    setCursor(page.nextCursor);
    return page;
  }, [id]);
  const [more, setMore] = useState({ busy: false, error: null });
  const loadMore = async () => {
    setMore({ busy: true, error: null });
    try {
      const page = await api.get(`/v1/profiles/${seg(id)}/events?limit=50&order=newest&cursor=${encodeURIComponent(cursor)}`);
      setPages((p) => [...p, page.events]);
      setCursor(page.nextCursor);
      setMore({ busy: false, error: null });
    } catch (error) {
      setMore({ busy: false, error });
    }
  };
  if (first.loading && pages.length === 0) return html`<${Loading} what="timeline" />`;
  if (first.error) return html`<${ErrorBox} error=${first.error} what="Timeline" />`;
  const events = pages.flat();
  return html`<div>
    <${Table} caption=${`Events, newest first (${events.length} shown)`} rows=${events} rowKey=${(e) => e.messageId}
      columns=${[
        { key: 'timestamp', label: 'Time', render: (e) => fmtTime(e.timestamp) },
        { key: 'what', label: 'Event', render: describe },
        { key: 'detail', label: 'Details', render: detail },
        { key: 'source', label: 'Device', render: (e) => (e.context && e.context.device && e.context.device.type) || '–' },
      ]} />
    <${ErrorBox} error=${more.error} />
    ${cursor ? html`<button type="button" onClick=${loadMore} disabled=${more.busy}>${more.busy ? 'Loading…' : 'Load 50 older'}</button>` : null}
  </div>`;
}

function Profile({ id }) {
  const profile = useLoad((signal) => api.get(`/v1/profiles/${seg(id)}`, { signal }), [id]);
  if (profile.loading && !profile.data) return html`<${Loading} what="profile" />`;
  if (profile.error) {
    if (profile.error.status === 404) return html`<p role="alert" class="error">No customer is known as “${id}”.</p>`;
    return html`<${ErrorBox} error=${profile.error} what="Profile" />`;
  }
  const p = profile.data;
  const f = p.features || {};
  return html`<div class="customer">
    <h2 id="customer-heading">Customer ${p.customerId}</h2>
    <div class="columns">
      <section aria-labelledby="h-identities"><h3 id="h-identities">Identities and traits</h3>
        <${Facts} items=${[
          ...(p.identities || []).map((i) => [i.type, i.value]),
          ...Object.entries(p.traits || {}).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
        ]} />
      </section>
      <section aria-labelledby="h-activity"><h3 id="h-activity">Activity</h3>
        <${Facts} items=${[
          ['first seen', fmtTime(f.first_seen)],
          ['last seen', fmtTime(f.last_seen)],
          ['orders', fmtInt(f.orders)],
          ['revenue', fmtMoney(f.revenue)],
          ['average order', fmtMoney(f.average_order_value)],
          ['preferred device', f.preferred_device || '–'],
          ['country', f.preferred_country || '–'],
          ['cart', f.cart && f.cart.length ? `${f.cart.length} items, ${fmtMoney(f.cart_value)}` : 'empty'],
        ]} />
      </section>
      <section aria-labelledby="h-predictions"><h3 id="h-predictions">Predictions</h3>
        <${Predictions} predictions=${p.predictions} />
      </section>
    </div>
    <section aria-labelledby="h-segments"><h3 id="h-segments">Segments</h3><${Memberships} id=${id} /></section>
    <section aria-labelledby="h-recs"><h3 id="h-recs">Recommendations</h3><${Recommendations} id=${id} /></section>
    <section aria-labelledby="h-consent"><h3 id="h-consent">Consent</h3><${Consent} consent=${p.consent} /></section>
    <section aria-labelledby="h-timeline"><h3 id="h-timeline">Timeline</h3><${Timeline} id=${id} /></section>
  </div>`;
}

export function Customers({ arg }) {
  return html`<${Page} title="Customers" intro="Find a customer by any of their identities.">
    <${Search} initial=${arg} key=${arg} />
    ${arg ? html`<${Profile} id=${arg} key=${arg} />` : html`<p class="muted">Customers are also linked from segment members.</p>`}
  <//>`;
}
