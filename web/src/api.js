// The dashboard's only way to the server: the JSON API of docs/api.md with the signed-in token.
//
// The token lives in sessionStorage (gone when the tab closes) and is sent as a Bearer credential.
// Every failure becomes an ApiError carrying the server's error shape (status, code, message and
// the per-field `errors`), so pages can show exactly what the server said.

const TOKEN_KEY = 'mercato.token';

export class ApiError extends Error {
  constructor(status, code, message, errors) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors || [];
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// Listeners told when the server refuses the token (401), so the app can return to the login.
const unauthorizedListeners = new Set();
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

async function request(method, path, body, { signal, raw } = {}) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'Unavailable', `the server cannot be reached (${error.message})`);
  }
  if (raw && response.ok) return response.text();
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const message = (data && data.error) || `${response.status} ${response.statusText}`;
    const error = new ApiError(response.status, data && data.code, message, data && data.errors);
    if (response.status === 401) unauthorizedListeners.forEach((listener) => listener(error));
    throw error;
  }
  return data;
}

export const api = {
  get: (path, options) => request('GET', path, undefined, options),
  post: (path, body, options) => request('POST', path, body === undefined ? {} : body, options),
  patch: (path, body, options) => request('PATCH', path, body, options),
  del: (path, options) => request('DELETE', path, undefined, options),
  text: (path, options) => request('GET', path, undefined, { ...options, raw: true }),
};

// Percent-encodes one path segment (customer ids may hold '/', '@', spaces).
export function seg(value) {
  return encodeURIComponent(String(value));
}

// Parses Prometheus text format 0.0.4 into [{name, labels, value}] (comments skipped).
export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/);
    if (!match) continue;
    const labels = {};
    if (match[3]) {
      for (const pair of match[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[pair[1]] = pair[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    }
    samples.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return samples;
}

// The sum of every sample of `name` whose labels include `where`.
export function metricSum(samples, name, where = {}) {
  let total = 0;
  let found = false;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(where).some(([key, value]) => sample.labels[key] !== value)) continue;
    total += sample.value;
    found = true;
  }
  return found ? total : null;
}

export async function fetchMetrics(options) {
  return parsePrometheus(await api.text('/metrics', options));
}
