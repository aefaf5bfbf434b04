#!/usr/bin/env node
// Gives a freshly generated demo shop something to show on every dashboard page: model runs
// (RFM, clusters, cohorts, predictions), three segments, two e-mail templates, an active A/B
// journey, and a little live traffic through the HTTP API (carts and orders of demo customers)
// that the journey reacts to. Idempotent enough to run on every `make demo`: what exists is kept.
//
// Usage: node scripts/demo-seed.mjs --url http://127.0.0.1:8080 --admin-key K --write-key K
//                                   --as-of 2026-05-01T00:00:00Z [--customers 60] [--quiet]
// Also imported by tests/e2e/dashboard.test.mjs (seedDemo).

import { argv, exit } from 'node:process';
import { pathToFileURL } from 'node:url';

function basic(key) {
  return 'Basic ' + Buffer.from(`${key}:`).toString('base64');
}

async function call(options, method, path, body, key = options.adminKey) {
  const response = await fetch(`${options.url}${path}`, {
    method,
    headers: { Authorization: basic(key), 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  return { status: response.status, data };
}

async function must(options, method, path, body, okStatuses, key) {
  const result = await call(options, method, path, body, key);
  if (!okStatuses.includes(result.status)) {
    throw new Error(`${method} ${path}: ${result.status} ${JSON.stringify(result.data)}`);
  }
  return result;
}

async function waitReady(options) {
  for (let i = 0; i < 300; i++) {
    try {
      const response = await fetch(`${options.url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${options.url} did not become ready within 60 s`);
}

async function run(options, kind, params) {
  const started = await must(options, 'POST', '/v1/analytics/runs', params ? { kind, params } : { kind }, [202]);
  for (let i = 0; i < 1200; i++) {
    const { data } = await must(options, 'GET', started.data.status_url, undefined, [200]);
    if (data.status === 'done') return data;
    if (data.status === 'failed') throw new Error(`${kind} run failed: ${data.error}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${kind} run did not finish within 5 minutes`);
}

const SEGMENTS = [
  { id: 'loyal', name: 'Loyal buyers', rule: 'orders >= 3' },
  { id: 'big-spenders', name: 'Big spenders', rule: 'revenue > 500' },
  { id: 'at-risk', name: 'Likely to churn', rule: 'churn_probability > 0.5' },
];

const TEMPLATES = {
  'cart-reminder': {
    name: 'Cart reminder',
    subject: 'You left something in your cart',
    text: 'Hello {{first_name}},\n\nyour cart is waiting for you.\n',
  },
  'cart-reminder-10': {
    name: 'Cart reminder with 10% off',
    subject: '10% off what you left in your cart',
    text: 'Hello {{first_name}},\n\nfinish your order today with 10% off.\n',
  },
};

const JOURNEY = {
  id: 'cart-reminder',
  name: 'Cart reminder A/B',
  trigger: { event: 'Product Added' },
  reentry: { after: '7d' },
  goal: { event: 'Order Completed', within: '3d' },
  steps: [
    { id: 'ab', split: { variants: [{ name: 'plain', next: 'remind' }, { name: 'discount', next: 'remind-10' }], control: 10 } },
    { id: 'remind', send: { channel: 'email', template: 'cart-reminder' }, next: 'done' },
    { id: 'remind-10', send: { channel: 'email', template: 'cart-reminder-10' } },
    { id: 'done', exit: true },
  ],
};

// Two product views and a cart for `count` demo customers (a live session that recommendations
// use; some decide about e-mail consent on the way, so the journey's e-mails meet the consent
// guard and, without an SMTP server, become dead letters), and orders for about a third of them (more after the
// discount variant, whichever they got: the split is random, the conversions are ours).
function traffic(count, now) {
  const batch = [];
  for (let i = 0; i < count; i++) {
    const userId = `cust-${String(i).padStart(5, '0')}`;
    const product = `sku-${String((i * 7) % 300).padStart(5, '0')}`;
    const viewed = `sku-${String((i * 7 + 3) % 300).padStart(5, '0')}`;
    for (const [k, item] of [viewed, product].entries()) {
      const view = { type: 'track', event: 'Product Viewed', userId, timestamp: new Date(now - 60000 + k * 10000).toISOString(),
        messageId: `demo-seed-view-${k}-${userId}`, properties: { product_id: item } };
      // Two in three decide about e-mail marketing on their first view: two thirds of those agree.
      if (k === 0 && i % 3 !== 2) view.context = { consent: { categoryPreferences: { email: i % 3 === 0 } } };
      batch.push(view);
    }
    batch.push({ type: 'track', event: 'Product Added', userId, timestamp: new Date(now).toISOString(),
      messageId: `demo-seed-add-${userId}`,
      properties: { product_id: product, price: 20 + (i % 5) * 5, quantity: 1 } });
  }
  return batch;
}

function orders(count, now) {
  const batch = [];
  for (let i = 0; i < count; i += 3) {
    const userId = `cust-${String(i).padStart(5, '0')}`;
    batch.push({ type: 'track', event: 'Order Completed', userId, timestamp: new Date(now).toISOString(),
      messageId: `demo-seed-order-${userId}`,
      properties: { order_id: `demo-${userId}`, revenue: 30 + (i % 4) * 10, currency: 'EUR',
        products: [{ product_id: `sku-${String((i * 7) % 300).padStart(5, '0')}`, price: 30, quantity: 1 }] } });
  }
  return batch;
}

export async function seedDemo(options) {
  const log = options.quiet ? () => {} : (m) => console.log(`demo-seed: ${m}`);
  await waitReady(options);
  const runs = (await must(options, 'GET', '/v1/analytics/runs?limit=50', undefined, [200])).data.runs;
  const done = new Set(runs.filter((r) => r.status === 'done').map((r) => r.kind));
  for (const kind of ['rfm', 'cluster', 'cohorts', 'predict']) {
    if (done.has(kind)) continue;
    log(`running ${kind}`);
    await run(options, kind, kind === 'predict' ? { as_of: options.asOf } : undefined);
  }
  for (const segment of SEGMENTS) {
    const result = await call(options, 'POST', '/v1/segments', segment);
    if (result.status === 201) log(`segment ${segment.id} created`);
    else if (result.status !== 409) throw new Error(`segment ${segment.id}: ${JSON.stringify(result.data)}`);
  }
  for (const [id, template] of Object.entries(TEMPLATES)) {
    await must(options, 'PUT', `/v1/templates/${id}`, template, [200, 201]);
  }
  const journey = await call(options, 'POST', '/v1/journeys', JOURNEY);
  if (journey.status !== 201 && journey.status !== 409) throw new Error(`journey: ${JSON.stringify(journey.data)}`);
  await must(options, 'POST', `/v1/journeys/${JOURNEY.id}/activate`, {}, [200]);
  if (journey.status === 201) {
    log(`journey ${JOURNEY.id} active; sending carts and orders of ${options.customers} customers`);
    const now = Date.now();
    await must(options, 'POST', '/v1/batch', { batch: traffic(options.customers, now) }, [200], options.writeKey);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await must(options, 'POST', '/v1/batch', { batch: orders(options.customers, now + 1000) }, [200], options.writeKey);
  }
  log('done');
}

function parseArgs(args) {
  const options = { customers: 60, quiet: false };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = () => {
      if (i + 1 >= args.length) throw new Error(`${flag} needs a value`);
      return args[++i];
    };
    if (flag === '--url') options.url = value();
    else if (flag === '--admin-key') options.adminKey = value();
    else if (flag === '--write-key') options.writeKey = value();
    else if (flag === '--as-of') options.asOf = value();
    else if (flag === '--customers') options.customers = Number(value());
    else if (flag === '--quiet') options.quiet = true;
    else throw new Error(`unknown flag ${flag}`);
  }
  for (const required of ['url', 'adminKey', 'writeKey', 'asOf']) {
    if (!options[required]) throw new Error(`--${required.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is required`);
  }
  if (!Number.isInteger(options.customers) || options.customers < 1 || options.customers > 2000) {
    throw new Error('--customers must be an integer from 1 to 2000');
  }
  return options;
}

if (import.meta.url === pathToFileURL(argv[1]).href) {
  try {
    await seedDemo(parseArgs(argv.slice(2)));
  } catch (error) {
    console.error(`demo-seed: ${error.message}`);
    exit(1);
  }
}
