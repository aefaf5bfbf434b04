// End-to-end: the official Segment and RudderStack Node SDKs, unmodified apart from the host, send
// to a real `mercato serve`; the events must come back through the profile API.
//
// Run by CTest (MERCATO_BINARY names the binary) after `npm ci` in this folder.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LISTENING, startAndMatch } from './process.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Analytics } from '@segment/analytics-node';

const require = createRequire(import.meta.url);
const RudderAnalytics = require('@rudderstack/rudder-sdk-node');

const WRITE_KEY = 'sdk-write-key';
const READ_KEY = 'sdk-read-key';
const binary = process.env.MERCATO_BINARY;
let server;
let baseUrl;
let dataDir;

async function startServer() {
  assert.ok(binary, 'MERCATO_BINARY must name the mercato binary');
  dataDir = mkdtempSync(join(tmpdir(), 'mercato-sdk-'));
  const started = startAndMatch(binary, ['serve', '--data-dir', dataDir, '--port', '0', '--write-key', WRITE_KEY,
                                         '--read-key', READ_KEY], LISTENING);
  server = started.child;
  return started.ready;
}

function readAuth() {
  return { Authorization: 'Basic ' + Buffer.from(`${READ_KEY}:`).toString('base64') };
}

// Polls the profile API until `check(profile)` holds, for at most 20 s.
async function waitForProfile(id, check) {
  const deadline = Date.now() + 20000;
  let last;
  while (Date.now() < deadline) {
    const response = await fetch(`${baseUrl}/v1/profiles/${encodeURIComponent(id)}`, { headers: readAuth() });
    if (response.status === 200) {
      last = await response.json();
      if (check(last)) return last;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`profile ${id} never satisfied the check; last: ${JSON.stringify(last)}`);
}

async function allEvents(id) {
  const response = await fetch(`${baseUrl}/v1/profiles/${encodeURIComponent(id)}/events?limit=1000`,
                               { headers: readAuth() });
  assert.equal(response.status, 200);
  return (await response.json()).events;
}

before(async () => { baseUrl = await startServer(); });
after(() => {
  if (server) server.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('@segment/analytics-node delivers every call type', async () => {
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: baseUrl, flushInterval: 50, maxRetries: 0 });
  const errors = [];
  analytics.on('error', (error) => errors.push(error));
  analytics.page({ anonymousId: 'seg-anon-1', name: 'Home', properties: { path: '/' } });
  analytics.track({ anonymousId: 'seg-anon-1', event: 'Product Viewed',
                    properties: { product_id: 'p1', category: 'Shoes', price: 80 } });
  analytics.identify({ anonymousId: 'seg-anon-1', userId: 'seg-user-1',
                       traits: { email: 'Seg.User@example.com', plan: 'gold' } });
  analytics.track({ userId: 'seg-user-1', event: 'Order Completed',
                    properties: { order_id: 'o-1', revenue: 80, products: [{ product_id: 'p1', category: 'Shoes', price: 80, quantity: 1 }] } });
  analytics.screen({ userId: 'seg-user-1', name: 'Cart' });
  analytics.group({ userId: 'seg-user-1', groupId: 'team-7', traits: { name: 'Team 7' } });
  analytics.alias({ previousId: 'seg-old-id', userId: 'seg-user-1' });
  await analytics.closeAndFlush({ timeout: 10000 });
  assert.deepEqual(errors, []);

  const profile = await waitForProfile('seg-user-1', (p) => p.features?.event_counts?.track === 2 &&
                                                            p.features?.event_counts?.alias === 1);
  assert.equal(profile.traits.plan, 'gold');
  assert.equal(profile.features.orders, 1);
  assert.equal(profile.features.revenue, 80);
  const counts = profile.features.event_counts;
  assert.equal(counts.page, 1);
  assert.equal(counts.identify, 1);
  assert.equal(counts.screen, 1);
  assert.equal(counts.group, 1);
  // The anonymous id and the e-mail lead to the same customer.
  const byAnon = await waitForProfile('seg-anon-1', () => true);
  assert.equal(byAnon.customerId, profile.customerId);
  const byEmail = await waitForProfile('seg.user@example.com', () => true);
  assert.equal(byEmail.customerId, profile.customerId);
  const events = await allEvents('seg-user-1');
  assert.equal(events.length, 7);
  for (const event of events) {
    assert.ok(event.messageId, 'the SDK messageId is kept');
    assert.ok(event.context?.library?.name, 'the SDK context is kept');
  }
});

test('@rudderstack/rudder-sdk-node delivers track and identify', async () => {
  const client = new RudderAnalytics(WRITE_KEY, { dataPlaneUrl: baseUrl, flushAt: 2, flushInterval: 50,
                                                  retryCount: 0, logLevel: 'error' });
  client.identify({ userId: 'rudder-user-1', traits: { email: 'rudder@example.com', tier: 'silver' } });
  client.track({ userId: 'rudder-user-1', event: 'Product Added', properties: { product_id: 'p9', category: 'Hats' } });
  client.track({ userId: 'rudder-user-1', event: 'Order Completed', properties: { order_id: 'r-1', revenue: 25.5 } });
  await new Promise((resolve, reject) => client.flush((error) => (error ? reject(error) : resolve())));
  const profile = await waitForProfile('rudder-user-1', (p) => p.features?.orders === 1 &&
                                                               p.features?.event_counts?.track === 2);
  assert.equal(profile.traits.tier, 'silver');
  assert.equal(profile.features.revenue, 25.5);
});

test('a wrong write key is refused', async () => {
  const analytics = new Analytics({ writeKey: 'not-a-key', host: baseUrl, flushInterval: 50, maxRetries: 0 });
  const errors = [];
  analytics.on('error', (error) => errors.push(error));
  analytics.track({ userId: 'intruder', event: 'Nope' });
  await analytics.closeAndFlush({ timeout: 10000 });
  assert.ok(errors.length > 0, 'the SDK reports the 401');
  const response = await fetch(`${baseUrl}/v1/profiles/intruder`, { headers: readAuth() });
  assert.equal(response.status, 404);
});
