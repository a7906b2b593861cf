// Faults: a subscriber that stops reading, a database that goes away and
// comes back, and events crossing the server's workers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  ROOT, startServer, stopServer, Stream, publish, request, storedIds, sleep, metric, metrics as metricsOf,
  streamsOnEveryWorker, ONE_ADDRESS_MANY_STREAMS,
} from './lib.mjs';

const HTTP = 18480;
const HTTPS = 18843;

before(() => startServer('faults', HTTP, HTTPS, {
  SSEHUB_HEARTBEAT_MS: '500', SSEHUB_QUEUE_CAP: '262144', ...ONE_ADDRESS_MANY_STREAMS,
}));
after(() => stopServer('faults'));

const metrics = () => metricsOf(HTTP);

test('events reach subscribers on every worker', async () => {
  const subs = await streamsOnEveryWorker(HTTP, '/stream?topic=spread');
  const r = await publish(HTTP, { topic: 'spread', data: 'everyone' });
  for (const s of subs) {
    await s.until((x) => x.events.length === 1, 3000, 'event');
    assert.equal(Number(s.events[0].id), r.json.id);
    s.close();
  }
});

test('a subscriber that stops reading is cut off; others and the publisher are not held', async () => {
  const cutBefore = metric(await metrics(), 'ssehub_slow_disconnects_total').reduce((a, b) => a + b, 0);
  const stalled = new Stream(HTTP, { path: '/stream?topic=flood', read: false });
  const healthy = new Stream(HTTP, { path: '/stream?topic=flood' });
  await healthy.until((x) => x.retry !== null, 3000, 'open');
  await sleep(100);
  const chunk = 'x'.repeat(60000);
  const ids = [];
  const t0 = Date.now();
  for (let i = 0; i < 150; i++) {
    const r = await publish(HTTP, { topic: 'flood', data: chunk });
    assert.equal(r.status, 201);
    ids.push(r.json.id);
  }
  const publishMs = Date.now() - t0;
  await healthy.until((x) => x.events.length === 150, 10000, 'all 150 for the healthy one');
  assert.deepEqual(healthy.ids(), ids);
  // A client that does not read cannot see the close: ask the server.
  let cutAfter = cutBefore;
  for (let i = 0; i < 50 && cutAfter === cutBefore; i++) {
    await sleep(100);
    cutAfter = metric(await metrics(), 'ssehub_slow_disconnects_total').reduce((a, b) => a + b, 0);
  }
  assert.equal(cutAfter, cutBefore + 1, 'the stalled subscriber was cut off');
  stalled.sock.resume();
  await stalled.until((x) => x.closed, 5000, 'stalled socket closed once drained');
  // The publisher never waited on the stalled socket: 150 commits of 60 kB.
  assert.ok(publishMs < 10000, `publishing took ${publishMs} ms`);
  healthy.close();
});

test('database outage: 503 with Retry-After, streams stay open, all resumes by itself', async () => {
  const pg = path.join(ROOT, 'tests/lib/pg.sh');
  const varDir = process.env.ITEST_VAR || path.join(ROOT, 'var/itest');
  const port = process.env.ITEST_PG_PORT || '18432';
  const s = new Stream(HTTP, { path: '/stream?topic=outage' });
  await s.until((x) => x.retry !== null, 3000, 'open');
  const first = await publish(HTTP, { topic: 'outage', data: 'before' });
  await s.until((x) => x.events.length === 1, 3000, 'before');

  execFileSync(pg, ['stop', varDir]);
  try {
    await sleep(500);
    const r = await publish(HTTP, { topic: 'outage', data: 'during' });
    assert.equal(r.status, 503);
    assert.ok(r.headers['retry-after'], 'Retry-After present');
    assert.match(r.json.error, /database/);
    const h = await request(HTTP, { path: '/healthz' });
    assert.equal(h.status, 503);
    const beats = s.comments;
    await sleep(1500);
    assert.equal(s.closed, false, 'stream still open');
    assert.ok(s.comments > beats, 'heartbeats continue during the outage');
  } finally {
    execFileSync(pg, ['start', varDir, port]);
  }

  // Reconnects back off up to 3 s.
  let ok = null;
  for (let i = 0; i < 50 && !ok; i++) {
    await sleep(200);
    const r = await publish(HTTP, { topic: 'outage', data: 'after' });
    if (r.status === 201) ok = r;
  }
  assert.ok(ok, 'publish works again without restarting ssehub');
  await s.until((x) => x.events.length >= 2, 5000, 'delivery resumed');
  assert.deepEqual(s.ids(), storedIds(first.json.id - 1, 'outage'));
  assert.equal((await request(HTTP, { path: '/healthz' })).status, 200);
  s.close();
});

test('a client that closes is noticed at once, also after its stream settled', async () => {
  const count = async () => metric(await metrics(), 'ssehub_subscribers').reduce((a, b) => a + b, 0);
  const base = await count();
  const streams = Array.from({ length: 10 }, () => new Stream(HTTP, { path: '/stream?topic=bye' }));
  for (const s of streams) await s.until((x) => x.retry !== null, 3000, 'open');
  await sleep(600); // settled: its request freed, nothing more to read
  assert.equal(await count(), base + 10);
  for (const s of streams) s.close();
  let n = base + 10;
  for (let i = 0; i < 20 && n !== base; i++) {
    await sleep(50);
    n = await count();
  }
  assert.equal(n, base, 'every closed stream was removed');
});
