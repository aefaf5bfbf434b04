// Interoperation with an independent Kafka client: kafkajs (its own implementation of the Kafka
// protocol, in JavaScript) against a mercato node in cluster mode, both on the mock Kafka cluster
// of tests/tools/kafka_mock.
//  - Events kafkajs produces (plain Segment JSON, keyed by userId with Kafka's default
//    partitioner) are validated and processed: they come back through the profile API.
//  - A record that is not an event, or is in another partition than its customer's, is rejected
//    and counted, and the records after it are still processed.
//  - Events sent to mercato's HTTP API are readable with kafkajs from the topic, keyed by the
//    customer and carrying mercato's headers.
//
// Run by CTest (MERCATO_BINARY, MERCATO_KAFKA_MOCK) after `npm install` in this folder.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LISTENING, startAndMatch } from './process.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, Partitioners, logLevel } from 'kafkajs';

const WRITE_KEY = 'kafka-write-key';
const ADMIN_KEY = 'kafka-admin-key';
const TOPIC = 'mercato.events';
const PARTITIONS = 4;
let mock;
let server;
let baseUrl;
let brokers;
let dataDir;

function auth(key) {
  return { Authorization: 'Basic ' + Buffer.from(`${key}:`).toString('base64') };
}

async function waitFor(what, check, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} never happened`);
}

async function profile(id) {
  const response = await fetch(`${baseUrl}/v1/profiles/${encodeURIComponent(id)}`, { headers: auth(ADMIN_KEY) });
  return response.status === 200 ? response.json() : null;
}

async function metric(name) {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

before(async () => {
  assert.ok(process.env.MERCATO_KAFKA_MOCK, 'MERCATO_KAFKA_MOCK must name the kafka_mock binary');
  assert.ok(process.env.MERCATO_BINARY, 'MERCATO_BINARY must name the mercato binary');
  const started = startAndMatch(process.env.MERCATO_KAFKA_MOCK,
                                ['--brokers', '3', '--topic', `${TOPIC}:${PARTITIONS}`],
                                /bootstrap (\S+)/, 'pipe');
  mock = started.child;
  brokers = await started.ready;
  dataDir = mkdtempSync(join(tmpdir(), 'mercato-kafka-'));
  const node = startAndMatch(process.env.MERCATO_BINARY,
                             ['serve', '--data-dir', dataDir, '--port', '0', '--kafka-brokers', brokers,
                              '--write-key', WRITE_KEY, '--admin-key', ADMIN_KEY,
                              '--privacy-policy', fileURLToPath(new URL('../../deploy/cluster/privacy-policy.json', import.meta.url))],
                             LISTENING);
  server = node.child;
  baseUrl = await node.ready;
  await waitFor('readiness', async () => (await fetch(`${baseUrl}/readyz`)).status === 200);
});

after(async () => {
  // The node first (it leaves the group and flushes), then the cluster it talks to.
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.on('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (mock) mock.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('events produced with kafkajs are validated and processed', async () => {
  const kafka = new Kafka({ clientId: 'kafkajs-interop', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const users = ['kjs-alice', 'kjs-bob', 'kjs-carol', 'kjs-dave', 'kjs-erin'];
  const messages = [];
  for (const user of users) {
    messages.push({ key: user, value: JSON.stringify({ type: 'identify', userId: user, traits: { plan: 'pro' } }) });
    for (let i = 0; i < 3; ++i) {
      messages.push({ key: user, value: JSON.stringify({ type: 'track', userId: user, event: 'Order Completed',
                                                         properties: { revenue: 10 + i } }) });
    }
  }
  // Not an event; and an event keyed by another customer than its own. Both rejected.
  messages.push({ key: 'kjs-alice', value: 'this is not JSON' });
  await producer.send({ topic: TOPIC, messages });
  const strangers = [...Array(PARTITIONS).keys()].map((p) => ({
    key: 'kjs-stranger', partition: p,
    value: JSON.stringify({ type: 'track', userId: 'kjs-stranger', event: 'Order Completed' }) }));
  await producer.send({ topic: TOPIC, messages: strangers });
  // Records after the rejected ones are still processed.
  await producer.send({ topic: TOPIC, messages: [{ key: 'kjs-alice', value: JSON.stringify(
    { type: 'track', userId: 'kjs-alice', event: 'Product Viewed', properties: { product_id: 'p1' } }) }] });
  await producer.disconnect();

  for (const user of users) {
    const found = await waitFor(`profile ${user}`, async () => {
      const p = await profile(user);
      return p && p.features.events && p.features.events['Order Completed'] === 3 ? p : null;
    });
    assert.equal(found.traits.plan, 'pro');
  }
  await waitFor('the event after the rejected records', async () => {
    const p = await profile('kjs-alice');
    return p && p.features.events['Product Viewed'] === 1;
  });
  // kjs-stranger's partition accepted its record; the other PARTITIONS-1 copies were refused.
  await waitFor('the rejected records counted', async () => (await metric('mercato_kafka_rejected_total')) === PARTITIONS);
  const stranger = await profile('kjs-stranger');
  assert.equal(stranger.features.events['Order Completed'], 1);
});

test('events sent over HTTP are readable with kafkajs', async () => {
  const response = await fetch(`${baseUrl}/v1/track`, {
    method: 'POST', headers: { ...auth(WRITE_KEY), 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId: 'http-user', event: 'Signed Up', messageId: 'http-signup-1' }) });
  assert.equal(response.status, 200);

  const kafka = new Kafka({ clientId: 'kafkajs-reader', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: 'kafkajs-reader' });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  let found;
  await consumer.run({ eachMessage: async ({ message, partition }) => {
    if (message.key && message.key.toString() === 'http-user') found = { message, partition };
  } });
  await waitFor('the HTTP event in the topic', async () => found);
  await consumer.disconnect();
  assert.equal(found.message.headers['mercato-format'].toString(), '1');
  assert.equal(found.message.headers['mercato-message-id'].toString(), 'http-signup-1');
  const event = JSON.parse(found.message.value.toString());
  assert.equal(event.event, 'Signed Up');
  assert.equal(event.userId, 'http-user');
  // kafkajs's own partitioner would put the key where mercato did.
  const partitioner = Partitioners.DefaultPartitioner();
  const expected = partitioner({ topic: TOPIC, message: { key: 'http-user' },
                                 partitionMetadata: [...Array(PARTITIONS).keys()].map((p) => ({ partitionId: p, leader: 1 })) });
  assert.equal(found.partition, expected);
});
