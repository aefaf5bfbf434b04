// Journeys: the list, a journey's definition, its per-step funnel, delivery outcomes per step and
// the A/B results of its splits with 95 % intervals and a significance test.

import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { Bars, PALETTE } from '../charts.js';
import { fmtInt, fmtPct, fmtTime } from '../format.js';
import { twoProportionP, wilson } from '../stats.js';
import { Empty, ErrorBox, Facts, Loading, Page, Table, html, useLoad } from '../ui.js';

function describeStep(step) {
  if (step.wait) return `wait ${step.wait}`;
  if (step.branch) return `branch on ${step.branch} → ${step.then} / ${step.else || 'next'}`;
  if (step.split) return `split: ${step.split.variants.map((v) => `${v.name} → ${v.next}`).join(', ')}${step.split.control ? `, ${step.split.control} % control` : ''}`;
  if (step.send) return `send ${step.send.channel}${step.send.template ? ` “${step.send.template}”` : ''}`;
  if (step.exit) return 'exit';
  if (step.waitFor) return `wait for ${step.waitFor.event}`;
  return Object.keys(step).filter((k) => k !== 'id' && k !== 'next').join(', ');
}

function describeTrigger(trigger) {
  if (!trigger) return '–';
  if (trigger.event) return `event “${trigger.event}”${trigger.where ? ` where ${trigger.where.length} condition(s)` : ''}`;
  if (trigger.segmentEntered) return `enters segment ${trigger.segmentEntered}`;
  if (trigger.segmentExited) return `leaves segment ${trigger.segmentExited}`;
  if (trigger.schedule) return `every ${trigger.schedule.every} for segment ${trigger.schedule.segment}`;
  return JSON.stringify(trigger);
}

// counters of (step, variant); variant '' is the step's own.
function countersOf(stats, step, variant = '') {
  const entry = stats.steps.find((s) => s.step === step && s.variant === variant);
  return entry ? entry.counters : {};
}

function sumCounter(stats, name) {
  let total = 0;
  for (const entry of stats.steps) total += entry.counters[name] || 0;
  return total;
}

export function abResults(definition, stats) {
  const results = [];
  for (const step of definition.steps || []) {
    if (!step.split) continue;
    const own = countersOf(stats, step.id);
    const variants = step.split.variants.map((v) => {
      const customers = own[`variant/${v.name}`] || 0;
      const conversions = sumCounter(stats, `converted/${v.name}`);
      return { name: v.name, customers, conversions, rate: customers ? conversions / customers : null,
        interval: wilson(conversions, customers) };
    });
    const base = variants[0];
    for (const v of variants.slice(1)) v.p = twoProportionP(v.conversions, v.customers, base.conversions, base.customers);
    results.push({ step: step.id, control: own['variant/control'] || 0, variants,
      choose: step.split.choose || 'weights' });
  }
  return results;
}

function AbTable({ result }) {
  return html`<div>
    <h3>Split “${result.step}” (${result.choose === 'weights' ? 'random by weight' : `Thompson sampling on ${result.choose}`})</h3>
    <${Table} caption=${`Conversions by variant; ${fmtInt(result.control)} customers held out as control`}
      rows=${result.variants} rowKey=${(v) => v.name}
      columns=${[
        { key: 'name', label: 'Variant' },
        { key: 'customers', label: 'Customers', numeric: true, render: (v) => fmtInt(v.customers) },
        { key: 'conversions', label: 'Conversions', numeric: true, render: (v) => fmtInt(v.conversions) },
        { key: 'rate', label: 'Rate', numeric: true, render: (v) => fmtPct(v.rate) },
        { key: 'ci', label: '95 % interval', numeric: true, render: (v) => (v.interval ? `${fmtPct(v.interval[0])} – ${fmtPct(v.interval[1])}` : '–') },
        { key: 'p', label: `vs ${result.variants[0].name}`, render: (v, i) => (v.p === undefined ? 'baseline'
          : v.p === null ? 'not enough data' : `p = ${v.p.toFixed(3)}${v.p < 0.05 ? ' (significant at 95 %)' : ' (not significant)'}`) },
      ]} />
  </div>`;
}

// Activate or pause (POST /v1/journeys/{id}/activate|pause); a 409 says why not (e.g. the
// trigger's segment does not exist).
function StatusControl({ journey, onChanged }) {
  const [state, setState] = useState({ busy: false, error: null });
  const action = journey.status === 'active' ? 'pause' : 'activate';
  const run = async () => {
    if (action === 'pause' && !window.confirm(`Pause ${journey.name}? Customers in it wait until it is activated again.`)) return;
    setState({ busy: true, error: null });
    try {
      await api.post(`/v1/journeys/${seg(journey.id)}/${action}`);
      setState({ busy: false, error: null });
      onChanged();
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return html`<div>
    <button type="button" class=${action === 'pause' ? 'danger' : ''} onClick=${run} disabled=${state.busy}>
      ${action === 'pause' ? 'Pause journey' : 'Activate journey'}</button>
    <${ErrorBox} error=${state.error} what=${action === 'pause' ? 'Not paused' : 'Not activated'} />
  </div>`;
}

function Detail({ id, onChanged }) {
  const journey = useLoad((signal) => api.get(`/v1/journeys/${seg(id)}`, { signal }), [id]);
  const stats = useLoad((signal) => api.get(`/v1/journeys/${seg(id)}/stats`, { signal }), [id], 5000);
  if ((journey.loading && !journey.data) || (stats.loading && !stats.data)) return html`<${Loading} what="journey" />`;
  if (journey.error) return html`<${ErrorBox} error=${journey.error} what="Journey" />`;
  if (stats.error) return html`<${ErrorBox} error=${stats.error} what="Journey counters" />`;
  const j = journey.data;
  const d = j.definition || {};
  const s = stats.data;
  const wide = countersOf(s, '');
  const funnel = [{ label: 'entered', value: wide.entered || 0 },
    ...(d.steps || []).map((step) => ({ label: step.id, value: countersOf(s, step.id).reached || 0 })),
    { label: 'converted', value: wide.converted || 0, colour: PALETTE[2] }];
  const outcomes = s.steps.filter((e) => e.variant !== '' || Object.keys(e.counters).some((k) => k === 'sent' || k.startsWith('skipped')))
    .map((e) => ({ step: e.step, variant: e.variant, counters: Object.entries(e.counters)
      .filter(([k]) => !k.startsWith('converted') && !k.startsWith('clicked'))
      .map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ') }));
  const ab = abResults(d, s);
  return html`<section class="detail" aria-labelledby="journey-title">
    <h2 id="journey-title">${j.name}</h2>
    <${StatusControl} journey=${j} onChanged=${() => { journey.reload(); onChanged(); }} />
    <${Facts} items=${[
      ['status', j.status], ['version', j.version], ['trigger', describeTrigger(d.trigger)],
      ['goal', d.goal ? `${d.goal.event} within ${d.goal.within || '7d'}` : '–'],
      ['activated', fmtTime(j.activatedAt)],
      ['exits', Object.entries(wide).filter(([k]) => k.startsWith('exited/')).map(([k, v]) => `${k.slice(7)} ${v}`).join(', ') || '–'],
    ]} />
    <h3>Steps</h3>
    <ol class="steps">${(d.steps || []).map((step) => html`<li><strong>${step.id}</strong>: ${describeStep(step)}${step.next ? ` → ${step.next}` : ''}</li>`)}</ol>
    <h3>Funnel</h3>
    <${Bars} items=${funnel} label="Customers reaching each step" />
    ${ab.length ? html`<h3>A/B results</h3>${ab.map((r) => html`<${AbTable} result=${r} />`)}` : null}
    <h3>Messages by step and variant</h3>
    <${Table} caption="Delivery outcomes" rows=${outcomes} empty="No message sent yet."
      columns=${[{ key: 'step', label: 'Step' }, { key: 'variant', label: 'Variant', render: (o) => o.variant || '–' }, { key: 'counters', label: 'Outcomes' }]} />
    <details><summary>Definition (JSON, version ${j.definitionVersion})</summary><pre>${JSON.stringify(d, null, 2)}</pre></details>
  </section>`;
}

export function Journeys({ arg }) {
  const list = useLoad((signal) => api.get('/v1/journeys', { signal }), []);
  return html`<${Page} title="Journeys" intro="Customer journeys: what triggers them, how far customers get, and which variant converts.">
    <${ErrorBox} error=${list.error} what="Journeys" />
    ${list.loading && !list.data ? html`<${Loading} what="journeys" />` : null}
    ${list.data ? html`<${Table} caption="Journeys" rows=${list.data.journeys} rowKey=${(j) => j.id}
      empty="No journeys yet (POST /v1/journeys)."
      columns=${[
        { key: 'name', label: 'Name', render: (j) => html`<a href=${`#/journeys/${encodeURIComponent(j.id)}`}>${j.name}</a>` },
        { key: 'status', label: 'Status' },
        { key: 'version', label: 'Version', numeric: true },
        { key: 'updatedAt', label: 'Updated', render: (j) => fmtTime(j.updatedAt) },
      ]} />` : null}
    ${arg ? html`<${Detail} id=${arg} key=${arg} onChanged=${() => list.reload()} />` : list.data && list.data.journeys.length ? html`<${Empty}>Choose a journey to see its funnel and results.<//>` : null}
  <//>`;
}
