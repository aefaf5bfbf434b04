// Overview: live event rate and consumer lag (from /metrics, polled every 2 s) and the shop's
// totals (GET /v1/stats, polled every 30 s: it scans every profile).

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, fetchMetrics, metricSum } from '../api.js';
import { LineChart } from '../charts.js';
import { fmtInt, fmtMoney, fmtNum } from '../format.js';
import { ErrorBox, Facts, Page, Stat, html, useLoad } from '../ui.js';

const WINDOW_POINTS = 150;  // 5 minutes at one sample per 2 s

function lagOf(samples) {
  const rows = [];
  for (const s of samples) {
    if (s.name === 'mercato_consumer_lag') rows.push({ what: `consumer ${s.labels.consumer}`, value: s.value });
    if (s.name === 'mercato_kafka_consumer_lag') rows.push({ what: `Kafka partition ${s.labels.partition}`, value: s.value });
  }
  return rows;
}

export function Overview() {
  const [series, setSeries] = useState({ x: [], rate: [], lag: [] });
  const [live, setLive] = useState(null);
  const [metricsError, setMetricsError] = useState(null);
  const previous = useRef(null);
  useEffect(() => {
    let stopped = false;
    let timer = null;
    const controller = new AbortController();
    const poll = async () => {
      try {
        const samples = await fetchMetrics({ signal: controller.signal });
        const now = Date.now() / 1000;
        const ingested = metricSum(samples, 'mercato_events_ingested_total') ?? 0;
        const lags = lagOf(samples);
        const maxLag = lags.reduce((m, l) => Math.max(m, l.value), 0);
        let rate = null;
        if (previous.current && now > previous.current.at) {
          rate = Math.max(0, (ingested - previous.current.ingested) / (now - previous.current.at));
        }
        previous.current = { at: now, ingested };
        setMetricsError(null);
        setLive({ ingested, rate, lags,
          rejected: metricSum(samples, 'mercato_events_rejected_total'),
          limited: metricSum(samples, 'mercato_rate_limited_total') });
        if (rate !== null) {
          setSeries((s) => ({
            x: [...s.x, now].slice(-WINDOW_POINTS),
            rate: [...s.rate, rate].slice(-WINDOW_POINTS),
            lag: [...s.lag, maxLag].slice(-WINDOW_POINTS),
          }));
        }
      } catch (error) {
        if (error.name !== 'AbortError') setMetricsError(error);
      }
      if (!stopped) timer = setTimeout(poll, 2000);
    };
    poll();
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(timer);
    };
  }, []);
  const stats = useLoad((signal) => api.get('/v1/stats', { signal }), [], 30000);
  const ready = useLoad((signal) => fetch('/readyz', { signal }).then((r) => r.ok), [], 10000);
  const s = stats.data;
  return html`<${Page} title="Overview"
      intro="Live figures of this node: events per second and consumer lag from its metrics, refreshed every 2 seconds; the shop's totals, refreshed every 30 seconds.">
    <div class="stats">
      <${Stat} id="stat-rate" label="Events per second" value=${live && live.rate !== null ? fmtNum(live.rate, 1) : '…'}
               hint="accepted by this node, last 2 s" />
      <${Stat} id="stat-customers" label="Customers" value=${s ? fmtInt(s.customers) : '…'} hint="live profiles" />
      <${Stat} id="stat-active" label="Active customers" value=${s && s.activeCustomers30d !== undefined ? fmtInt(s.activeCustomers30d) : '…'}
               hint="seen in the last 30 days" />
      <${Stat} id="stat-revenue" label="Revenue" value=${s ? fmtMoney(s.revenue) : '…'} hint=${s ? `${fmtInt(s.orders)} orders, ${fmtInt(s.refunds)} refunds` : ''} />
      <${Stat} id="stat-lag" label="Consumer lag" value=${live ? fmtInt(live.lags.reduce((m, l) => Math.max(m, l.value), 0)) : '…'}
               hint="records not yet processed (largest)" />
      <${Stat} id="stat-ready" label="Ready" value=${ready.data === null ? '…' : ready.data ? 'yes' : 'no (restoring or starting)'} />
    </div>
    <${ErrorBox} error=${metricsError} what="Metrics" />
    <${ErrorBox} error=${stats.error} what="Totals" />
    <h2>Event rate</h2>
    ${series.x.length > 1
      ? html`<${LineChart} x=${series.x} series=${[{ label: 'events/s', values: series.rate }]} label="Events accepted per second over the last minutes" yLabel="events/s" />`
      : html`<p class="muted">Collecting the first samples…</p>`}
    <h2>Consumer lag</h2>
    ${series.x.length > 1
      ? html`<${LineChart} x=${series.x} series=${[{ label: 'largest lag (records)', values: series.lag, colour: '#D55E00' }]} label="Largest consumer lag over the last minutes" yLabel="records" />`
      : null}
    ${live ? html`<${Facts} items=${[
      ...live.lags.map((l) => [l.what, fmtInt(l.value)]),
      ['events accepted since start', fmtInt(live.ingested)],
      ['events rejected since start', fmtInt(live.rejected)],
      ['requests rate-limited since start', fmtInt(live.limited)],
    ]} />` : null}
  <//>`;
}
