// Segments: the list, a rule editor with a live size preview (parse errors marked at their
// position), and each segment's members and size history.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { LineChart } from '../charts.js';
import { fmtInt, fmtTime } from '../format.js';
import { Empty, ErrorBox, Loading, Page, Table, html, useLoad } from '../ui.js';

// "'rule' is not valid: at 1:16 (offset 15): expected ..." -> 15 (a byte offset of the UTF-8 text).
export function errorOffset(message) {
  const match = /\(offset (\d+)\)/.exec(message || '');
  return match ? Number(match[1]) : null;
}

// The byte offset as a string index (rules may hold non-ASCII text in quotes).
function charIndex(text, byteOffset) {
  const bytes = new TextEncoder().encode(text);
  return new TextDecoder().decode(bytes.slice(0, Math.min(byteOffset, bytes.length))).length;
}

function RuleWithMarker({ rule, offset }) {
  const at = charIndex(rule, offset);
  const before = rule.slice(0, at);
  const marked = rule.slice(at, at + 1) || ' ';
  const after = rule.slice(at + 1);
  return html`<pre class="rule-marker" aria-hidden="true">${before}<mark>${marked}</mark>${after}</pre>`;
}

const EXAMPLES = [
  'orders >= 3 and last_order_at > now - 30d',
  'churn_probability > 0.6 and revenue > 100',
  'count(event "Product Viewed" within 7d) >= 2 and country in ("PL", "DE")',
  'rfm_segment = "At Risk"',
];

function Editor({ onCreated }) {
  const [name, setName] = useState('');
  const [rule, setRule] = useState('');
  const [preview, setPreview] = useState({ state: 'idle' });
  const [saving, setSaving] = useState({ busy: false, error: null });
  const sequence = useRef(0);
  useEffect(() => {
    if (!rule.trim()) {
      setPreview({ state: 'idle' });
      return undefined;
    }
    const mine = ++sequence.current;
    const controller = new AbortController();
    setPreview((p) => ({ ...p, state: 'checking' }));
    const timer = setTimeout(async () => {
      try {
        const result = await api.post('/v1/segments/preview', { rule, sample: 5 }, { signal: controller.signal });
        if (mine === sequence.current) setPreview({ state: 'ok', result });
      } catch (error) {
        if (error.name === 'AbortError' || mine !== sequence.current) return;
        setPreview({ state: 'error', error, offset: errorOffset(error.message) });
      }
    }, 350);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [rule]);
  const save = async (event) => {
    event.preventDefault();
    setSaving({ busy: true, error: null });
    try {
      const created = await api.post('/v1/segments', { name: name.trim(), rule });
      setSaving({ busy: false, error: null });
      setName('');
      setRule('');
      onCreated(created);
    } catch (error) {
      setSaving({ busy: false, error });
    }
  };
  const invalid = preview.state === 'error';
  return html`<form class="editor" onSubmit=${save} aria-labelledby="editor-title">
    <h2 id="editor-title">New segment</h2>
    <label for="segment-name">Name</label>
    <input id="segment-name" value=${name} onInput=${(e) => setName(e.currentTarget.value)} required maxlength="200" />
    <label for="segment-rule">Rule</label>
    <textarea id="segment-rule" rows="3" spellcheck="false" value=${rule}
              aria-invalid=${invalid ? 'true' : 'false'} aria-describedby="rule-feedback rule-help"
              onInput=${(e) => setRule(e.currentTarget.value)}></textarea>
    <p id="rule-help" class="muted">Examples: ${EXAMPLES.map((x, i) => html`${i ? ' · ' : ''}<button type="button" class="link" onClick=${() => setRule(x)}>${x}</button>`)}</p>
    <div id="rule-feedback" aria-live="polite">
      ${preview.state === 'checking' ? html`<p class="muted">Checking…</p>` : null}
      ${preview.state === 'ok'
        ? html`<p class="ok" id="preview-size"><strong>${fmtInt(preview.result.size)}</strong> of ${fmtInt(preview.result.evaluated)} customers match${preview.result.complete ? '' : ' (first million evaluated)'}.
            ${preview.result.sample.length ? html` Sample: ${preview.result.sample.map((c, i) => html`${i ? ', ' : ''}<a href=${`#/customers/${encodeURIComponent(c)}`}>${c}</a>`)}` : null}</p>`
        : null}
      ${invalid
        ? html`<div class="error" role="alert" id="rule-error">${preview.error.message}
            ${preview.offset !== null ? html`<${RuleWithMarker} rule=${rule} offset=${preview.offset} />` : null}</div>`
        : null}
    </div>
    <${ErrorBox} error=${saving.error} what="Not saved" />
    <button type="submit" disabled=${saving.busy || !name.trim() || !rule.trim() || invalid}>${saving.busy ? 'Saving…' : 'Create segment'}</button>
  </form>`;
}

function Members({ id }) {
  const [cursor, setCursor] = useState('');
  const members = useLoad((signal) => api.get(`/v1/segments/${seg(id)}/members?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { signal }), [id, cursor]);
  if (members.loading && !members.data) return html`<${Loading} what="members" />`;
  if (members.error) return html`<${ErrorBox} error=${members.error} what="Members" />`;
  return html`<div>
    <${Table} caption="Members (20 per page, customer id order)" rows=${members.data.members} rowKey=${(m) => m.customerId}
      empty="No members."
      columns=${[
        { key: 'customerId', label: 'Customer', render: (m) => html`<a href=${`#/customers/${encodeURIComponent(m.customerId)}`}>${m.customerId}</a>` },
        { key: 'enteredAt', label: 'Entered', render: (m) => fmtTime(m.enteredAt) },
      ]} />
    <div class="pager">
      ${cursor ? html`<button type="button" onClick=${() => setCursor('')}>First page</button>` : null}
      ${members.data.nextCursor ? html`<button type="button" onClick=${() => setCursor(members.data.nextCursor)}>Next page</button>` : null}
    </div>
  </div>`;
}

function History({ id }) {
  const history = useLoad((signal) => api.get(`/v1/segments/${seg(id)}/history`, { signal }), [id]);
  if (!history.data) return history.error ? html`<${ErrorBox} error=${history.error} />` : null;
  const points = history.data.history;
  if (points.length < 2) {
    return html`<p class="muted">Size history: ${points.map((p) => `${fmtInt(p.size)} at ${fmtTime(p.at)}`).join('; ') || 'none yet'}.</p>`;
  }
  return html`<${LineChart} x=${points.map((p) => Date.parse(p.at) / 1000)}
    series=${[{ label: 'members', values: points.map((p) => p.size) }]} label="Segment size over time" yLabel="members" />`;
}

function Detail({ id, onDeleted }) {
  const segment = useLoad((signal) => api.get(`/v1/segments/${seg(id)}`, { signal }), [id], 3000);
  const [removing, setRemoving] = useState({ busy: false, error: null });
  if (segment.loading && !segment.data) return html`<${Loading} what="segment" />`;
  if (segment.error && !segment.data) return html`<${ErrorBox} error=${segment.error} what="Segment" />`;
  const s = segment.data;
  const remove = async () => {
    if (!window.confirm(`Delete segment ${s.name}? Its memberships and history go with it.`)) return;
    setRemoving({ busy: true, error: null });
    try {
      await api.del(`/v1/segments/${seg(id)}`);
      onDeleted();
    } catch (error) {
      setRemoving({ busy: false, error });
    }
  };
  return html`<section class="detail" aria-labelledby="segment-title">
    <h2 id="segment-title">${s.name}</h2>
    <p><code>${s.rule}</code></p>
    <p><strong id="segment-size">${fmtInt(s.size)}</strong> members · version ${s.version} · ${s.state}${s.builtAt ? ` · built ${fmtTime(s.builtAt)}` : ''}</p>
    <${History} id=${id} />
    <${Members} id=${id} />
    <${ErrorBox} error=${removing.error} />
    <button type="button" class="danger" onClick=${remove} disabled=${removing.busy}>Delete segment</button>
  </section>`;
}

export function Segments({ arg }) {
  const list = useLoad((signal) => api.get('/v1/segments', { signal }), [], 5000);
  const open = (id) => { window.location.hash = `#/segments/${encodeURIComponent(id)}`; };
  return html`<${Page} title="Segments" intro="Rules over profiles, predictions and event history; memberships stay current as events arrive.">
    <${ErrorBox} error=${list.error} what="Segments" />
    ${list.loading && !list.data ? html`<${Loading} what="segments" />` : null}
    ${list.data ? html`<${Table} caption="Segments" rows=${list.data.segments} rowKey=${(s) => s.id}
      empty="No segments yet: create one below."
      columns=${[
        { key: 'name', label: 'Name', render: (s) => html`<a href=${`#/segments/${encodeURIComponent(s.id)}`}>${s.name}</a>` },
        { key: 'rule', label: 'Rule', render: (s) => html`<code>${s.rule}</code>` },
        { key: 'size', label: 'Members', numeric: true, render: (s) => fmtInt(s.size) },
        { key: 'state', label: 'State' },
      ]} />` : null}
    ${arg ? html`<${Detail} id=${arg} key=${arg} onDeleted=${() => { window.location.hash = '#/segments'; list.reload(); }} />` : null}
    <${Editor} onCreated=${(s) => { list.reload(); open(s.id); }} />
  <//>`;
}
