// The web dashboard (web/, served at /ui) in a real browser: Debian's chromium driven headless by
// playwright-core, against a server started on a generated demo shop that scripts/demo-seed.mjs
// has given model runs, segments, a journey and live traffic.
//
//  - Signing in: a wrong token is refused with a message; the admin token opens the overview.
//  - Every page loads and shows its data without a console error, a page error or a failed API
//    request, and is saved as a screenshot (MERCATO_ARTIFACTS_DIR, default a temporary folder).
//  - A segment is written in the rule editor: a bad rule shows the parse error at its position,
//    a good one its live size, and the created segment's size equals the preview's.
//  - A customer is found and their recommendations are shown with reasons.
//  - An erasure requested on the privacy page runs to done, and the customer is gone.
//  - A journey is paused and activated again from its page.
//  - Accessibility basics: every form control has a label, the pages are reachable by keyboard.
//
// Run by CTest (MERCATO_BINARY, MERCATO_UI_DIR) after `npm install` here and `make web`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { seedDemo } from '../../scripts/demo-seed.mjs';
import { LISTENING, startAndMatch } from './process.mjs';

const ADMIN_KEY = 'dashboard-admin-key';
const WRITE_KEY = 'dashboard-write-key';
const CHROMIUM = process.env.MERCATO_CHROMIUM || '/usr/bin/chromium';
const DAYS = 365;
// The generator's shop starts on 2026-01-01; predictions are made as of the end of its data.
const AS_OF = new Date(Date.UTC(2026, 0, 1) + DAYS * 86400000).toISOString();

let server;
let baseUrl;
let dataDir;
let browser;
let artifacts;

before(async () => {
  assert.ok(process.env.MERCATO_BINARY, 'MERCATO_BINARY must name the mercato binary');
  const uiDir = process.env.MERCATO_UI_DIR;
  assert.ok(uiDir && existsSync(join(uiDir, 'index.html')),
            `the dashboard is not built in ${uiDir}: run make web`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/install-deps.sh`);
  artifacts = process.env.MERCATO_ARTIFACTS_DIR || mkdtempSync(join(tmpdir(), 'mercato-dashboard-shots-'));
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'mercato-dashboard-'));
  const run = (...args) => execFileSync(process.env.MERCATO_BINARY, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  run('generate', '--data-dir', dataDir, '--customers', '600', '--days', String(DAYS), '--seed', '7');
  run('recommend', 'train', '--data-dir', dataDir);
  const started = startAndMatch(process.env.MERCATO_BINARY,
                                ['serve', '--data-dir', dataDir, '--port', '0', '--admin-key', ADMIN_KEY,
                                 '--write-key', WRITE_KEY, '--ui-dir', uiDir], LISTENING);
  server = started.child;
  baseUrl = await started.ready;
  await seedDemo({ url: baseUrl, adminKey: ADMIN_KEY, writeKey: WRITE_KEY, asOf: AS_OF, customers: 60, quiet: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
                                    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});

after(async () => {
  if (browser) await browser.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.on('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// A page with every console error, page error and failed request recorded in `problems`.
async function openPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    if (request.failure() && request.failure().errorText !== 'net::ERR_ABORTED') {
      problems.push(`request failed: ${request.url()} ${request.failure().errorText}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !page.expectedStatuses.has(response.status())) {
      problems.push(`${response.status()} for ${response.request().method()} ${response.url()}`);
    }
  });
  page.expectedStatuses = new Set();
  return { context, page, problems };
}

async function signIn(page) {
  await page.goto(`${baseUrl}/ui/`);
  await page.getByLabel('Admin token').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}

async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

// Every input, textarea and select has an accessible name.
async function unlabelledControls(page) {
  return page.evaluate(() => [...document.querySelectorAll('input, textarea, select')]
    .filter((el) => el.type !== 'hidden')
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map((el) => el.outerHTML.slice(0, 120)));
}

test('a wrong token is refused and the admin token signs in', async () => {
  const { context, page, problems } = await openPage();
  page.expectedStatuses.add(401);  // the refused sign-in
  await page.goto(`${baseUrl}/ui/`);
  await page.getByLabel('Admin token').fill('not-a-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'does not accept this token' }).waitFor();
  await shot(page, '00-login');
  await page.getByLabel('Admin token').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  problems.splice(0, problems.length, ...problems.filter((p) => !p.includes('401')));
  assert.deepEqual(problems, []);
  await context.close();
});

test('an erasure requested on the privacy page runs to done', async () => {
  const { context, page, problems } = await openPage();
  page.on('dialog', (dialog) => dialog.accept());  // "Erase every piece of data ...?"
  await signIn(page);
  await page.goto(`${baseUrl}/ui/#/privacy`);
  await page.getByRole('heading', { level: 1, name: 'Privacy' }).waitFor();
  await page.getByLabel('Erase customer').fill('cust-00550');
  await page.getByRole('button', { name: 'Request erasure' }).click();
  await page.getByRole('status').filter({ hasText: /Request er_[0-9a-f]+ accepted/ }).waitFor();
  // The list refreshes every 5 s until the request is done.
  await page.locator('table', { hasText: 'Erasure requests' }).locator('.badge.done').waitFor({ timeout: 60000 });
  const profile = await fetch(`${baseUrl}/v1/profiles/cust-00550`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(profile.status, 404, 'the erased customer is gone');
  assert.deepEqual(problems, []);
  await context.close();
});

// Each page, what shows that it has loaded its data, and the screenshot's name.
const PAGES = [
  { path: 'overview', title: 'Overview', ready: async (page) => {
    await page.locator('#stat-customers .stat-value').filter({ hasText: /^[0-9][0-9,. ]*$/ }).waitFor();
    await page.locator('figure.chart').first().waitFor();
    // Live traffic while the page polls (two samples 2 s apart): the rate it shows must rise
    // above zero. The sender stops when it does, or after 1,000 batches.
    let stop = false;
    const sender = (async () => {
      for (let round = 0; round < 1000 && !stop; round++) {
        const batch = Array.from({ length: 20 }, (_, k) => ({ type: 'track', event: 'Product Viewed',
          userId: `cust-${String((round * 20 + k) % 500).padStart(5, '0')}`, properties: { product_id: 'sku-00042' } }));
        const response = await fetch(`${baseUrl}/v1/batch`, { method: 'POST', body: JSON.stringify({ batch }),
          headers: { Authorization: `Bearer ${WRITE_KEY}`, 'Content-Type': 'application/json' } });
        assert.equal(response.status, 200);
      }
    })();
    try {
      await page.waitForFunction(() => Number(document.querySelector('#stat-rate .stat-value').textContent
        .replace(/[^0-9.]/g, '')) > 0, undefined, { timeout: 20000 });
    } finally {
      stop = true;
      await sender;
    }
  } },
  { path: 'customers/cust-00002', title: 'Customers', ready: async (page) => {
    await page.locator('#customer-heading').waitFor();
    await page.locator('#customer-segments li').first().or(page.getByText('In no segment.')).waitFor();
    await page.locator('#recommendations tbody tr').first().waitFor();
  } },
  { path: 'segments/loyal', title: 'Segments', ready: async (page) => {
    await page.locator('#segment-title', { hasText: 'Loyal buyers' }).waitFor();
    await page.locator('table', { hasText: 'Entered' }).waitFor();
  } },
  { path: 'clusters', title: 'Clusters', ready: async (page) => {
    await page.locator('svg.scatter circle').first().waitFor();
    await page.getByRole('button', { name: /Save cluster 0 as a segment/ }).waitFor();
  } },
  { path: 'cohorts', title: 'Cohorts', ready: async (page) => {
    await page.locator('table.heatmap tbody tr').first().waitFor();
  } },
  { path: 'journeys/cart-reminder', title: 'Journeys', ready: async (page) => {
    await page.getByRole('heading', { name: 'A/B results' }).waitFor();
    await page.locator('table', { hasText: '95 % interval' }).waitFor();
  } },
  { path: 'deliveries', title: 'Deliveries', ready: async (page) => {
    await page.locator('#dead-letter-count').waitFor();
    await page.locator('ul.bars li').first().waitFor();
  } },
  { path: 'models', title: 'Models', ready: async (page) => {
    await page.locator('table', { hasText: 'HR@20' }).first().waitFor();
    await page.locator('table', { hasText: 'Holdout AUC' }).waitFor();
  } },
  { path: 'privacy', title: 'Privacy', ready: async (page) => {
    await page.locator('table', { hasText: 'Consent by purpose' }).waitFor();
    await page.locator('table', { hasText: 'Erasure requests' }).or(page.getByText('No erasure requested.')).first().waitFor();
  } },
];

test('every page loads its data without console errors', async () => {
  const { context, page, problems } = await openPage();
  await signIn(page);
  for (const [index, spec] of PAGES.entries()) {
    await page.goto(`${baseUrl}/ui/#/${spec.path}`);
    await page.getByRole('heading', { level: 1, name: spec.title }).waitFor();
    await spec.ready(page);
    assert.deepEqual(await unlabelledControls(page), [], `${spec.title}: unlabelled form controls`);
    await shot(page, `${String(index + 1).padStart(2, '0')}-${spec.path.split('/')[0]}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('a segment is created in the rule editor and its size appears', async () => {
  const { context, page, problems } = await openPage();
  page.expectedStatuses.add(400);  // the previews of the bad rule
  await signIn(page);
  await page.goto(`${baseUrl}/ui/#/segments`);
  await page.getByRole('heading', { level: 1, name: 'Segments' }).waitFor();
  await page.getByLabel('Name').fill('Frequent big buyers');
  // A rule that stops in the middle: the error names the position and it is marked there.
  await page.getByLabel('Rule').fill('orders >= 2 and revenue >');
  const error = page.locator('#rule-error');
  await error.waitFor();
  assert.match(await error.innerText(), /offset 25/);
  assert.equal(await page.locator('#rule-error mark').count(), 1);
  assert.equal(await page.getByRole('button', { name: 'Create segment' }).isDisabled(), true);
  await shot(page, '10-segment-rule-error');
  await page.getByLabel('Rule').fill('orders >= 2 and revenue > 200');
  const preview = page.locator('#preview-size strong');
  await preview.waitFor();
  const previewSize = Number((await preview.innerText()).replace(/[^0-9]/g, ''));
  assert.ok(previewSize > 0, 'the preview finds customers');
  await shot(page, '11-segment-editor');
  await page.getByRole('button', { name: 'Create segment' }).click();
  await page.locator('#segment-title', { hasText: 'Frequent big buyers' }).waitFor();
  // The batch evaluation runs in the background; the detail refreshes until it is ready.
  await page.locator('.detail', { hasText: 'ready' }).waitFor({ timeout: 30000 });
  const size = Number((await page.locator('#segment-size').innerText()).replace(/[^0-9]/g, ''));
  assert.equal(size, previewSize);
  await shot(page, '12-segment-created');
  problems.splice(0, problems.length, ...problems.filter((p) => !p.startsWith('400 ') && !p.includes('status of 400')));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a customer is found and their recommendations are shown with reasons', async () => {
  const { context, page, problems } = await openPage();
  await signIn(page);
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
  await page.getByLabel('Customer', { exact: true }).fill('cust-00002');
  await page.keyboard.press('Enter');
  await page.locator('#customer-heading').waitFor();
  const rows = page.locator('#recommendations tbody tr');
  await rows.first().waitFor();
  assert.ok(await rows.count() > 0);
  // The seed's product views of this customer are a live session: the list is personalised.
  assert.match(await page.locator('#recommendations').innerText(), /^Personalised/);
  const reason = await rows.first().locator('td').last().innerText();
  assert.ok(reason.trim().length > 0, 'each recommendation says why');
  // The profile shown is the customer asked for.
  assert.ok(await page.getByText('cust-00002').first().isVisible());
  await shot(page, '13-customer-recommendations');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the pages are reachable with the keyboard alone', async () => {
  const { context, page, problems } = await openPage();
  await signIn(page);
  // Tab from the top: the skip link first, then the sign-out button, then the navigation.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  let reached = null;
  for (let i = 0; i < 12 && reached === null; i++) {
    await page.keyboard.press('Tab');
    const text = await page.evaluate(() => document.activeElement.textContent);
    if (text === 'Cohorts') reached = text;
  }
  assert.equal(reached, 'Cohorts');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Cohorts' }).waitFor();
  // The new page's heading takes the focus, so a screen reader announces it.
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'page-title',
                             undefined, { timeout: 5000 });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a journey is paused and activated again from its page', async () => {
  const { context, page, problems } = await openPage();
  page.on('dialog', (dialog) => dialog.accept());  // "Pause ...?"
  await signIn(page);
  await page.goto(`${baseUrl}/ui/#/journeys/cart-reminder`);
  await page.locator('#journey-title').waitFor();
  await page.getByRole('button', { name: 'Pause journey' }).click();
  await page.getByRole('button', { name: 'Activate journey' }).waitFor();
  const paused = await fetch(`${baseUrl}/v1/journeys/cart-reminder`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal((await paused.json()).status, 'paused');
  await page.getByRole('button', { name: 'Activate journey' }).click();
  await page.getByRole('button', { name: 'Pause journey' }).waitFor();
  const active = await fetch(`${baseUrl}/v1/journeys/cart-reminder`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal((await active.json()).status, 'active');
  assert.deepEqual(problems, []);
  await context.close();
});
