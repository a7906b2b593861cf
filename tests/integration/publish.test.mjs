// POST /publish: authentication, validation (nothing invalid is stored),
// acknowledgement after COMMIT, ordering under concurrent publishers, and
// the built-in ticker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopServer, Stream, publish, request, headId, storedIds, psql,
  assertIncreasing, workerPids, TOKEN,
} from './lib.mjs';

const HTTP = 18380;
const HTTPS = 18743;

before(() => startServer('publish', HTTP, HTTPS, { SSEHUB_HEARTBEAT_MS: '1000' }));
after(() => stopServer('publish'));

const JSON_CT = { 'Content-Type': 'application/json' };
const AUTH = { Authorization: `Bearer ${TOKEN}` };

async function refused(opts, status, pattern) {
  const before1 = headId();
  const r = await request(HTTP, { method: 'POST', path: '/publish', ...opts });
  assert.equal(r.status, status, `${r.status} ${r.body}`);
  assert.match(r.headers['content-type'], /application\/json/);
  const body = JSON.parse(r.body.toString());
  assert.match(body.error, pattern);
  assert.equal(headId(), before1, 'nothing stored');
  return r;
}

test('one event: 201 {"id"} after commit, stored with defaults', async () => {
  const r = await publish(HTTP, { data: 'plain' });
  assert.equal(r.status, 201);
  assert.equal(typeof r.json.id, 'number');
  const row = psql(`SELECT topic, event, data FROM ssehub.events WHERE id = ${r.json.id}`);
  assert.equal(row, 'default|message|plain');
});

test('an array is one transaction: 201 {"ids"} consecutive', async () => {
  const r = await publish(HTTP, [{ topic: 't1', data: 'a' }, { topic: 't2', event: 'x', data: 'b' }]);
  assert.equal(r.status, 201);
  assert.equal(r.json.ids.length, 2);
  assert.equal(r.json.ids[1], r.json.ids[0] + 1);
});

test('401 for a missing or wrong token, with a Bearer challenge', async () => {
  let r = await refused({ headers: JSON_CT, body: '{"data":"x"}' }, 401, /token/);
  assert.match(r.headers['www-authenticate'], /^Bearer/);
  r = await refused({ headers: { ...JSON_CT, Authorization: `Bearer ${TOKEN}x` }, body: '{"data":"x"}' }, 401, /token/);
  await refused({ headers: { ...JSON_CT, Authorization: `Basic ${TOKEN}` }, body: '{"data":"x"}' }, 401, /token/);
});

test('400 for bad JSON or bad fields; nothing stored', async () => {
  const cases = [
    ['{"data":', /JSON/],
    ['[]', /empty/],
    ['{"topic":"a b","data":"x"}', /topic/],
    ['{"topic":"' + 'x'.repeat(65) + '","data":"x"}', /topic/],
    ['{"event":"a\\nb","data":"x"}', /event/],
    ['{"event":"' + 'e'.repeat(65) + '","data":"x"}', /event/],
    ['{"data":"nul \\u0000 here"}', /NUL/],
    ['{"data":"\\ud800"}', /JSON|UTF-8|surrogate/],
    ['{"topic":"a"}', /data/],
    ['{"data":"x","extra":1}', /unknown/],
    ['[{"data":"ok"},{"topic":"bad topic","data":"x"}]', /topic/],
  ];
  for (const [body, pattern] of cases) {
    await refused({ headers: { ...JSON_CT, ...AUTH }, body }, 400, pattern);
  }
  // Broken UTF-8 in the raw bytes.
  await refused({ headers: { ...JSON_CT, ...AUTH }, body: Buffer.from([0x7b, 0x22, 0x64, 0x61, 0x74, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]) }, 400, /UTF-8/);
});

test('413 over 64 KiB, 415 without JSON content type, 405 for GET', async () => {
  // A body over http_body_max (64 KiB) is refused from its Content-Length
  // before Kore buffers any of it (src/http_limit.c), in JSON like every
  // other error; nothing is stored.
  const head0 = headId();
  // Only the head: the answer comes from the Content-Length and the
  // connection closes, so a client still sending its body could see a
  // reset instead of the 413.
  const r413 = await request(HTTP, {
    method: 'POST', path: '/publish',
    headers: { ...JSON_CT, ...AUTH, 'Content-Length': '70000' },
  });
  assert.equal(r413.status, 413);
  assert.equal(r413.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(r413.body), { error: 'body over 65536 bytes' });
  assert.equal(headId(), head0);
  await refused({ headers: { 'Content-Type': 'text/plain', ...AUTH }, body: '{"data":"x"}' }, 415, /application\/json/);
  const r = await request(HTTP, { path: '/publish', headers: AUTH });
  assert.equal(r.status, 405);
  assert.equal(r.headers.allow, 'POST');
});

test('8 concurrent publishers, 3 subscribers: every acked id once, in order', async () => {
  const subs = [0, 1, 2].map(() => new Stream(HTTP, { path: '/stream?topic=conc' }));
  for (const s of subs) await s.until((x) => x.retry !== null, 3000, 'open');
  const acked = [];
  await Promise.all(Array.from({ length: 8 }, async (_, p) => {
    for (let i = 0; i < 40; i++) {
      const r = await publish(HTTP, { topic: 'conc', data: `${p}-${i}` });
      assert.equal(r.status, 201);
      acked.push(r.json.id);
    }
  }));
  acked.sort((a, b) => a - b);
  for (const s of subs) {
    await s.until((x) => x.events.length >= acked.length, 5000, 'all acked ids');
    assert.deepEqual(s.ids(), acked);
    assertIncreasing(assert, s.ids());
    s.close();
  }
  assert.deepEqual(storedIds(acked[0] - 1, 'conc'), acked);
});

test('healthz and metrics answer with the figures', async () => {
  const h = await request(HTTP, { path: '/healthz' });
  assert.equal(h.status, 200);
  assert.equal(JSON.parse(h.body).status, 'ok');
  const m = (await request(HTTP, { path: '/metrics' })).body.toString();
  for (const name of ['ssehub_subscribers', 'ssehub_events_published_total', 'ssehub_frames_delivered_total',
    'ssehub_events_replayed_total', 'ssehub_slow_disconnects_total', 'ssehub_db_errors_total', 'ssehub_fanout_seconds_bucket']) {
    assert.match(m, new RegExp(`^${name}\\{worker="1"`, 'm'), name);
  }
  const published = [...m.matchAll(/^ssehub_events_published_total\{worker="\d"\} (\d+)/gm)].reduce((a, x) => a + Number(x[1]), 0);
  assert.ok(published >= 320, `published total ${published}`);
});

test('the ticker stores and delivers a system event each period', async () => {
  startServer('ticker', 18390, 18753, { SSEHUB_TICK_MS: '200' });
  try {
    const s = new Stream(18390, { path: '/stream?topic=system' });
    await s.until((x) => x.events.length >= 3, 3000, 'three ticks');
    for (const e of s.events) {
      assert.match(e.data, /^\d\d:\d\d:\d\d - System update$/);
      assert.equal(e.event, 'message');
    }
    assert.deepEqual(s.ids(), storedIds(s.ids()[0] - 1, 'system').slice(0, s.ids().length));
    s.close();
  } finally {
    stopServer('ticker');
  }
});

// A group commit of megabytes: libpq grows its output buffer with
// realloc(), which glibc does with mremap() past 128 KiB, a call Kore's
// seccomp filter did not allow: the worker was killed (SIGSYS) and its
// publishers got their connections reset (found by make bench, 64
// publishers of 100-event arrays).
test('a group commit of megabytes: every array stored, no worker killed', async () => {
  const pids = workerPids('publish');
  const base = headId();
  const data = 'x'.repeat(500);
  // Commits growing round after round: each one's query outgrows the
  // buffer the one before left (which glibc had mapped on its own).
  let stored = 0;
  for (const n of [5, 20, 60, 120]) {
    const arrays = Array.from({ length: 64 }, (_, i) =>
      Array.from({ length: n }, (_, j) => ({ topic: 'big-commit', data: `${i}/${j} ${data}` })));
    const answers = await Promise.all(arrays.map((a) => publish(HTTP, a)));
    assert.deepEqual(answers.map((r) => r.status), arrays.map(() => 201), `arrays of ${n}`);
    stored += 64 * n;
  }
  assert.equal(storedIds(base, 'big-commit').length, stored);
  assert.deepEqual(workerPids('publish'), pids, 'the same workers');
});
