// Model runs (POST /v1/analytics/runs): start one and follow it until it finishes.

import { useState } from 'preact/hooks';
import { api } from './api.js';
import { ErrorBox, html } from './ui.js';

export async function latestRun(kind, signal) {
  const { runs } = await api.get(`/v1/analytics/runs?kind=${kind}&limit=20`, { signal });
  return runs.find((r) => r.status === 'done') || null;
}

export async function runAndWait(kind, params, onProgress) {
  const started = await api.post('/v1/analytics/runs', params ? { kind, params } : { kind });
  for (let i = 0; i < 600; i++) {
    const run = await api.get(started.status_url);
    if (run.status !== 'running') return run;
    if (onProgress) onProgress(run);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`the ${kind} run ${started.id} is still running after 10 minutes`);
}

// A button that starts a run of `kind` and calls onDone(run) when it has finished.
export function RunButton({ kind, label, params, onDone }) {
  const [state, setState] = useState({ busy: false, error: null });
  const start = async () => {
    setState({ busy: true, error: null });
    try {
      const run = await runAndWait(kind, params);
      if (run.status === 'failed') setState({ busy: false, error: new Error(run.error) });
      else setState({ busy: false, error: null });
      onDone(run);
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return html`<span class="run-button">
    <button type="button" onClick=${start} disabled=${state.busy} aria-busy=${state.busy ? 'true' : 'false'}>
      ${state.busy ? 'Running…' : label}</button>
    <${ErrorBox} error=${state.error} what="Run failed" />
  </span>`;
}
