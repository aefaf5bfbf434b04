// The dashboard shell: sign-in with an admin token, navigation, and a hash router
// (#/overview, #/customers/<id>, #/segments, ...) so that every page has its own address and the
// server only ever serves index.html and its assets.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './style.css';
import { api, onUnauthorized, setToken, token } from './api.js';
import { html } from './ui.js';
import { Overview } from './pages/overview.js';
import { Customers } from './pages/customers.js';
import { Segments } from './pages/segments.js';
import { Clusters } from './pages/clusters.js';
import { Cohorts } from './pages/cohorts.js';
import { Journeys } from './pages/journeys.js';
import { Deliveries } from './pages/deliveries.js';
import { Models } from './pages/models.js';
import { Privacy } from './pages/privacy.js';

const PAGES = [
  { path: 'overview', title: 'Overview', component: Overview },
  { path: 'customers', title: 'Customers', component: Customers },
  { path: 'segments', title: 'Segments', component: Segments },
  { path: 'clusters', title: 'Clusters', component: Clusters },
  { path: 'cohorts', title: 'Cohorts', component: Cohorts },
  { path: 'journeys', title: 'Journeys', component: Journeys },
  { path: 'deliveries', title: 'Deliveries', component: Deliveries },
  { path: 'models', title: 'Models', component: Models },
  { path: 'privacy', title: 'Privacy', component: Privacy },
];

function parseHash() {
  const [path, ...rest] = window.location.hash.replace(/^#\/?/, '').split('/');
  return { path: path || 'overview', arg: rest.length ? decodeURIComponent(rest.join('/')) : '' };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const update = () => setRoute(parseHash());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

function Login({ onSignedIn, reason }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState(reason || '');
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const candidate = value.trim();
    if (!candidate) {
      setError('Enter the admin token.');
      return;
    }
    setBusy(true);
    setToken(candidate);
    try {
      await api.get('/v1/keys');  // admin scope: proves the token is an admin token
      onSignedIn();
    } catch (e) {
      setToken('');
      if (e.status === 401) setError('The server does not accept this token.');
      else if (e.status === 403) setError('This token is valid but lacks the admin scope.');
      else setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login" id="main">
    <form onSubmit=${submit} aria-describedby="login-help">
      <h1>mercato</h1>
      <p id="login-help">Sign in with an admin token (an API key with the admin scope; a new server
        writes its first one to <code>initial-admin-key</code> in its data directory).</p>
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="current-password"
             value=${value} onInput=${(e) => setValue(e.currentTarget.value)}
             aria-invalid=${error ? 'true' : 'false'} aria-describedby=${error ? 'login-error' : undefined} />
      ${error ? html`<p class="error" id="login-error" role="alert">${error}</p>` : null}
      <button type="submit" disabled=${busy}>${busy ? 'Checking…' : 'Sign in'}</button>
    </form>
  </main>`;
}

function Shell({ route, onSignOut }) {
  const page = PAGES.find((p) => p.path === route.path) || null;
  useEffect(() => {
    document.title = page ? `${page.title} · mercato` : 'Not found · mercato';
  }, [page]);
  const Component = page && page.component;
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <header class="topbar">
      <span class="brand">mercato</span>
      <button type="button" class="link" onClick=${onSignOut}>Sign out</button>
    </header>
    <nav aria-label="Pages" class="sidenav">
      <ul>${PAGES.map((p) => html`<li>
        <a href=${`#/${p.path}`} aria-current=${p.path === route.path ? 'page' : undefined}>${p.title}</a>
      </li>`)}</ul>
    </nav>
    <main id="main" tabindex="-1">
      ${Component
        ? html`<${Component} arg=${route.arg} key=${route.path} />`
        : html`<section class="page"><h1>Not found</h1><p>No page '${route.path}'. <a href="#/overview">Overview</a></p></section>`}
    </main>
  </div>`;
}

function App() {
  const route = useRoute();
  const [signedIn, setSignedIn] = useState(Boolean(token()));
  const [reason, setReason] = useState('');
  useEffect(() => onUnauthorized(() => {
    setToken('');
    setReason('The server no longer accepts the token; sign in again.');
    setSignedIn(false);
  }), []);
  if (!signedIn) {
    return html`<${Login} reason=${reason} onSignedIn=${() => { setReason(''); setSignedIn(true); }} />`;
  }
  return html`<${Shell} route=${route} onSignOut=${() => { setToken(''); setSignedIn(false); }} />`;
}

render(html`<${App} />`, document.getElementById('app'));
